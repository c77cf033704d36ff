"""`async` blocks ordered by data dependence (SPADA-EXTENSIONS.md E4).

Within a compute block, an `async` block starts only after every earlier operation it
conflicts with has completed, and a later statement that conflicts with a still running
`async` block waits for it. Two statements conflict when one writes a name the other reads
or writes. This module answers that question on the AST, by name (an array counts as a
whole), for the lowering; the checker (`pe_walk`) applies the same rule to its access sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import nodes


@dataclass(frozen=True)
class Accesses:
    reads: frozenset[str]
    writes: frozenset[str]

    def conflicts(self, other: Accesses) -> bool:
        return bool(self.writes & (other.reads | other.writes) or other.writes & self.reads)


def _target(e: ast.Expr) -> str | None:
    if isinstance(e, ast.Subscript):
        e = e.base
    return e.id if isinstance(e, ast.Name) else None


def accesses(s: ast.Stmt) -> Accesses:
    """What a statement (with everything nested in it) may read and write, by name. Reads
    over-approximate: every name it mentions."""
    reads, writes = set(), set()
    for n in nodes(s):
        if isinstance(n, ast.Name):
            reads.add(n.id)
        elif isinstance(n, ast.Assign | ast.Receive):
            t = _target(n.target)
            if t is not None:
                writes.add(t)
        elif isinstance(n, ast.LocalDecl):
            writes.add(n.name)
    return Accesses(frozenset(reads), frozenset(writes))


def is_async(s: ast.Stmt) -> bool:
    """`async { }`, also behind `await` or `completion c =`."""
    if isinstance(s, ast.Await | ast.Completion):
        s = s.op
    return isinstance(s, ast.Async)


def must_complete_first(
    pending: Sequence[ast.Stmt], s: ast.Stmt, streams: frozenset[str] | set[str]
) -> list[int]:
    """Which of the operations still in flight (`pending`, in program order) must complete
    before `s` runs: the `async` blocks `s` conflicts with, every in-flight operation an
    `async` statement `s` conflicts with, and transitively what those must wait for, with
    the earlier operations on the same `streams` (their elements arrive in order)."""
    acc = [accesses(p) for p in pending]
    mine = accesses(s)
    chosen = {
        i for i, a in enumerate(acc) if a.conflicts(mine) and (is_async(pending[i]) or is_async(s))
    }
    for i in reversed(range(len(pending))):
        if i in chosen:
            on = acc[i].reads & streams
            chosen |= {
                j
                for j in range(i)
                if (is_async(pending[i]) and acc[j].conflicts(acc[i])) or acc[j].reads & on
            }
    return sorted(chosen)
