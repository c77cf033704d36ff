"""Checked calls: arguments whose sizes break what the compiled program assumes raise an
ArgumentError naming the arguments and dimensions (NumPy raises too); the shapes NumPy
broadcasts keep working, on the CPU backend and on the reference interpreter."""

import numpy as np
import pytest

import sluice
from sluice.errors import ArgumentError, SluiceError

N = sluice.symbol("N")
M = sluice.symbol("M")


def add(a, b):
    return a + b


def matmul(a, b):
    return a @ b


def assign(a, b):
    b[:] = a


def largest(a):
    return a.max()


def any_all(a):
    return np.any(a), np.all(a)


@sluice.program
def add_nm(x: sluice.float64[N], y: sluice.float64[M]):
    return x + y


@sluice.program
def outer_sum(x: sluice.float64[N], y: sluice.float64[M], z: sluice.float64[N, M]):
    return x[:, None] + y + z


def _call(fn, target, *args):
    """`fn(*args)` compiled for `target` ('cpu': the default call path)."""
    if target == "cpu":
        return fn(*args)
    return fn.compile(target, *args)(*args)


TARGETS = ["cpu", "interpret"]


@pytest.mark.parametrize("target", TARGETS)
def test_elementwise_sizes_that_numpy_refuses_raise(target):
    f = sluice.jit(add)
    assert np.array_equal(_call(f, target, np.ones(4), np.ones(4)), np.full(4, 2.0))
    with pytest.raises(ArgumentError) as err:
        _call(f, target, np.ones(4), np.ones(5))
    msg = str(err.value)
    assert "could not be broadcast" in msg
    assert "dimension 0 of 'a' has size 4" in msg and "dimension 0 of 'b' has size 5" in msg
    assert err.value.loc is not None and err.value.loc.line is not None  # points at `a + b`
    with pytest.raises(ValueError):  # NumPy agrees
        np.ones(4) + np.ones(5)


@pytest.mark.parametrize("target", TARGETS)
def test_broadcasting_numpy_allows_still_works(target):
    f = sluice.jit(add)
    for a, b in [(np.arange(4.0), np.ones(1)), (np.arange(3.0).reshape(3, 1), np.arange(4.0)),
                 (np.arange(12.0).reshape(3, 4), np.arange(4.0))]:
        assert np.array_equal(_call(f, target, a, b), a + b)
    with pytest.raises(ArgumentError, match="dimension 1 of 'a' has size 4"):
        _call(f, target, np.ones((3, 4)), np.ones(5))


def test_sizes_far_apart_raise_instead_of_crashing():
    # The old code read 10**8 elements of a 10-element array: a segmentation fault.
    big = np.empty(10**8, dtype=np.int8)  # never touched: no memory is committed
    with pytest.raises(ArgumentError, match="size 100000000"):
        sluice.jit(add)(big, np.ones(10, dtype=np.int8))


@pytest.mark.parametrize("target", TARGETS)
def test_matmul_with_wrong_inner_size_raises(target):
    f = sluice.jit(matmul)
    A, B = np.arange(12.0).reshape(3, 4), np.arange(8.0).reshape(4, 2)
    assert np.allclose(_call(f, target, A, B), A @ B)
    with pytest.raises(ArgumentError, match="inner dimensions differ") as err:
        _call(f, target, A, np.ones((5, 2)))
    assert "dimension 1 of 'a' has size 4" in str(err.value)
    assert "dimension 0 of 'b' has size 5" in str(err.value)


@pytest.mark.parametrize("target", TARGETS)
def test_slice_assignment_of_another_size_raises(target):
    f = sluice.jit(assign)
    b = np.zeros(5)
    _call(f, target, np.arange(5.0), b)
    assert np.array_equal(b, np.arange(5.0))
    for n in (3, 7):  # NumPy: could not broadcast input array from shape (5,) into (n,)
        b = np.zeros(n)
        with pytest.raises(ArgumentError, match="could not broadcast"):
            _call(f, target, np.arange(5.0), b)
        assert not b.any()  # nothing was written
    b = np.zeros(5)
    _call(f, target, np.full(1, 7.0), b)  # a size-1 value stretches
    assert np.array_equal(b, np.full(5, 7.0))


@pytest.mark.parametrize("target", TARGETS)
def test_max_of_an_empty_array_raises(target):
    f = sluice.jit(largest)
    assert _call(f, target, np.array([1.0, 3.0])) == 3.0
    with pytest.raises(ArgumentError, match="zero-size array to reduction operation max"):
        _call(f, target, np.zeros(0))


@pytest.mark.parametrize("target", TARGETS)
def test_any_and_all_of_an_empty_array_are_numpys(target):
    f = sluice.jit(any_all)
    assert _call(f, target, np.zeros(0)) == (False, True)
    assert _call(f, target, np.array([0.0, 2.0])) == (True, False)


@sluice.program
def add_nn(x: sluice.float64[N], y: sluice.float64[N]):
    return x + y


@pytest.mark.parametrize("fn", [add_nm, add_nn])
def test_program_symbols_of_inconsistent_sizes_raise(fn):
    with pytest.raises(ArgumentError) as err:
        fn(np.ones(4), np.ones(5))
    msg = str(err.value)  # names both arguments, the dimension and the sizes
    assert "'x'" in msg and "'y'" in msg and "dimension 0" in msg
    assert "4" in msg and "5" in msg


def reshape_rows(a):
    return a.reshape(3, -1)


def reshape_n(a, n):
    return a.reshape(n, 2)


@pytest.mark.parametrize("target", TARGETS)
def test_reshape_into_a_shape_of_another_size_raises(target):
    f, g = sluice.jit(reshape_rows), sluice.jit(reshape_n)
    a = np.arange(12.0)
    assert np.array_equal(_call(f, target, a), a.reshape(3, -1))
    assert np.array_equal(_call(g, target, a, 6), a.reshape(6, 2))
    # The old code copied 10 elements into a 3 x 3 array (a heap overflow on the CPU).
    with pytest.raises(ArgumentError, match="do not divide its size: a_0 % 3 = 1"):
        _call(f, target, np.arange(10.0))
    with pytest.raises(ArgumentError, match="cannot reshape the array into shape"):
        _call(g, target, a, 5)


def ones_plus(n):
    return np.ones(n) + 1.0


@pytest.mark.parametrize("target", TARGETS)
def test_negative_dimensions_raise(target):
    f = sluice.jit(ones_plus)
    assert np.array_equal(_call(f, target, 3), np.full(3, 2.0))
    assert _call(f, target, 0).shape == (0,)
    with pytest.raises(ArgumentError, match="negative dimensions are not allowed: 'n' is -2"):
        _call(f, target, -2)


def test_program_symbols_of_size_one_broadcast_as_numpy():
    x = np.arange(4.0)
    assert np.array_equal(add_nm(x, np.full(1, 2.0)), x + 2.0)
    assert np.array_equal(add_nm(np.full(1, 2.0), x), x + 2.0)
    assert np.array_equal(add_nm(x, x), x + x)
    for n, m in [(3, 2), (3, 1), (1, 2), (1, 1)]:
        x, y, z = np.arange(n * 1.0), np.arange(m) * 10.0, np.ones((n, m))
        assert np.array_equal(outer_sum(x, y, z), x[:, None] + y + z)


def test_interpreted_program_checks_its_requirements():
    a, b = np.ones(4), np.ones(5)
    program = sluice.jit(add).trace(a, a)
    assert program.requires and "require" in program.to_text()
    assert np.array_equal(sluice.ir.interpret(program, a, a), a + a)
    with pytest.raises(ArgumentError, match="could not be broadcast"):
        sluice.ir.interpret(program, a, b)


def test_a_failed_call_leaves_the_function_usable():
    f = sluice.jit(add)
    assert np.array_equal(f(np.ones(3), np.ones(3)), np.full(3, 2.0))
    with pytest.raises(SluiceError):
        f(np.ones(3), np.ones(2))
    assert np.array_equal(f(np.ones(2), np.ones(2)), np.full(2, 2.0))
    assert f.compilations == 1


def growing_prefix(a, b):
    for i in range(1, 4):
        b[:i] = a[:2]
    return b


@pytest.mark.parametrize("target", TARGETS)
def test_sizes_computed_while_running_are_checked_while_running(target):
    f = sluice.jit(growing_prefix)
    with pytest.raises(SluiceError, match="could not broadcast") as err:
        _call(f, target, np.ones(5), np.ones(5))
    assert err.value.loc is not None and err.value.loc.line is not None
    with pytest.raises(ValueError):  # NumPy agrees: shape (2,) into (1,)
        growing_prefix(np.ones(5), np.ones(5))


def _iadd(a, b):
    a += b


def _where(c, a, b):
    return np.where(c > 0, a, b)


def _dot(a, b):
    return np.dot(a, b)


def _einsum(a, b):
    return np.einsum("ij,jk->ik", a, b)


def _transposed_matmul(a, b):
    return a.T @ b


@pytest.mark.parametrize("fn, args, fragment", [
    (_iadd, (np.ones(3), np.ones(4)), "could not be broadcast"),
    (_where, (np.ones(3), np.ones(3), np.ones(4)), "could not be broadcast"),
    (_dot, (np.ones(3), np.ones(4)), "inner dimensions differ"),
    (_einsum, (np.ones((2, 3)), np.ones((4, 2))), "index 'j' has different sizes"),
    (_transposed_matmul, (np.ones((3, 2)), np.ones((4, 2))), "dimension 0 of 'a' has size 3"),
    (matmul, (np.ones((2, 3, 4)), np.ones((3, 4, 5))), "batch sizes differ"),
])
def test_every_size_assumption_is_checked(fn, args, fragment):
    with pytest.raises(ValueError):  # NumPy refuses each of these
        fn(*[a.copy() for a in args])
    f = sluice.jit(fn)
    with pytest.raises(ArgumentError, match=fragment):
        f.compile("interpret", *args)(*args)
