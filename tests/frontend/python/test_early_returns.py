"""Returns inside `if`s of called functions (issue #18: NPBench's nussinov), against NumPy
on both targets, and the errors for what stays unsupported."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice

sys.path.insert(0, str(Path(__file__).resolve().parent))

import error_programs  # noqa: E402
from python_rules import agree  # noqa: E402


def match(b1, b2):
    if b1 + b2 == 3:
        return 1
    else:
        return 0


def nussinov(N, seq):
    table = np.zeros((N, N), np.int32)
    for i in range(N - 1, -1, -1):
        for j in range(i + 1, N):
            if j - 1 >= 0:
                table[i, j] = max(table[i, j], table[i, j - 1])
            if i + 1 < N:
                table[i, j] = max(table[i, j], table[i + 1, j])
            if j - 1 >= 0 and i + 1 < N:
                if i < j - 1:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1] + match(seq[i], seq[j]))
                else:
                    table[i, j] = max(table[i, j], table[i + 1, j - 1])
            for k in range(i + 1, j):
                table[i, j] = max(table[i, j], table[i, k] + table[k + 1, j])
    return table


def sign3(x):
    if x > 0:
        return 1.0
    elif x < 0:
        return -1.0
    y = x * 0.0  # runs only when neither branch returned
    return y


def store_if_positive(out, i, v):
    if v < 0:
        return
    out[i] = v


def classify(a):
    out = np.zeros_like(a)
    s = 0.0
    for i in range(a.shape[0]):
        s += sign3(a[i])
        store_if_positive(out, i, a[i])
    return s, out


def first_then_rest(x, k):
    if k > 2:
        return x * 2.0
    x = x + 1.0
    if k > 1:
        return x
    return -x


def caller(a, k):
    return first_then_rest(a, k) + first_then_rest(a[0], 3)


def test_nussinov_calls_a_function_that_returns_in_branches():
    seq = np.random.default_rng(7).integers(0, 4, 24).astype(np.int32)
    agree(nussinov, (24, seq), (1, seq[:1]))


def test_statements_after_a_returning_if_run_only_where_it_falls_through():
    agree(classify, (np.array([1.5, -2.0, 0.0, -0.0, np.nan, -np.inf]),))
    for k in (0, 2, 3):
        agree(caller, (np.arange(3.0), k))


def mixed(x):
    if x > 0:
        return 1
    return 2.5


def calls_mixed(a):
    return mixed(a[0])


def calls_returns_in_loop(a):
    return error_programs._returns_in_loop(a)


def test_a_result_of_two_types_and_a_return_in_a_loop_are_clear_errors():
    with pytest.raises(sluice.SluiceError, match="'mixed_result' is an integer on one path"):
        sluice.jit(calls_mixed)(np.ones(2))
    with pytest.raises(sluice.SluiceError, match="'return' inside a loop of a called function"):
        sluice.jit(calls_returns_in_loop)(np.ones(2))
