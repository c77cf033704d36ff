"""The `reorder` pass: re-associate matrix chains by the symbolic cost model.

For each chain (`chains.py`) it compares `flops + balance * bytes` of the two associations
(`cost.py`). Where the sign of the difference is provable for all sizes, the cheaper order
is written in place. Where it depends on sizes bound at the call (a JIT's array sizes, a
CSR matrix's nnz), the chain moves into a `Branch` right after its state that picks the
order when the program runs: the condition is the cost comparison over those symbols.
Re-association rounds differently from the order written (floating-point products are not
associative), so the pass is opt-in: pipeline `O3`, not `O2`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sympy

from sluice.ir.control import Block, Branch, Region, State
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, Node
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.reorder.build import emit_chain
from sluice.passes.reorder.chains import Chain, find_chain
from sluice.passes.reorder.cost import Cost, chain_cost, cheaper
from sluice.passes.util import regions, remove_isolated_accesses, written_in_state

_MAX_ROUNDS = 16  # each static rewrite lowers the cost strictly; this only bounds the work


@register
@dataclass(frozen=True)
class Reorder(Pass):
    """`balance`: FLOPs worth one byte moved (CPU roofline ridge, order of magnitude)."""

    name = "reorder"
    balance: int = 8

    def run(self, program: Program, report: PassReport) -> None:
        made: set[int] = set()  # states this pass wrote: their order is already chosen
        for region in list(regions(program.body)):
            for block in list(region.blocks):
                if isinstance(block, State) and id(block) not in made:
                    self._state(program, region, block, report, made)

    def _state(
        self, p: Program, region: Region, st: State, report: PassReport, made: set[int]
    ) -> None:
        for _ in range(_MAX_ROUNDS):
            for outer in list(st.graph.nodes):
                ch = find_chain(p, st.graph, outer)
                if ch is None or not ch.alternative_ok():
                    continue
                itemsize = p.data[ch.t_access.data].dtype.itemsize
                cur = chain_cost(ch.factors, ch.left_first, itemsize)
                alt = chain_cost(ch.factors, not ch.left_first, itemsize)
                s = cheaper(alt.weighted(self.balance) - cur.weighted(self.balance))
                if s is True:
                    _rewrite(p, st.graph, ch)
                    report.changes.append(f"state '{st.name}': {_says(ch, cur, alt, self.balance)}")
                    break
                if s is None and _branch(p, region, st, ch, self.balance, made):
                    report.changes.append(
                        f"state '{st.name}': order chosen at call time, "
                        f"{_says(ch, cur, alt, self.balance, at_call=True)}"
                    )
                    break
            else:
                return


def _says(ch: Chain, cur: Cost, alt: Cost, balance: int, at_call: bool = False) -> str:
    """The order chosen and its estimated cost (`flops + balance * bytes`)."""
    was, now = ch.spelled(ch.left_first), ch.spelled(not ch.left_first)
    if at_call:
        return (
            f"{now} if {_e(alt.weighted(balance))} < {_e(cur.weighted(balance))}, "
            f"else {was} (cost = flops + {balance} * bytes)"
        )
    return (
        f"{was} -> {now} (cost = flops + {balance} * bytes: {_e(cur.weighted(balance))} -> "
        f"{_e(alt.weighted(balance))}; flops {_e(cur.flops)} -> {_e(alt.flops)}, bytes "
        f"{_e(cur.bytes)} -> {_e(alt.bytes)})"
    )


def _e(x: object) -> str:
    return str(sympy.factor(sympy.sympify(x)))


def _new_order_shape(ch: Chain) -> tuple:
    f0, f1, f2 = ch.factors
    return (f0.rows, f1.cols) if not ch.left_first else (f1.rows, f2.cols)


def _take_out(g: DataflowGraph, ch: Chain) -> None:
    for n in (ch.inner, ch.outer, ch.t_access):
        g.remove_node(n)


def _rewrite(p: Program, g: DataflowGraph, ch: Chain) -> None:
    """The other association in place; the intermediate keeps its name, with its new shape."""
    t = ch.t_access.data
    shape = _new_order_shape(ch)
    y, ym = ch.y_edge.dst, ch.y_edge.memlet
    _take_out(g, ch)
    p.data[t] = dataclasses.replace(p.data[t], dims=shape)
    emit_chain(g, ch.operands, not ch.left_first, t, shape, y, ym)


def _branch(p: Program, region: Region, st: State, ch: Chain, balance: int, made: set[int]) -> bool:
    """Moves the chain into a Branch after `st` that takes the cheaper order at run time.
    Only where that keeps every value: nothing else in the state reads or writes Y, and no
    factor is written there except into the access node the chain reads."""
    g = st.graph
    y = ch.y_edge.dst
    yname = y.data
    if (
        g.out_edges(y)
        or written_in_state(g, yname, but=y)
        or any(isinstance(n, Access) and n.data == yname and n is not y for n in g.nodes)
    ):
        return False
    if any(written_in_state(g, o.name, but=o.edge.src) for o in ch.operands):
        return False
    itemsize = p.data[ch.t_access.data].dtype.itemsize
    cur = chain_cost(ch.factors, ch.left_first, itemsize).weighted(balance)
    alt = chain_cost(ch.factors, not ch.left_first, itemsize).weighted(balance)
    t = ch.t_access.data
    t_alt = _fresh(p, f"{t}_r")
    shape = _new_order_shape(ch)
    p.data[t_alt] = dataclasses.replace(p.data[t], dims=shape)
    names = {b.name for b in p.body.walk() if isinstance(b, State)}
    states = []
    for left_first, tname, tshape, tag in (
        (not ch.left_first, t_alt, shape, "r"),
        (ch.left_first, t, p.data[t].shape, "w"),
    ):
        ns = State(_fresh_state(names, f"{st.name}_{tag}"))
        names.add(ns.name)
        sources: dict[str, Node] = {o.name: Access(o.name) for o in ch.operands}
        emit_chain(
            ns.graph,
            ch.operands,
            left_first,
            tname,
            tshape,
            Access(yname),
            ch.y_edge.memlet,
            sources,
        )
        made.add(id(ns))
        states.append(ns)
    g.remove_node(y)
    _take_out(g, ch)
    remove_isolated_accesses(g)
    blocks: list[Block] = region.blocks
    at = blocks.index(st)
    blocks.insert(
        at + 1, Branch([(sympy.StrictLessThan(alt, cur), Region([states[0]]))], Region([states[1]]))
    )
    if not g.nodes:  # the state held only the chain
        del blocks[at]
    return True


def _fresh(p: Program, name: str) -> str:
    k, out = 0, name
    while out in p.data or out in p.symbols:
        k += 1
        out = f"{name}{k}"
    return out


def _fresh_state(names: set[str], name: str) -> str:
    k, out = 0, name
    while out in names:
        k += 1
        out = f"{name}{k}"
    return out
