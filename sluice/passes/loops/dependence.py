"""Dependence analysis of a perfect map nest with islpy.

Each iteration of the nest is one statement instance `S[p0, ..., pn]` over the nest's
loops (outermost first); its domain comes from the loop ranges. The body's memlets give
access relations `S[p] -> A[e]` (an index is an equality, a range a pair of bounds), so
every subset must be affine in the loop parameters and the program's symbols; anything
else is refused (`NotAffine`).

A dependence is a pair of iterations s <lex t that touch one element, at least one of
them writing. Map iterations may only meet through write-conflict resolutions (`+=` and
friends): those pairs must keep their order, since the order of contributions decides
the rounding. Any other meeting (a plain write read or written by another iteration)
fixes the nest's order, and `analyse` reports it as `blocking`. A new loop order is legal
when every dependence, mapped through it, still goes forward (`preserves`).
"""

from __future__ import annotations

from dataclasses import dataclass

import islpy as isl
import sympy

from sluice.errors import SluiceError
from sluice.ir.data import Array, Scalar
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import Access, Call, Map
from sluice.ir.program import Program
from sluice.passes.loops.nest import MapNest


class NotAffine(SluiceError):  # noqa: N818 - reads as the reason a nest is refused
    """A range or subset of the nest is not affine in its parameters and symbols."""


class IllegalTransformation(SluiceError):  # noqa: N818 - the message names the dependence
    """A loop transformation would reverse a dependence (or cannot be proven not to)."""


@dataclass
class Dependences:
    """The nest's dependences as islpy relations over `S[params]`."""

    params: list[str]
    domain: isl.Set
    ordered: isl.Map  # pairs whose order must stay (wcr contributions to one element)
    blocking: list[str]  # containers through which iterations meet otherwise

    def carried_at(self, depth: int) -> bool:
        """Whether a dependence runs between iterations that first differ in loop `depth`."""
        n = len(self.params)
        eq = " and ".join(f"s{k} = t{k}" for k in range(depth)) or "true"
        rel = _map(self.ordered.get_space(), n, f"{eq} and s{depth} != t{depth}")
        return not self.ordered.intersect(rel).is_empty()

    def preserves(self, schedule: str, out_dims: int) -> bool:
        """Whether the affine `schedule` (isl text of `S[params] -> [out]`) keeps every
        dependence going forward."""
        sched = isl.Map(_with_params(self.domain, schedule)).intersect_domain(self.domain)
        moved = self.ordered.apply_domain(sched).apply_range(sched)
        if moved.is_empty():
            return True
        lex = _lex_lt(moved.get_space(), out_dims)
        return moved.is_subset(lex)


def analyse(program: Program, nest: MapNest) -> Dependences:
    """The nest's dependences; NotAffine where a range or subset is not affine."""
    params = nest.params
    syms = _symbols(program, nest)
    decl = f"[{', '.join(syms)}] -> " if syms else ""
    s = ", ".join(params)
    cons = [
        c
        for k, lp in enumerate(nest.loops)
        for c in _range_cons(lp.param, lp.range, params[:k], syms)
    ]
    domain = isl.Set(f"{decl}{{ S[{s}] : {' and '.join(cons) or 'true'} }}")
    wcr_acc: dict[str, list[isl.Map]] = {}
    plain_w: dict[str, list[isl.Map]] = {}
    reads: dict[str, list[isl.Map]] = {}
    ops: dict[str, set[str]] = {}
    escaping = {e.memlet.data for e in nest.graph.out_edges(nest.top) if e.memlet is not None}
    for mm, write in _accesses(program, nest.body, escaping):
        rel = _access(program, mm, params, syms, decl).intersect_domain(domain)
        if write and mm.wcr is not None:
            wcr_acc.setdefault(mm.data, []).append(rel)
            ops.setdefault(mm.data, set()).add(mm.wcr)
        else:
            (plain_w if write else reads).setdefault(mm.data, []).append(rel)
    lex = _lex_lt(isl.Map(f"{decl}{{ S[{s}] -> S[{s}] }}").get_space(), len(params))
    ordered = isl.Map.empty(lex.get_space())
    blocking: list[str] = []
    for data in sorted(set(wcr_acc) | set(plain_w) | set(reads)):
        w, pw, r = wcr_acc.get(data, []), plain_w.get(data, []), reads.get(data, [])
        if not w and not pw:
            continue
        meet = _meets(w + pw, w + pw + r, lex) | _meets(r, w + pw, lex)
        if not meet:
            continue
        if pw or r or len(ops[data]) > 1:
            blocking.append(data)
            continue
        for a in w:
            for b in w:
                ordered = ordered.union(a.apply_range(b.reverse()).intersect(lex))
    return Dependences(params, domain, ordered.coalesce(), blocking)


def require_reorderable(deps: Dependences, nest: MapNest) -> None:
    if deps.blocking:
        names = ", ".join(f"'{d}'" for d in deps.blocking)
        raise IllegalTransformation(
            f"iterations of {nest.describe()} meet through {names} other than by "
            "accumulating into it: their order is fixed",
            hint="no loop transformation "
            "applies to this nest; write the computation as a loop or a reduction",
        )


def _meets(xs: list[isl.Map], ys: list[isl.Map], lex: isl.Map) -> bool:
    """Whether some iteration's access in `xs` meets another iteration's in `ys`."""
    for a in xs:
        for b in ys:
            pairs = a.apply_range(b.reverse())
            if not pairs.intersect(lex).is_empty() or not pairs.intersect(lex.reverse()).is_empty():
                return True
    return False


def _accesses(program: Program, g: DataflowGraph, escaping: set[str]) -> list[tuple[Memlet, bool]]:
    out: list[tuple[Memlet, bool]] = []
    private = _private_scalars(program, g) - escaping
    for e in g.edges:
        if e.memlet is None:
            continue
        for n, write in ((e.src, False), (e.dst, True)):
            if not isinstance(n, Access):
                continue
            c = program.data.get(n.data.partition(".")[0])
            if not isinstance(c, Array | Scalar):
                raise NotAffine(
                    f"the nest accesses '{n.data}', a {type(c).__name__}",
                    hint="dependence analysis covers arrays and scalars only",
                )
            if n.data in private:
                continue  # a per-iteration temporary of the body
            if isinstance(e.src, Access) and isinstance(e.dst, Access):
                mm = e.memlet
                if write:
                    mm = Memlet(mm.other or n.data, mm.other_subset or mm.subset, mm.wcr)
                out.append((mm, write))
            else:
                out.append((e.memlet, write))
    for n in g.nodes:
        if isinstance(n, Call):
            raise NotAffine(
                f"the nest calls '{n.callee}'", hint="dependence analysis does not look into calls"
            )
    return out


def _private_scalars(program: Program, g: DataflowGraph) -> set[str]:
    """Transient scalars each iteration writes before it reads them (every access node
    that is read from is also written in the body), so no value crosses iterations."""
    out = set()
    nodes = [n for n in g.accesses() if isinstance(program.data.get(n.data), Scalar)]
    for name in {n.data for n in nodes}:
        if not program.data[name].transient:
            continue
        if all(g.in_edges(n) for n in nodes if n.data == name and g.out_edges(n)):
            out.add(name)
    return out


def _symbols(program: Program, nest: MapNest) -> list[str]:
    names: set[str] = set()
    for lp in nest.loops:
        names |= lp.range.free_symbols()
    for e in nest.body.edges:
        if e.memlet is not None:
            names |= e.memlet.free_symbols()
    for n, _ in nest.body.walk():
        if isinstance(n, Map):
            for r in n.ranges:
                names |= r.free_symbols()
    return sorted(str(x) for x in names if str(x) not in set(nest.params))


def _range_cons(p: str, r: Range, outer: list[str], syms: list[str]) -> list[str]:
    allowed = set(outer) | set(syms)
    if r.step != 1:
        if not (r.step.is_Integer and int(r.step) > 0):
            raise NotAffine(
                f"the loop over '{p}' has step {r.step}",
                hint="only constant positive steps are analysed",
            )
    cons = [f"{p} >= {lo}" for lo in _bound_terms(r.start, sympy.Max, allowed, p)]
    cons += [f"{p} < {hi}" for hi in _bound_terms(r.stop, sympy.Min, allowed, p)]
    if r.step != 1:
        cons.append(f"({p} - ({_affine(r.start, allowed, p)})) mod {int(r.step)} = 0")
    return cons


def _bound_terms(e: sympy.Expr, kind: type, allowed: set[str], where: str) -> list[str]:
    """A max of starts / min of stops as several affine bounds."""
    terms = list(e.args) if isinstance(e, kind) else [e]
    return [_affine(t, allowed, where) for t in terms]


def _affine(e: sympy.Expr, allowed: set[str], where: str) -> str:
    """`e` as isl text, if affine with integer coefficients over `allowed` names."""
    e = sympy.sympify(e)
    names = {str(s) for s in e.free_symbols}
    bad = names - allowed
    if bad:
        raise NotAffine(
            f"'{e}' (in {where}) uses {', '.join(sorted(bad))}",
            hint="only the loop parameters and the program's size symbols are analysed",
        )
    syms = sorted(e.free_symbols, key=str)
    try:
        poly = sympy.Poly(e, *syms) if syms else None
    except sympy.PolynomialError:
        poly = None
        if syms:
            raise NotAffine(
                f"'{e}' (in {where}) is not affine",
                hint="indices must be sums of integer multiples of the loop parameters and symbols",
            ) from None
    if poly is not None and (
        poly.total_degree() > 1 or any(not c.is_Integer for c in poly.coeffs())
    ):
        raise NotAffine(
            f"'{e}' (in {where}) is not affine",
            hint="indices must be sums of integer multiples of the loop parameters and symbols",
        )
    if poly is None and not e.is_Integer:
        raise NotAffine(f"'{e}' (in {where}) is not an integer", hint="indices must be integers")
    return sympy.sstr(sympy.expand(e)).replace("**", "^")


def _access(program: Program, mm: Memlet, params: list[str], syms: list[str], decl: str) -> isl.Map:
    allowed = set(params) | set(syms)
    outs, cons = [], []
    name = _tuple_name(mm.data)
    for k, d in enumerate(mm.subset):
        a = f"a{k}"
        outs.append(a)
        where = f"{mm.data}, dimension {k}"
        if isinstance(d, Index):
            cons.append(f"{a} = {_affine(d.index, allowed, where)}")
        else:
            cons.append(f"{a} >= {_affine(d.start, allowed, where)}")
            cons.append(f"{a} < {_affine(d.stop, allowed, where)}")
            if d.step != 1:  # (a strided range: its bounding box, a safe over-approximation)
                _affine(d.step, allowed, where)
    body = " and ".join(cons) or "true"
    return isl.Map(f"{decl}{{ S[{', '.join(params)}] -> {name}[{', '.join(outs)}] : {body} }}")


def _tuple_name(data: str) -> str:
    return "d_" + "".join(ch if ch.isalnum() else "_" for ch in data)


def _lex_lt(space: isl.Space, n: int) -> isl.Map:
    """`s <lex t` on `n` dimensions, in the relation space `space`."""
    alts = []
    for k in range(n):
        eq = [f"s{j} = t{j}" for j in range(k)]
        alts.append("(" + " and ".join([*eq, f"s{k} < t{k}"]) + ")")
    return _map(space, n, " or ".join(alts) or "false")


def _map(space: isl.Space, n: int, cond: str) -> isl.Map:
    """The relation of `space` (n input and output dims) whose pairs satisfy `cond`."""
    pnames = [
        space.get_dim_name(isl.dim_type.param, k) for k in range(space.dim(isl.dim_type.param))
    ]
    decl = f"[{', '.join(pnames)}] -> " if pnames else ""
    s = ", ".join(f"s{k}" for k in range(n))
    t = ", ".join(f"t{k}" for k in range(n))
    din = space.get_tuple_name(isl.dim_type.in_) or ""
    dout = space.get_tuple_name(isl.dim_type.out) or ""
    return isl.Map(f"{decl}{{ {din}[{s}] -> {dout}[{t}] : {cond} }}")


def _with_params(domain: isl.Set, text: str) -> str:
    pnames = [
        domain.get_dim_name(isl.dim_type.param, k) for k in range(domain.dim(isl.dim_type.param))
    ]
    return (f"[{', '.join(pnames)}] -> " if pnames else "") + text
