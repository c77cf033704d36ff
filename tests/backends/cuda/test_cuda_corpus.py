"""Every IR corpus program on the CUDA backend: emulated against the interpreter, compiled
by nvcc, and run on the GPU where there is one."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_programs import CORPUS
from cuda_helpers import EMULATED, NO_PASSES, check, needs_gpu, needs_nvcc

from sluice.backends.cuda import build, generate

NAMES = sorted(CORPUS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("options", [NO_PASSES, EMULATED], ids=["no-passes", "O2"])
def test_corpus_program_emulated_matches_interpreter(name, options):
    entry = CORPUS[name]
    program = entry.build()
    for seed in (0, 1):
        args, kwargs = entry.args(np.random.default_rng(seed))
        check(program, args, kwargs, options)


@needs_nvcc
@pytest.mark.parametrize("name", NAMES)
def test_corpus_program_compiles_with_nvcc(name):
    program = CORPUS[name].build()
    assert build(program, {"emulate": False, "host_opt": "-O0"}) is not None


@needs_gpu
@pytest.mark.parametrize("name", NAMES)
def test_corpus_program_on_the_gpu_matches_interpreter(name):
    entry = CORPUS[name]
    args, kwargs = entry.args(np.random.default_rng(0))
    check(entry.build(), args, kwargs, {"emulate": False})


def test_every_parallel_corpus_map_is_a_kernel():
    """The maps the CPU backend runs in parallel are kernels here (none silently left on the
    host): a map stays on the host only with its reason in the source."""
    kernels = 0
    for name in NAMES:
        src = generate(CORPUS[name].build(), EMULATED)
        kernels += src.count("SL_KERNEL sl_kernel")
        for line in src.splitlines():
            if "runs on the host:" in line:
                assert line.split("runs on the host: ")[1].strip(), line
    assert kernels >= 15
