"""The pass manager: pipelines by name, reports, timings, print_after, verification."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from pass_programs import CASES

import sluice.ir as ir
from sluice.errors import SluiceError
from sluice.passes import (
    PIPELINES,
    Pass,
    PassError,
    PassManager,
    PassReport,
    get_pass,
    pipeline,
)


def test_pipelines_by_name():
    assert [p.name for p in pipeline("O2").passes] == [
        "dead-code", "symbol-propagation", "state-fusion", "transpose-folding",
        "redundant-copy", "first-accumulation", "sibling-fusion", "map-fusion", "map-collapse",
        "gemm-folding", "dead-data"]
    assert pipeline("O0").passes == []
    assert set(PIPELINES) >= {"O0", "O1", "O2"}
    with pytest.raises(SluiceError, match="unknown pipeline 'O7'"):
        pipeline("O7")


def test_passes_are_frozen_dataclasses_with_options():
    p = get_pass("map-fusion", max_rounds=1)
    assert p.max_rounds == 1 and p.name == "map-fusion"
    with pytest.raises(AttributeError):
        p.max_rounds = 2  # type: ignore[misc]
    with pytest.raises(SluiceError, match="unknown pass"):
        get_pass("fuse-everything")


def test_reports_timings_and_print_after():
    out = io.StringIO()
    pm = pipeline("O2", verify=True, print_after=["map-fusion"], out=out)
    program = CASES["chain"].build()
    reports = pm.run(program)
    assert [r.pass_name for r in reports] == [p.name for p in pm.passes]
    fusion = next(r for r in reports if r.pass_name == "map-fusion")
    assert fusion.changed and "fused" in str(fusion)
    assert all(r.seconds >= 0 for r in reports)
    printed = out.getvalue()
    assert "// --- IR after map-fusion" in printed
    assert ir.parse(printed.split("---\n", 1)[1]).name == "chain"  # the printout parses
    table = pm.timings()
    assert "map-fusion" in table and "ms" in table


@dataclass(frozen=True)
class _Vandal(Pass):
    name = "vandal"

    def run(self, program: ir.Program, report: PassReport) -> None:
        program.args.append("no_such_container")
        report.changes.append("broke the signature")


def test_verification_names_the_pass_that_broke_the_program():
    pm = PassManager([_Vandal()], verify=True)
    with pytest.raises(PassError, match="pass 'vandal'"):
        pm.run(CASES["chain"].build())
    PassManager([_Vandal()], verify=False).run(CASES["chain"].build())  # debug off: no check
