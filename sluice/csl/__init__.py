"""The CSL language as data (DESIGN.md §2, floor 2): what the CSL backend lowers into and the
wafer simulator (`sluice.runtime.wafer`) executes. It imports nothing of sluice above the
floor-1 helpers (errors, grammars, lazy, safetext, the wafer facts of `sluice.wafer`).

* `model` — the typed CSL model: layout, PE programs, host script.
* `printer` — `layout.csl`, one file per PE variant, `run.py`; or one `// FILE:` stream.
* `parser` — reads printed CSL back into the model (`parse(print(m)) == m`), grammar
  `csl.lark`.
* `validate` — WSE-2/WSE-3 resource limits and naming rules as `VerificationError`s.
* `samples` — hand-built reference programs (gemv, reductions, broadcast, streaming).

Names are imported on first use (`sluice.lazy`).
"""

from __future__ import annotations

from sluice.lazy import lazy_exports

_FROM = {
    "parser": ("parse_dir", "parse_files", "parse_stream"),
    "printer": ("print_files", "print_stream", "write_files"),
    "validate": ("check", "validate"),
}
__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}:{name}" for module, names in _FROM.items()
               for name in names})

__all__ = sorted(name for names in _FROM.values() for name in names)
