"""C++ spellings of sluice element types, and NumPy's view of value types.

A value type in generated code is a `VType`: a NumPy dtype plus `weak`, which marks Python
numbers (loop variables, sizes, literals). NumPy 2 (NEP 50) lets a weak value take the
other operand's type, so `x_f32 * 2.0` stays float32; the C printer needs the same rule
to reproduce the reference interpreter's rounding and overflow exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sluice.errors import UnsupportedError
from sluice.ir.dtypes import DType

C_TYPES: dict[str, str] = {
    "bool": "bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "float16": "_Float16",  # GCC's IEEE binary16: every operation rounds to half
    "float32": "float",
    "float64": "double",
    "complex64": "std::complex<float>",
    "complex128": "std::complex<double>",
}


def ctype(dtype: DType | np.dtype | str, where: str = "") -> str:
    """The C++ type of an element type; types without one raise `UnsupportedError`."""
    name = dtype.value if isinstance(dtype, DType) else np.dtype(dtype).name
    try:
        return C_TYPES[name]
    except KeyError:
        at = f" (in {where})" if where else ""
        raise UnsupportedError(f"the CPU backend does not support element type {name}{at}",
                               hint="use float32/float64, integer, bool or complex types"
                               ) from None


@dataclass(frozen=True)
class VType:
    """The type of a value in an expression, as NumPy sees it."""

    dtype: np.dtype
    weak: bool = False

    @property
    def kind(self) -> str:
        return self.dtype.kind  # b i u f c

    def spec(self) -> object:
        """What `ufunc.resolve_dtypes` takes: a dtype, or a Python type for weak values."""
        if not self.weak:
            return self.dtype
        return {"b": bool, "i": int, "u": int, "f": float, "c": complex}[self.kind]

    def sample(self) -> object:
        """A value of this type for `np.result_type` (Python numbers are weak there)."""
        if not self.weak:
            return self.dtype
        return {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}[self.kind]


I64 = np.dtype("int64")
F64 = np.dtype("float64")
BOOL = np.dtype("bool")
WEAK_INT = VType(I64, True)
WEAK_FLOAT = VType(F64, True)
WEAK_COMPLEX = VType(np.dtype("complex128"), True)


def strong(dtype: DType | np.dtype | str) -> VType:
    d = dtype.numpy if isinstance(dtype, DType) else np.dtype(dtype)
    return VType(d)


def python_result(a: VType, b: VType, op: str) -> VType:
    """The type of a binary operation between two Python numbers (both weak)."""
    order = "biufc"
    kind = max(a.kind, b.kind, key=order.index)
    if op == "/" and kind in "biu":
        kind = "f"
    if kind in "bi" and op != "/":
        return WEAK_INT if not (a.kind == b.kind == "b") else VType(BOOL)
    return {"f": WEAK_FLOAT, "c": WEAK_COMPLEX}.get(kind, WEAK_INT)
