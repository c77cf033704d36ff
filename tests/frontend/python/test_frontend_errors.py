"""Unsupported constructs and user mistakes raise a SluiceError at the exact line and column,
with the source line, a caret and a hint — never an internal traceback."""

import ast
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import error_programs  # noqa: E402
from programs import unsupported  # noqa: E402

# What each construct of programs/unsupported.py must be called in the message.
UNSUPPORTED_WORDS = {
    "ClassDef": "class", "Try": "try", "Yield": "yield", "Recursion": "recursive",
    "ListOfArrays": "lists of arrays", "Dict": "dictionaries", "Lambda": "lambda",
    "With": "'with'", "Global": "global", "StringOp": "string",
    "UnsupportedCall": "np.linalg.eigvals",
    "FancyIndexList": "indexing with a list", "StarArgs": "*args", "NestedFunctionDef": "nested",
    "AsyncFunctionDef": "async", "KwArgs": "**kwargs", "ListComprehension": "comprehension",
    "Delete": "del", "SetLiteral": "sets",
}


def _expectations(module, pattern):
    source = inspect.getsource(module)
    lines = source.splitlines()
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            m = re.search(pattern, lines[node.lineno - 2])
            if m:
                out.append((getattr(module, node.name), m))
    return out


def _def_line(fn):
    lines, first = inspect.getsourcelines(fn)
    k = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith(("def ", "async def ")))
    return first + k


def _arguments(fn):
    rng = np.random.default_rng(0)
    table = {"x": rng.random(6), "A": rng.random((5, 5)), "B": rng.random((5, 5)),
             "I": rng.integers(0, 9, (4, 4)), "n": 3}
    return [table[p] for p in inspect.signature(fn).parameters if p in table]


def _check(fn, kind, dline, col, words):
    with pytest.raises(SluiceError) as info:
        sluice.jit(fn).trace(*_arguments(fn))
    err = info.value
    assert type(err).__name__ == kind, f"{type(err).__name__}: {err}"
    assert err.loc is not None and err.loc.file and err.loc.file.endswith(".py")
    assert err.loc.line - _def_line(fn) == dline, str(err)
    assert err.loc.col == col + 1, str(err)  # users see 1-based columns
    assert words in err.message, err.message
    text = str(err)
    assert f":{err.loc.line}:{err.loc.col}:" in text
    assert "^" in text.splitlines()[2]  # the caret line under the source line
    return err


_UNSUPPORTED = _expectations(unsupported, r"# expect: (\w+) at line-offset (\d+) col (\d+)")
_ERRORS = _expectations(error_programs,
                        r"# expect: (\w+) at line-offset (\d+) col (\d+): (.+)$")


@pytest.mark.parametrize("fn,m", _UNSUPPORTED, ids=[f.__name__ for f, _ in _UNSUPPORTED])
def test_unsupported_construct(fn, m):
    if fn is unsupported.uses_recursion:
        args = [np.ones(4), 3]
    else:
        args = [np.ones((4, 4))] * (len(inspect.signature(fn).parameters) - (
            1 if fn is unsupported.uses_kwargs else 0))
    with pytest.raises(SluiceError) as info:
        sluice.jit(fn).trace(*args)
    err = info.value
    assert type(err).__name__ == "UnsupportedError", str(err)
    assert err.loc.line - _def_line(fn) == int(m.group(2)), str(err)
    assert err.loc.col == int(m.group(3)) + 1, str(err)
    assert UNSUPPORTED_WORDS[m.group(1)] in err.message, err.message
    assert err.hint, "say what is supported instead"


@pytest.mark.parametrize("fn,m", _ERRORS, ids=[f.__name__ for f, _ in _ERRORS])
def test_user_error(fn, m):
    _check(fn, m.group(1), int(m.group(2)), int(m.group(3)), m.group(4).strip())


def test_enough_error_cases():
    assert len(_UNSUPPORTED) + len(_ERRORS) >= 30


def test_did_you_mean():
    err = _check(error_programs.undefined_name, "SluiceError", 2, 11,
                 "name 'y_scaled' is not defined")
    assert err.hint == "did you mean 'y_scale'?"


def test_return_inside_loop_of_called_function():
    def caller(x):
        return error_programs._returns_in_loop(x) * 2.0

    with pytest.raises(SluiceError) as info:
        sluice.jit(caller).trace(np.ones(4))
    assert "'return' inside a loop of a called function" in info.value.message
    assert info.value.loc.line == _def_line(error_programs._returns_in_loop) + 3


def test_program_needs_annotations():
    def f(x, a: sluice.float64):
        return a * x

    with pytest.raises(SluiceError) as info:
        sluice.program(f).trace()
    assert "needs a type annotation" in info.value.message
    assert info.value.loc.line == _def_line(f)


def test_wrong_argument_dtype_for_program():
    N = sluice.symbol("N")

    def f(x: sluice.float64[N]):
        return x * 2.0

    with pytest.raises(SluiceError) as info:
        sluice.program(f).compile("interpret")(np.ones(3, dtype=np.float32))
    assert "dtype float32" in str(info.value)
