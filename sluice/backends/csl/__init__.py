"""CSL backend: a typed model of CSL programs, its printer, parser and hardware validators.

* `model` — the CSL model (layout, PE programs, host script) that lowering targets.
* `printer` — `layout.csl`, one file per PE variant, `run.py`; or one `// FILE:` stream.
* `parser` — reads printed CSL back into the model (`parse(print(m)) == m`).
* `validate` — WSE-2/WSE-3 resource limits as `VerificationError`s.
* `samples` — hand-built reference programs (gemv, reductions, broadcast, streaming).
"""

from sluice.backends.csl.parser import parse_dir, parse_files, parse_stream
from sluice.backends.csl.printer import print_files, print_stream, write_files

__all__ = ["parse_dir", "parse_files", "parse_stream", "print_files", "print_stream", "write_files"]
