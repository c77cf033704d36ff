"""Threads calling one cold @sluice.jit function: each signature is traced and built once,
and different signatures are built at the same time."""

from __future__ import annotations

import sys
import threading
import time
import types

import numpy as np
import pytest

import sluice
import sluice.api as api
import sluice.ir as ir


@pytest.fixture
def backend(monkeypatch):
    """A stand-in `cpu` backend whose builds run the interpreter; `on_build` runs in each."""
    fake = types.ModuleType("sluice_test_thread_backend")
    fake.builds = []
    fake.on_build = lambda program: time.sleep(0.2)  # a compile takes a while

    def build(program):
        fake.builds.append(program.name)
        fake.on_build(program)
        return lambda *args: ir.interpret(program, *args)

    fake.build = build
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setattr(api, "BACKENDS", {"cpu": fake.__name__})
    return fake


def _in_threads(calls) -> list:
    """Run each call in its own thread, all released at once; their results in order."""
    start = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(k: int) -> None:
        start.wait(10)
        try:
            out[k] = calls[k]()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            out[k] = e

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_four_threads_compile_a_cold_function_once(backend):
    @sluice.jit
    def f(x):
        return x * 2.0 + 1.0

    xs = [np.full(5, float(k)) for k in range(4)]
    results = _in_threads([lambda x=x: f(x) for x in xs])
    for x, r in zip(xs, results, strict=True):
        assert not isinstance(r, BaseException), r
        np.testing.assert_allclose(r, x * 2.0 + 1.0)
    assert f.compilations == 1
    assert backend.builds == ["f"]


def test_different_signatures_build_in_parallel(backend):
    both = threading.Barrier(2)
    backend.on_build = lambda program: both.wait(10)  # waits for the other build to start

    @sluice.jit
    def g(x):
        return x + 1

    results = _in_threads([lambda: g(np.ones(3)), lambda: g(np.ones(3, np.int32))])
    assert not any(isinstance(r, BaseException) for r in results), results
    assert g.compilations == 2 and len(backend.builds) == 2
    assert results[1].dtype == np.int32
