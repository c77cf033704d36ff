"""Chains of three factors that two products compute through a transient, in one state.

`T = f0 @ f1; Y = T @ f2` (left first) or `T = f1 @ f2; Y = f0 @ T` (right first), where
each product is a `MatMul` of 2-D operands (transpose flags allowed, no gemm flags) or an
`SpMM` (a CSR matrix times a dense one), and T is a transient only these two read and write.
A chain says what the other association would need; `alternative_ok` says if it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.data import CSR, Array
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.library import MatMul, SpMM
from sluice.ir.nodes import Access, Node
from sluice.ir.program import Program
from sluice.passes.reorder.cost import Factor
from sluice.passes.util import access_nodes, base, covers


@dataclass
class Operand:
    """A factor of the chain: the edge that feeds it to its product, and how it is read."""

    edge: Edge
    transposed: bool
    sparse: bool
    factor: Factor

    @property
    def name(self) -> str:
        return base(self.edge.memlet.data)

    def spelled(self) -> str:
        return self.name + (".T" if self.transposed else "")


@dataclass
class Chain:
    operands: tuple[Operand, Operand, Operand]
    left_first: bool
    inner: Node  # the product that writes T
    outer: Node  # the product that reads T and writes Y
    t_access: Access
    y_edge: Edge  # outer.c -> Y

    @property
    def factors(self) -> tuple[Factor, Factor, Factor]:
        return tuple(o.factor for o in self.operands)  # type: ignore[return-value]

    def alternative_ok(self) -> bool:
        """The other association exists as MatMul/SpMM nodes: a CSR factor only leads a
        product, and SpMM reads its dense operand untransposed."""
        f0, f1, f2 = self.operands
        if f1.sparse or f2.sparse:
            return False
        return not (f0.sparse and not self.left_first and f1.transposed)

    def spelled(self, left_first: bool) -> str:
        a, b, c = (o.spelled() for o in self.operands)
        return f"({a} @ {b}) @ {c}" if left_first else f"{a} @ ({b} @ {c})"


def _plain_matmul(n: Node) -> bool:
    return isinstance(n, MatMul) and not (n.scaled or n.accumulate)


def _operand(p: Program, g: DataflowGraph, prod: Node, conn: str) -> Operand | None:
    edges = [e for e in g.in_edges(prod) if e.dst_conn == conn and e.memlet is not None]
    if len(edges) != 1 or not isinstance(edges[0].src, Access) or "." in edges[0].memlet.data:
        return None
    e = edges[0]
    c = p.data.get(e.memlet.data)
    if isinstance(c, CSR):
        t = bool(prod.attrs["transpose_a"])
        rows, cols = (c.cols, c.rows) if t else (c.rows, c.cols)
        return Operand(
            e, t, True, Factor(rows, cols, c.dtype.itemsize, c.nnz, c.index_dtype.itemsize)
        )
    if not isinstance(c, Array) or len(c.shape) != 2 or not covers(e.memlet.subset, c.shape):
        return None
    t = bool(isinstance(prod, MatMul) and prod.attrs[f"transpose_{conn}"])
    rows, cols = (c.shape[1], c.shape[0]) if t else c.shape
    return Operand(e, t, False, Factor(rows, cols, c.dtype.itemsize))


def _operands(p: Program, g: DataflowGraph, prod: Node) -> tuple[Operand, Operand] | None:
    conns = ("A", "b") if isinstance(prod, SpMM) else ("a", "b")
    ops = [_operand(p, g, prod, c) for c in conns]
    if ops[0] is None or ops[1] is None or ops[1].sparse:
        return None
    return ops[0], ops[1]


def _product(n: Node) -> bool:
    return _plain_matmul(n) or isinstance(n, SpMM)


def _single_out(g: DataflowGraph, prod: Node) -> Edge | None:
    outs = [e for e in g.out_edges(prod) if e.memlet is not None]
    if len(outs) != 1 or not isinstance(outs[0].dst, Access) or outs[0].memlet.wcr is not None:
        return None
    return outs[0]


def find_chain(p: Program, g: DataflowGraph, outer: Node) -> Chain | None:
    """The chain whose outer product is `outer`, if its intermediate can be re-associated."""
    if not _product(outer):
        return None
    outer_ops = _operands(p, g, outer)
    y = _single_out(g, outer)
    if outer_ops is None or y is None:
        return None
    for k, op in enumerate(outer_ops):
        tnode = op.edge.src
        t = p.data.get(tnode.data)
        if (
            op.sparse
            or op.transposed
            or not isinstance(t, Array)
            or not t.transient
            or tnode.data in p.returns
            or access_nodes(p, tnode.data) != [(g, tnode)]
            or g.out_edges(tnode) != [op.edge]
        ):
            continue
        writes = g.in_edges(tnode)
        if len(writes) != 1 or not _product(writes[0].src) or writes[0].memlet.wcr is not None:
            continue
        inner = writes[0].src
        inner_ops = _operands(p, g, inner)
        if inner_ops is None or not covers(writes[0].memlet.subset, t.shape):
            continue
        ops = (*inner_ops, outer_ops[1]) if k == 0 else (outer_ops[0], *inner_ops)
        names = {o.name for o in ops}
        dtypes = {p.data[o.name].dtype for o in ops} | {t.dtype, p.container(y.memlet.data).dtype}
        if (
            base(y.memlet.data) in names
            or tnode.data in names
            or len(dtypes) != 1
            or not dtypes.pop().is_float
        ):
            continue
        return Chain(ops, k == 0, inner, outer, tnode, y)
    return None
