"""Passes over the IR: a pass manager, named pipelines and the canonicalising passes.

    from sluice.passes import pipeline
    pm = pipeline("O2", verify=True, print_after=["map-fusion"])
    reports = pm.run(program)        # in place; one PassReport per pass (PassReports)
    print(pm.timings())

O2 = dead-code, symbol-propagation, state-fusion, transpose-folding, redundant-copy,
first-accumulation, sibling-fusion, map-fusion, map-collapse, gemm-folding, dead-data.
"""

from sluice.passes.manager import (
    PASSES,
    PIPELINES,
    Pass,
    PassError,
    PassManager,
    PassReport,
    PassReports,
    available_passes,
    get_pass,
    pipeline,
    register,
)

__all__ = ["PASSES", "PIPELINES", "Pass", "PassError", "PassManager", "PassReport",
           "PassReports", "available_passes", "get_pass", "pipeline", "register"]
