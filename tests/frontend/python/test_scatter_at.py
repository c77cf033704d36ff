"""Edge-wise operations of graph networks as plain NumPy: gathers `X[src]`, unbuffered
scatters `np.add.at`/`np.maximum.at`/`np.minimum.at`, `np.bincount` with weights, and a
softmax over the edges into each node, against NumPy on the interpreter and the CPU
(scatter_at.py)."""

from __future__ import annotations

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(5)
DST = np.array([0, 2, 2, 1, 2, -1, 0])  # repeated, negative; node 3 gets no edge
SPECIAL = np.array([1.5, np.nan, -0.0, np.inf, -np.inf, 2.0, -0.0])


def scatters(out, idx, v, m, e):
    np.add.at(out, idx, v)
    np.maximum.at(m, idx, e)
    lo = np.full(m.shape, np.inf)
    np.minimum.at(lo, idx, e)
    np.add.at(lo, idx, 1.0)  # a Python number broadcast to every position
    return lo


def bins(idx, w, n):
    return np.bincount(idx, weights=w, minlength=n), np.bincount(idx, minlength=n)


def segment_softmax(src, dst, score, x, n):
    """GAT's attention: softmax of the scores over the edges into each node, then the
    weighted sum of the source features."""
    m = np.full(n, -np.inf)
    np.maximum.at(m, dst, score)
    e = np.exp(score - m[dst])
    s = np.zeros(n)
    np.add.at(s, dst, e)
    alpha = e / s[dst]
    out = np.zeros((n, x.shape[1]))
    np.add.at(out, dst, alpha[:, None] * x[src])
    return out


@pytest.mark.filterwarnings("ignore:invalid value")
def test_scatters_accumulate_every_repeated_index():
    e = RNG.standard_normal(7)
    agree(
        scatters,
        (np.zeros(4), DST, SPECIAL, np.full(4, -np.inf), e),
        (
            np.zeros((4, 3)),
            DST,
            RNG.standard_normal((7, 3)),
            np.full((4, 3), -np.inf),
            RNG.standard_normal((7, 3)),
        ),
    )
    bad = np.array([0, 4])
    agree(scatters, (np.zeros(4), bad, np.ones(2), np.zeros(4), np.ones(2)))  # IndexError


def test_bincount_with_and_without_weights():
    idx = np.array([0, 2, 2, 1, 2, 4])
    agree(
        bins,
        (idx, np.array([1.0, 2.0, np.nan, -0.0, np.inf, 5.0]), 6),
        (idx, np.arange(6.0), 5),
        (np.array([0, -1]), np.ones(2), 3),
    )  # -1: ValueError
    # NumPy returns int64 zeros for an empty list even with weights: a type sluice cannot
    # follow (it is fixed when tracing), so that case stops the program
    with pytest.raises(SluiceError, match="empty list"):
        sluice.jit(bins)(np.array([], dtype=np.int64), np.zeros(0), 3)
    with pytest.raises(SluiceError, match="minlength"):  # NumPy would return 6 bins
        sluice.jit(bins)(idx, np.ones(6), 4)


def test_segment_softmax_is_plain_numpy():
    src = np.array([1, 2, 3, 0, 2, 4, 4])
    dst = np.array([0, 0, 1, 1, 1, 2, 4])  # node 3 has no incoming edge
    agree(
        segment_softmax,
        (src, dst, RNG.standard_normal(7), RNG.standard_normal((5, 2)), 5),
        rtol=1e-12,
    )


def test_ufunc_at_errors_point_at_the_call():
    def wrong_cast(a, i):
        np.add.at(a, i, 0.5)
        return a

    with pytest.raises(SluiceError, match="same_kind"):
        sluice.jit(wrong_cast)(np.zeros(3, dtype=np.int64), np.array([0]))

    def no_minlength(i):
        return np.bincount(i)

    with pytest.raises(SluiceError, match="minlength") as err:
        sluice.jit(no_minlength)(np.array([0, 1]))
    assert "weights=w" in (err.value.hint or "")
