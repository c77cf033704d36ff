"""The NPBench-style kernels of bench/kernels trace and interpret equal to NumPy at the
"test" size."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checks import check_against_numpy  # noqa: E402

from bench.kernels import load  # noqa: E402
from tests.bench_kernel_jits import jitted, kernel_params  # noqa: E402


@pytest.mark.parametrize("name", kernel_params())
def test_kernel(name):
    mod = load(name)
    args = mod.init(**mod.SIZES["test"])
    check_against_numpy(mod.kernel_numpy, args, outputs=mod.OUTPUTS, compiled=jitted(name))
