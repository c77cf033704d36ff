"""Early returns in called functions.

A called function is traced in place (inlined), where a `return` can only end its body. A
`return` inside an `if` is rewritten before tracing: each return becomes an assignment to
one result variable, and the statements after an `if` that may return move into the
branches that fall through (NPBench's nussinov calls such a `match`):

    if b1 + b2 == 3:                      if b1 + b2 == 3:
        return 1                              match_result = 1
    x = 0                          =>     else:
    return x                                  x = 0
                                              match_result = x
                                          return match_result

Only the path a call takes runs, as in Python. A `return` inside a loop is left alone (the
tracer refuses it with a hint). A function whose returns all return nothing gets no result
variable: Python's None needs no storage.
"""

from __future__ import annotations

import ast
import copy
import dataclasses

from sluice.frontend.python.source import FunctionSource

_REWRITTEN: dict[int, tuple[FunctionSource, FunctionSource]] = {}


def single_exit(fs: FunctionSource) -> FunctionSource:
    """`fs` with its early returns rewritten (itself when it has none, or when one sits in a
    loop)."""
    cached = _REWRITTEN.get(id(fs))
    if cached is not None and cached[0] is fs:
        return cached[1]
    body = fs.tree.body
    out = fs
    if _early_return(body) and not _return_in_loop(body):
        valued = any(r.value is not None and not _is_none(r.value) for r in _returns(body))
        name = _fresh(fs, f"{fs.name}_result") if valued else None
        lifted = _lift(body, name)
        final = ast.Return(value=ast.Name(id=name, ctx=ast.Load()) if name else None)
        tree = copy.copy(fs.tree)
        tree.body = [*lifted, ast.copy_location(final, body[-1])]
        out = dataclasses.replace(fs, tree=ast.fix_missing_locations(tree))
    _REWRITTEN[id(fs)] = (fs, out)
    return out


def _lift(stmts: list[ast.stmt], name: str | None) -> list[ast.stmt]:
    """`stmts` without returns: each sets `name`, and what follows a returning `if` runs in
    its branches that fall through."""
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.Return):
            out.extend(_result(name, s.value, s))
            return out  # what follows a return never runs
        if isinstance(s, ast.If) and any(True for _ in _returns([s])):
            rest = stmts[i + 1:]
            body = _lift([*s.body, *rest], name)
            orelse = _lift([*s.orelse, *copy.deepcopy(rest)], name)
            out.append(ast.copy_location(ast.If(test=s.test, body=body, orelse=orelse), s))
            return out
        out.append(s)
    end = stmts[-1] if stmts else None
    out.extend(_result(name, None, end))  # falling off the end returns None
    return out or [ast.Pass()]


def _result(name: str | None, value: ast.expr | None, at: ast.AST | None) -> list[ast.stmt]:
    if name is None:
        return []
    value = value if value is not None else ast.Constant(value=None)
    assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value)
    return [ast.copy_location(assign, at) if at is not None else assign]


def _returns(stmts: list[ast.stmt]):
    """The function's own returns (not those of functions defined inside it)."""
    stack: list[ast.AST] = list(stmts)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return):
            yield n
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(c for c in ast.iter_child_nodes(n) if isinstance(c, ast.stmt))


def _early_return(body: list[ast.stmt]) -> bool:
    last = body[-1] if body and isinstance(body[-1], ast.Return) else None
    return any(r is not last for r in _returns(body))


def _return_in_loop(body: list[ast.stmt]) -> bool:
    return any(any(True for _ in _returns(n.body + n.orelse))
               for s in body for n in ast.walk(s)
               if isinstance(n, ast.For | ast.While | ast.AsyncFor))


def _is_none(e: ast.expr) -> bool:
    return isinstance(e, ast.Constant) and e.value is None


def _fresh(fs: FunctionSource, base: str) -> str:
    names = {n.id for n in ast.walk(fs.tree) if isinstance(n, ast.Name)} | set(fs.local_names)
    name, k = base, 1
    while name in names:
        k += 1
        name = f"{base}{k}"
    return name
