"""sluice: a compiler toolkit for data-centric programs.

The public names are imported on first use (`sluice.lazy`), so that `import sluice` and
`sluice --version` stay fast; `sluice.jit` and `from sluice import jit` work as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluice.errors import SluiceError
from sluice.lazy import lazy_exports
from sluice.version import __version__

_TYPES = ("bool_", "complex64", "complex128", "float16", "float32", "float64", "int8", "int16",
          "int32", "int64", "symbol", "uint8", "uint16", "uint32", "uint64")
_EXPORTS = {
    "jit": "sluice.api:jit",
    "program": "sluice.api:program",
    "check_grads": "sluice.autodiff:check_grads",
    "config": "sluice.config:config",  # (the module is the object: see sluice/config.py)
    "grad": "sluice.autodiff:grad",
    "value_and_grad": "sluice.autodiff:value_and_grad",
    "vjp": "sluice.autodiff:vjp",
    "map": "sluice.frontend.python.pmap:pmap",  # `sluice.map[0:N]`
    "from_sdfg": "sluice.interop.sdfg_import:from_sdfg",
    "to_sdfg": "sluice.interop.sdfg_export:to_sdfg",
    **{name: f"sluice.types:{name}" for name in _TYPES},
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # what type checkers and editors see
    from sluice.api import jit, program
    from sluice.autodiff import check_grads, grad, value_and_grad, vjp
    from sluice.frontend.python.pmap import pmap as map  # noqa: A001
    from sluice.interop.sdfg_export import to_sdfg
    from sluice.interop.sdfg_import import from_sdfg
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


def load(path, params=None):
    """Load a `.sptl` spatial kernel with its compile-time parameters bound:
    `k = sluice.load("gemv.sptl", params={"PX": 4, ...}); outs = k(**host_arrays)`."""
    from sluice.spatial import load as load_kernel

    return load_kernel(path, params)


__all__ = [
    "SluiceError", "__version__", "bool_", "check_grads", "complex64", "complex128", "config",
    "float16", "float32", "float64", "from_sdfg", "grad", "int8", "int16", "int32", "int64", "jit",
    "load", "map", "program", "symbol", "to_sdfg", "uint8", "uint16", "uint32", "uint64",
    "value_and_grad", "vjp",
]
