"""Shrinking a failing one-statement program: replace a sub-expression by one of its operands
while the same failure (kind and target) persists. Each try compiles, so tries are few."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

from tests.fuzz import differential as D
from tests.fuzz.gen import EXACT, MINMAX, Program, Stmt

_EXPR_PARENTS = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare, ast.BoolOp, ast.IfExp)


def _operands(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        inner = node.func.value if isinstance(node.func, ast.Attribute) and not (
            isinstance(node.func.value, ast.Name) and node.func.value.id == "np") else None
        return [*node.args, *([inner] if inner is not None else [])]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    return []


def candidates(stmt: Stmt) -> Iterator[Stmt]:
    """`stmt` with one sub-expression replaced by one of its operands."""
    tree = ast.parse("\n".join(stmt.lines))
    spots = [n for n in ast.walk(tree) if isinstance(n, _EXPR_PARENTS)]
    for k, spot in enumerate(spots):
        for j in range(len(_operands(spot))):
            t2 = copy.deepcopy(tree)
            target = [n for n in ast.walk(t2) if isinstance(n, _EXPR_PARENTS)][k]
            replacement = _operands(target)[j]
            for parent in ast.walk(t2):
                for field, value in ast.iter_fields(parent):
                    if value is target:
                        setattr(parent, field, replacement)
                    elif isinstance(value, list):
                        value[:] = [replacement if v is target else v for v in value]
            lines = ast.unparse(t2).splitlines()
            if lines != stmt.lines:
                yield Stmt(stmt.families, lines, stmt.args, stmt.outputs, stmt.compare,
                           None, stmt.axis, stmt.expect_error)


def shrink(prog: Program, kind: str, target: str, detail: str, timeout: float = 60.0,
           budget: int = 12) -> tuple[Program, str]:
    """The smallest variant of one-statement `prog` still failing as (kind, target), and
    its finding's detail."""
    if len(prog.stmts) != 1 or prog.stmts[0].compare not in (EXACT, MINMAX):
        return prog, detail  # tolerance comparisons need the original operand
    best = prog.stmts[0]
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for cand in candidates(best):
            tries += 1
            v = D.run_isolated(Program([cand], prog.seed), timeout)
            same = [f for f in v.findings if f.kind == kind and f.target == target]
            if same:
                best, detail, improved = cand, same[0].detail, True
                break
            if tries >= budget:
                break
    return Program([best], prog.seed), detail
