"""CSL backend: a typed model of CSL programs, its printer, parser, hardware validators, and
the lowering of spatial kernels (`LoweredKernel`) to it.

* `model` — the CSL model (layout, PE programs, host script) that lowering targets.
* `printer` — `layout.csl`, one file per PE variant, `run.py`; or one `// FILE:` stream.
* `parser` — reads printed CSL back into the model (`parse(print(m)) == m`).
* `validate` — WSE-2/WSE-3 resource limits as `VerificationError`s.
* `samples` — hand-built reference programs (gemv, reductions, broadcast, streaming).
* `compile_kernel` — spatial IR -> CSL (`lower_*` modules), `CslOptions` its switches;
  `write`, `run_on_simulator` and `run_on_sdk` run the result. Router switching (one color
  for several epochs through switch positions and control wavelets) and close sentinels
  are described in `lower_routes` and `lower_tasks`, and in docs/DECISIONS.md.
"""

from sluice.backends.csl.compile import CslArtifacts, compile_kernel
from sluice.backends.csl.driver import (
    run_on_sdk,
    run_on_simulator,
    sdk_available,
    simulate,
    write,
)
from sluice.backends.csl.options import CslOptions
from sluice.backends.csl.parser import parse_dir, parse_files, parse_stream
from sluice.backends.csl.printer import print_files, print_stream, write_files

__all__ = [
    "CslArtifacts", "CslOptions", "compile_kernel", "parse_dir", "parse_files", "parse_stream",
    "print_files", "print_stream", "run_on_sdk", "run_on_simulator", "sdk_available", "simulate",
    "write",
    "write_files",
]
