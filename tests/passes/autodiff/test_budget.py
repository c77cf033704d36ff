"""The store-or-checkpoint integer program (HiGHS) on made-up loops."""

import pytest

from sluice.errors import SluiceError
from sluice.passes.autodiff.budget import Choice, choose


def options(stored: int, checkpointed: int) -> list[Choice]:
    return [Choice(None, stored, 0), Choice(8, checkpointed, stored)]


def test_checkpoints_only_what_the_budget_needs_and_the_cheapest():
    loops = {0: options(100, 30), 1: options(1000, 200)}
    assert {k: c.length for k, c in choose(50, loops, 10_000).items()} == {0: None, 1: None}
    # storing loop 0 and checkpointing loop 1 (work 1000) beats checkpointing both (1100)
    assert {k: c.length for k, c in choose(50, loops, 400).items()} == {0: None, 1: 8}
    assert {k: c.length for k, c in choose(50, loops, 300).items()} == {0: 8, 1: 8}
    with pytest.raises(SluiceError, match="smallest feasible budget is 280 bytes"):
        choose(50, loops, 279)


def test_prefers_less_memory_among_choices_of_equal_work():
    loops = {0: [Choice(None, 500, 0), Choice(4, 90, 500), Choice(16, 60, 500)]}
    assert choose(0, loops, 100)[0].length == 16
