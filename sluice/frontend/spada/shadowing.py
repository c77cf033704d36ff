"""E11h: a loop variable named like a block coordinate shadows it inside the loop.

`for i16 x in [0:K] { b[x] = 0.0 }` in `compute i16 x, i16 y in ...` clears `b`; after the
loop `x` is the PE column again. The frontend renames such a loop variable (and its uses in
the loop body) to a fresh version `x#n`, so later passes never see two bindings of one name,
and warns, since the program reads as if it used the coordinate.
"""

from __future__ import annotations

import dataclasses
import warnings

from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import map_fields
from sluice.frontend.spada.diagnostics import Reporter

_LOOPS = (ast.For, ast.Map, ast.Foreach)


class ShadowWarning(UserWarning):
    """A loop variable hides a block coordinate (allowed, but easy to misread)."""


class _Renamer:
    def __init__(self, kernel: ast.Kernel) -> None:
        self.rep = Reporter.of(kernel)
        self.used: set[str] = set()
        self._names(kernel.items)

    def _names(self, node: object) -> None:
        if isinstance(node, tuple):
            for x in node:
                self._names(x)
        elif isinstance(node, ast.Node):
            for f in dataclasses.fields(node):
                v = getattr(node, f.name)
                if f.name in ("id", "name") and isinstance(v, str):
                    self.used.add(v)
                elif f.name != "pos":
                    self._names(v)

    def fresh(self, name: str) -> str:
        base, _, v = name.partition("#")
        n = int(v or 0) + 1
        while f"{base}#{n}" in self.used:
            n += 1
        self.used.add(f"{base}#{n}")
        return f"{base}#{n}"

    def loop(self, s, env: dict[str, str], coords: frozenset[str]):
        inner = dict(env)
        new_vars = []
        for v in s.vars:
            if v.name in coords:
                new = self.fresh(v.name)
                where = f"{self.rep.file or '<source>'}:{v.pos.line}:{v.pos.col}"
                warnings.warn(
                    f"{where}: loop variable '{v.name}' hides the block coordinate "
                    f"'{v.name}' inside the loop",
                    ShadowWarning,
                    stacklevel=2,
                )
                inner[v.name] = new
                new_vars.append(dataclasses.replace(v, name=new))
            else:
                inner.pop(v.name, None)
                new_vars.append(v)
        others = {
            f.name: self.rw(getattr(s, f.name), env, coords)
            for f in dataclasses.fields(s)
            if f.name not in ("pos", "vars", "body")
        }
        body = self.rw(s.body, inner, coords)
        return dataclasses.replace(s, vars=tuple(new_vars), body=body, **others)

    def rw(self, node: object, env: dict[str, str], coords: frozenset[str]) -> object:
        if isinstance(node, tuple):
            return tuple(self.rw(x, env, coords) for x in node)
        if isinstance(node, ast.Name):
            return dataclasses.replace(node, id=env[node.id]) if node.id in env else node
        if isinstance(node, _LOOPS):
            return self.loop(node, env, coords)
        if not isinstance(node, ast.Node):
            return node
        return map_fields(node, lambda _, v: self.rw(v, env, coords))

    def items(self, items: tuple) -> tuple:
        out = []
        for it in items:
            if isinstance(it, ast.Compute):
                coords = frozenset(v.name for v in it.subgrid.vars)
                it = dataclasses.replace(it, body=self.rw(it.body, {}, coords))
            elif isinstance(it, ast.Phase | ast.MetaFor):
                it = dataclasses.replace(it, items=self.items(it.items))
            out.append(it)
        return tuple(out)


def unshadow_coordinates(kernel: ast.Kernel) -> ast.Kernel:
    """`kernel` with loop variables that hide a block coordinate renamed (see module doc)."""
    r = _Renamer(kernel)
    items = r.items(kernel.items)
    return kernel if items == kernel.items else dataclasses.replace(kernel, items=items)
