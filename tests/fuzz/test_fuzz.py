"""CI entry points of the fuzzer: deterministic (fixed seeds, Hypothesis derandomized, no
example database), a few hundred programs and a few hundred mutants per frontend, in about
three minutes on two cores. Construct families that fail today are left out through
`families.FAILING_TODAY` (see KNOWN.md), never by loosening the comparison.

Failures are written as reproducer files into a temporary folder named in the message."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz import campaign, families, mutate, strategies

# x2 programs x8 statements; each stop's campaigns run thousands (KNOWN.md), CI a sample
PROGRAM_BATCHES = int(os.environ.get("SLUICE_FUZZ_BATCHES", "10"))
MUTANTS = int(os.environ.get("SLUICE_FUZZ_MUTANTS", "250"))  # per frontend
SEED = 1306


def _report(tally: campaign.Tally) -> str:
    lines = [f"{len(tally.failures)} failures (reproducers below):"]
    for f in tally.failures[:10]:
        lines.append(f"  {f.key()}  [{', '.join(sorted(f.families))}]  {f.path}")
    return "\n".join(lines)


@settings(max_examples=PROGRAM_BATCHES, derandomize=True, database=None, deadline=None,
          phases=[Phase.generate], suppress_health_check=list(HealthCheck))
@given(progs=strategies.programs(families.CI).flatmap(
    lambda first: strategies.programs(families.CI).map(lambda second: [first, second])))
def test_random_programs_agree_with_numpy(progs, tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz-programs")
    tally = campaign.run_programs(progs, families.CI, jobs=2, out=str(out))
    assert not tally.failures, _report(tally)


def test_seeded_programs_agree_with_numpy(tmp_path):
    """The plain generator of long campaigns, on a fixed seed."""
    tally = campaign.run(32, SEED, families.CI, jobs=2, out=str(tmp_path), progress=False)
    assert tally.statements >= 32
    assert not tally.failures, _report(tally)


@pytest.mark.parametrize("frontend", mutate.FRONTENDS)
def test_mutants_raise_only_sluice_errors(frontend, tmp_path):
    tallies = mutate.campaign([frontend], MUTANTS, SEED, jobs=2, timeout=60.0, out=tmp_path)
    t = tallies[frontend]
    assert sum(t.counts.values()) == MUTANTS
    assert not t.failures, (f"{len(t.failures)} mutants escape as non-SluiceErrors "
                            f"(reproducers in {tmp_path}): "
                            + "; ".join(mutate.signature(d) for *_, d in t.failures[:5]))


# Mutants that once raised an internal exception (campaign seed 91000, 10,000 per frontend):
# a comparison where a subset bound belongs (`x[0>N + 2]`), a float map range, -inf stored
# into an integer container, a Python int beyond int64, a size solved to a negative value.
# Seed 120000: an integer where a library node's axes list belongs (`axes = 2`).
FOUND_MUTANTS = [("sir", 91118), ("sir", 94135), ("sir", 91615), ("sir", 99482),
                 ("sptl", 94770), ("python", 96314), ("cli", 95516), ("sir", 125139),
                 ("sptl", 164856)]  # seed 160000: a foreach with fewer variables than generators


@pytest.mark.parametrize("frontend, seed", FOUND_MUTANTS)
def test_mutants_found_by_campaigns_raise_only_sluice_errors(frontend, seed):
    (_, _, outcome, what), = mutate._mutation_job((frontend, [seed], 60.0))
    assert outcome.status not in ("crash", "hang"), f"{what}\n{outcome.detail}"
