"""Every corpus program round-trips, verifies, and interprets to its NumPy reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from corpus_programs import CORPUS, CORPUS_DIR

import sluice.ir as ir

NAMES = sorted(CORPUS)


def test_corpus_is_big_enough():
    assert len(list(CORPUS_DIR.glob("*.sir"))) >= 20
    assert {p.stem for p in CORPUS_DIR.glob("*.sir")} == set(CORPUS)


@pytest.mark.parametrize("name", NAMES)
def test_golden_text_matches_builder(name):
    """The committed .sir file is what the builder prints (update: run corpus_programs.py)."""
    text = (CORPUS_DIR / f"{name}.sir").read_text()
    assert CORPUS[name].build().to_text() == text


@pytest.mark.parametrize("name", NAMES)
def test_round_trips(name):
    text = (CORPUS_DIR / f"{name}.sir").read_text()
    p = ir.parse(text, filename=f"{name}.sir")
    p.verify()
    assert p.to_text() == text
    assert p.structurally_equal(CORPUS[name].build())
    assert ir.from_json(p.to_json()).structurally_equal(p)


def _normalise(out):
    if out is None:
        return ()
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interprets_like_numpy(name, seed):
    entry = CORPUS[name]
    p = ir.parse((CORPUS_DIR / f"{name}.sir").read_text())
    args, kwargs = entry.args(np.random.default_rng(seed))
    ref_args, ref_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    got = _normalise(ir.interpret(p, *args, **kwargs))
    want = _normalise(entry.ref(*ref_args, **ref_kwargs))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-12, atol=1e-12)
        assert np.asarray(g).shape == np.asarray(w).shape
    for a, r in zip(args, ref_args, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
