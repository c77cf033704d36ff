"""Values that depend on a run-time branch, returns on some paths, and loops whose condition
is known while tracing: NumPy's answer on the interpreter and the CPU backend, or a clear
error while compiling."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceTypeError, UnsupportedError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402

x6 = np.arange(6.0)


def write_through_branch_view(x, c):
    if c > 0:
        v = x[2:5]
        v[:] = 1.0
        v[0] += 10.0
    else:
        w = x[::2]
        w *= -1.0
    return x


def alias_of_a_temporary(x, c):
    t = x * 2.0
    if c > 0:
        u = t
        u[0] = 5.0
    return t + 1.0


def fresh_arrays_in_branches(x, c):
    if c > 0:
        y = np.zeros(x.shape[0])
    else:
        y = np.ones(x.shape[0])
    y[1] = 4.0
    return y


def test_write_through_a_view_made_in_a_branch():
    agree(write_through_branch_view, (x6.copy(), 1), (x6.copy(), 0))
    agree(alias_of_a_temporary, (x6, 1), (x6, 0))
    agree(fresh_arrays_in_branches, (x6, 1), (x6, 0))


def same_view_on_both_paths(x, c):
    if c > 0:
        v = x[1:4]
        x[0] = 7.0
    else:
        v = x[1:4]
    v[:] = 3.0
    return x


def test_a_view_bound_alike_on_both_paths_stays_usable():
    agree(same_view_on_both_paths, (x6.copy(), 1), (x6.copy(), 0))


def different_views(x, c):
    if c > 0:
        v = x[:3]
    else:
        v = x[3:]
    v[:] = 0.0
    return x


def view_or_value(x, c):
    v = x[:3]
    if c > 0:
        v = x[3:]
    return v * 2.0


@pytest.mark.parametrize("fn, use", [(different_views, 5), (view_or_value, 4)])
def test_a_name_bound_to_different_views_is_refused_at_its_use(fn, use):
    with pytest.raises(UnsupportedError, match="cannot be used after the 'if'") as info:
        sluice.jit(fn).trace(x6, 1)
    assert info.value.loc.line == fn.__code__.co_firstlineno + use


def values_in_branches(x, c):
    if c > 0:
        y = x * 2.0
        s = 1.5
    else:
        y = x + 1.0
        s = 2
    return y * s


def test_a_python_int_and_float_on_two_paths_are_refused_at_the_second():
    # Python keeps 2 an int on its path (returned or used with an int array it differs
    # from 2.0): no single compiled type, so the second assignment is reported
    with pytest.raises(SluiceTypeError, match="'s' is float64 on one path") as info:
        sluice.jit(values_in_branches).trace(x6, 1)
    assert info.value.loc.line == values_in_branches.__code__.co_firstlineno + 6


def values_of_one_type(x, c):
    if c > 0:
        y = x * 2.0
        s = 1.5
    else:
        y = x + 1.0
        s = float(2)
    return y * s


def test_values_of_one_type_on_both_paths():
    agree(values_of_one_type, (x6, 1), (x6, 0))


def dtype_differs(x, c):
    if c > 0:
        y = x.astype(np.float32)
    else:
        y = x * 2.0
    return y


def shape_differs(x, c):
    if c > 0:
        y = x[:2] * 1.0
    else:
        y = x * 2.0
    return y


def length_one_differs(x, c):
    if c > 0:
        y = x * 2.0
    else:
        y = np.ones(1) * 3.0  # (1,): stored into (n,) storage, it would stretch
    return y


def test_branch_types_that_differ_are_refused_at_the_second_assignment():
    with pytest.raises(SluiceTypeError, match="float32 on one path") as info:
        sluice.jit(dtype_differs).trace(x6, 1)
    assert info.value.loc.line == dtype_differs.__code__.co_firstlineno + 4


@pytest.mark.parametrize("fn", [shape_differs, length_one_differs])
def test_branch_shapes_that_differ_are_run_time_shapes(fn):
    """Each path gives the variable its own shape (resizing.py); returning it is refused,
    since the caller allocates returned arrays before the call."""
    with pytest.raises(UnsupportedError, match="whose shape changes") as info:
        sluice.jit(fn).trace(x6, 1)
    assert info.value.loc.line == fn.__code__.co_firstlineno + 5


def shape_differs_summed(x, c):
    y = shape_differs(x, c)
    return y.sum(), len(y)


def length_one_differs_summed(x, c):
    y = length_one_differs(x, c)
    return y.sum(), len(y)


@pytest.mark.parametrize("fn", [shape_differs_summed, length_one_differs_summed])
def test_values_of_branch_shapes_that_differ(fn):
    agree(fn, (x6.copy(), 1), (x6.copy(), -1))


def falls_off(x, c):
    if c > 0:
        return x * 2.0
    x[:] = 0.0


def bare_returns(x, c):
    if c > 0:
        x[:] = 1.0
        return
    x[:] = 2.0
    return None


def test_functions_that_may_return_none():
    with pytest.raises(UnsupportedError, match="reach its end without a return"):
        sluice.jit(falls_off).trace(x6, 1)
    agree(bare_returns, (x6.copy(), 1), (x6.copy(), 0))


def while_false(x):
    while 0.0:
        x[0] = 5.0
    while None:
        x[1] = 5.0
    return x * 1.0


def while_true_with_return(x):
    i = 0
    while True:
        i += 1
        if i > 3:
            return x * i


def while_counter(x):
    i = 0
    while i < 3:
        x[i] += 1.0
        i += 1
    return x


def test_while_conditions_known_while_tracing():
    agree(while_false, (x6.copy(),))
    agree(while_true_with_return, (x6,))
    agree(while_counter, (x6.copy(),))  # the condition reads what the body changes


def never_ends(x):
    while 1:
        x[0] += 1.0
    return x


def test_a_loop_that_never_ends_is_refused():
    with pytest.raises(UnsupportedError, match="never ends"):
        sluice.jit(never_ends).trace(x6)


def if_zero_float(x):
    if 0.0:
        x[0] = 9.0
    return x * 1.0


def test_zero_float_is_false():
    agree(if_zero_float, (x6.copy(),))
