"""Arguments as users pass them to `@sluice.jit`: views in any memory layout, 0-d arrays,
`None` for optional parameters and tuples of arrays, each checked against NumPy on both
targets."""

from __future__ import annotations

import numpy as np
import pytest

import sluice
from sluice.errors import ArgumentError, UnsupportedError
from tests.frontend.python.python_rules import agree

TARGETS = ["cpu", "interpret"]


def _misaligned(a: np.ndarray) -> np.ndarray:
    """A copy of `a` whose data starts one byte past an 8-byte boundary."""
    buf = np.zeros(a.size * a.itemsize + 1, np.uint8)
    out = np.frombuffer(buf.data, a.dtype, a.size, offset=1).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


LAYOUTS = {  # name -> a (4, 6) view of an (8, 8) base in that layout
    "c_order": lambda base: base[:4, :6].copy(),
    "fortran": lambda base: np.asfortranarray(base[:4, :6]),
    "transposed": lambda base: base[:6, :4].T,
    "column_slice": lambda base: base[:4, 1:7],
    "every_other_row": lambda base: base[::2, :6],
    "reversed_rows": lambda base: base[3::-1, 2:],
    "both_reversed": lambda base: base[7:3:-1, 7:1:-1],
    "misaligned": lambda base: _misaligned(base[:4, :6]),
}


def _scale_in_place(a, s):
    a[1:, :] = a[:-1, :] * s + 1.0
    return a.sum(axis=0)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_views_in_any_layout_read_and_write_through(layout, target):
    f = sluice.jit(_scale_in_place)
    base_mine, base_ref = (np.random.default_rng(3).standard_normal((8, 8)) for _ in "ab")
    mine, ref = LAYOUTS[layout](base_mine), LAYOUTS[layout](base_ref)
    out = f.compile(target, mine, 2.0)(mine, 2.0)
    np.testing.assert_allclose(out, _scale_in_place(ref, 2.0), rtol=1e-13)
    np.testing.assert_allclose(mine, ref, rtol=1e-13)  # the view the caller passed changed
    np.testing.assert_array_equal(base_mine, base_ref)  # and through it, only its part


def test_a_new_layout_does_not_recompile():
    @sluice.jit
    def twice(a):
        return a * 2.0

    a = np.arange(12.0).reshape(3, 4)
    for arg in (a, a.T, np.asfortranarray(a), a[:, ::2], a[::-1]):
        np.testing.assert_array_equal(twice(arg), arg * 2.0)
    assert twice.compilations == 1  # sizes stay symbolic; one trace serves every layout
    np.testing.assert_array_equal(twice(a[:1].T), a[:1].T * 2.0)  # a size-1 axis: new
    assert twice.compilations == 2


def _copies_made(monkeypatch) -> list[list[int]]:
    """Records, per call, the positions of the arguments `sluice.layouts` copied."""
    seen: list[list[int]] = []
    real = sluice.layouts._copied

    def spy(run, args, odd, names, written):
        seen.append(list(odd))
        return real(run, args, odd, names, written)

    monkeypatch.setattr(sluice.layouts, "_copied", spy)
    return seen


@pytest.mark.parametrize("layout", [k for k in LAYOUTS if k not in ("c_order", "misaligned")])
def test_cpu_steps_through_views_in_place(layout, monkeypatch):
    """The CPU backend takes a view in any layout through its strides: no copy in, none
    back (a build per set of such arguments)."""
    copies = _copies_made(monkeypatch)
    f = sluice.jit(_scale_in_place)
    base_mine, base_ref = (np.random.default_rng(4).standard_normal((8, 8)) for _ in "ab")
    mine, ref = LAYOUTS[layout](base_mine), LAYOUTS[layout](base_ref)
    np.testing.assert_allclose(f(mine, 2.0), _scale_in_place(ref, 2.0), rtol=1e-13)
    np.testing.assert_array_equal(base_mine, base_ref)
    assert copies == [[]]


def test_strides_change_between_calls_of_one_build():
    # warm calls (the fast path) read each call's strides, not the first call's
    f = sluice.jit(_scale_in_place)
    base = np.random.default_rng(5).standard_normal((12, 12))
    for view in (lambda b: b[:4, ::2], lambda b: b[:4, ::3], lambda b: b[::-3, 1:7],
                 lambda b: b[:6, :4].T, lambda b: b[:6, ::-2].T, lambda b: b[1:5, ::-1]):
        base_mine, base_ref = base.copy(), base.copy()
        np.testing.assert_allclose(f(view(base_mine), 0.5), _scale_in_place(view(base_ref), 0.5),
                                   rtol=1e-13)
        np.testing.assert_array_equal(base_mine, base_ref)


def test_read_only_views_of_one_array_are_shared_without_copies(monkeypatch):
    copies = _copies_made(monkeypatch)

    @sluice.jit
    def both(a, b):
        return a @ b + a.T

    a = np.random.default_rng(6).standard_normal((5, 5))
    np.testing.assert_allclose(both(a.T, a[::-1]), a.T @ a[::-1] + a, rtol=1e-12)
    assert copies == [[]]


def test_views_compiled_code_cannot_step_through_are_copied(monkeypatch):
    copies = _copies_made(monkeypatch)

    @sluice.jit
    def bump(a, b):
        a += b
        return a.sum()

    rec = np.zeros(6, dtype=[("x", "f8"), ("y", "f4")])  # 'x' steps 12 bytes: not elements
    rec["x"] = np.arange(6.0)
    b = np.arange(6.0)[::-1]  # (reversed: stepped through in place)
    assert bump(rec["x"], b) == 30.0
    np.testing.assert_array_equal(rec["x"], np.full(6, 5.0))
    assert copies == [[0]]
    grid = np.zeros(3)  # written, with two indices at one address: copied, as before
    flat = np.lib.stride_tricks.as_strided(grid, (2, 3), (0, 8), writeable=True)
    got = sluice.jit(_scale_in_place)(flat, 2.0)
    assert got.shape == (3,) and copies[-1] == [0]


def test_bounds_checked_build_indexes_views_through_their_strides():
    @sluice.jit(boundscheck=True)
    def pick(a, i: int, j: int):
        return a[i, j] + a[j, i]

    a = np.arange(36.0).reshape(6, 6)
    for view in (a.T, a[::-1, ::2][:3], np.asfortranarray(a)[1:4, 2:5]):
        assert pick(view, 1, 2) == view[1, 2] + view[2, 1]
    with pytest.raises(sluice.errors.SluiceError):
        pick(a.T[:2], 1, 3)


def test_written_read_only_view_is_refused():
    @sluice.jit
    def bump(a):
        a += 1.0

    a = np.zeros((4, 4))[:, ::2]
    a.flags.writeable = False
    with pytest.raises(ArgumentError, match="read-only"):
        bump(a)


def test_overlapping_views_are_refused_before_copying():
    @sluice.jit
    def shift(a, b):
        a[...] = b + 1.0

    a = np.zeros((4, 4))
    with pytest.raises(ArgumentError, match="share memory"):
        shift(a, a.T)


def _write_0d(a, b):
    b[...] = a * 3.0 + b
    return a + 1.0


def _augment_0d(b, c):
    b[()] = 4.0
    b += 1
    c[...] += b
    return b * c


def _alias_0d_transient(a):
    x = np.zeros(())
    y = x
    x += a  # in place: y is x
    x *= 2.0
    return y + a


def _int_0d_by_float(b):
    b += 1.5  # NumPy: cannot cast float64 into an int64 array in place


def _broadcast_0d(b, m):
    m *= b
    return b * m.sum(), b.ndim + len(b.shape)


@pytest.mark.parametrize("fn, args", [
    (_write_0d, (np.array(2.0), np.array(1.0))),
    (_augment_0d, (np.array(1.0), np.array([1.0, 2.0]))),
    (_alias_0d_transient, (np.array(2.5),)),
    (_int_0d_by_float, (np.array(3),)),
    (_broadcast_0d, (np.array(-2.0), np.ones((2, 3)))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_zero_dimensional_arrays(fn, args):
    """A 0-d array argument is the caller's array: writes reach it, as in NumPy."""
    agree(fn, args)


@pytest.mark.parametrize("target", TARGETS)
def test_none_for_optional_arguments(target):
    def norm(x, weights=None, shift=None):
        out = x.copy()
        if weights is not None and shift is None:
            out *= weights
        elif weights is not None:
            out = out * weights + shift
        if weights is None:
            out = -out
        return out

    f = sluice.jit(norm)
    x, w = np.arange(5.0), np.linspace(0, 1, 5)
    for args in ((x,), (x, w), (x, w, 2.5), (x, None, 2.5)):
        np.testing.assert_array_equal(f.compile(target, *args)(*args), norm(*args))


def test_is_between_computed_values_is_refused_clearly():
    @sluice.jit
    def same(a, b):
        return a if a is b else b

    with pytest.raises(UnsupportedError, match="'is' between computed values") as err:
        same(np.zeros(2), np.zeros(2))
    assert "x is None" in err.value.hint


@pytest.mark.parametrize("target", TARGETS)
def test_tuples_of_arrays(target):
    def combine(pair, nested, k):
        a, b = pair
        c, (d, s) = nested
        pair[0][0] = len(pair) + s
        return a @ b + c[::-1] * d[0] * k + nested[1][0][1]

    f = sluice.jit(combine)
    rng = np.random.default_rng(0)
    a, b, c, d = (rng.standard_normal((3, 3)) for _ in range(4))

    def args(s):
        return (a.copy(), b.T), (c, (d, s)), 2

    mine, ref = args(0.5), args(0.5)
    out = f.compile(target, *mine)(*mine)
    np.testing.assert_allclose(out, combine(*ref), rtol=1e-12)
    np.testing.assert_array_equal(mine[0][0], ref[0][0])  # written through the tuple
    mine, ref = args(-3.0), args(-3.0)  # a new number in the tuple: the same build
    np.testing.assert_allclose(f.compile(target, *mine)(*mine), combine(*ref), rtol=1e-12)


def test_a_tuple_of_numbers_stays_compiled_in():
    @sluice.jit
    def filled(shape, v):
        return np.full(shape, v)

    np.testing.assert_array_equal(filled((2, 3), 1.5), np.full((2, 3), 1.5))
    assert filled.trace((2, 3), 1.5).args == ["v"]


def test_zero_dimensional_annotated_argument_of_a_program():
    @sluice.program
    def accumulate(a: sluice.float64[()], s: sluice.float64, v: sluice.float64[3]):
        a += s
        v += a

    for target in TARGETS:
        a, v = np.array(1.0), np.zeros(3)
        accumulate.compile(target)(a, np.array(2.0), v)
        assert float(a) == 3.0 and v.tolist() == [3.0] * 3
    with pytest.raises(ArgumentError, match="must be a 0-d array, got shape"):
        accumulate(np.zeros(2), 1.0, np.zeros(3))


def _element_is_a_copy(v):
    x = np.zeros(())
    c = x[()]  # a NumPy scalar: later writes to x do not reach it
    x += v
    return c


def _ellipsis_is_a_view(A):
    c = A[1, 2, ...]  # a 0-d array sharing A's element
    d = A[1, 2]  # a scalar copy
    A[1, 2] = 9.0
    return c + d * 10


def _names_share_a_0d_argument(a):
    c = a
    c += 1.0
    e = a[...]
    a[...] = a * 3.0
    return c + e


@pytest.mark.parametrize("fn, args", [
    (_element_is_a_copy, (1.0,)),
    (_ellipsis_is_a_view, (np.arange(12.0).reshape(3, 4),)),
    (_names_share_a_0d_argument, (np.array(2.5),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_elements_are_copies_and_0d_arrays_are_shared(fn, args):
    """Found reading (2026-12-07): `x[()]` of a 0-d array was shared (NumPy: a scalar copy),
    `A[i, j, ...]` copied (NumPy: a 0-d view), names bound to a 0-d argument copied it."""
    agree(fn, args)
