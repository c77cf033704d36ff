"""The `.sptl` frontend: parse, bind parameters, check (docs/SPADA.md, README.md here).

    k = parse_file("gemv.sptl")              # -> ast.Kernel (syntax only)
    bk = bind(k, {"PX": 4, "PY": 4, "K": 8})  # -> BoundKernel (constants folded, PE sets)
    check(bk)                                 # raises a SluiceError subclass on a problem
    print(format_kernel(k))                   # source text that parses back to `k`
"""

from sluice.frontend.spada import ast
from sluice.frontend.spada.check import CheckResult, PhaseTraffic, check
from sluice.frontend.spada.diagnostics import (
    ParameterError,
    PlacementError,
    SpadaNameError,
    StreamMatchError,
)
from sluice.frontend.spada.expand import Block, BoundArg, BoundKernel, BoundPhase, bind
from sluice.frontend.spada.parser import parse_file, parse_source
from sluice.frontend.spada.printer import format_expr, format_kernel

__all__ = [
    "ast",
    "parse_source",
    "parse_file",
    "bind",
    "check",
    "format_kernel",
    "format_expr",
    "Block",
    "BoundArg",
    "BoundKernel",
    "BoundPhase",
    "CheckResult",
    "PhaseTraffic",
    "ParameterError",
    "PlacementError",
    "SpadaNameError",
    "StreamMatchError",
]
