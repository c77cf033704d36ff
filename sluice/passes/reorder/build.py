"""Writing a chain's products in a chosen association into a dataflow graph."""

from __future__ import annotations

from sluice.ir.graph import DataflowGraph
from sluice.ir.library import MatMul, SpMM
from sluice.ir.memlet import Memlet, full_subset
from sluice.ir.nodes import Access, Node
from sluice.passes.reorder.chains import Operand

# An operand of a new product: a factor of the chain, or the intermediate (access, memlet).
Input = Operand | tuple[Access, Memlet]


def _product(g: DataflowGraph, left: Input, right: Input, sources: dict[str, Node]) -> Node:
    """`left @ right`: an SpMM when `left` is CSR, else a MatMul with transpose flags."""
    sparse = isinstance(left, Operand) and left.sparse
    flags = {
        f"transpose_{c}": x.transposed if isinstance(x, Operand) else False
        for c, x in (("a", left), ("b", right))
    }
    node = g.add(SpMM(transpose_a=flags["transpose_a"]) if sparse else MatMul(**flags))
    for conn, x in zip(("A" if sparse else "a", "b"), (left, right), strict=True):
        if isinstance(x, Operand):
            e = x.edge
            g.connect(sources.get(x.name, e.src), node, e.memlet, e.src_conn, conn)
        else:
            g.connect(x[0], node, x[1], None, conn)
    return node


def emit_chain(
    g: DataflowGraph,
    ops: tuple[Operand, Operand, Operand],
    left_first: bool,
    t: str,
    t_shape: tuple,
    y: Access,
    y_memlet: Memlet,
    sources: dict[str, Node] | None = None,
) -> None:
    """`y = (f0 @ f1) @ f2` or `f0 @ (f1 @ f2)` through the transient `t` of `t_shape`.
    Operands read from their original access nodes, or from `sources[name]` (a new state)."""
    sources = sources or {}
    tnode = g.add(Access(t))
    tm = Memlet(t, full_subset(tuple(t_shape)))
    inner = _product(g, *((ops[0], ops[1]) if left_first else (ops[1], ops[2])), sources)
    g.connect(inner, tnode, tm, "c", None)
    outer = (
        _product(g, (tnode, tm), ops[2], sources)
        if left_first
        else _product(g, ops[0], (tnode, tm), sources)
    )
    g.connect(outer, y, y_memlet, "c", None)
