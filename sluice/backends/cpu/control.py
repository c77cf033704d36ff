"""Structured control flow -> C++: states, loops, while, branches, assignments, jumps.

Loop bounds are evaluated once, before the loop (as `range(...)` does), and the loop
variable is assigned from a hidden counter so that after the loop it holds the last value
taken, as in Python. Conditions may read scalar containers; they and the bounds are typed
like NumPy (a scalar container is a NumPy scalar, symbols are Python ints).
"""

from __future__ import annotations

import sympy

from sluice.backends.cpu.cexpr import PRINTER, CVal, convert, strip_parens
from sluice.backends.cpu.ctypes_map import BOOL, strong
from sluice.backends.cpu.dataflow import emit_graph
from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.errors import UnsupportedError
from sluice.ir.control import (
    Assign,
    Block,
    Branch,
    Break,
    Check,
    Continue,
    Loop,
    Region,
    Return,
    State,
    While,
)
from sluice.ir.data import Scalar
from sluice.ir.nodes import Access
from sluice.ir.program import Program
from sluice.ir.requires import RELATIONS, Requirement
from sluice.ir.symbolic import free_names, symbol
from sluice.safetext import comment


def checks(p: Program) -> list[Check]:
    """The program's `check` blocks in order: a failing one returns status CHECK_STATUS + k."""
    return [b for b in p.body.walk() if isinstance(b, Check)]


CHECK_STATUS = 16


def hoistable_checks(p: Program, loop: Loop) -> list[Check]:
    """The checks at the top of `loop`'s body (not under a branch) that hold on every
    iteration when they hold on the first and the last: conditions over symbols the body does
    not assign, each a conjunction of comparisons linear in the loop variable (an index
    check `j - 1 >= -n and j - 1 < n`), or free of it. None when the body can leave an
    iteration early (a later check would then not have run on every iteration)."""
    inner = list(loop.body.walk())
    if any(isinstance(b, Break | Continue | Return) for b in inner):
        return []
    assigned = {b.var for b in inner if isinstance(b, Loop)}
    for b in inner:
        if isinstance(b, Assign):
            assigned |= set(b.assignments)
    out = []
    for b in loop.body.blocks:
        if not isinstance(b, Check):
            continue
        names = b.requirement.names
        if names & assigned or not names <= set(p.symbols) | {loop.var}:
            continue
        if loop.var not in names or _linear_conjunction(b.requirement, loop.var):
            out.append(b)
    return out


_CONVEX = (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan,
           sympy.GreaterThan, sympy.Equality)


def _linear_conjunction(r: Requirement, var: str) -> bool:
    cond = r.condition
    if cond is None:
        if r.op == "!=":  # holds at both ends of a range, not necessarily in between
            return False
        rels = [RELATIONS[r.op](r.lhs, r.rhs, evaluate=False)]
    else:
        rels = list(cond.args) if isinstance(cond, sympy.And) else [cond]
    v = symbol(var)
    for rel in rels:
        if rel in (sympy.true, sympy.false):
            continue
        if not isinstance(rel, _CONVEX):
            return False
        d = sympy.expand(rel.lhs - rel.rhs)
        coef = d.coeff(v)
        if v in coef.free_symbols or v in sympy.expand(d - coef * v).free_symbols:
            return False
    return True



def cond_value(fn: FnCtx, e: object, scope: Scope) -> CVal:
    env = fn.env(scope)
    for name in free_names(e):
        c = fn.program.data.get(name)
        if name not in fn.program.symbols and isinstance(c, Scalar):
            env[name] = CVal(ident(name), strong(c.dtype))
    return PRINTER.translate(e, env)


def _int(fn: FnCtx, e: object, scope: Scope) -> str:
    v = cond_value(fn, e, scope)
    if v.vtype.kind in "iu" and v.vtype.dtype.itemsize == 8 or v.vtype.weak and \
            v.vtype.kind == "i":
        return strip_parens(v.text)
    return f"static_cast<int64_t>({strip_parens(v.text)})"


def emit_region(fn: FnCtx, r: Region, scope: Scope) -> None:
    for b in r.blocks:
        emit_block(fn, b, scope)


def emit_block(fn: FnCtx, b: Block, scope: Scope) -> None:
    w = fn.w
    if isinstance(b, State):
        w(f"// state '{comment(b.name)}'")
        with w.block(""):
            used = {n.data.partition(".")[0] for n, _ in b.graph.walk()
                    if isinstance(n, Access)}
            for name, shape in fn.dynamic.items():
                if name in used:
                    dims = ", ".join(_int(fn, d, scope) for d in shape)
                    w(f"{ident(name)} = {ident(name)}_heap.ensure({{{dims}}});")
            emit_graph(fn, b.graph, scope)
    elif isinstance(b, Loop):
        step = b.step
        if not step.is_number or step == 0:
            raise UnsupportedError(f"loop over '{b.var}' has a non-constant or zero step")
        lo, hi, n, k = fn.tmp("lo"), fn.tmp("hi"), fn.tmp("n"), fn.tmp("k")
        # Count the iterations in unsigned arithmetic, as Python's range does: `i += step`
        # would wrap past INT64_MAX near the top of the range and loop forever.
        mag = f"{abs(int(step))}ULL"
        first, last, sign = (lo, hi, "+") if step > 0 else (hi, lo, "-")
        w(f"// for {comment(b.var)} in range(...)")
        with w.block(""):
            w(f"const int64_t {lo} = {_int(fn, b.start, scope)}, "
              f"{hi} = {_int(fn, b.stop, scope)};")
            w(f"const uint64_t {n} = {first} < {last} ? "
              f"(uint64_t({last}) - uint64_t({first}) - 1) / {mag} + 1 : 0;")
            hoisted = hoistable_checks(fn.program, b)
            if hoisted:
                # Checked once for the first and the last iteration instead of on each:
                # a linear condition that holds at both ends holds in between. The loop
                # assigns the variable again, so setting it here changes nothing else.
                with w.block(f"if ({n} > 0)"):
                    var = ident(b.var)
                    w(f"{var} = {lo};")
                    for c in hoisted:
                        emit_block(fn, c, scope)
                    w(f"{var} = int64_t(uint64_t({lo}) {sign} ({n} - 1) * {mag});")
                    for c in hoisted:
                        if b.var in c.requirement.names:
                            emit_block(fn, c, scope)
            body = scope.child(repeated=True)
            with w.block(f"for (uint64_t {k} = 0; {k} < {n}; ++{k})"):
                w(f"{ident(b.var)} = int64_t(uint64_t({lo}) {sign} {k} * {mag});")
                for inner in b.body.blocks:
                    if not any(inner is c for c in hoisted):
                        emit_block(fn, inner, body)
    elif isinstance(b, While):
        c = convert(cond_value(fn, b.cond, scope), BOOL)
        with w.block(f"while ({strip_parens(c)})"):
            emit_region(fn, b.body, scope.child(repeated=True))
    elif isinstance(b, Branch):
        for k, (cnd, region) in enumerate(b.cases):
            c = strip_parens(convert(cond_value(fn, cnd, scope), BOOL))
            head = f"if ({c})" if k == 0 else f"}} else if ({c})"
            w(head + " {")
            w.depth += 1
            emit_region(fn, region, scope)
            w.depth -= 1
        if b.orelse is not None and b.orelse.blocks:
            w("} else {")
            w.depth += 1
            emit_region(fn, b.orelse, scope)
            w.depth -= 1
        w("}")
    elif isinstance(b, Assign):
        tmps = []
        with w.block(""):
            for k, e in b.assignments.items():
                t = fn.tmp("a")
                v = cond_value(fn, e, scope)
                target = fn.program.symbols.get(k)
                if target is not None and target.is_float:
                    w(f"const double {t} = {convert(v, strong('float64'))};")
                else:
                    w(f"const int64_t {t} = {_int(fn, e, scope)};")
                tmps.append((k, t))
            for k, t in tmps:
                w(f"{ident(k)} = {t};")
    elif isinstance(b, Check):
        r = b.requirement
        k = checks(fn.program).index(b)
        # Each side parenthesised: a side may be a conditional (`c ? 1 : 0`), which binds
        # more loosely than the comparison.
        w(f"if (!(({_int(fn, r.lhs, scope)}) {r.op} ({_int(fn, r.rhs, scope)}))) "
          f"throw sl::CheckFailed{{{k}}};")
    elif isinstance(b, Break):
        w("break;")
    elif isinstance(b, Continue):
        w("continue;")
    elif isinstance(b, Return):
        fn.uses_return = True
        w("goto sl_return;")
    else:
        raise UnsupportedError(f"the CPU backend cannot generate block {b.describe()}")
