"""Every NPBench AD kernel in bench/ differentiates unchanged (`loss = sum of the kernel's
outputs`, bench/losses.py): equal to `jax.grad` to rtol 1e-6 where JAX is installed (the
bench environment), to central finite differences otherwise. Without JAX, the interpreter
checks every kernel and the CPU backend a sample of each kind (stencils, triangular
solvers, products, reductions), to keep the suite's compile time in bounds; with JAX,
the CPU backend checks them all."""

import importlib

import numpy as np
import pytest

import sluice
from bench import losses
from bench.grad import AD_KERNELS, _error, _floats, _jax_grad


def _has_jax() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


CPU_SAMPLE = ("jacobi_2d", "lu", "symm", "atax", "softmax", "vadv")


@pytest.mark.parametrize("name", AD_KERNELS)
def test_kernel_gradient(name):
    k = importlib.import_module(f"bench.kernels.{name}")
    args = k.init(**k.SIZES["test"])
    loss = getattr(losses, f"loss_{name}")
    if not _has_jax():
        for target in ("interpret", "cpu") if name in CPU_SAMPLE else ("interpret",):
            sluice.check_grads(loss, args, rtol=1e-5, atol=1e-7, target=target)
        return
    nums = _floats(args)
    ours = [np.asarray(g) for g in sluice.grad(loss, argnums=nums)(*args)]
    _, theirs = _jax_grad(k, args, nums)
    for a, b in zip(ours, theirs, strict=True):
        assert _error(a, b) <= 1e-6, f"{name}: differs from jax.grad by {_error(a, b):.1e}"
