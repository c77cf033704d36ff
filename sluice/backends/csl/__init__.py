"""CSL backend: the lowering of spatial kernels (`LoweredKernel`) to the CSL model of
`sluice.csl` (the language itself: model, printer, parser, validators, samples).

* `compile_kernel` — spatial IR -> CSL (`lower_*` modules), `CslOptions` its switches;
  `write`, `run_on_simulator` and `run_on_sdk` run the result. Router switching (one color
  for several epochs through switch positions and control wavelets) and close sentinels
  are described in `lower_routes` and `lower_tasks`, and in docs/DECISIONS.md.

Names are imported on first use (`sluice.lazy`): the command line reads `CslOptions` to offer
its flags without loading the compiler.
"""

from __future__ import annotations

from sluice.lazy import lazy_exports

_FROM = {
    "compile": ("CslArtifacts", "compile_kernel"),
    "driver": ("run_on_sdk", "run_on_simulator", "sdk_available", "simulate", "write"),
    "options": ("CslOptions",),
}
__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}:{name}" for module, names in _FROM.items()
               for name in names})

__all__ = sorted(name for names in _FROM.values() for name in names)
