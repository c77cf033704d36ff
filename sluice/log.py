"""sluice's logging: the standard `logging` module under the `sluice` logger.

Each module logs to `logging.getLogger(__name__)` (`sluice.api`, `sluice.runtime.cache`, ...),
so an application configures them all through `logging.getLogger("sluice")`. Without that,
`SLUICE_LOG=info` (or `debug`, `warning`, `error`) prints them on stderr: each stage (trace,
passes, codegen, compile, cache hit or miss) with its time at `info`, each pass at `debug`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator

LOG_VARIABLE = "SLUICE_LOG"
LEVELS = ("debug", "info", "warning", "error")
_configured = False
_handler: logging.Handler | None = None  # the stderr handler `$SLUICE_LOG` installed


def get_logger(name: str) -> logging.Logger:
    """The logger of module `name` (pass `__name__`), with `$SLUICE_LOG` applied once."""
    if not _configured:
        configure_from_environment()
    return logging.getLogger(name)


def configure_from_environment() -> None:
    """Send the `sluice` logger's records at `$SLUICE_LOG`'s level and above to stderr.
    Calling it again (`sluice.config.log = ...`) replaces what an earlier call set up."""
    global _configured, _handler
    _configured = True
    root = logging.getLogger("sluice")
    if _handler is not None:
        root.removeHandler(_handler)
        root.setLevel(logging.NOTSET)
        root.propagate = True
        _handler = None
    value = os.environ.get(LOG_VARIABLE, "").strip().lower()
    if not value:
        return
    if value not in LEVELS:  # (a warning, not an error: logging must not stop a program)
        warnings.warn(f"{LOG_VARIABLE}={value!r} is not a log level; use one of "
                      f"{', '.join(LEVELS)}", stacklevel=3)
        return
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("[sluice] %(message)s"))
    root.addHandler(_handler)
    root.setLevel(value.upper())
    root.propagate = False  # asked for on stderr: once, not again through the root logger


@contextlib.contextmanager
def stage(log: logging.Logger, what: str, level: int = logging.INFO) -> Iterator[None]:
    """Log `what` and how long the block took when it ends (not when it fails: the error
    says what happened)."""
    if not log.isEnabledFor(level):
        yield
        return
    start = time.perf_counter()
    yield
    log.log(level, "%s (%.1f ms)", what, (time.perf_counter() - start) * 1e3)
