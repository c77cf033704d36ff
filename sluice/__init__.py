"""sluice: a compiler toolkit for data-centric programs."""

from sluice.api import jit, program
from sluice.autodiff import check_grads, grad, value_and_grad, vjp
from sluice.errors import SluiceError
from sluice.frontend.python.pmap import pmap as map  # noqa: A001 - `sluice.map[0:N]`
from sluice.types import (
    bool_,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    symbol,
    uint8,
    uint16,
    uint32,
    uint64,
)

__version__ = "0.1.0"


def load(path, params=None):
    """Load a `.sptl` spatial kernel with its compile-time parameters bound:
    `k = sluice.load("gemv.sptl", params={"PX": 4, ...}); outs = k(**host_arrays)`."""
    from sluice.frontend.spada.kernel import load as load_kernel

    return load_kernel(path, params)


__all__ = [
    "SluiceError", "__version__", "bool_", "check_grads", "complex64", "complex128",
    "float16", "float32", "float64", "grad", "int8", "int16", "int32", "int64", "jit",
    "load", "map", "program", "symbol", "uint8", "uint16", "uint32", "uint64",
    "value_and_grad", "vjp",
]
