"""What a program assumes of its arguments, checked before it runs.

A frontend compiles `a + b` for arrays of sizes `a_0` and `b_0` as one loop over `a_0`
elements: that is only NumPy's meaning when `a_0 == b_0`. Such assumptions are recorded on
the Program as `Requirement`s (relations between integer expressions over the symbols the
arguments bind) and every way of running it — the interpreter, a backend's runner — checks
them once the symbols are bound, raising an `ArgumentError` that names the arguments and
dimensions involved instead of computing a wrong answer or reading out of bounds.
"""

from __future__ import annotations

import linecache
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy

from sluice.errors import ArgumentError, ExecutionError, SourceLocation
from sluice.ir.data import CSR
from sluice.ir.symbolic import Select, as_expr, evaluate, simplified, to_text

if TYPE_CHECKING:
    from sluice.ir.program import Program

_COMPARE = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, ">": operator.gt,
            "<=": operator.le, "<": operator.lt}
# The SymPy relation of each operator a requirement may use.
RELATIONS = {"==": sympy.Eq, "!=": sympy.Ne, ">=": sympy.Ge, ">": sympy.Gt, "<=": sympy.Le,
        "<": sympy.Lt}


@dataclass(frozen=True)
class Requirement:
    """`lhs op rhs` (integer expressions over symbols) must hold at the call.

    `why` says, in NumPy's words, what fails otherwise; `where` is the source position
    ("file:line:col") of the operation that assumed it, when known."""

    lhs: sympy.Expr
    op: str
    rhs: sympy.Expr
    why: str
    where: str | None = None

    @property
    def condition(self) -> sympy.Basic | None:
        """For `select(c, 1, 0) == 1` (how a frontend requires a general condition), `c`."""
        lhs = self.lhs
        if self.op == "==" and self.rhs == 1 and isinstance(lhs, Select) \
                and tuple(lhs.args[1:]) == (1, 0):
            return lhs.args[0]
        return None

    def broken(self, env: dict[str, int] | None = None) -> str:
        """What fails, in IR text, with the values of its symbols when known."""
        cond = self.condition
        text = to_text(cond) if cond is not None else \
            f"{to_text(self.lhs)} {self.op} {to_text(self.rhs)}"
        values = ", ".join(f"{k} = {v}" for k, v in sorted((env or {}).items())
                           if k in self.names)
        return f"{text} does not hold" + (f" ({values})" if values else "")

    @property
    def names(self) -> set[str]:
        return {s.name for s in (self.lhs - self.rhs).free_symbols}

    def holds(self, env: dict[str, int]) -> bool:
        """Whether the relation holds for symbol values `env` (which must bind them all)."""
        # Exact integers first (sizes may exceed int64); a condition holding exact value
        # nodes, which SymPy leaves unevaluated, is evaluated like any IR expression.
        sub = {s: env[s.name] for s in (self.lhs - self.rhs).free_symbols}
        try:
            rel = RELATIONS[self.op](self.lhs.xreplace(sub), self.rhs.xreplace(sub))
        except ZeroDivisionError:  # `a_0 % n` at n = 0: no size relation holds there
            return False
        except TypeError:
            rel = None
        if rel is sympy.true or rel is sympy.false:
            return bool(rel)
        try:
            return bool(_COMPARE[self.op](evaluate(self.lhs, env), evaluate(self.rhs, env)))
        except (OverflowError, ZeroDivisionError):  # beyond int64, or `% 0`: cannot hold
            return False

    def location(self) -> SourceLocation | None:
        """The operation's source position, with its line for the caret."""
        if not self.where:
            return None
        file, _, rest = self.where.rpartition(":")
        file, _, line = file.rpartition(":")
        try:
            ln, col = int(line), int(rest)
        except ValueError:
            return None
        src = linecache.getline(file, ln) or None
        return SourceLocation(file=file, line=ln, col=col, source_line=src)


def requirement(lhs: Any, op: str, rhs: Any, why: str, where: str | None = None
                ) -> Requirement | None:
    """The requirement `lhs op rhs` (integers, SymPy or IR text), or None when it holds
    whatever the symbols' values.

    A relation that can never hold is kept (it fails every call); callers that know the
    source construct report those at compile time instead."""
    lhs, rhs = as_expr(lhs), as_expr(rhs)
    cond = RELATIONS[op](lhs, rhs)
    if cond is sympy.true or (op == "==" and _provably_zero(lhs - rhs)):
        return None
    return Requirement(lhs, op, rhs, why, where)


def _provably_zero(e: sympy.Expr) -> bool:
    return sympy.expand(e) == 0 or simplified(e) == 0


def bound_by_arguments(p: Program) -> set[str]:
    """Symbols whose value a call determines: symbol arguments and argument dimensions."""
    out = {a for a in p.args if a not in p.data}
    for a in p.args:
        c = p.data.get(a)
        nnz = [c.nnz] if isinstance(c, CSR) else []  # bound by the length of its data
        for d in [*(getattr(c, "shape", ()) or ()), *nnz]:
            out |= {s.name for s in sympy.sympify(d).free_symbols}
    return out


def _dimensions(p: Program) -> dict[str, tuple[str, int]]:
    """Symbol -> (argument, axis) of the first argument dimension that is exactly it."""
    out: dict[str, tuple[str, int]] = {}
    for a in p.args:
        for k, d in enumerate(getattr(p.data.get(a), "shape", ()) or ()):
            if isinstance(d, sympy.Symbol) and d.name not in out:
                out[d.name] = (a, k)
    return out


def _term(e: sympy.Basic, env: dict[str, int], dims: dict[str, tuple[str, int]]) -> str:
    value = int(evaluate(e, env))
    if isinstance(e, sympy.Symbol):
        if e.name in dims:
            a, k = dims[e.name]
            return f"dimension {k} of '{a}' has size {value}"
        return f"'{e.name}' is {value}"
    if e.is_number:
        return str(value)
    return f"{to_text(e)} = {value}"


def check(p: Program, env: dict[str, Any]) -> None:
    """Raise an ArgumentError for the first requirement of `p` that `env` breaks.

    Requirements over symbols `env` does not bind are skipped: they are not decidable from
    the arguments, and the code that runs checks them where the values are known."""
    if not p.requires:
        return
    ints = {k: int(v) for k, v in env.items()}
    for r in p.requires:
        if r.names <= ints.keys() and not r.holds(ints):
            raise failure(p, r, ints)


def failure(p: Program, r: Requirement, env: dict[str, int]) -> ArgumentError:
    """The error for a call that breaks `r`: the operation, the arguments and dimensions."""
    if r.condition is not None:
        return ArgumentError(f"'{p.name}': {r.why}: {r.broken(env)}", r.location(),
                             hint="NumPy refuses these shapes or indices too")
    dims = _dimensions(p)
    left = _term(r.lhs, env, dims)
    if r.rhs.free_symbols:
        detail = f"{left}, but {_term(r.rhs, env, dims)}"
    else:
        detail = f"{left} (it must be {r.op} {r.rhs})"
    hint = "NumPy refuses these shapes too; check the sizes of the arguments"
    values = [int(evaluate(e, env))
              for e in (r.lhs, r.rhs)]
    if r.op == "==" and 1 in values and r.rhs.free_symbols:
        hint = ("NumPy would broadcast the size-1 dimension, but this program was compiled "
                "for equal sizes there; pass that operand at full size "
                "(np.broadcast_to(x, shape).copy())")
    return ArgumentError(f"'{p.name}': {r.why}: {detail}", r.location(), hint=hint)


def check_failure(p: Program, r: Requirement, env: dict[str, Any]) -> ExecutionError:
    """The error for a `check` block that fails while `p` runs (sizes computed inside it)."""
    ints = {k: int(v) for k, v in env.items() if k in r.names}
    return ExecutionError(f"'{p.name}': {r.why}: {_relation(r, ints)}", r.location(),
                          hint=CHECK_HINT)


# Where NumPy would compute on, it raises too (an index error, a broadcast error), or, for a
# loop-carried type, answers with a type that compiled code cannot have (the message says).
CHECK_HINT = ("checked while the program runs, where the values involved are known; "
              "NumPy stops here too unless the message says otherwise")


def _relation(r: Requirement, env: dict[str, int]) -> str:
    if r.condition is not None:
        return r.broken(env)

    def side(e: sympy.Expr) -> str:
        value = int(evaluate(e, env))
        return str(value) if e.is_number else f"{to_text(e)} = {value}"

    return f"{side(r.lhs)} and {side(r.rhs)} (they must be {r.op})"


__all__ = ["Requirement", "bound_by_arguments", "check", "check_failure", "failure",
           "requirement"]


def written_containers(p: Program) -> set[str]:
    """The containers `p`'s states write (CSR components count as their matrix)."""
    from sluice.ir.nodes import Access

    out: set[str] = set()
    for st in p.body.states():
        for n, g in st.graph.walk():
            if isinstance(n, Access):
                for e in g.in_edges(n):
                    if e.memlet is not None:
                        out.add((e.memlet.other or n.data) if isinstance(e.src, Access)
                                else n.data)
    return {n.partition(".")[0] for n in out}


def check_no_overlap(p: Program, given: dict[str, Any], written: set[str]) -> None:
    """Refuse array arguments that share memory with one the program writes: a program's
    containers are distinct, and NumPy's buffering of overlapping operands, operation by
    operation, is not what compiled loops do."""
    arrays = [(n, v) for n, v in given.items() if isinstance(v, np.ndarray) and v.size]
    for k, (a, va) in enumerate(arrays):
        for b, vb in arrays[k + 1:]:
            if a not in written and b not in written:
                continue
            try:
                shared = np.shares_memory(va, vb, max_work=10_000)
            except np.exceptions.TooHardError:
                shared = True
            if shared:
                w = a if a in written else b
                raise ArgumentError(
                    f"arguments '{a}' and '{b}' of '{p.name}' share memory, and it writes "
                    f"'{w}'", hint="pass a copy of one of them (NumPy buffers such overlaps "
                    "operation by operation; sluice's programs assume distinct arrays)")
