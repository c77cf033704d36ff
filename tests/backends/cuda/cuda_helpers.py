"""Shared helpers of the CUDA backend tests: build, run, compare with the interpreter."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from cpu_helpers import assert_same

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
    kwargs = kwargs or {}
    fn = build(program, options or EMULATED)
    a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
    k1, k2 = copy.deepcopy(kwargs), copy.deepcopy(kwargs)
    expected = ir.interpret(program, *a1, **k1)
    got = fn(*a2, **k2)
    assert_same(expected, got)
    for k, (x, y) in enumerate(zip(a1, a2, strict=True)):
        if isinstance(x, np.ndarray):
            assert_same(x, y, f"argument {k} after the call")
    for k in k1:
        if isinstance(k1[k], np.ndarray):
            assert_same(k1[k], k2[k], f"argument {k} after the call")
    return got
