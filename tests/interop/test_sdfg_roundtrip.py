"""Export -> import round trips: every IR corpus and interop program comes back from its SDFG
structurally equal (in the canonical form of `sdfg_roundtrip`) and runs on the interpreter as
the original does; an SDFG whose sluice markers were edited is refused naming the node; an
SDFG re-saved by DaCe itself still comes back (where DaCe is installed)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from corpus_programs import CORPUS
from dace_helpers import dace_or_skip, networkx_compat
from interop_programs import EXTRA

import sluice.ir as ir
from sluice.errors import SluiceError
from sluice.interop import from_sdfg, program_to_sdfg_json
from sluice.interop.sdfg_roundtrip import canonical_json, round_trip_equal
from sluice.ir import ProgramBuilder
from sluice.ir.data import Array
from sluice.ir.requires import requirement
from sluice.ir.serialize import from_json


def _checked() -> ir.Program:
    """A `requires`, a Check block, and a symbol named like a SymPy function (`re`)."""
    b = ProgramBuilder("checked")
    b.arg("x", "float64", ["re"])
    b.returns("y", "float64", ["re"])
    b.symbol("K")
    b.assign(K="re - 3")
    b.check(requirement("K", ">=", 0, "x needs 3 elements"))
    with b.state("double") as s:
        s.map({"i": "0:re"}, "o = 2.0 * v", inputs={"v": "x[i]"}, outputs={"o": "y[i]"})
    p = b.build()
    p.requires.append(requirement("re", "<", 1000, "x is short"))
    p.verify()
    return p


BUILDS = {k: v.build for k, v in CORPUS.items()} | {k: v[0] for k, v in EXTRA.items()}
BUILDS["checked"] = _checked


def _args(name: str, rng: np.random.Generator) -> tuple[list, dict]:
    if name == "checked":
        return [rng.random(int(rng.integers(3, 9)))], {}
    if name in CORPUS:
        return CORPUS[name].args(rng)
    return EXTRA[name][1](rng), {}


def _back(p: ir.Program) -> ir.Program:
    return from_sdfg(json.loads(json.dumps(program_to_sdfg_json(p))))  # (as from a file)


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_export_import_round_trips(name):
    p = BUILDS[name]()
    q = _back(p)
    assert q.structurally_equal(p), name
    assert list(q.data) == list(p.data) and list(q.symbols) == list(p.symbols)
    assert canonical_json(q) == canonical_json(p)


def _special(program: ir.Program, args: list, kwargs: dict) -> None:
    """NaN, infinities and -0.0 into the floating-point array arguments."""
    names = [a for a in program.args if a not in kwargs]
    for name, v in zip(names, args, strict=False):
        c = program.data.get(name)
        if (
            isinstance(c, Array)
            and isinstance(v, np.ndarray)
            and v.dtype.kind in "fc"
            and v.size >= 4
        ):
            flat = v.reshape(-1)
            flat[:4] = [np.nan, np.inf, -np.inf, -0.0]


@pytest.mark.parametrize("special", [False, True])
@pytest.mark.parametrize("name", sorted(BUILDS))
def test_the_imported_program_runs_as_the_original(name, special):
    p = BUILDS[name]()
    q = _back(p)
    args, kwargs = _args(name, np.random.default_rng(7))
    if special:
        _special(p, args, kwargs)
    a1, k1 = copy.deepcopy((args, kwargs))
    a2, k2 = copy.deepcopy((args, kwargs))
    with np.errstate(all="ignore"):
        r1 = ir.interpret(p, *a1, **k1)
        r2 = ir.interpret(q, *a2, **k2)
    for x, y in zip(_flat(r1) + _flat(a1), _flat(r2) + _flat(a2), strict=True):
        np.testing.assert_array_equal(x, y)


def _flat(v) -> list:
    if v is None:
        return []
    if isinstance(v, tuple | list):
        return [x for y in v for x in _flat(y)]
    return [v.toarray() if hasattr(v, "toarray") else v]  # (a CSR argument)


# --- the canonical form is strict ----------------------------------------------------------


def test_the_canonical_form_tells_a_changed_memlet_or_node_apart():
    p = CORPUS["gemm_maps"].build()
    js = p.to_json()
    q = from_json(copy.deepcopy(js))
    assert round_trip_equal(p, q)
    body = js["body"][0]["nodes"][2]["body"]
    body["nodes"] = body["nodes"][::-1]  # order alone: the same program
    n = len(body["nodes"]) - 1
    body["edges"] = [{**e, "src": n - e["src"], "dst": n - e["dst"]} for e in body["edges"]]
    assert round_trip_equal(p, from_json(copy.deepcopy(js)))
    changed = copy.deepcopy(js)
    changed["body"][0]["nodes"][2]["body"]["edges"][0]["memlet"]["data"] = "alpha"
    assert not round_trip_equal(p, from_json(changed))
    changed = copy.deepcopy(js)
    tasklet = next(
        x for x in changed["body"][0]["nodes"][2]["body"]["nodes"] if x["kind"] == "tasklet"
    )
    tasklet["code"] = [["o", "beta + c"]]
    assert not round_trip_equal(p, from_json(changed))


# --- edited exports ------------------------------------------------------------------------


def _nodes(cfg: dict):
    for b in cfg.get("nodes", []):
        if b["type"] == "SDFGState":
            yield from b["nodes"]
        else:
            yield from _nodes(b)
        for _, region in b.get("branches", []):
            yield from _nodes(region)


def test_a_tasklet_edited_in_dace_is_refused_naming_it():
    js = program_to_sdfg_json(CORPUS["gemm_maps"].build())
    t = next(n for n in _nodes(js) if n["type"] == "Tasklet" and n["label"] == "mac")
    code = t["attributes"]["code"]
    code["string_data"] = code["string_data"].replace(" * ", " + ", 1)
    with pytest.raises(SluiceError, match="Tasklet 'mac' in state 'accumulate'.*edited"):
        from_sdfg(js)


def test_a_cpp_tasklet_without_a_marker_is_refused():
    js = program_to_sdfg_json(CORPUS["gemm_maps"].build())
    t = next(n for n in _nodes(js) if n["type"] == "Tasklet" and n["label"] == "mac")
    t["attributes"]["code"]["string_data"] = "o = alpha * a * bb;"
    with pytest.raises(SluiceError, match="Tasklet 'mac'.*without a sluice marker"):
        from_sdfg(js)


def test_edited_global_facts_are_refused():
    js = program_to_sdfg_json(CORPUS["gemm_maps"].build())
    frame = js["attributes"]["global_code"]["frame"]
    frame["string_data"] = frame["string_data"].replace('"NI"', '"NX"', 1)
    with pytest.raises(SluiceError, match="global code of SDFG 'gemm_maps'"):
        from_sdfg(js)


def test_a_bug_in_sluice_is_not_blamed_on_the_file(monkeypatch):
    from sluice.interop import sdfg_import

    def broken(self, *a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr(sdfg_import.Importer, "region", broken)
    with pytest.raises(KeyError):
        from_sdfg(program_to_sdfg_json(CORPUS["gemm_maps"].build()))


def test_malformed_json_is_still_said_so():
    js = program_to_sdfg_json(CORPUS["gemm_maps"].build())
    del next(iter(_nodes(js)))["type"]
    with pytest.raises(SluiceError, match="malformed SDFG JSON"):
        from_sdfg(js)


# --- through DaCe ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_an_sdfg_resaved_by_dace_round_trips(name):
    dace = dace_or_skip()
    networkx_compat()
    p = BUILDS[name]()
    resaved = dace.SDFG.from_json(program_to_sdfg_json(p)).to_json()
    # (DaCe keeps a state's edges in an order of its own: compared in the canonical form)
    assert round_trip_equal(p, from_sdfg(json.loads(json.dumps(resaved))))


def test_a_change_made_in_the_sdfg_is_honoured():
    """The structure is read from the SDFG, not from a copy: a map range narrowed there
    (as a DaCe transformation might) is the imported map's range."""
    p = CORPUS["gemm_maps"].build()
    js = program_to_sdfg_json(p)
    entry = next(
        n for n in _nodes(js) if n["type"] == "MapEntry" and n["label"].startswith("scale")
    )
    entry["attributes"]["range"]["ranges"][0]["end"] = "NI - 2"  # skip the last row
    q = from_sdfg(js)
    assert not round_trip_equal(p, q)
    rng = np.random.default_rng(3)
    args, _ = CORPUS["gemm_maps"].args(rng)
    alpha, beta, C, A, B = copy.deepcopy(args)
    ir.interpret(q, *args)
    want = alpha * A @ B + beta * C
    want[-1] = alpha * A[-1] @ B + C[-1]  # (the row the changed map no longer scales)
    np.testing.assert_allclose(args[2], want)


def test_a_dace_transformation_is_honoured():
    dace = dace_or_skip()
    networkx_compat()
    from dace.transformation.dataflow import MapExpansion

    p = CORPUS["gemm_maps"].build()
    sdfg = dace.SDFG.from_json(program_to_sdfg_json(p))
    assert sdfg.apply_transformations(MapExpansion) == 1  # [i, j] -> [i] { [j] }
    q = from_sdfg(sdfg)
    maps = [n for n in q.body.blocks[0].graph.nodes if isinstance(n, ir.Map)]
    assert [m.params for m in maps] == [["i"]]
    assert any(isinstance(n, ir.Map) and n.params == ["j"] for n in maps[0].body.nodes)
    args, _ = CORPUS["gemm_maps"].args(np.random.default_rng(5))
    ours = copy.deepcopy(args)
    ir.interpret(p, *args)
    ir.interpret(q, *ours)
    np.testing.assert_array_equal(ours[2], args[2])


def test_an_export_without_its_facts_says_to_export_again():
    js = program_to_sdfg_json(CORPUS["gemm_maps"].build())
    frame = js["attributes"]["global_code"]["frame"]
    frame["string_data"] = frame["string_data"].split("\n", 1)[1]  # the facts line cut
    with pytest.raises(SluiceError, match="its code is CPP") as err:
        from_sdfg(js)
    assert "export the source program again" in str(err.value)


@pytest.mark.parametrize("name", ["doitgen", "azimint_hist", "jacobi_1d"])
def test_programs_of_the_numpy_frontend_round_trip(name):
    """With source locations on maps and access nodes, a copy into a unit dimension
    (doitgen) and a clamp the export writes as Min (azimint_hist)."""
    import sys
    from pathlib import Path

    import sluice

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.kernels import load

    module = load(name)
    p = sluice.jit(module.kernel_numpy).trace(*module.init(**module.SIZES["test"]))
    assert any("loc" in json.dumps(b) for b in p.to_json()["body"])
    assert _back(p).structurally_equal(p)
    try:
        import dace
    except ImportError:
        return
    networkx_compat()
    resaved = dace.SDFG.from_json(program_to_sdfg_json(p)).to_json()
    assert round_trip_equal(p, from_sdfg(json.loads(json.dumps(resaved))))


def test_the_exporters_states_come_back_as_they_were_or_are_refused():
    p = _checked()
    q = _back(p)
    assert [type(b).__name__ for b in q.body.blocks] == ["Assign", "Check", "State"]
    assert q.requires == p.requires and q.symbols.keys() == p.symbols.keys()
    js = program_to_sdfg_json(p)
    check = next(b for b in js["nodes"] if b["label"].startswith("check"))
    check["nodes"].append(copy.deepcopy(check["nodes"][0]) | {"id": 1})  # a second check
    with pytest.raises(SluiceError, match="Tasklet 'check'.*without a sluice marker"):
        from_sdfg(js)
