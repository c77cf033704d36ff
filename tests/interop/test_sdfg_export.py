"""Export to DaCe SDFGs: the JSON without DaCe, and, where DaCe is installed, every IR corpus
program validated, compiled and run by DaCe, equal to sluice's interpreter."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest
from corpus_programs import CORPUS
from dace_helpers import Builds, configure, dace_or_skip, networkx_compat
from interop_programs import EXTRA

import sluice.ir as ir
from sluice.errors import ArgumentError, SluiceError, UnsupportedError
from sluice.interop import program_to_sdfg_json, sdfg_arguments, to_sdfg
from sluice.ir import ProgramBuilder
from sluice.ir.requires import requirement

NAMES = sorted(CORPUS)


# --- the JSON, without DaCe -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_json_export_has_the_sdfg_format(name):
    p = CORPUS[name].build()
    js = p.to_sdfg_json()
    assert json.loads(json.dumps(js)) == js
    assert js["type"] == "SDFG"
    assert {"attributes", "nodes", "edges", "start_block", "dace_version"} <= set(js)
    attrs = js["attributes"]
    assert attrs["name"] == p.name
    assert {"_arrays", "arg_names", "symbols", "global_code"} <= set(attrs)
    returns = ["__return"] if len(p.returns) == 1 else [f"__return_{k}"
                                                        for k in range(len(p.returns))]
    assert set(returns) <= set(attrs["_arrays"])
    for a in attrs["arg_names"]:
        assert attrs["_arrays"][a]["attributes"]["transient"] is False
    assert js == program_to_sdfg_json(p)  # deterministic


def test_builds_that_would_not_be_exact_stop_with_a_reason():
    frame = program_to_sdfg_json(CORPUS["math_functions"].build())["attributes"]
    text = frame["global_code"]["frame"]["string_data"]
    assert "#ifdef __FAST_MATH__\n#error" in text
    assert "#if __cplusplus < 201703L\n#error" in text
    assert "namespace sl" in text  # the helpers the tasklets call


def test_json_export_does_not_import_dace():
    code = ("import sys; sys.path.insert(0, 'tests/ir'); from corpus_programs import CORPUS; "
            "[CORPUS[n].build().to_sdfg_json() for n in CORPUS]; "
            "assert 'dace' not in sys.modules, 'exporting imported dace'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


def _repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_arguments_in_other_layouts_are_refused():
    p = CORPUS["sum_wcr"].build()
    with pytest.raises(ArgumentError, match="'A' is not a C-contiguous"):
        sdfg_arguments(p, np.zeros((3, 4)).T)


def test_to_sdfg_without_dace_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dace", None)  # `import dace` raises ImportError
    with pytest.raises(SluiceError, match=r"pip install sluice\[dace\]"):
        to_sdfg(CORPUS["sum_wcr"].build())


def _one_state(name: str, container: str, dtype: str = "float64") -> ir.Program:
    b = ProgramBuilder(name)
    b.arg(container, dtype, ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 2 * v", inputs={"v": f"{container}[i]"},
              outputs={"o": f"{container}[i]"})
    return b.build()


@pytest.mark.parametrize("bad", ["new", "int64_t", "sl_x", "__x"])
def test_names_that_would_reach_code_unescaped_are_refused(bad):
    with pytest.raises(UnsupportedError, match=f"'{bad}'"):
        program_to_sdfg_json(_one_state("p", bad))


def test_a_symbol_named_like_a_sympy_function_is_renamed():
    b = ProgramBuilder("p")
    b.arg("x", "float64", ["re"])
    with b.state() as s:
        s.map({"i": "0:re"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "x[i]"})
    js = program_to_sdfg_json(b.build())
    assert set(js["attributes"]["symbols"]) == {"sl_s_re"}
    assert js["attributes"]["_arrays"]["x"]["attributes"]["shape"] == ["sl_s_re"]


def _checked_program() -> ir.Program:
    b = ProgramBuilder("checked")
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.symbol("K")
    b.assign(K="N - 3")
    b.check(requirement("K", ">=", 0, "x needs 3 elements"))
    with b.state() as s:
        s.map({"i": "0:N"}, "o = 2.0 * v", inputs={"v": "x[i]"}, outputs={"o": "y[i]"})
    return b.build()


def test_a_check_becomes_a_tasklet_that_stops_the_program():
    js = program_to_sdfg_json(_checked_program())
    text = json.dumps(js)
    assert "x needs 3 elements" in text and "std::abort()" in text


def test_loops_whose_range_their_body_changes_are_refused():
    b = ProgramBuilder("p")
    b.arg("x", "float64", ["N"])
    b.symbol("K")
    b.assign(K="N")
    with b.loop("i", 0, "K"):
        b.assign(K="K - 1")
    with pytest.raises(UnsupportedError, match="assigns 'K'"):
        program_to_sdfg_json(b.build())


def test_sizes_set_while_running_are_refused():
    b = ProgramBuilder("p")
    b.arg("x", "float64", ["N"])
    b.symbol("K")
    b.transient("t", "float64", ["K"])
    b.assign(K="N - 1")
    with b.state() as s:
        s.map({"i": "0:K"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "t[i]"})
    with pytest.raises(UnsupportedError, match="'t'.*depends on 'K'"):
        program_to_sdfg_json(b.build())


def test_conditions_dace_would_evaluate_otherwise_are_refused():
    b = ProgramBuilder("p")
    b.arg("x", "float32")
    b.returns("y", "float32")
    with b.if_("x > 0.1"):
        with b.state() as s:
            s.tasklet("o = v", {"v": "x"}, {"o": "y"})
    with pytest.raises(UnsupportedError, match="condition x > 0.1"):
        program_to_sdfg_json(b.build())


# --- in DaCe ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    dace = dace_or_skip()
    networkx_compat()
    folder = tmp_path_factory.mktemp("dace-builds")
    configure(dace, folder)
    return Builds(folder)


def _values(out) -> tuple:
    if out is None:
        return ()
    # DaCe reuses its return arrays between calls: keep copies
    return tuple(np.array(v, copy=True) for v in (out if isinstance(out, tuple) else (out,)))


def _assert_same(got, want, what: str) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.size == want.size, what
    assert got.dtype == want.dtype, f"{what}: {got.dtype} != {want.dtype}"
    got = got.reshape(want.shape)  # a returned scalar comes back as a 1-element array
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, equal_nan=True,
                                   err_msg=what)


_CHECK_SCRIPT = """
import sys
sys.path[:0] = [{here!r}, {here!r} + "/../ir", {root!r}]
import numpy as np
from dace_helpers import configure, networkx_compat
import dace
networkx_compat()
configure(dace, {folder!r})
from test_sdfg_export import _checked_program
from sluice.interop import sdfg_arguments, to_sdfg
p = _checked_program()
sdfg = to_sdfg(p)
sdfg.build_folder = {folder!r} + "/checked"
run = sdfg.compile()
x = np.arange(4.0)
assert np.array_equal(run(**sdfg_arguments(p, x)), 2 * x)
print("passed", flush=True)
run(**sdfg_arguments(p, np.arange(2.0)))
print("not stopped", flush=True)
"""


def test_a_failing_check_stops_the_dace_program(builds):
    from pathlib import Path

    here = Path(__file__).resolve().parent
    script = _CHECK_SCRIPT.format(here=str(here), root=str(_repo_root()),
                                  folder=str(builds.folder))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=builds.folder, timeout=300)
    assert "passed" in done.stdout, done.stderr[-2000:]
    assert "not stopped" not in done.stdout
    assert done.returncode != 0
    assert "K >= 0 does not hold (x needs 3 elements)" in done.stderr


def _runs_like_the_interpreter(program: ir.Program, make_args, builds: Builds,
                               seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    name = program.name
    compiled = builds.compiled(program)
    for seed in seeds:
        args, kwargs = make_args(np.random.default_rng(seed))
        ours, ours_kw = copy.deepcopy(args), copy.deepcopy(kwargs)
        want = _values(ir.interpret(program, *ours, **ours_kw))
        theirs, theirs_kw = copy.deepcopy(args), copy.deepcopy(kwargs)
        got = _values(compiled(**sdfg_arguments(program, *theirs, **theirs_kw)))
        assert len(got) == len(want)
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_same(g, w, f"{name} seed {seed}: return value {k}")
        for k, (g, w) in enumerate(zip(theirs, ours, strict=True)):
            if isinstance(w, np.ndarray):
                _assert_same(g, w, f"{name} seed {seed}: argument {k} after the call")


@pytest.mark.parametrize("name", NAMES)
def test_corpus_program_runs_in_dace_like_the_interpreter(name, builds, monkeypatch):
    monkeypatch.chdir(builds.folder)  # DaCe saves failing SDFGs under the working directory
    _runs_like_the_interpreter(CORPUS[name].build(), CORPUS[name].args, builds)


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_more_constructs_run_in_dace_like_the_interpreter(name, builds, monkeypatch):
    monkeypatch.chdir(builds.folder)
    build, make_args = EXTRA[name]
    _runs_like_the_interpreter(build(), lambda rng: (make_args(rng), {}), builds)


def test_frontend_programs_run_in_dace_like_the_interpreter(builds, monkeypatch):
    """Programs the Python frontend traces from the fuzzer's random NumPy functions (every
    dtype, NaN and extremes, slicing, reductions, run-time checks): those that export run in
    DaCe equal to the interpreter. Enough of them must export for this to mean something."""
    import sluice
    from tests.fuzz import families, gen
    from tests.fuzz.differential import load

    monkeypatch.chdir(builds.folder)
    ran = []
    for seed in range(12):
        spec = gen.generate(seed, families.CI, n_stmts=2)
        # (the SDFG takes row-major arrays only: sdfg_arguments refuses other layouts)
        f = load(spec).f
        args = [np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a
                for a in spec.make_args()]
        try:
            with np.errstate(all="ignore"):
                program = sluice.jit(f).trace(*copy.deepcopy(args))
            program.to_sdfg_json()
        except SluiceError:  # NumPy or sluice refuse the function, or it has no SDFG form
            continue
        program.name = f"fuzz{seed}"  # one build each
        try:
            with np.errstate(all="ignore"):
                ir.interpret(program, *copy.deepcopy(args))
        except SluiceError:  # arguments the program rejects (overlapping, mismatched)
            continue
        with np.errstate(all="ignore"):
            _runs_like_the_interpreter(program, lambda rng, a=args: (copy.deepcopy(a), {}),
                                       builds, seeds=(0,))
        ran.append(seed)
    assert len(ran) >= 5, f"only seeds {ran} exported and ran"
