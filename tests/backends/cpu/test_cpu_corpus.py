"""Every IR corpus program compiles and matches the reference interpreter, with and
without the O2 pipeline (and bounds-checked after O2), on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_programs import CORPUS
from cpu_helpers import NO_PASSES, O2, O2_CHECKED, check

NAMES = sorted(CORPUS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("options", [NO_PASSES, O2, O2_CHECKED],
                         ids=["no-passes", "O2", "O2-boundscheck"])
def test_corpus_program_matches_interpreter(name, options):
    entry = CORPUS[name]
    program = entry.build()
    for seed in (0, 1):
        args, kwargs = entry.args(np.random.default_rng(seed))
        check(program, args, kwargs, options)
