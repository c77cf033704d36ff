"""Where sluice keeps what it computes once per machine (builds, parser tables)."""

from __future__ import annotations

import os
from pathlib import Path


def default_root() -> Path:
    """`$SLUICE_CACHE_DIR` if set, else `~/.cache/sluice`."""
    env = os.environ.get("SLUICE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "sluice"
