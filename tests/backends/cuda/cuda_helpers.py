"""Shared helpers of the CUDA backend tests: build, run, compare with the interpreter."""

from __future__ import annotations

from typing import Any

import pytest
from cpu_helpers import check as cpu_check

import sluice.ir as ir
from sluice.backends.cuda import build
from sluice.runtime import toolchain

EMULATED = {"emulate": True, "verify": True}
NO_PASSES = {**EMULATED, "pipeline": None}

needs_nvcc = pytest.mark.skipif(toolchain.find_nvcc() is None, reason="nvcc not found")
needs_gpu = pytest.mark.skipif(not toolchain.gpus(), reason="no NVIDIA GPU (nvidia-smi lists "
                               "none): the CUDA code is only compiled and emulated here")


def check(program: ir.Program, args: list, kwargs: dict | None = None,
          options: dict | None = None) -> Any:
    """Run `program` interpreted and built for CUDA (emulated unless `options` say otherwise)
    on copies of the arguments; compare the results and every array argument afterwards."""
    return cpu_check(program, args, kwargs, options or EMULATED, backend=build)
