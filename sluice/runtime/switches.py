"""Environment switches that turn an optional part of the toolchain off."""

from __future__ import annotations

import os

OFF_VALUES = ("0", "off", "no", "none", "false")


def turned_off(variable: str) -> bool:
    """Whether `$variable` says off (`SLUICE_BLAS=off`, `SLUICE_VECMATH=0`, ...)."""
    return os.environ.get(variable, "").lower() in OFF_VALUES


def turned_on(variable: str) -> bool:
    """Whether `$variable` is set to something other than off (`SLUICE_BOUNDSCHECK=1`)."""
    value = os.environ.get(variable, "").strip().lower()
    return value != "" and value not in OFF_VALUES
