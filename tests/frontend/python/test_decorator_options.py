"""`@sluice.jit(...)` and `@sluice.program(...)` options: what each does, and the errors for
options that do not exist or do not fit."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from sluice.ir.interpreter import interpret

N = sluice.symbol("N")


def _saxpy(a, x, y):
    return a * x + y


def _args():
    return 2.0, np.arange(5.0), np.ones(5)


def test_empty_parentheses_are_the_plain_decorator():
    f = sluice.jit()(_saxpy)
    np.testing.assert_array_equal(f(*_args()), _saxpy(*_args()))


def test_target_interpret_runs_calls_on_the_reference_interpreter():
    f = sluice.jit(target="interpret")(_saxpy)
    np.testing.assert_array_equal(f(*_args()), _saxpy(*_args()))
    run = f.compile(None, *_args())
    assert isinstance(run.native, functools.partial) and run.native.func is interpret
    assert not isinstance(f.compile("cpu", *_args()).native, functools.partial)


@pytest.mark.parametrize("options, message, hint", [
    ({"boundcheck": True}, "has no option 'boundcheck'", "did you mean 'boundscheck'?"),
    ({"paralel": False}, "has no option 'paralel'", "did you mean 'parallel'?"),
    ({"static_argname": "x"}, "no option 'static_argname'", "did you mean 'static_argnames'?"),
    ({"nopython": True}, "has no option 'nopython'", "its options are target, boundscheck, "
     "parallel, cache, static_argnames, static_argnums, reorder"),
    ({"target": "cpus"}, "unknown target 'cpus'", "did you mean 'cpu'?"),
    ({"target": "metal"}, "unknown target 'metal'", "use one of cpu, cuda, interpret"),
    ({"parallel": "yes"}, "parallel= of @sluice.jit takes True or False", None),
    ({"cache": 3}, "cache= of @sluice.jit takes True, False or a folder", None),
    ({"static_argnames": "z"}, "static_argnames names 'z', which is not a parameter",
     "the parameters are a, x, y"),
    ({"static_argnames": ["xx"]}, "names 'xx'", "did you mean 'x'?"),
    ({"static_argnames": 3}, "static_argnames takes parameter names, not 3", None),
    ({"static_argnums": 3}, "static_argnums holds 3, but the function has 3", None),
    ({"static_argnums": ("a",)}, "static_argnums holds 'a', not a parameter position", None),
])
def test_option_errors_name_the_option(options, message, hint):
    with pytest.raises(SluiceError, match=message) as err:
        sluice.jit(**options)(_saxpy)
    assert hint is None or err.value.hint == hint


def test_program_has_no_static_options():
    with pytest.raises(SluiceError, match="@sluice.program has no option 'static_argnames'"):
        sluice.program(static_argnames="a")(_saxpy)


def test_program_takes_the_other_options():
    def scale(a: sluice.float64, x: sluice.float64[N]):
        return a * x

    f = sluice.program(target="interpret", boundscheck=True)(scale)
    np.testing.assert_array_equal(f(3.0, np.arange(4.0)), 3.0 * np.arange(4.0))


def test_static_argnames_compile_values_in():
    def power_sum(x, n):
        acc = np.zeros_like(x)
        for _ in range(n):
            acc = acc * x + 1.0
        return acc

    f = sluice.jit(static_argnames="n")(power_sum)
    x = np.linspace(-1, 1, 7)
    for n in (3, 5, 3):
        np.testing.assert_allclose(f(x, n), power_sum(x, n), rtol=1e-14)
    assert f.compilations == 2  # one per value of n; 3 again reuses its build
    assert f.trace(x, 4).args == ["x"]  # n is not an argument of the program
    g = sluice.jit(static_argnums=-1)(power_sum)
    np.testing.assert_allclose(g(x, 4), power_sum(x, 4), rtol=1e-14)
    assert g.trace(x, 4).args == ["x"]
    h = sluice.jit(power_sum)  # without: n stays a run-time argument
    assert "n" in h.trace(x, 4).args


def test_static_argument_by_keyword_and_position_agree():
    f = sluice.jit(static_argnames=("a",))(_saxpy)
    a, x, y = _args()
    np.testing.assert_array_equal(f(a, x, y), f(x=x, y=y, a=a))
    assert f.compilations == 1


def test_parallel_false_builds_without_openmp_threads():
    f = sluice.jit(parallel=False)(_saxpy)
    np.testing.assert_array_equal(f(*_args()), _saxpy(*_args()))
    serial = Path(f.compile("cpu", *_args()).native.path).read_bytes()
    threaded = Path(sluice.jit(_saxpy).compile("cpu", *_args()).native.path).read_bytes()
    assert b"GOMP_" not in serial
    assert b"GOMP_" in threaded or b"omp_" in threaded


def test_cache_option_chooses_where_builds_live(tmp_path):
    mine = sluice.jit(cache=tmp_path / "builds")(_saxpy)
    np.testing.assert_array_equal(mine(*_args()), _saxpy(*_args()))
    assert Path(mine.compile("cpu", *_args()).native.path).is_relative_to(tmp_path / "builds")
    private = sluice.jit(cache=False)(_saxpy)
    np.testing.assert_array_equal(private(*_args()), _saxpy(*_args()))
    where = Path(private.compile("cpu", *_args()).native.path)
    assert "sluice-uncached-" in str(where) and not where.is_relative_to(tmp_path)
