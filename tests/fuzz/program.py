"""Generated programs as data: a `Program` is a list of independent `Stmt`s, each naming its
arguments and locals with its own prefix (s<k>_), so any subset of statements is again a
program: one compile covers many statements, and a failure narrows down to one statement."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

EXACT, ULP, REDUCE = "exact", "ulp", "reduce"
MINMAX = "minmax"  # max/min reductions: exact but for the sign of tied zeros
SOLVER = "solver"  # np.linalg solvers: within a tolerance of the type


@dataclass
class Arg:
    """One parameter: a value, or the same object as another argument (alias), or a
    view `base[view]` of another argument."""

    name: str
    value: object = None
    alias_of: str | None = None
    view: str | None = None
    layout: str | None = None  # a key of LAYOUTS: the value passed as a non-contiguous view


# Non-contiguous arrays holding a given value `v` (NumPy's answer does not depend on them).
LAYOUTS: dict[str, str] = {
    "fortran": "np.asfortranarray({v})",
    "transposed": "np.ascontiguousarray({v}.T).T",
    "strided": "np.repeat({v}, 2, axis=-1)[..., ::2]",
    "reversed": "{v}[::-1].copy()[::-1]",
    "interior": "np.pad({v}, 1)[tuple(slice(1, -1) for _ in {v}.shape)]",
}


def in_layout(value: np.ndarray, layout: str | None) -> np.ndarray:
    """A fresh copy of `value`, in `layout`."""
    if layout is None:
        return value.copy()
    return eval(LAYOUTS[layout].format(v="value"), {"np": np, "value": value})


@dataclass
class Stmt:
    families: frozenset[str]
    lines: list[str]
    args: list[Arg]
    outputs: list[str]
    compare: str = EXACT
    operand: str | None = None  # reductions: the reduced expression (for the tolerance)
    axis: object = None
    expect_error: bool = False  # generated to be rejected (unsupported constructs)
    helpers: list[str] = field(default_factory=list)  # module-level functions it calls


@dataclass
class Program:
    stmts: list[Stmt]
    seed: object = None
    helpers: list[str] = field(default_factory=list)

    @property
    def families(self) -> frozenset[str]:
        out: set[str] = set()
        for s in self.stmts:
            out |= s.families
        return frozenset(out)

    @property
    def args(self) -> list[Arg]:
        return [a for s in self.stmts for a in s.args]

    def source(self) -> str:
        params = ", ".join(a.name for a in self.args)
        body = [f"    {ln}" for s in self.stmts for ln in s.lines]
        outs = [o for s in self.stmts for o in s.outputs]
        if len(outs) == 1:
            body.append(f"    return {outs[0]}")
        elif outs:
            body.append(f"    return ({', '.join(outs)})")
        if not body:
            body.append("    pass")
        text = ["import numpy as np", "", "", f"def f({params}):", *body]
        for s in self.stmts:  # functions the statements call (compiled too)
            for h in s.helpers:
                text += ["", "", *h.splitlines()]
        for k, s in enumerate(self.stmts):  # NumPy-only helpers: the reduced operands
            if s.operand is not None:
                text += ["", "", f"def operand_{k}({', '.join(a.name for a in s.args)}):",
                         f"    return {s.operand}"]
        return "\n".join(text) + "\n"

    def make_args(self) -> list[object]:
        """Fresh arguments, with the aliasing structure of the specification."""
        built: dict[str, object] = {}
        for a in self.args:
            if a.alias_of is not None:
                base = built[a.alias_of]
                built[a.name] = base if a.view is None else eval(f"base[{a.view}]")
            elif isinstance(a.value, np.ndarray):
                built[a.name] = in_layout(a.value, a.layout)
            else:
                built[a.name] = a.value
        return [built[a.name] for a in self.args]

    def stmt_at_line(self, line: int) -> int | None:
        """The statement whose source holds `line` of `source()` (1-based)."""
        first = 5  # import, two blank lines, the def line
        for k, s in enumerate(self.stmts):
            if first <= line < first + len(s.lines):
                return k
            first += len(s.lines)
        return None

    def digest(self) -> str:
        return hashlib.sha256(self.source().encode()).hexdigest()[:12]

    def subset(self, stmts: list[Stmt]) -> Program:
        return Program(list(stmts), self.seed)


def renumber(stmt: Stmt, k: int) -> Stmt:
    """`stmt` with its prefix changed to s{k}_ (to sit at position k of a new program)."""
    old = stmt.args[0].name.split("_", 1)[0] + "_" if stmt.args else None
    if old is None or old == f"s{k}_":
        return stmt
    new = f"s{k}_"

    pattern = re.compile(rf"\b{old}")

    def sub(t: str | None) -> str | None:
        return None if t is None else pattern.sub(new, t)
    args = [Arg(sub(a.name) or "", a.value, sub(a.alias_of), a.view, a.layout)
            for a in stmt.args]
    return Stmt(stmt.families, [sub(ln) or "" for ln in stmt.lines], args,
                [sub(o) or "" for o in stmt.outputs], stmt.compare, sub(stmt.operand),
                stmt.axis, stmt.expect_error, [sub(h) or "" for h in stmt.helpers])
