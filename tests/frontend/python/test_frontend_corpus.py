"""Every program of the corpus traces, verifies, round-trips through IR text and interprets
equal to NumPy."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from checks import check_against_numpy  # noqa: E402
from programs import PROGRAMS  # noqa: E402


@pytest.mark.parametrize("case", PROGRAMS, ids=lambda c: c.name)
def test_corpus_program(case):
    for seed in (0, 1):
        check_against_numpy(case.func, case.make_args(np.random.default_rng(seed)))


def test_one_trace_serves_every_size():
    """Sizes stay symbolic: a second call with other sizes reuses the compiled program."""
    from programs import BY_NAME

    import sluice

    case = BY_NAME["stencil_2d"]
    f = sluice.jit(case.func)
    for n in (5, 9, 12):
        A = np.random.default_rng(n).random((n, n))
        np.testing.assert_allclose(f.compile("interpret", A)(A), case.func(A), rtol=1e-12)
    assert f.compilations == 1
