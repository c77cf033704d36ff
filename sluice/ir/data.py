"""Data containers: where values live, their element type and symbolic shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import sympy

from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Expr, as_expr, free_names


class Storage(Enum):
    """Where a container lives. `default` lets the backend choose (host memory on CPU)."""

    default = "default"
    host = "host"
    gpu_global = "gpu_global"
    gpu_shared = "gpu_shared"
    register = "register"
    pe_local = "pe_local"  # per-PE SRAM of a spatial target; leading dims index the PE grid


def _shape(dims) -> tuple[Expr, ...]:
    return tuple(as_expr(d) for d in dims)


@dataclass(eq=False)
class Container:
    dtype: DType
    storage: Storage = Storage.default
    transient: bool = False

    @property
    def shape(self) -> tuple[Expr, ...]:
        return ()

    def free_symbols(self) -> set[str]:
        out: set[str] = set()
        for d in self.shape:
            out |= free_names(d)
        return out

    def component(self, name: str) -> Container:
        raise KeyError(name)


@dataclass(eq=False)
class Scalar(Container):
    """A single value."""


@dataclass(eq=False)
class Array(Container):
    """A dense, C-ordered array with a symbolic shape."""

    dims: tuple[Expr, ...] = ()

    def __post_init__(self) -> None:
        self.dims = _shape(self.dims)

    @property
    def shape(self) -> tuple[Expr, ...]:
        return self.dims


@dataclass(eq=False)
class Stream(Container):
    """A FIFO channel, or an array of them when `dims` is given; `depth` bounds it on hardware."""

    dims: tuple[Expr, ...] = ()
    depth: int = 0  # 0: unbounded (host queues); spatial targets set a depth

    def __post_init__(self) -> None:
        self.dims = _shape(self.dims)

    @property
    def shape(self) -> tuple[Expr, ...]:
        return self.dims


@dataclass(eq=False)
class CSR(Container):
    """A compressed-sparse-row matrix: `name.indptr`, `name.indices`, `name.data`."""

    rows: Expr = field(default_factory=lambda: sympy.Integer(0))
    cols: Expr = field(default_factory=lambda: sympy.Integer(0))
    nnz: Expr = field(default_factory=lambda: sympy.Integer(0))
    index_dtype: DType = DType.int64

    COMPONENTS = ("indptr", "indices", "data")

    def __post_init__(self) -> None:
        self.rows, self.cols, self.nnz = as_expr(self.rows), as_expr(self.cols), as_expr(self.nnz)

    @property
    def shape(self) -> tuple[Expr, ...]:
        return (self.rows, self.cols)

    def free_symbols(self) -> set[str]:
        return free_names(self.rows) | free_names(self.cols) | free_names(self.nnz)

    def component(self, name: str) -> Container:
        """The dense array behind `name.indptr` / `name.indices` / `name.data`."""
        if name == "indptr":
            return Array(self.index_dtype, self.storage, self.transient, (self.rows + 1,))
        if name == "indices":
            return Array(self.index_dtype, self.storage, self.transient, (self.nnz,))
        if name == "data":
            return Array(self.dtype, self.storage, self.transient, (self.nnz,))
        raise KeyError(name)
