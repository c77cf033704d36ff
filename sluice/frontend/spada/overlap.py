"""E11a: several compute blocks on one PE in one phase run one after another.

On each PE the blocks of a phase that cover it run in source order, each followed by an
implicit `awaitall`; streams stay open across them. The binder splits a phase whose compute
blocks overlap into disjoint blocks, one per rectangle of PEs covered by the same set of
blocks (x and y runs of equal coverage), each holding the concatenated bodies. Coordinates
are renamed to one fresh pair per merged block, and a completion or local that a later block
declares again gets a fresh version, so every name stays one binding.
"""

from __future__ import annotations

import dataclasses
import itertools

from sluice.frontend.spada import ast
from sluice.frontend.spada.expand import Block, BoundKernel, BoundPhase
from sluice.frontend.spada.versions import identifiers, walk_identifiers


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers in sorted `values`, as [start, stop)."""
    out: list[tuple[int, int]] = []
    for v in values:
        if out and out[-1][1] == v:
            out[-1] = (out[-1][0], v + 1)
        else:
            out.append((v, v + 1))
    return out


def _declared(body: object) -> set[str]:
    out: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, tuple):
            for x in node:
                visit(x)
        elif isinstance(node, ast.Node):
            if isinstance(node, ast.Completion | ast.LocalDecl):
                out.add(node.name)
            for f in dataclasses.fields(node):
                if f.name != "pos":
                    visit(getattr(node, f.name))

    visit(body)
    return out


class _Merger:
    def __init__(self, bk: BoundKernel) -> None:
        self.used = identifiers((bk.places, bk.dataflows, bk.phases))

    def fresh(self, name: str) -> str:
        base = name.partition("#")[0]
        for n in itertools.count(1):
            cand = f"{base}#{n}"
            if cand not in self.used:
                self.used.add(cand)
                return cand
        raise AssertionError("unreachable")

    def merged(
        self, blocks: list[Block], pes: tuple, xs: tuple[int, int], ys: tuple[int, int]
    ) -> Block:
        first = blocks[0].node
        xv, yv = self.fresh(blocks[0].xvar), self.fresh(blocks[0].yvar)
        body: list[ast.Stmt] = []
        seen: set[str] = set()
        for b in blocks:
            rename = {b.xvar: xv, b.yvar: yv}
            for d in _declared(b.node.body) & seen:
                rename[d] = self.fresh(d)
            seen |= _declared(b.node.body)
            body.extend(walk_identifiers(b.node.body, lambda n, r=rename: r.get(n, n)))  # type: ignore[arg-type]
            body.append(ast.AwaitAll(pos=b.node.pos))
        p = first.subgrid.pos

        def rng(lo: int, hi: int) -> ast.RangeItem:
            if hi == lo + 1:
                return ast.IntLit(lo, pos=p)
            return ast.Range(ast.IntLit(lo, pos=p), ast.IntLit(hi, pos=p), None, pos=p)

        vars_ = (
            dataclasses.replace(first.subgrid.vars[0], name=xv),
            dataclasses.replace(first.subgrid.vars[1], name=yv),
        )
        sub = ast.Subgrid(vars_, (rng(*xs), rng(*ys)), pos=p)
        return Block(ast.Compute(sub, tuple(body), pos=first.pos), pes)

    def phase(self, ph: BoundPhase) -> BoundPhase:
        cover: dict[tuple[int, int], list[int]] = {}
        for i, b in enumerate(ph.computes):
            for pe in b.pes:
                cover.setdefault(pe, []).append(i)
        if all(len(v) == 1 for v in cover.values()):
            return ph
        # group by coverage, then cut each group into rectangles of x runs by y runs
        out: list[Block] = []
        classes: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        for pe, idx in cover.items():
            classes.setdefault(tuple(idx), []).append(pe)
        for idx, pes in sorted(classes.items()):
            if len(idx) == 1:
                b = ph.computes[idx[0]]
                if len(pes) == len(b.pes):
                    out.append(b)
                    continue
            blocks = [ph.computes[i] for i in idx]
            ys_of: dict[int, list[int]] = {}
            for x, y in pes:
                ys_of.setdefault(x, []).append(y)
            by_yset: dict[tuple[int, ...], list[int]] = {}
            for x, ys in ys_of.items():
                by_yset.setdefault(tuple(sorted(ys)), []).append(x)
            for yset, xs in sorted(by_yset.items()):
                for xr in _runs(sorted(xs)):
                    for yr in _runs(list(yset)):
                        sub = tuple(sorted((x, y) for x in range(*xr) for y in range(*yr)))
                        out.append(self.merged(blocks, sub, xr, yr))
        out.sort(key=lambda b: b.pes[0])
        return dataclasses.replace(ph, computes=tuple(out))


def merge_overlapping_computes(bk: BoundKernel) -> BoundKernel:
    """`bk` with overlapping compute blocks of a phase split into disjoint merged blocks."""
    m = _Merger(bk)
    return dataclasses.replace(bk, phases=tuple(m.phase(ph) for ph in bk.phases))
