"""Questions the code generator asks about maps before emitting them.

* `batchable` mirrors the reference interpreter's rule for running a map body all points
  at once; it decides map-parameter types (int64 arrays there, Python ints elsewhere) and
  how a write-conflict resolution casts, so generated code must agree with it exactly.
* `plan_parallel` picks the map parameters OpenMP may split among threads: a prefix whose
  ranges do not depend on each other (so `collapse` is legal) and that every array write
  is injective in, unless conflicts can be resolved by a reduction clause or atomics.
  It also orders the loops: injective parameters outside, reductions inside, except a
  unit-stride injective parameter, which runs innermost so that its loop vectorises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from sluice.backends.cpu.proofs import disjoint_iterations
from sluice.ir.data import CSR, Array, Scalar, Stream
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.memlet import Index
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import free_names
from sluice.passes.util import control_reads


def is_stream(p: Program, name: str) -> bool:
    return isinstance(p.data.get(name.partition(".")[0]), Stream)


def batchable(p: Program, g: DataflowGraph) -> bool:
    """The interpreter's `_batchable`: tasklets, plain accesses and nested batchable maps."""
    for n in g.nodes:
        if isinstance(n, Map):
            if n.schedule == Schedule.spatial or not batchable(p, n.body):
                return False
        elif isinstance(n, Access):
            if is_stream(p, n.data) or isinstance(p.data.get(n.data), CSR):
                return False
            ins = [e for e in g.in_edges(n) if e.memlet is not None]
            outs = [e for e in g.out_edges(n) if e.memlet is not None]
            if any(isinstance(e.src, Access) for e in ins) or \
                    any(isinstance(e.dst, Access) for e in outs):
                return False
            if ins and outs:
                written = {(e.memlet.subset, e.memlet.wcr) for e in ins}
                if len(written) != 1:
                    return False
                sub, wcr = next(iter(written))
                if wcr is not None or any(e.memlet.subset != sub for e in outs):
                    return False
        elif not isinstance(n, Tasklet):
            return False
    return True


@dataclass
class BodyFacts:
    """What a map body (recursively) does, for scheduling."""

    writes: list[Edge] = field(default_factory=list)  # tasklet -> access edges
    streams: bool = False
    opaque: bool = False  # library nodes, calls or copies: writes not described per element
    inner_params: set[str] = field(default_factory=set)


def body_facts(p: Program, g: DataflowGraph, facts: BodyFacts | None = None) -> BodyFacts:
    facts = facts or BodyFacts()
    for n in g.nodes:
        if isinstance(n, Map):
            facts.inner_params |= set(n.params)
            if n.schedule == Schedule.spatial:
                facts.opaque = True
            body_facts(p, n.body, facts)
        elif isinstance(n, Access):
            if is_stream(p, n.data):
                facts.streams = True
            if any(isinstance(e.src, Access) for e in g.in_edges(n)):
                facts.opaque = True
        elif isinstance(n, LibraryNode | Call):
            facts.opaque = True
            if isinstance(n, Call) and _uses_streams(p.callees.get(n.callee)):
                facts.streams = True  # a deadlock would throw inside a parallel region
        elif isinstance(n, Tasklet):
            facts.writes += [e for e in g.out_edges(n) if e.memlet is not None]
    return facts


def _uses_streams(p: Program | None) -> bool:
    if p is None:
        return True
    return any(isinstance(c, Stream) for c in p.data.values()) or any(
        _uses_streams(c) for c in p.callees.values())


def pinned(subset: tuple, params: frozenset[str] | set[str], others: set[str]) -> bool:
    """True if the element `subset` addresses differs for any two values of `params`.

    Each parameter must appear in its own dimension as `param + c` or `c - param` (a
    reversed view), where `c` reads no parameter at all (`others` are the remaining
    parameters in scope).
    """
    used: set[int] = set()
    allp = set(params) | others
    for prm in params:
        sym = sympy.Symbol(prm, integer=True)
        ok = False
        for k, d in enumerate(subset):
            if k in used or not isinstance(d, Index) or prm not in free_names(d.index):
                continue
            if any(not (free_names(sympy.expand(d.index + sign * sym)) & allp)
                   for sign in (-1, 1)):
                used.add(k)
                ok = True
                break
        if not ok:
            return False
    return True


@dataclass
class ParallelPlan:
    params: list[str]  # parallel parameters, outermost and collapsed; empty: sequential
    order: list[str]  # loop nesting order of all parameters
    reductions: dict[str, str]  # scalar container -> wcr op, via an OpenMP reduction clause
    atomics: bool  # some array writes conflict and need atomics
    proven: bool = False  # islpy proved the iterations disjoint (`proofs.py`): no conflicts


_RED_OK = ("+", "*", "max", "min")


def _pins(subset: tuple, prm: str, all_params: set[str]) -> bool:
    return pinned(subset, {prm}, all_params - {prm})


def plan_parallel(p: Program, m: Map, batched: bool, outer_params: set[str],
                  private: frozenset[str] = frozenset(), vector_inside: bool = True
                  ) -> ParallelPlan:
    """Which parameters run in parallel, and in which order the loops nest.

    Parameters that every write is injective in move outermost and run in parallel; the
    others keep their relative order inside, so each element still receives its
    contributions in the original order (the interchange is exact, even for `+` on floats).
    When the last of them indexes only unit-stride dimensions, it goes innermost instead,
    inside the reduction loops, so it vectorises (`_unit_stride_inside`), unless
    `vector_inside` is False (GPU threads: every injective parameter stays parallel).
    """
    seq = ParallelPlan([], list(m.params), {}, False)  # (a vector map: lanes, not threads)
    if m.schedule in (Schedule.sequential, Schedule.spatial, Schedule.vector):
        return seq
    if disjoint_iterations(p, m):
        return ParallelPlan(list(m.params), list(m.params), {}, False, proven=True)
    facts = body_facts(p, m.body)
    if facts.streams or facts.opaque and _opaque_writes_unsafe(p, m):
        return seq
    independent = [prm for prm, r in zip(m.params, m.ranges, strict=True)
                   if not (r.free_symbols() & set(m.params))]
    if facts.opaque:
        # opaque writes were checked against the first parameter only
        independent = [m.params[0]] if m.params[0] in independent else []
    if not independent:
        return seq
    all_params = set(m.params) | facts.inner_params | outer_params
    reductions: dict[str, str] = {}
    plain: list[tuple] = []
    array_wcr: list[tuple] = []
    for e in facts.writes:
        mm = e.memlet
        c = p.data.get(mm.data.partition(".")[0])
        if mm.data in private:
            continue  # a per-iteration local
        if isinstance(c, Scalar):
            if mm.wcr is None or not batched or mm.wcr not in _RED_OK:
                return seq  # a plain scalar written by every iteration: keep program order
            if reductions.get(mm.data, mm.wcr) != mm.wcr:
                return seq
            if c.dtype.is_complex and mm.wcr not in ("+", "*"):
                return seq
            reductions[mm.data] = mm.wcr
        elif mm.wcr is None:
            plain.append(mm.subset)
        else:
            array_wcr.append(mm.subset)
    if _writes_may_meet(p, facts.writes, private, all_params):
        return seq
    writes = plain + array_wcr
    par = [prm for prm in independent if all(_pins(s, prm, all_params) for s in writes)]
    if par and all(pinned(s, set(par), all_params - set(par)) for s in writes):
        order = par + [prm for prm in m.params if prm not in par]
        if _ranges_nest(m, order):
            if vector_inside and not reductions and \
                    _unit_stride_inside(p, m, par, order, all_params, private):
                # the reduction loops move outside the last parallel parameter's loop
                order = par[:-1] + order[len(par):] + par[-1:]
                par = par[:-1]
            return ParallelPlan(par, order, reductions, False)
    # Otherwise: the prefix every plain write is injective in, with atomics for wcr writes.
    prefix: list[str] = []
    for prm in m.params:
        if prm not in independent:
            break
        prefix.append(prm)
    while prefix and not all(pinned(s, set(prefix), all_params - set(prefix)) for s in plain):
        prefix.pop()
    if not prefix:
        return seq
    return ParallelPlan(prefix, list(m.params), reductions, bool(array_wcr))


def _writes_may_meet(p: Program, writes: list[Edge], private: frozenset[str],
                     params: set[str]) -> bool:
    """Whether two different write subsets of one array may address one element from two
    iterations (`B[i] += u; B[i + 1] += v`, as the adjoint of a stencil writes): each subset
    alone being injective says nothing about the pair, so such a map runs in order. Two
    subsets are apart when a dimension indexes both with different constants."""
    subsets: dict[str, set[tuple]] = {}
    for e in writes:
        mm = e.memlet
        if mm.data in private or not isinstance(p.data.get(mm.data.partition(".")[0]), Array):
            continue
        subsets.setdefault(mm.data, set()).add(mm.subset)
    for subs in subsets.values():
        subs = list(subs)
        for a in range(len(subs)):
            for b in range(a + 1, len(subs)):
                if not _apart(subs[a], subs[b], params):
                    return True
    return False


def _apart(s: tuple, t: tuple, params: set[str]) -> bool:
    for d, e in zip(s, t, strict=False):
        if isinstance(d, Index) and isinstance(e, Index) and \
                not (free_names(d.index) | free_names(e.index)) & params:
            diff = sympy.expand(d.index - e.index)
            if diff.is_number and diff != 0:
                return True
    return False


def _unit_stride_inside(p: Program, m: Map, par: list[str], order: list[str],
                        all_params: set[str], private: frozenset[str]) -> bool:
    """True if the last parallel parameter `q` of `order = par + inner` may run innermost,
    inside the inner (reduction) loops, so that the loop over `q` vectorises.

    Exact: every written container has one write subset, pinned by `par`, so the
    iterations that touch one element share all of `par` and keep their inner order; the
    body reads nothing it writes. Worth it: `q` indexes only the unit-stride last dimension
    of every write (and of each read that uses it), as `q + c`.
    """
    inner = order[len(par):]
    if len(par) < 2 or not inner or any(not isinstance(n, Access | Tasklet)
                                        for n in m.body.nodes):
        return False
    q = par[-1]
    new_order = par[:-1] + inner + [q]
    if not _ranges_nest(m, new_order):
        return False
    written: dict[str, tuple] = {}
    reads: list[tuple[str, tuple]] = []
    for e in m.body.edges:
        mm = e.memlet
        if mm is None or mm.data in private:
            continue
        if mm.other is not None or isinstance(e.src, Access) and isinstance(e.dst, Access):
            return False  # a copy
        name = mm.data.partition(".")[0]
        if isinstance(e.src, Tasklet):
            if not isinstance(p.data.get(name), Array) or \
                    written.setdefault(name, mm.subset) != mm.subset or \
                    not _last_dim_is(mm.subset, q, all_params):
                return False
        else:
            reads.append((name, mm.subset))
    for name, subset in reads:
        if name in written:
            return False
        uses_q = any(q in d.free_symbols() for d in subset)
        if uses_q and (not isinstance(p.data.get(name), Array)
                       or not _last_dim_is(subset, q, all_params)):
            return False
    return True


def _last_dim_is(subset: tuple, q: str, all_params: set[str]) -> bool:
    """`subset` ends in `[..., q + c]` (c free of parameters) and uses `q` nowhere else."""
    if not subset or not all(isinstance(d, Index) for d in subset):
        return False
    if any(q in d.free_symbols() for d in subset[:-1]):
        return False
    rest = sympy.expand(subset[-1].index - sympy.Symbol(q, integer=True))
    return not (free_names(rest) & all_params)


def _ranges_nest(m: Map, order: list[str]) -> bool:
    """True if each range reads only parameters of loops outside it in `order`."""
    rng = dict(zip(m.params, m.ranges, strict=True))
    outside: set[str] = set()
    for prm in order:
        if rng[prm].free_symbols() & (set(m.params) - outside):
            return False
        outside.add(prm)
    return True


def _opaque_writes_unsafe(p: Program, m: Map) -> bool:
    """Library nodes, calls and copies in a body: safe only if every outer write edge of
    theirs is pinned by the map's parameters (each iteration owns its output)."""
    for n, g in m.body.walk():
        if isinstance(n, LibraryNode | Call):
            edges = [e for e in g.out_edges(n) if e.memlet is not None]
        elif isinstance(n, Access):
            edges = [e for e in g.in_edges(n) if isinstance(e.src, Access) and e.memlet]
        else:
            continue
        for e in edges:
            mm = e.memlet
            sub = mm.other_subset if isinstance(n, Access) and mm.other is not None else mm.subset
            target = (mm.other or n.data) if isinstance(n, Access) else mm.data
            c = p.data.get(target.partition(".")[0])
            if isinstance(c, Scalar) or mm.wcr is not None or not sub:
                return True
            first = [d for d in sub if isinstance(d, Index)]
            if not first or not pinned(tuple(first), {m.params[0]}, set(m.params[1:])):
                return True
    return False


def private_scalars(p: Program, m: Map, parent: DataflowGraph) -> frozenset[str]:
    """Transient scalars that live within one iteration of `m`: each is accessed only in
    the top level of its body (or by a sink access node `m` writes in `parent`, which only
    says the map writes it), and every read follows a plain write in the same iteration
    (through the access node written). Such a scalar becomes a local of the loop body."""

    body = m.body
    cands: dict[str, list[Access]] = {}
    for n in body.nodes:
        if isinstance(n, Access) and isinstance(p.data.get(n.data), Scalar):
            cands.setdefault(n.data, []).append(n)
    if not cands:
        return frozenset()
    in_control = control_reads(p)
    total: dict[str, int] = {}
    for st in p.body.states():
        for n, gg in st.graph.walk():
            if isinstance(n, Access) and n.data in cands:
                sink = gg is parent and all(e.src is m for e in gg.in_edges(n)) and \
                    not any(e.memlet is not None for e in gg.out_edges(n))
                if not sink:
                    total[n.data] = total.get(n.data, 0) + 1
    out = set()
    for name, nodes in cands.items():
        c = p.data[name]
        if not c.transient or name in p.returns or name in p.args or name in in_control:
            continue
        if total.get(name, 0) != len(nodes):
            continue
        ok = True
        for n in nodes:
            ins = [e for e in body.in_edges(n) if e.memlet is not None]
            outs = [e for e in body.out_edges(n) if e.memlet is not None]
            if outs and (not ins or any(e.memlet.wcr is not None for e in ins)):
                ok = False
            if any(isinstance(e.src, Access) for e in ins) or \
                    any(isinstance(e.dst, Access) for e in outs):
                ok = False
        if ok:
            out.add(name)
    return frozenset(out)
