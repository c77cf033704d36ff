"""Element types of sluice containers, with their NumPy and C spellings."""

from __future__ import annotations

from enum import Enum

import numpy as np

from sluice.errors import SluiceTypeError


class DType(Enum):
    """An element type. `value` is the spelling used in IR text."""

    bool = "bool"
    int8 = "int8"
    int16 = "int16"
    int32 = "int32"
    int64 = "int64"
    uint8 = "uint8"
    uint16 = "uint16"
    uint32 = "uint32"
    uint64 = "uint64"
    float16 = "float16"
    float32 = "float32"
    float64 = "float64"
    complex64 = "complex64"
    complex128 = "complex128"

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(self.value)

    @property
    def is_float(self) -> bool:
        return self.value.startswith("float")

    @property
    def is_complex(self) -> bool:
        return self.value.startswith("complex")

    @property
    def is_integer(self) -> bool:
        return self.value.startswith(("int", "uint"))

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize

    def __str__(self) -> str:
        return self.value

    @classmethod
    def of(cls, value: object) -> DType:
        """The DType of a NumPy dtype, a NumPy array or scalar, a Python number or a name."""
        if isinstance(value, DType):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                raise SluiceTypeError(
                    f"unknown element type '{value}'",
                    hint="use one of " + ", ".join(d.value for d in cls),
                ) from None
        if isinstance(value, bool):
            return cls.bool
        if isinstance(value, int):
            return cls.int64
        if isinstance(value, float):
            return cls.float64
        if isinstance(value, complex):
            return cls.complex128
        dt = getattr(value, "dtype", value)
        try:
            return cls(np.dtype(dt).name)
        except (TypeError, ValueError):
            raise SluiceTypeError(f"unsupported element type {dt!r}") from None


def result_type(*dtypes: DType) -> DType:
    """NumPy's promotion of several element types."""
    return DType.of(np.result_type(*(d.numpy for d in dtypes)))
