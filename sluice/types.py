"""Type annotations for `@sluice.program` arguments, and size symbols.

    N = sluice.symbol("N")
    @sluice.program
    def axpy(a: sluice.float64, x: sluice.float64[N], y: sluice.float64[N]): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from sluice.ir.dtypes import DType
from sluice.ir.symbolic import symbol as _ir_symbol


def symbol(name: str) -> sympy.Symbol:
    """A size symbol for annotations: `N = sluice.symbol("N")`; `N + 1` works too."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        from sluice.errors import SluiceError

        raise SluiceError(f"invalid symbol name {name!r}",
                          hint="use an identifier that does not start with '_'")
    return _ir_symbol(name)


@dataclass(frozen=True)
class ArrayType:
    """`sluice.float64[N, M]`: an array argument of a given element type and shape."""

    dtype: DType
    shape: tuple[Any, ...]

    def __repr__(self) -> str:
        return f"sluice.{self.dtype}[{', '.join(str(d) for d in self.shape)}]"


@dataclass(frozen=True)
class ScalarType:
    """`sluice.float64`: a scalar argument; subscript it for an array type."""

    dtype: DType

    def __getitem__(self, dims: Any) -> ArrayType:
        dims = dims if isinstance(dims, tuple) else (dims,)
        out = []
        for d in dims:
            if isinstance(d, str):
                d = symbol(d)
            if not isinstance(d, int | sympy.Basic):
                from sluice.errors import SluiceTypeError

                raise SluiceTypeError(f"array dimension {d!r} must be an int or a symbol",
                                      hint='N = sluice.symbol("N"); sluice.float64[N]')
            out.append(sympy.sympify(d))
        return ArrayType(self.dtype, tuple(out))

    def __repr__(self) -> str:
        return f"sluice.{self.dtype}"


bool_ = ScalarType(DType.bool)
int8 = ScalarType(DType.int8)
int16 = ScalarType(DType.int16)
int32 = ScalarType(DType.int32)
int64 = ScalarType(DType.int64)
uint8 = ScalarType(DType.uint8)
uint16 = ScalarType(DType.uint16)
uint32 = ScalarType(DType.uint32)
uint64 = ScalarType(DType.uint64)
float16 = ScalarType(DType.float16)
float32 = ScalarType(DType.float32)
float64 = ScalarType(DType.float64)
complex64 = ScalarType(DType.complex64)
complex128 = ScalarType(DType.complex128)

DTYPES = {"bool": bool_, "int8": int8, "int16": int16, "int32": int32, "int64": int64,
          "uint8": uint8, "uint16": uint16, "uint32": uint32, "uint64": uint64,
          "float16": float16, "float32": float32, "float64": float64,
          "complex64": complex64, "complex128": complex128}
