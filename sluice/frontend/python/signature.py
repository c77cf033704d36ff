"""Argument specifications: what the tracer knows about each parameter of a program."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sluice.ir.dtypes import DType


@dataclass(frozen=True)
class ArgSpec:
    """`kind` is 'array' (dtype, shape), 'scalar' (dtype; integers become symbols),
    'const' (a Python value fixed at compile time) or 'tuple' (`value`: the members' specs;
    each array or scalar member becomes an argument of its own)."""

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

    @staticmethod
    def tuple_of(members: tuple[ArgSpec, ...]) -> ArgSpec:
        return ArgSpec("tuple", value=tuple(members))

    def leaves(self) -> tuple[ArgSpec, ...]:
        """This spec, or a tuple's members' leaves in order."""
        if self.kind == "tuple":
            return tuple(leaf for m in self.value for leaf in m.leaves())
        return (self,)
