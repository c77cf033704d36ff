"""Spatial kernels on their targets (the API floor of DESIGN.md §2).

The `.sptl` frontend parses, binds, checks and lowers a kernel and runs it on the reference
interpreter (`sluice.frontend.spada.kernel.SpadaKernel`); it imports no backend. Compiling
it to CSL and running that on the wafer simulator wires the frontend to the CSL backend and
the runtime, which is this module's job:

    k = sluice.load("gemv.sptl", params={"PX": 4, "PY": 4, "M": 2, "N": 2})
    outs = k(A=A, x_in=x, ...)                   # the interpreter
    outs = k(target="csl", A=A, x_in=x, ...)     # CSL on the wafer simulator
    art = k.compile("csl", out_dir="out/")       # CslArtifacts, written to out/
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sluice.errors import SluiceError
from sluice.frontend.spada.kernel import SpadaKernel
from sluice.sourcefile import read_source
from sluice.tracebacks import user_api


class SpatialKernel(SpadaKernel):
    """A bound, checked and lowered spatial kernel that runs on the interpreter and, compiled
    to CSL, on the wafer simulator."""

    targets = ("interpret", "csl")

    @user_api
    def __call__(self, target: str = "interpret", **host_args: Any) -> dict[str, np.ndarray]:
        if target == "csl":
            from sluice.backends.csl import run_on_simulator  # the compiler loads on first use

            self._check_args(host_args)
            outs = run_on_simulator(self.compile("csl"), self.to_frontend_shapes(host_args))
            return self.to_host_shapes(outs)
        if target != "interpret":
            raise SluiceError(f"target '{target}' is not available for spatial kernels",
                              hint="use target='interpret' or target='csl'")
        return self.run_interpreter(**host_args)

    @user_api
    def compile(self, target: str = "csl", out_dir: str | Path | None = None,
                options: Any = None, arch: str = "wse2") -> Any:
        """CSL artifacts of the kernel (`CslArtifacts`), written to `out_dir` if given;
        compiled once per (options, arch)."""
        if target != "csl":
            raise SluiceError(f"cannot compile spatial kernels for target '{target}'",
                              hint="use target='csl'")
        from sluice.backends.csl import compile_kernel, write

        key = (options, arch)
        cache = self.__dict__.setdefault("_csl_cache", {})
        if key not in cache:
            cache[key] = compile_kernel(self.lowered, options, arch)
        if out_dir is not None:
            write(cache[key], out_dir)
        return cache[key]


@user_api
def load(path: str | Path, params: Mapping[str, Any] | None = None) -> SpatialKernel:
    """Load a `.sptl` kernel with its compile-time parameters bound."""
    path = Path(path)
    return SpatialKernel(read_source(path), str(path), params or {})


@user_api
def loads(source: str, params: Mapping[str, Any] | None = None,
          filename: str | None = None) -> SpatialKernel:
    """Like `load`, from source text."""
    return SpatialKernel(source, filename, params or {})


__all__ = ["SpatialKernel", "load", "loads"]
