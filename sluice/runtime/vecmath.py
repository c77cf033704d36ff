"""Vector math: glibc's libmvec, so that loops calling exp, log, sin, ... vectorize.

GCC vectorizes a loop that calls a math function only when the function is declared with
SIMD variants. glibc's headers declare them only under `-ffast-math`, which generated code
cannot use (it would break NumPy's NaN and rounding semantics), so the prelude re-declares
the functions it calls with `simd("notinbranch")` when compiled with `-DSL_VECMATH`, and the
build links libmvec, which holds those variants (`_ZGVdN4v_exp` and so on).

The variants are accurate to 4 ulp (glibc's documented bound; the scalar functions are
within 1 ulp) and treat NaN, infinities, overflow and subnormals as the scalar ones do.
Only x86-64 Linux with glibc 2.35 or newer qualifies: 2.35 is the first release with every
function the prelude declares, in every x86 vector width. `SLUICE_VECMATH=off` keeps the
scalar calls.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
import platform
import sys
from dataclasses import dataclass

from sluice.runtime.switches import turned_off

MIN_GLIBC = (2, 35)


@dataclass(frozen=True)
class VecMath:
    """A vector math library to compile and link against."""

    name: str  # what `sluice doctor` shows

    def compile_flags(self) -> list[str]:
        return ["-DSL_VECMATH"]

    def link_flags(self) -> list[str]:
        return ["-lmvec"]


def _glibc_version() -> tuple[int, ...] | None:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36"
    except (ValueError, OSError, AttributeError):
        return None
    name, _, version = text.partition(" ")
    if name != "glibc":
        return None
    try:
        return tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        return None


@functools.cache
def _found() -> VecMath | None:
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "AMD64"):
        return None
    version = _glibc_version()
    if version is None or version < MIN_GLIBC or not ctypes.util.find_library("mvec"):
        return None
    return VecMath(f"libmvec (glibc {'.'.join(map(str, version))})")


def find_vecmath() -> VecMath | None:
    """The vector math library to use, or None (not glibc 2.35+ on x86-64, or turned off)."""
    return None if turned_off("SLUICE_VECMATH") else _found()


def describe() -> tuple[bool, str]:
    """For `sluice doctor`: whether vector math is used, and which."""
    if turned_off("SLUICE_VECMATH"):
        return False, "turned off by SLUICE_VECMATH"
    v = find_vecmath()
    if v is None:
        return False, ("none (needs glibc >= 2.35 on x86-64); exp, log, sin, ... "
                       "stay scalar calls")
    return True, v.name
