"""Bounds-checked builds: an access outside its array stops the call with an OutOfBoundsError
that names the array, the index, the extent and the line that wrote the access, instead of
reading garbage or corrupting memory; with the mode off the generated code is unchanged."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import sluice
import sluice.ir as ir
from sluice.backends.cpu import build, generate
from sluice.backends.cpu.driver import cache_parts
from sluice.errors import ExecutionError, OutOfBoundsError, SluiceError

CHECKED = {"pipeline": "O2", "verify": True, "boundscheck": True}


def _line_of(fn, text: str) -> int:
    """The file line of the first line of `fn` that contains `text`."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(k for k, ln in enumerate(lines) if text in ln)


def gather(x, idx):
    y = x[idx] * 2.0
    return y + 1.0


def scatter(x, idx, out):
    for k in range(idx.shape[0]):
        out[idx[k]] = x[k]


N = sluice.symbol("N")


@sluice.program(boundscheck=True)
def element(x: sluice.float64[N], k: sluice.int64):
    return x[k] * 1.0


def test_gather_with_a_bad_index_stops_at_the_line():
    # The frontend checks the indices of x[idx] itself (NumPy's IndexError), before any
    # access; the bounds-checked build would catch what it cannot (IR text, below).
    f = sluice.jit(boundscheck=True)(gather)
    x = np.arange(5.0)
    np.testing.assert_array_equal(f(x, np.array([4, 0, 2])), x[[4, 0, 2]] * 2.0 + 1.0)
    with pytest.raises(ExecutionError, match="index out of range") as err:
        f(x, np.array([0, 5, 1]))
    e = err.value
    assert e.loc is not None and e.loc.file == __file__
    assert e.loc.line == _line_of(gather, "x[idx]")
    text = str(e)
    assert f"{__file__}:{e.loc.line}:" in text and "y = x[idx] * 2.0" in text


def test_negative_gather_index_is_reported_not_read():
    f = sluice.jit(boundscheck=True)(gather)
    with pytest.raises(ExecutionError, match="index out of range"):
        f(np.arange(5.0), np.array([-7]))


def test_scatter_past_the_end_leaves_the_neighbours_alone():
    f = sluice.jit(boundscheck=True)(scatter)
    x, out = np.arange(1.0, 4.0), np.zeros(4)
    f(x, np.array([3, 0, 1]), out)
    np.testing.assert_array_equal(out, [2.0, 3.0, 0.0, 1.0])
    # far past the end: unchecked, this write lands in someone else's memory
    guard = np.full(8, 7.0)
    out = np.zeros(4)
    with pytest.raises(ExecutionError, match="index out of range") as err:
        f(x, np.array([1, 1 << 20, 2]), out)
    assert err.value.loc.line == _line_of(scatter, "out[idx[k]] = x[k]")
    np.testing.assert_array_equal(out, [0.0, 1.0, 0.0, 0.0])  # stopped at the bad element
    np.testing.assert_array_equal(guard, np.full(8, 7.0))


def test_decorators_and_staged_api_choose_the_mode(monkeypatch):
    monkeypatch.delenv("SLUICE_BOUNDSCHECK", raising=False)
    x, idx = np.arange(5.0), np.array([0, 1])
    plain = sluice.jit(gather)
    assert "bounds" not in plain.lower("cpu", x, idx)
    assert "sl::bounds_at" in plain.lower("cpu", x, idx, boundscheck=True)
    assert plain.lower("cpu", x, idx, boundscheck=False) == plain.lower("cpu", x, idx)
    checked = plain.compile("cpu", x, idx, boundscheck=True)
    with pytest.raises(ExecutionError):
        checked(x, np.array([9, 0]))
    off = sluice.jit(boundscheck=False)(gather)
    monkeypatch.setenv("SLUICE_BOUNDSCHECK", "1")
    assert "bounds" not in off.lower("cpu", x, idx)  # the decorator's choice wins
    assert "sl::bounds_at" in sluice.jit(gather).lower("cpu", x, idx)
    with pytest.raises(SluiceError, match="index out of range"):  # the frontend's check
        element(np.arange(3.0), 6)


# --- IR text -------------------------------------------------------------------------------

ONE_TOO_FAR = """\
program one_too_far(x) -> (y) {
  symbol N: int64
  symbol i: int64
  data x: float64[N]
  data y: float64[N]
  for i in range(0, N + 1, 1) {
    state s {
      %0 = access x
      %1 LOC= tasklet "copy" (a) -> (b) {
        b = 2.0 * a
      }
      %2 = access y
      %0 -> %1.a : x[i]
      %1.b -> %2 : y[i]
    }
  }
}
"""


def test_ir_loop_one_too_far_points_at_the_annotated_line(tmp_path):
    path = tmp_path / "one_too_far.sir"
    text = ONE_TOO_FAR.replace("LOC", f'@ "{path}":9:7 ')
    path.write_text(text)
    program = ir.parse(text, str(path))
    fn = build(program, CHECKED)
    with pytest.raises(OutOfBoundsError) as err:
        fn(np.arange(4.0))
    e = err.value
    assert "index 4 is out of bounds for axis 0 of 'x' with size 4" in e.message
    assert "tasklet 'copy' of program 'one_too_far'" in e.message
    assert (e.loc.file, e.loc.line, e.loc.col) == (str(path), 9, 7)
    assert 'tasklet "copy"' in str(e)  # the line's text, read back from the file


def test_ir_without_locations_still_names_array_and_node():
    program = ir.parse(ONE_TOO_FAR.replace("LOC", ""))
    with pytest.raises(OutOfBoundsError) as err:
        build(program, CHECKED)(np.arange(3.0))
    assert err.value.loc is None
    assert "'x' with size 3, in tasklet 'copy'" in err.value.message
    # unchecked, the same program compiles to code without any check
    assert "bounds" not in generate(program, {"pipeline": "O2"})


COPY = """\
program window(x, k) -> (y) {
  symbol N: int64
  symbol k: int64
  data x: float64[N]
  data y: float64[3]
  state s {
    %0 = access x
    %1 = access y
    %0 -> %1 : x[k:k + 3] -> y[0:3]
  }
}
"""

MATMUL = """\
program rows(A, k) -> (C) {
  symbol N: int64
  symbol k: int64
  data A: float64[N, N]
  data C: float64[2, N]
  state s {
    %0 = access A
    %1 = library MatMul {}
    %2 = access C
    %0 -> %1.a : A[k:k + 2, 0:N]
    %0 -> %1.b : A[0:N, 0:N]
    %1.c -> %2 : C[0:2, 0:N]
  }
}
"""


@pytest.mark.parametrize("pipeline", [None, "O2"])
def test_copy_of_a_window_past_the_end(pipeline):
    fn = build(ir.parse(COPY), {**CHECKED, "pipeline": pipeline})
    x = np.arange(6.0)
    np.testing.assert_array_equal(fn(x, k=3), x[3:6])
    with pytest.raises(OutOfBoundsError, match="elements 4 to 6 of axis 0 of 'x' are out of "
                                               "bounds for size 6, in the copy into 'y'"):
        fn(x, k=4)


def test_library_operand_past_the_end():
    fn = build(ir.parse(MATMUL), CHECKED)
    A = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(fn(A, k=2), A[2:4] @ A)
    with pytest.raises(OutOfBoundsError, match="elements 3 to 4 of axis 0 of 'A'"):
        fn(A, k=3)


def test_spmm_column_index_past_the_matrix():
    from corpus_programs import CORPUS

    fn = build(CORPUS["spmm_csr"].build(), CHECKED)
    X = np.arange(6.0).reshape(3, 2)
    good = {"indptr": [0, 1, 2], "indices": [0, 2], "data": [1.0, 2.0], "shape": (2, 3)}
    np.testing.assert_array_equal(fn(good, X), [[0.0, 1.0], [8.0, 10.0]])
    bad = {**good, "indices": [0, 7]}
    with pytest.raises(OutOfBoundsError, match="index 7 is out of bounds for axis 0 of 'X'"):
        fn(bad, X)
    worse = {**good, "indptr": [0, 1, 5]}  # row 1 claims entries the arrays do not have
    with pytest.raises(OutOfBoundsError, match="of 'A.indices' with size 2"):
        fn(worse, X)


def test_parallel_map_reports_after_its_loop():
    """A map big enough to run on OpenMP threads: no exception may leave the team, so the
    violation is recorded and thrown after the loop."""
    b = ir.ProgramBuilder("shifted")
    b.symbol("k", arg=True)
    b.arg("x", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a + 1.0", inputs={"a": "x[i + k]"}, outputs={"o": "y[i]"})
    program = b.build()
    source = generate(program, CHECKED)
    assert "#pragma omp parallel for" in source
    fn = build(program, CHECKED)
    x = np.arange(40000.0)
    np.testing.assert_array_equal(fn(0, x), x + 1.0)
    with pytest.raises(OutOfBoundsError, match="index 40000 is out of bounds for axis 0 of 'x'"):
        fn(1, x)
    np.testing.assert_array_equal(fn(0, x), x + 1.0)  # the record does not outlive the call


def test_checked_builds_have_their_own_cache_key():
    program = ir.parse(COPY)
    off, on = cache_parts(program), cache_parts(program, {"boundscheck": True})
    assert off != on
    assert cache_parts(program, {"boundscheck": False}) == off


def test_callee_inside_a_parallel_map_reports_through_its_caller():
    """The callee cannot throw inside its caller's OpenMP loop: it keeps going on scratch
    elements and the caller throws after the loop (unchecked, this would write A[r + 1, 0])."""
    c = ir.ProgramBuilder("poke")
    c.symbol("k", arg=True)
    c.arg("row", "float64", ["C"])
    with c.state() as s:
        s.tasklet("o = 1.0", {}, {"o": "row[k]"})
    b = ir.ProgramBuilder("poke_rows")
    b.symbol("K", arg=True)
    b.arg("A", "float64", ["R", "C"])
    with b.state() as s, s.map_scope({"r": "0:R"}) as body:
        body.call(c.build(), {"row": "A[r, 0:C]"}, {"row": "A[r, 0:C]"}, {"k": "K", "C": "C"})
    program = b.build()
    options = {**CHECKED, "pipeline": None}
    assert "#pragma omp parallel for" in generate(program, options)
    fn = build(program, options)
    A = np.zeros((20000, 3))
    fn(2, A)
    assert (A[:, 2] == 1.0).all() and (A[:, :2] == 0.0).all()
    with pytest.raises(OutOfBoundsError) as err:
        fn(3, A)
    assert "index 3 is out of bounds for axis 0 of 'row' with size 3" in err.value.message
    assert "program 'poke'" in err.value.message
    assert (A[:, :2] == 0.0).all()
