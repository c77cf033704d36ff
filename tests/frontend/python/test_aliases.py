"""A NumPy function or builtin called under another name does what the function does: rules
that share an implementation once told their functions apart by the name the call spelled,
so `from numpy import triu as up; up(A)` ran np.tril and `biggest = max` ran min (found by
reading; issue #13)."""

import numpy as np
from numpy import logical_or as either
from numpy import ones_like as all_ones
from numpy import triu as upper

from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(13)


def triu_by_another_name(A):
    return upper(A, 1)


def builtins_by_other_names(a, b):
    biggest, as_int = max, int
    return biggest(a, b) + as_int(a)


def numpy_functions_in_locals(x, y):
    fill, tri = np.zeros_like, np.tril
    return fill(x) + tri(y) + all_ones(x) + either(x > 0, y > 0)


def test_aliases_call_the_function_they_name():
    agree(triu_by_another_name, (RNG.standard_normal((4, 4)),))
    agree(builtins_by_other_names, (1.5, 2.5), (3.5, -1.0))
    agree(numpy_functions_in_locals, (RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))))
