"""One `@sluice.jit` function per bench kernel, shared by the tests of one process.

Tracing dominates these tests (contour_integral: 17 s); the frontend test and the CUDA test
of a kernel share its trace through this cache, and `xdist_group` keeps them in one worker
(`scripts/test.sh` runs pytest with `--dist loadgroup`)."""

from __future__ import annotations

import functools

import pytest

import sluice
from bench.kernels import ALL, load
from sluice.api import JitFunction


@functools.cache
def jitted(name: str) -> JitFunction:
    return sluice.jit(load(name).kernel_numpy)


def kernel_params() -> list:
    """The bench kernels' names as parameters, each in its kernel's worker group."""
    return [pytest.param(name, marks=pytest.mark.xdist_group(f"bench-kernel-{name}"))
            for name in ALL]
