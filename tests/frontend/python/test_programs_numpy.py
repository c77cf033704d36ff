"""The corpus of frontend programs runs under plain NumPy, deterministically; the positions
announced in programs/unsupported.py match its source."""

import ast
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from programs import HELPERS, PROGRAMS, unsupported  # noqa: E402

_FEATURE_MODULES = {
    "arith", "slicing", "creation", "ufuncs", "reductions", "linalg", "control", "calls",
    "locals_returns",
}


def _flatten(value):
    if value is None:
        return []
    if isinstance(value, tuple):
        out = []
        for v in value:
            out.extend(_flatten(v))
        return out
    return [value]


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _run(case, seed):
    args = case.make_args(np.random.default_rng(seed))
    result = case.func(*args)
    return _flatten(result), list(args)


def test_corpus_size_and_names():
    names = [case.name for case in PROGRAMS]
    assert len(names) >= 45
    assert len(set(names)) == len(names)
    for case in PROGRAMS:
        assert case.func.__name__ == case.name
        assert case.func.__module__.rsplit(".", 1)[-1] in _FEATURE_MODULES
    assert all(h.__module__.endswith("calls") for h in HELPERS)


@pytest.mark.parametrize("case", PROGRAMS, ids=lambda c: c.name)
def test_program_runs_deterministically(case):
    for seed in (0, 1):
        out1, args1 = _run(case, seed)
        out2, args2 = _run(case, seed)
        assert len(out1) == len(out2)
        for a, b in zip(out1, out2, strict=True):
            assert _same(a, b)
        for a, b in zip(args1, args2, strict=True):  # in-place mutations are deterministic too
            assert _same(a, b)


def _expectations():
    source = inspect.getsource(unsupported)
    tree = ast.parse(source)
    lines = source.splitlines()
    pattern = re.compile(r"# expect: (\w+) at line-offset (\d+) col (\d+)")
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            match = pattern.search(lines[node.lineno - 2])
            assert match, f"{node.name} has no '# expect:' comment on the line above it"
            name, dline, col = match.group(1), int(match.group(2)), int(match.group(3))
            found.append((node, name, dline, col))
    return tree, found


def test_unsupported_expectations_point_at_the_construct():
    tree, found = _expectations()
    assert len(found) >= 15
    names = {name for _, name, _, _ in found}
    assert names <= set(unsupported.EXPECTED_NODE)
    for fn, name, dline, col in found:
        kind = unsupported.EXPECTED_NODE[name]
        hits = [
            n
            for n in ast.walk(fn)
            if type(n).__name__ == kind
            and getattr(n, "lineno", None) == fn.lineno + dline
            and n.col_offset == col
        ]
        assert hits, f"{fn.name}: no {kind} at line-offset {dline} col {col}"
