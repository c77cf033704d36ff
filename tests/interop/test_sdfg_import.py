"""`sluice.interop.sdfg_import.from_sdfg`: DaCe SDFGs imported into sluice programs.

The bench kernels are parsed by DaCe's own frontend (with its structured control-flow regions),
imported, then run by sluice's interpreter and its CPU backend on the "test" size and compared
with NumPy. Kernels that do not import are listed with the SDFG node that blocks them, and
kernels DaCe's frontend cannot parse are listed too: both tables are strict, so a kernel that
starts working must move. Hand-made `.sdfg` files check refusals without DaCe.
"""

from __future__ import annotations

import copy
import gzip
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sluice.ir as ir
from sluice.errors import SluiceError
from sluice.interop.sdfg_import import from_sdfg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.kernels import ALL, load  # noqa: E402

# DaCe 1.0.2's frontend fails on these (exception type it raises).
DACE_CANNOT_PARSE = {
    "crc16": "DaceSyntaxError", "azimint_hist": "DaceSyntaxError",
    "compute": "DaceSyntaxError", "cavity_flow": "DaceSyntaxError",
    "channel_flow": "DaceSyntaxError", "cholesky2": "DaceSyntaxError",
    "contour_integral": "DaceSyntaxError", "deriche": "IndexError",
    "gramschmidt": "DaceSyntaxError", "lenet": "DaceSyntaxError",
    "mandelbrot1": "TypeError", "mandelbrot2": "DaceSyntaxError",
    "nussinov": "DaceSyntaxError", "resnet": "DaceSyntaxError",
    "stockham_fft": "DaceSyntaxError",
}

# Kernels DaCe parses but sluice refuses: (the node the error names, why).
REFUSED = {
    "correlation": ("Tasklet 'assign_104_8' in state 'assign_104_8'",
                    "write-conflict resolution (lambda x, y: (x / y))"),
    "covariance2": ("Tasklet 'callback_23' in state 'Attribute_23'", "pyobject"),
    "scattering_self_energies": ("NestedSDFG 'einsum' in state 'BinOp_40_0'",
                                 "a reshape sluice cannot express"),
}

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # (DaCe's frontend notes)

PARSED = [k for k in ALL if k not in DACE_CANNOT_PARSE]


def test_target_share_of_dace_parsed_kernels_imports() -> None:
    assert set(REFUSED) <= set(PARSED)
    share = (len(PARSED) - len(REFUSED)) / len(PARSED)
    assert share >= 0.8, f"only {share:.0%} of the DaCe-parsed kernels import"


# --- the bench kernels through DaCe's frontend ------------------------------------------------

def _dace_sdfg(module: Any, args: tuple) -> Any:
    """DaCe's SDFG of the kernel, made as the bench's DaCe peer makes its program."""
    import dace

    from bench.peers import _dace_build_folder, _networkx_compat

    _networkx_compat()
    folder = _dace_build_folder()
    dace.config.Config.set("default_build_folder", value=folder)
    fn = getattr(module, "kernel_dace", module.kernel_numpy)
    program = dace.program(use_experimental_cfg_blocks=True)(fn)
    cwd = os.getcwd()
    os.chdir(folder)  # (DaCe writes _dacegraphs/ next to the working directory on failures)
    try:
        return program.to_sdfg(*args)
    finally:
        os.chdir(cwd)


def _call_args(module: Any, args: tuple, program: ir.Program) -> list[Any]:
    """The kernel's arguments by the names the SDFG keeps (DaCe folds compile-time ones)."""
    fn = getattr(module, "kernel_dace", module.kernel_numpy)
    by_name = dict(zip(inspect.signature(fn).parameters, args, strict=False))
    return [by_name[a] for a in program.args]


def _check_outputs(module: Any, args: tuple, result: Any, what: str) -> None:
    from bench.harness import compare, numpy_reference
    from bench.peers import DacePeer

    got = DacePeer().outputs(module, args, result)
    diff = compare(numpy_reference(module, "test"), got)
    assert diff == "", f"{module.NAME} on {what}: {diff}"


@pytest.mark.parametrize("name", ALL)
def test_bench_kernel(name: str) -> None:
    pytest.importorskip("dace")
    from sluice.backends.cpu import build

    module = load(name)
    args = module.init(**module.SIZES["test"])
    if name in DACE_CANNOT_PARSE:
        with pytest.raises(Exception) as err:
            _dace_sdfg(module, args)
        assert type(err.value).__name__ == DACE_CANNOT_PARSE[name], \
            f"{name}: DaCe parses it now; move it out of DACE_CANNOT_PARSE"
        return
    sdfg = _dace_sdfg(module, args)
    if name in REFUSED:
        node, why = REFUSED[name]
        with pytest.raises(SluiceError) as err:
            from_sdfg(sdfg)
        assert node in str(err.value) and why in str(err.value), str(err.value)
        return
    program = from_sdfg(sdfg)
    interpreted = module.init(**module.SIZES["test"])
    result = ir.interpret(program, *_call_args(module, interpreted, program))
    _check_outputs(module, interpreted, result, "the interpreter")
    compiled = module.init(**module.SIZES["test"])
    result = build(program)(*_call_args(module, compiled, program))
    _check_outputs(module, compiled, result, "the CPU backend")


def test_files_and_json_import_alike(tmp_path: Path) -> None:
    pytest.importorskip("dace")
    module = load("jacobi_1d")
    sdfg = _dace_sdfg(module, module.init(**module.SIZES["test"]))
    js = sdfg.to_json()
    plain, packed = tmp_path / "k.sdfg", tmp_path / "k.sdfgz"
    plain.write_text(json.dumps(js))
    packed.write_bytes(gzip.compress(json.dumps(js).encode()))
    expected = from_sdfg(sdfg).to_text()
    for source in (js, str(plain), packed):
        assert from_sdfg(source).to_text() == expected


# --- hand-made SDFGs (no DaCe needed) ------------------------------------------------------

def _range(*dims: tuple[str, str]) -> dict[str, Any]:
    return {"type": "Range", "ranges": [{"start": s, "end": e, "step": "1", "tile": "1"}
                                        for s, e in dims]}


def _memlet(data: str | None, *dims: tuple[str, str], wcr: str | None = None) -> dict:
    attrs: dict[str, Any] = {} if data is None else {"data": data, "subset": _range(*dims)}
    if wcr:
        attrs["wcr"] = wcr
    return {"type": "Memlet", "attributes": attrs}


def _edge(src: int, dst: int, memlet: dict, sconn: str | None = None,
          dconn: str | None = None) -> dict:
    return {"type": "MultiConnectorEdge", "attributes": {"data": memlet}, "src": str(src),
            "dst": str(dst), "src_connector": sconn, "dst_connector": dconn}


def _access(i: int, data: str, scope: int | None = None) -> dict:
    return {"type": "AccessNode", "label": data, "id": i, "attributes": {"data": data},
            "scope_entry": None if scope is None else str(scope), "scope_exit": None}


def _tasklet(i: int, label: str, code: str, ins: list[str], outs: list[str],
             scope: int | None = None, language: str = "Python") -> dict:
    return {"type": "Tasklet", "label": label, "id": i, "scope_entry":
            None if scope is None else str(scope), "scope_exit": None, "attributes": {
                "code": {"string_data": code, "language": language}, "label": label,
                "in_connectors": dict.fromkeys(ins), "out_connectors": dict.fromkeys(outs)}}


def _array(shape: list[str], dtype: str = "float64", strides: list[str] | None = None,
           kind: str = "Array") -> dict:
    attrs: dict[str, Any] = {"dtype": dtype, "shape": shape}
    if strides is not None:
        attrs["strides"] = strides
    return {"type": kind, "attributes": attrs}


def _state(label: str, i: int, nodes: list[dict], edges: list[dict]) -> dict:
    return {"type": "SDFGState", "label": label, "id": i, "nodes": nodes, "edges": edges,
            "attributes": {}}


def _sdfg(arrays: dict[str, dict], blocks: list[dict], edges: list[dict] | None = None,
          args: list[str] | None = None) -> dict:
    return {"type": "SDFG", "attributes": {"name": "handmade", "_arrays": arrays,
                                           "arg_names": args or list(arrays),
                                           "symbols": {"N": "int64"}},
            "nodes": blocks, "edges": edges or [], "start_block": 0}


def _scale() -> dict:
    """`y[i] = 2 * x[i]` over a map; `s[0] += y[i]` with a wcr."""
    nodes = [
        {"type": "MapEntry", "label": "m", "id": 0, "scope_entry": None, "scope_exit": "2",
         "attributes": {"label": "m", "params": ["i"], "range": _range(("0", "N - 1"))}},
        _tasklet(1, "double", "o = 2.0 * a\ns_out = o", ["a"], ["o", "s_out"], scope=0),
        {"type": "MapExit", "label": "m", "id": 2, "scope_entry": "0", "scope_exit": "2",
         "attributes": {}},
        _access(3, "x"), _access(4, "y"), _access(5, "s"),
    ]
    edges = [
        _edge(3, 0, _memlet("x", ("0", "N - 1")), None, "IN_x"),
        _edge(0, 1, _memlet("x", ("i", "i")), "OUT_x", "a"),
        _edge(1, 2, _memlet("y", ("i", "i")), "o", "IN_y"),
        _edge(1, 2, _memlet("s", ("0", "0"), wcr="(lambda a, b: (a + b))"), "s_out", "IN_s"),
        _edge(2, 4, _memlet("y", ("0", "N - 1")), "OUT_y", None),
        _edge(2, 5, _memlet("s", ("0", "0"), wcr="(lambda a, b: (a + b))"), "OUT_s", None),
    ]
    arrays = {"x": _array(["N"]), "y": _array(["N"]), "s": _array(["1"])}
    return _sdfg(arrays, [_state("compute", 0, nodes, edges)])


def test_handmade_sdfg_imports_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "scale.sdfg"
    path.write_text(json.dumps(_scale()))
    program = from_sdfg(path)
    x, y, s = np.arange(5.0), np.zeros(5), np.ones(1)
    ir.interpret(program, x, y, s)
    np.testing.assert_array_equal(y, 2 * x)
    assert s[0] == 1.0 + 2 * x.sum()


def _refusal(sdfg: dict, *fragments: str) -> None:
    with pytest.raises(SluiceError) as err:
        from_sdfg(sdfg)
    for f in fragments:
        assert f in str(err.value), str(err.value)


def test_cpp_tasklet_is_refused_by_name() -> None:
    sdfg = _scale()
    sdfg["nodes"][0]["nodes"][1]["attributes"]["code"]["language"] = "CPP"
    _refusal(sdfg, "Tasklet 'double' in state 'compute'", "CPP")


def test_unsupported_tasklet_code_is_refused_by_name() -> None:
    sdfg = _scale()
    sdfg["nodes"][0]["nodes"][1]["attributes"]["code"]["string_data"] = "o = print(a)"
    _refusal(sdfg, "Tasklet 'double'", "print")


def test_unstructured_state_machine_is_refused_by_name() -> None:
    sdfg = _scale()
    second = _state("other", 1, [], [])
    third = _state("third", 2, [], [])
    cond = {"type": "Edge", "attributes": {"data": {"type": "InterstateEdge", "attributes": {
        "condition": {"string_data": "N > 2", "language": "Python"}}}}}
    sdfg["nodes"] += [second, third]
    sdfg["edges"] = [{**copy.deepcopy(cond), "src": "0", "dst": "1"},
                     {**copy.deepcopy(cond), "src": "0", "dst": "2"}]
    _refusal(sdfg, "SDFGState 'compute'", "2 outgoing interstate edges whose paths do not "
             "meet again")


def test_state_machine_loop_is_refused_by_name() -> None:
    sdfg = _scale()
    sdfg["nodes"].append(_state("back", 1, [], []))
    plain = {"type": "Edge", "attributes": {"data": {"type": "InterstateEdge",
                                                     "attributes": {}}}}
    sdfg["edges"] = [{**plain, "src": "0", "dst": "1"}, {**plain, "src": "1", "dst": "0"}]
    _refusal(sdfg, "SDFGState 'compute'", "returns to it")


def test_fortran_order_is_refused() -> None:
    sdfg = _scale()
    sdfg["attributes"]["_arrays"]["x"] = _array(["N", "4"], strides=["1", "N"])
    _refusal(sdfg, "data container 'x'", "not the C order")


def test_stream_and_unknown_library_nodes_are_refused_by_name() -> None:
    sdfg = _scale()
    sdfg["attributes"]["_arrays"]["q"] = _array(["N"], kind="Stream")
    _refusal(sdfg, "data container 'q'", "Stream")
    sdfg = _scale()
    sdfg["nodes"][0]["nodes"].append({
        "type": "LibraryNode", "label": "fft", "id": 6, "scope_entry": None,
        "classpath": "dace.libraries.fft.nodes.FFT", "attributes": {"name": "fft"}})
    _refusal(sdfg, "LibraryNode 'fft' in state 'compute'", "FFT")


def test_subtraction_wcr_copy_and_division_wcr_are_refused() -> None:
    sdfg = _scale()
    sdfg["nodes"][0]["edges"][3]["attributes"]["data"]["attributes"]["wcr"] = \
        "(lambda a, b: (a / b))"
    _refusal(sdfg, "(lambda a, b: (a / b))", "not one of + * max min")


def test_subtraction_wcr_negates_the_tasklet_value() -> None:
    sdfg = _scale()
    for k in (3, 5):
        sdfg["nodes"][0]["edges"][k]["attributes"]["data"]["attributes"]["wcr"] = \
            "(lambda a, b: (a - b))"
    program = from_sdfg(sdfg)
    x, y, s = np.arange(4.0), np.zeros(4), np.full(1, 10.0)
    ir.interpret(program, x, y, s)
    assert s[0] == 10.0 - 2 * x.sum()


@pytest.mark.parametrize("source", [{"type": "Nothing"}, 3, "/nonexistent/k.sdfg"])
def test_bad_sources_raise_sluice_errors(source: Any) -> None:
    with pytest.raises(SluiceError):
        from_sdfg(source)


def test_malformed_json_is_a_sluice_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sdfg"
    bad.write_text("{not json")
    with pytest.raises(SluiceError, match="not an SDFG file"):
        from_sdfg(bad)
    sdfg = _scale()
    del sdfg["nodes"][0]["nodes"][0]["attributes"]["params"]
    with pytest.raises(SluiceError):
        from_sdfg(sdfg)


def _plain(src: int, dst: int, condition: str | None = None,
           assignments: dict[str, str] | None = None) -> dict:
    attrs: dict[str, Any] = {}
    if condition is not None:
        attrs["condition"] = {"string_data": condition, "language": "Python"}
    if assignments:
        attrs["assignments"] = assignments
    return {"type": "Edge", "src": str(src), "dst": str(dst), "attributes": {"data": {
        "type": "InterstateEdge", "attributes": attrs}}}


def _increment(label: str, i: int, index: str, by: str) -> dict:
    """A state doing `x[index] = x[index] + by`."""
    nodes = [_access(0, "x"), _tasklet(1, label, f"o = a + {by}", ["a"], ["o"]),
             _access(2, "x")]
    edges = [_edge(0, 1, _memlet("x", (index, index)), None, "a"),
             _edge(1, 2, _memlet("x", (index, index)), "o", None)]
    return _state(label, i, nodes, edges)


def test_loop_region_with_a_conditional_break() -> None:
    stop = {"type": "ConditionalBlock", "label": "if_stop", "id": 1, "attributes": {},
            "branches": [[{"string_data": "i >= 2", "language": "Python"},
                          {"type": "ControlFlowRegion", "label": "then", "id": None,
                           "attributes": {}, "edges": [], "start_block": 0,
                           "nodes": [{"type": "BreakBlock", "label": "brk", "id": 0,
                                      "attributes": {}}]}]]}
    loop = {"type": "LoopRegion", "label": "for_i", "id": 0, "start_block": 0,
            "attributes": {"loop_variable": "i",
                           "init_statement": {"string_data": "i = 0", "language": "Python"},
                           "update_statement": {"string_data": "i = (i + 1)",
                                                "language": "Python"},
                           "loop_condition": {"string_data": "(i < N)", "language": "Python"}},
            "nodes": [_increment("bump", 0, "i", "1.0"), stop], "edges": [_plain(0, 1)]}
    sdfg = _sdfg({"x": _array(["N"])}, [loop])
    sdfg["attributes"]["symbols"]["i"] = "int64"
    x = np.zeros(6)
    ir.interpret(from_sdfg(sdfg), x)
    np.testing.assert_array_equal(x, [1, 1, 1, 0, 0, 0])


def test_state_machine_if_becomes_a_branch() -> None:
    blocks = [_state("guard", 0, [], []), _increment("yes", 1, "0", "1.0"),
              _increment("no", 2, "1", "1.0"), _increment("after", 3, "2", "1.0")]
    edges = [_plain(0, 1, "N > 3", {"k": "N + 1"}), _plain(0, 2, "not (N > 3)"),
             _plain(1, 3), _plain(2, 3)]
    program = from_sdfg(_sdfg({"x": _array(["N"])}, blocks, edges))
    for n, expected in ((5, [1, 0, 1, 0, 0]), (3, [0, 1, 1])):
        x = np.zeros(n)
        ir.interpret(program, x)
        np.testing.assert_array_equal(x, expected)
