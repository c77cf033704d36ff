"""Run-time `if`: what the names its branches assign mean after it.

The program's types are fixed when it is compiled, but NumPy decides them per path. So:
* A number or array assigned in a branch goes to storage made for the `if` (see
  `StatementLowering.promote_for`); every path must give it one shape and one dtype (a
  Python scalar may take the storage's type within its kind, as NumPy's weak scalars do),
  otherwise the second assignment is reported.
* An array view assigned in a branch (`v = x[2:5]`) stays a view of `x` inside the branch,
  so writes through it reach `x`. After the `if`, a name bound to different things on the
  paths that reach it (a view on one, another view or a value on the other) cannot be used:
  its next use is reported, with the line of the assignment.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python.resizing import Resize
from sluice.frontend.python.values import View

_MISSING = object()


def is_alias(v: Any, env: dict[str, Any]) -> bool:
    """`v` is an array that something else refers to (a view, or another name's array): a
    name bound to it must see later writes through either. A fresh array is not."""
    if not isinstance(v, View) or not v.shape:
        return False
    return not v.owned or any(isinstance(o, View) and o.data == v.data for o in env.values())


def _shared(v: Any) -> Any:
    """`v` without the 'owned' mark (binding a name in a branch may clear it elsewhere)."""
    return dataclasses.replace(v, owned=False) if isinstance(v, View) else v


def same_binding(a: Any, b: Any) -> bool:
    """Whether two bindings of a name are the same value or view."""
    a, b = _shared(a), _shared(b)
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # e.g. NumPy arrays held as Python objects compare element-wise
        return False


class BranchLowering:
    """Mixin of the Tracer: `st_if`, and the binding rules inside its branches."""

    def st_if(self, node: ast.If) -> bool:
        from sluice.frontend.python.statements import assigned_names

        c = self.condition(self.ev(node.test), node.test)
        if c is sympy.true or c is sympy.false:
            return self.run_block(node.body if c is sympy.true else node.orelse)
        f = self.frame
        plain, _ = assigned_names(node.body + node.orelse)
        own = {n for n in plain if n not in f.mutable}  # their storage is made for this `if`
        region = self.em.b.region
        while True:  # again when a variable changes shape between the paths (resizing.py)
            mark, n_requires = len(region.blocks), len(self.em.requires)
            tables = (f.env, f.mutable, f.pending, f.poisoned, f.stale)
            saved = [t.copy() for t in tables]
            returns, early = self.returns, self.had_early_return
            self.resize_scopes.append((f, own))
            try:
                return self._traced_if(node, c)
            except Resize as r:
                if r.frame is not f or r.name not in own:
                    raise
                if r.name in f.resized or self.returns is not returns:
                    raise r.refusal from None
                f.resized.add(r.name)
            finally:
                self.resize_scopes.pop()
            del region.blocks[mark:]  # the abandoned trace
            del self.em.requires[n_requires:]
            for table, old in zip(tables, saved, strict=True):
                table.clear()
                table.update(old)
            self.had_early_return = early

    def _traced_if(self, node: ast.If, c: Any) -> bool:
        from sluice.frontend.python.statements import assigned_names

        f = self.frame
        stmts = node.body + node.orelse
        plain, _ = assigned_names(stmts)
        had_storage = set(f.mutable)
        self.promote_for(stmts)
        new = {n for n in plain if n not in f.env and n not in f.mutable}
        before = dict(f.env)
        saved = (set(f.aliased), set(f.branch_names), self.branches)
        f.branch_names |= new | (set(f.mutable) - had_storage)
        f.depth += 1
        self.control_depth += 1
        self.branches += 1
        try:
            f.pending |= new
            with self.em.b.if_(c):
                stop_a = self.run_block(node.body)
            env_a = self._leave_branch(before, saved[0])
            f.pending |= new - set(f.mutable)
            stop_b = False
            with self.em.b.else_() if node.orelse else _nothing():
                stop_b = self.run_block(node.orelse)
            env_b = self._leave_branch(before, saved[0])
        finally:
            f.depth -= 1
            self.control_depth -= 1
            f.pending -= new
            f.aliased, f.branch_names, self.branches = saved
        self._merge([e for e, stop in ((env_a, stop_a), (env_b, stop_b)) if not stop], before)
        return stop_a and stop_b

    def branch_bind(self, name: str, val: Any, node: ast.AST) -> bool:
        """Bind `name` inside a run-time branch where the rules above differ from plain
        assignment; False when plain assignment applies."""
        f = self.frame
        if self.in_map or not self.branches:
            return False
        self.assigned_at[name] = self.loc(node)
        if name in f.branch_names and is_alias(val, f.env):
            f.pending.discard(name)
            f.aliased.add(name)
            f.env[name] = val
            return True
        if name in f.aliased:  # a view earlier in this branch, a value now
            f.env[name] = self.em.materialize(val, name) if not isinstance(val, View) else val
            return True
        return False

    def enter_loop(self) -> tuple[int, set[str]]:
        """A loop body assigns through storage (see promote_for), even inside a branch."""
        f = self.frame
        outer = (self.branches, f.branch_names)
        self.branches, f.branch_names = 0, set()
        return outer

    def leave_loop(self, outer: tuple[int, set[str]]) -> None:
        self.branches, self.frame.branch_names = outer

    def _leave_branch(self, before: dict[str, Any], aliased: set[str]) -> dict[str, Any]:
        """The bindings at the end of a branch; the next branch starts from `before`."""
        f = self.frame
        out = dict(f.env)
        f.env.clear()
        f.env.update(before)
        f.aliased = set(aliased)
        return out

    def _merge(self, paths: list[dict[str, Any]], before: dict[str, Any]) -> None:
        f = self.frame
        changed = {n for env in paths for n in env
                   if not same_binding(env[n], before.get(n, _MISSING))}
        for name in sorted(changed):
            vals = [env.get(name, _MISSING) for env in paths]
            f.mutable.pop(name, None)  # a view replaced the storage on some path
            if vals[0] is not _MISSING and all(same_binding(v, vals[0]) for v in vals):
                f.env[name] = _shared(vals[0]) if len(vals) > 1 else vals[0]
            else:
                f.env.pop(name, None)
                f.poisoned[name] = self.assigned_at.get(name)

    def check_not_poisoned(self, name: str, node: ast.AST) -> None:
        f = self.frame
        if name not in f.poisoned:
            return
        where = f.poisoned[name]
        line = f" at line {where.line}" if where is not None and where.line else ""
        raise UnsupportedError(
            f"'{name}' is bound to a view of an array on one path through a run-time 'if' "
            f"(assigned{line}) and to something else on another, so it cannot be used after "
            "the 'if'", self.loc(node), hint="assign it the same view on every path, or copy "
            "the view (np.copy) so that it holds a value")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None
