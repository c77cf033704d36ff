"""Loading a Python function's source and AST, and locating diagnostics in it."""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

from sluice.errors import SluiceError, SourceLocation, UnsupportedError


@dataclass
class FunctionSource:
    """The parsed definition of one function, with what is needed to point into its file."""

    func: Any
    tree: ast.FunctionDef
    text: str  # the dedented source the AST was parsed from
    file: str | None
    first_line: int  # line in `file` of the first line of `text`
    indent: int  # columns removed by dedenting
    lines: list[str]  # the original (not dedented) source lines

    @property
    def name(self) -> str:
        return self.tree.name

    @functools.cached_property
    def local_names(self) -> frozenset[str]:
        """Names Python makes local to the function: every name it binds anywhere (so a
        read before the binding raises UnboundLocalError rather than reading a global)."""
        declared: set[str] = set()
        bound: set[str] = {a.arg for a in ast.walk(self.tree.args) if isinstance(a, ast.arg)}
        stack: list[ast.AST] = list(self.tree.body)
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Global | ast.Nonlocal):
                declared.update(n.names)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
                bound.add(n.id)
            elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bound.add(n.name)
                stack.extend(n.decorator_list)  # the body is a scope of its own
                continue
            elif isinstance(n, ast.Import | ast.ImportFrom):
                bound.update((a.asname or a.name).partition(".")[0] for a in n.names)
            elif isinstance(n, ast.ExceptHandler) and n.name:
                bound.add(n.name)
            if isinstance(n, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp
                          | ast.GeneratorExp):
                continue  # scopes of their own (a walrus inside one is ignored: rare)
            stack.extend(ast.iter_child_nodes(n))
        return frozenset(bound - declared)

    @functools.cached_property
    def digest(self) -> str:  # read on every warm call (the JIT cache key): compute once
        return hashlib.sha256(self.text.encode()).hexdigest()

    def location(self, node: ast.AST | None) -> SourceLocation | None:
        """The 1-based file position of `node`, with its source line for the caret."""
        if node is None or not hasattr(node, "lineno"):
            return None
        k = node.lineno - 1
        src = self.lines[k] if 0 <= k < len(self.lines) else None
        col = node.col_offset + self.indent + 1
        length = 1
        end = getattr(node, "end_col_offset", None)
        if end is not None and getattr(node, "end_lineno", node.lineno) == node.lineno:
            length = max(1, end - node.col_offset)
        return SourceLocation(self.file, self.first_line + k, col, length, src)


_CACHE: dict[Any, FunctionSource] = {}


def load(func: Any) -> FunctionSource:
    """Parse `func`'s definition; errors point at the offending construct."""
    code = getattr(func, "__code__", None)
    cached = _CACHE.get(code)
    if cached is not None and cached.func is func:
        return cached
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError) as err:
        raise SluiceError(f"cannot read the source of {getattr(func, '__name__', func)!r}",
                          hint="sluice compiles functions defined in files (not in eval/exec)"
                          ) from err
    raw = "".join(lines)
    text = textwrap.dedent(raw)
    indent = len(lines[0]) - len(lines[0].lstrip()) if text != raw else 0
    file = inspect.getsourcefile(func)
    tree = ast.parse(text)
    fs = FunctionSource(func, None, text, file, max(first, 1), indent,  # type: ignore[arg-type]
                        [ln.rstrip("\n") for ln in lines])
    node = tree.body[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise UnsupportedError("async functions cannot be compiled", fs.location(node),
                               hint="write an ordinary 'def' function")
    if not isinstance(node, ast.FunctionDef):
        raise SluiceError("only functions can be compiled", fs.location(node))
    fs.tree = node
    if code is not None:
        _CACHE[code] = fs
    return fs
