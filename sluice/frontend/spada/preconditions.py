"""SpaDA's precondition header (SPADA-EXTENSIONS.md E12.1).

A comment line `// spada-precondition: I>=3 J>=3 K>=1` states lower bounds for parameters;
binding a parameter below its bound is a `ParameterError` pointing at the term. Terms are
`NAME>=INT`, separated by spaces; a malformed term or a name that is no parameter is an
error too, so that a typo never silently drops a precondition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sluice.frontend.spada import ast
from sluice.frontend.spada.consteval import Const
from sluice.frontend.spada.diagnostics import ParameterError, Reporter

_HEADER = re.compile(r"//\s*spada-precondition:")
_TERM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)>=(-?\d+)")


def check_preconditions(kernel: ast.Kernel, env: Mapping[str, Const], rep: Reporter) -> None:
    """Raise if a bound parameter breaks a precondition of the kernel's source."""
    if not kernel.source:
        return
    params = {p.name for p in kernel.params}
    for line_no, line in enumerate(kernel.source.splitlines(), start=1):
        head = _HEADER.search(line)
        if head is None:
            continue
        for term in re.finditer(r"\S+", line[head.end() :]):
            col = head.end() + term.start() + 1
            where = ast.Pos(line_no, col, len(term.group()))
            m = _TERM.fullmatch(term.group())
            if m is None:
                raise rep.error(
                    ParameterError,
                    f"malformed precondition '{term.group()}'",
                    where,
                    "write NAME>=INT, e.g. K>=1",
                )
            name, bound = m.group(1), int(m.group(2))
            if name not in params:
                raise rep.error(
                    ParameterError,
                    f"precondition on '{name}', which is not a parameter",
                    where,
                    "name one of the kernel's parameters",
                )
            if env[name] < bound:
                raise rep.error(
                    ParameterError,
                    f"parameter {name} = {env[name]} breaks the precondition {name}>={bound}",
                    where,
                    f"bind {name} to at least {bound}",
                )
