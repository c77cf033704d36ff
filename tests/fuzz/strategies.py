"""Hypothesis strategies over the generator: it draws every choice from Hypothesis's
`random.Random`, so examples are reproducible (derandomize) and replayable."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.fuzz import gen


def programs(fams: frozenset[str], per: int = 8) -> st.SearchStrategy[gen.Program]:
    return st.randoms(use_true_random=False).map(
        lambda r: gen.program(r, fams, per, seed="hypothesis"))
