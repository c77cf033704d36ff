"""Argument specifications: what the tracer knows about each parameter of a program."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sluice.ir.dtypes import DType


@dataclass(frozen=True)
class ArgSpec:
    """`kind` is 'array' (dtype, shape), 'scalar' (dtype; integers become symbols) or
    'const' (a Python value fixed at compile time)."""

    kind: str
    dtype: DType | None = None
    shape: tuple[Any, ...] = ()
    weak: bool = False
    value: Any = None

    @staticmethod
    def array(dtype: DType, shape: tuple[Any, ...]) -> ArgSpec:
        return ArgSpec("array", dtype, tuple(shape))

    @staticmethod
    def scalar(dtype: DType, weak: bool = False) -> ArgSpec:
        return ArgSpec("scalar", dtype, (), weak)

    @staticmethod
    def const(value: Any) -> ArgSpec:
        return ArgSpec("const", value=value)
