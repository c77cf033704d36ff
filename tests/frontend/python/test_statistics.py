"""np.cov (issue #18: NPBench's covariance2), against NumPy on both targets."""

import copy
import warnings

import numpy as np
import pytest

import sluice

RNG = np.random.default_rng(2018)


def covariance2(data):
    return np.cov(np.transpose(data))


def cov_options(x, y):
    return (np.cov(x), np.cov(x, rowvar=False), np.cov(x, bias=True), np.cov(x, ddof=0),
            np.cov(y), np.cov(x[0]), np.cov(x, ddof=x.shape[1]))


@pytest.mark.parametrize("target", ["interpret", "cpu"])
@pytest.mark.parametrize("fn, args", [
    (covariance2, (RNG.standard_normal((7, 4)),)),
    (covariance2, (RNG.standard_normal((5, 3)).astype(np.float32),)),
    (cov_options, (RNG.standard_normal((3, 6)), RNG.integers(-5, 5, 8))),
])
def test_cov_matches_numpy(target, fn, args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = fn(*copy.deepcopy(args))
    ours = copy.deepcopy(args)
    got = sluice.jit(fn).compile(target, *ours)(*ours)
    want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
    for w, g in zip(want, got, strict=True):
        assert np.asarray(g).shape == np.asarray(w).shape
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)  # products reassociate


def cov_of_a_clipped_slice(x):
    return np.cov(x[:1])


def test_a_variable_count_known_only_at_run_time_is_refused():
    with pytest.raises(sluice.SluiceError, match="known only while the function runs"):
        sluice.jit(cov_of_a_clipped_slice)(np.ones((3, 4)))
