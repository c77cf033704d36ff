"""The symbolic cost of a product: FLOPs and bytes moved, as SymPy expressions of sizes.

Bytes are the memlet volumes of the operands and the result; a sparse-dense product also
reads one row of the dense operand per nonzero (its gather), which its memlet (the whole
array) does not show. `nnz` of a CSR matrix stays a symbol until the call binds it.
A single number orders two plans: `flops + balance * bytes`, where `balance` is how many
FLOPs the machine does in the time it moves one byte (a roofline's ridge point, roughly).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from sluice.ir.symbolic import Expr


@dataclass(frozen=True)
class Factor:
    """One matrix of a chain as the product sees it: `rows x cols` after its transpose
    flag; `nnz` is set for a CSR matrix; `itemsize`/`index_size` in bytes."""

    rows: Expr
    cols: Expr
    itemsize: int
    nnz: Expr | None = None
    index_size: int = 8

    @property
    def sparse(self) -> bool:
        return self.nnz is not None


@dataclass(frozen=True)
class Cost:
    flops: Expr
    bytes: Expr

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.flops + other.flops, self.bytes + other.bytes)

    def weighted(self, balance: int) -> Expr:
        return sympy.expand(self.flops + balance * self.bytes)


def product_cost(a: Factor, b: Factor, out_itemsize: int) -> Cost:
    """FLOPs and bytes of `a @ b` (`a` CSR or dense, `b` dense)."""
    m, k, n = a.rows, a.cols, b.cols
    out = out_itemsize * m * n
    if a.sparse:
        flops = 2 * a.nnz * n
        index = a.index_size * (m + 1 + a.nnz)
        read = index + a.itemsize * a.nnz + b.itemsize * a.nnz * n  # values, gathered rows
        return Cost(flops, read + out)
    return Cost(2 * m * k * n, a.itemsize * m * k + b.itemsize * k * n + out)


def product_factor(a: Factor, b: Factor, itemsize: int) -> Factor:
    """The dense result of `a @ b` as a factor of the next product."""
    return Factor(a.rows, b.cols, itemsize)


def chain_cost(f: tuple[Factor, Factor, Factor], left_first: bool, itemsize: int) -> Cost:
    """`(f0 f1) f2` when `left_first`, else `f0 (f1 f2)`; intermediates in `itemsize`."""
    if left_first:
        inner = product_cost(f[0], f[1], itemsize)
        return inner + product_cost(product_factor(f[0], f[1], itemsize), f[2], itemsize)
    inner = product_cost(f[1], f[2], itemsize)
    return inner + product_cost(f[0], product_factor(f[1], f[2], itemsize), itemsize)


def cheaper(diff: Expr) -> bool | None:
    """For `diff = cost(other) - cost(current)` over sizes (nonnegative integers): True when
    the other order is never dearer and not always equal, False when it is never cheaper,
    None when that depends on the sizes."""
    e = sympy.expand(sympy.sympify(diff))
    nonneg = {s: sympy.Symbol(s.name, integer=True, nonnegative=True) for s in e.free_symbols}
    e = e.xreplace(nonneg)
    if e.is_nonnegative:
        return False
    if e.is_nonpositive:
        return True
    return None
