"""Transpose folding: `a.T @ b` reads `a` with swapped axes instead of copying it first.

A Transpose node that swaps the last two axes of X into a transient T, where T is read
only by MatMul operands of the same state (whole-array reads) and nowhere else, is removed;
each such operand reads X directly with its MatMul's `transpose_a` / `transpose_b` flipped.
X may be written in that state only into the access node the Transpose reads, so the
MatMul reads the same values the transpose copied.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph
from sluice.ir.library import MatMul, Transpose
from sluice.ir.nodes import Access
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import access_nodes, covers, written_in_state


@register
@dataclass(frozen=True)
class TransposeFolding(Pass):
    name = "transpose-folding"

    def run(self, program: Program, report: PassReport) -> None:
        for st in program.body.states():
            g = st.graph
            for n in list(g.nodes):
                if isinstance(n, Transpose) and _fold(program, g, n):
                    report.changes.append(f"folded a transpose into its MatMul(s) in state "
                                          f"'{st.name}'")


def _swaps_last_two(n: Transpose, rank: int) -> bool:
    perm = list(n._perm(rank))
    return rank >= 2 and perm == [*range(rank - 2), rank - 1, rank - 2]


def _fold(p: Program, g: DataflowGraph, n: Transpose) -> bool:
    ins = [e for e in g.in_edges(n) if e.memlet is not None]
    outs = [e for e in g.out_edges(n) if e.memlet is not None]
    if len(ins) != 1 or len(outs) != 1 or not isinstance(ins[0].src, Access):
        return False
    src, out = ins[0], outs[0]
    x, t = src.memlet.data, out.memlet.data
    tc = p.data.get(t)
    if not isinstance(tc, Array) or not tc.transient or t in p.returns or "." in t:
        return False
    if not isinstance(p.container(x), Array) or out.memlet.wcr is not None:
        return False
    if not _swaps_last_two(n, len(tc.shape)) or not covers(out.memlet.subset, tc.shape):
        return False
    tnode = out.dst
    if not isinstance(tnode, Access) or access_nodes(p, t) != [(g, tnode)]:
        return False
    reads = [e for e in g.out_edges(tnode) if e.memlet is not None]
    if not reads or g.in_edges(tnode) != [out]:
        return False
    for e in reads:
        if not (isinstance(e.dst, MatMul) and e.dst_conn in ("a", "b") and e.memlet.wcr is None
                and covers(e.memlet.subset, tc.shape)):
            return False
    if written_in_state(g, x, but=src.src):
        return False  # X is written in this state after the value the Transpose read
    for e in reads:
        mm = e.dst
        flag = "transpose_a" if e.dst_conn == "a" else "transpose_b"
        mm.attrs[flag] = not mm.attrs[flag]
        g.remove_edge(e)
        g.connect(src.src, mm, src.memlet, src.src_conn, e.dst_conn)
    g.remove_edge(src)
    g.remove_edge(out)
    g.remove_node(n)
    g.remove_node(tnode)
    del p.data[t]
    return True
