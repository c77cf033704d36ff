"""Which CBLAS generated C++ links against, and the flags that do it.

Generated code calls `<prefix>cblas_dgemm` and friends only when compiled with
`-DSL_CBLAS=<prefix>cblas_`, so the C++ text is the same with or without a BLAS and the flags
(part of the build cache key) decide. The first BLAS found wins:

1. `scipy-openblas32` — OpenBLAS as SciPy packages it for Python, a sluice dependency, so
   every install has it; its symbols carry the prefix `scipy_`.
2. A system CBLAS: a `cblas.h` on the include path and a library that provides it.

`SLUICE_BLAS=off` turns the BLAS off (the backend then uses its own matrix kernels).
"""

from __future__ import annotations

import ctypes.util
import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

from sluice.runtime.switches import turned_off


@dataclass(frozen=True)
class Blas:
    """A CBLAS to compile and link against."""

    name: str  # what `sluice doctor` shows
    include_dir: str
    prefix: str  # symbol prefix before `cblas_`
    lib_dir: str | None  # None: on the linker's default path
    lib: str  # the `-l` name
    set_threads: str | None = None  # OpenBLAS's thread-count setter, when it has one

    def compile_flags(self) -> list[str]:
        flags = [f"-DSL_CBLAS={self.prefix}cblas_", f"-I{self.include_dir}"]
        if self.set_threads:
            flags.append(f"-DSL_CBLAS_SET_THREADS={self.set_threads}")
        return flags

    def link_flags(self) -> list[str]:
        if self.lib_dir is None:
            return [f"-l{self.lib}"]
        # rpath: the library loads from where it was found, for Python and C callers alike.
        return [f"-L{self.lib_dir}", f"-Wl,-rpath,{self.lib_dir}", f"-l{self.lib}"]


def _scipy_openblas() -> Blas | None:
    try:
        mod = importlib.import_module("scipy_openblas32")
    except ImportError:
        return None
    include, lib_dir = Path(mod.get_include_dir()), Path(mod.get_lib_dir())
    lib = mod.get_library()
    if not (include / "cblas.h").is_file() or not any(lib_dir.glob(f"lib{lib}.*")):
        return None
    return Blas(f"scipy-openblas32 {getattr(mod, '__version__', '')}".strip(), str(include),
                "scipy_", str(lib_dir), lib, "scipy_openblas_set_num_threads")


def _system_cblas() -> Blas | None:
    roots = [Path("/usr/include"), Path("/usr/local/include"), Path("/opt/homebrew/include")]
    roots += [p for p in Path("/usr/include").glob("*-linux-gnu")]
    dirs = roots + [p / "openblas" for p in roots]
    header = next((d for d in dirs if (d / "cblas.h").is_file()), None)
    if header is None:
        return None
    for lib in ("openblas", "cblas", "blis", "mkl_rt"):
        if ctypes.util.find_library(lib):
            setter = "openblas_set_num_threads" if lib == "openblas" else None
            return Blas(f"system {lib}", str(header), "", None, lib, setter)
    return None


@functools.cache
def _found() -> Blas | None:
    return _scipy_openblas() or _system_cblas()


def find_blas() -> Blas | None:
    """The CBLAS to use, or None (none installed, or `SLUICE_BLAS=off`)."""
    return None if turned_off("SLUICE_BLAS") else _found()


def describe() -> tuple[bool, str]:
    """For `sluice doctor`: whether a BLAS is found, and which."""
    if turned_off("SLUICE_BLAS"):
        return False, "turned off by SLUICE_BLAS"
    b = find_blas()
    if b is None:
        return False, "none found (pip install scipy-openblas32, or apt install libopenblas-dev)"
    where = b.lib_dir or "the default library path"
    return True, f"{b.name}: lib{b.lib} in {where}"
