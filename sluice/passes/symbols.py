"""Symbol propagation: `assign M = 2 * N` at the top level, with M assigned nowhere else,
replaces M by `2 * N` in every later expression (bounds, conditions, subsets, ranges,
tasklet code, call bindings), so later passes and the backend see sizes in terms of the
program's inputs.

Only provably integer expressions over input symbols are propagated (the interpreter stores
an assigned value as an int when it is integral; `N / 2` would not be one). Container shapes
are left alone: they are evaluated whenever the container is touched. The assignment itself
stays (it still defines M for anything that reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from sluice.ir.control import Assign, Block, Branch, Check, Loop, Region, State, While
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Call, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import free_names, substitute
from sluice.passes.manager import Pass, PassReport, register


@register
@dataclass(frozen=True)
class SymbolPropagation(Pass):
    name = "symbol-propagation"

    def run(self, program: Program, report: PassReport) -> None:
        assigned: dict[str, int] = {}
        loop_vars: set[str] = set()
        for b in program.body.walk():
            if isinstance(b, Assign):
                for k in b.assignments:
                    assigned[k] = assigned.get(k, 0) + 1
            elif isinstance(b, Loop):
                loop_vars.add(b.var)
        inputs = set(program.symbols) - set(assigned) - loop_vars
        blocks = program.body.blocks
        for k, b in enumerate(blocks):
            if not isinstance(b, Assign):
                continue
            for sym, expr in b.assignments.items():
                if assigned[sym] != 1 or sym in loop_vars or sym in program.data:
                    continue
                if not free_names(expr) <= inputs or expr.is_integer is not True:
                    continue
                for later in blocks[k + 1:]:
                    _block(later, {sym: expr})
                report.changes.append(f"propagated {sym} = {expr} into later blocks")


def _region(r: Region, m: dict[str, sympy.Expr]) -> None:
    for b in r.blocks:
        _block(b, m)


def _block(b: Block, m: dict[str, sympy.Expr]) -> None:
    if isinstance(b, Loop):
        b.start, b.stop, b.step = (substitute(x, m) for x in (b.start, b.stop, b.step))
    elif isinstance(b, While):
        b.cond = substitute(b.cond, m)
    elif isinstance(b, Branch):
        b.cases = [(substitute(c, m), r) for c, r in b.cases]
    elif isinstance(b, Assign):
        b.assignments = {k: substitute(v, m) for k, v in b.assignments.items()}
    elif isinstance(b, Check):
        r = b.requirement
        b.requirement = replace(r, lhs=substitute(r.lhs, m), rhs=substitute(r.rhs, m))
    elif isinstance(b, State):
        _graph(b.graph, m)
    for r in b.regions():
        _region(r, m)


def _graph(g: DataflowGraph, m: dict[str, sympy.Expr]) -> None:
    for e in g.edges:
        if e.memlet is not None:
            e.memlet = e.memlet.subs(m)
    for n in g.nodes:
        if isinstance(n, Map):
            if set(n.params) & set(m):
                continue  # a parameter shadows the symbol inside this map
            n.ranges = [r.subs(m) for r in n.ranges]
            _graph(n.body, m)
        elif isinstance(n, Tasklet):
            own = set(n.inputs) | {t for t, _ in n.code}
            local = {k: v for k, v in m.items() if k not in own}  # connectors shadow symbols
            n.code = [(t, substitute(e, local)) for t, e in n.code]
        elif isinstance(n, Call):
            n.symbols = {k: substitute(v, m) for k, v in n.symbols.items()}
