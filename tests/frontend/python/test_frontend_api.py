"""The decorators and the staged API: trace / lower / compile / call, backend lookup, and the
JIT cache key (source, callees' sources, globals read — and nothing else)."""

import importlib.util
import sys
import textwrap
import types

import numpy as np
import pytest

import sluice
import sluice.api as api
import sluice.ir as ir
from sluice.errors import SluiceError

N = sluice.symbol("N")
M = sluice.symbol("M")


@pytest.fixture
def interpreter_only(monkeypatch):
    """Run calls on the reference interpreter whatever backends exist."""
    monkeypatch.setattr(api, "BACKENDS", {"cpu": "sluice_test_no_such_backend"})


def axpy(a: sluice.float64, x: sluice.float64[N], y: sluice.float64[N]):
    y[:] = a * x + y


def scale_rows(A: sluice.float64[N, M], s: sluice.float64[N], k: sluice.int64):
    for i in range(k):
        A[i, :] *= s[i]
    return A.sum()


def test_program_from_annotations(interpreter_only):
    f = sluice.program(axpy)
    p = f.trace()
    assert isinstance(p, ir.Program)
    assert p.args == ["a", "x", "y"]
    assert [str(d) for d in p.data["x"].shape] == ["N"]
    x, y = np.arange(5.0), np.ones(5)
    f(2.0, x, y)
    np.testing.assert_allclose(y, 2.0 * np.arange(5.0) + 1.0)
    assert f.compilations == 1


def test_program_with_integer_scalar(interpreter_only):
    f = sluice.program(scale_rows)
    p = f.trace()
    assert "k" in p.args and "k" in p.symbols
    A = np.ones((4, 3))
    total = f(A, np.arange(4.0), 2)
    np.testing.assert_allclose(A[:2], [[0.0] * 3, [1.0] * 3])
    assert total == pytest.approx(A.sum())


def test_jit_staged_api(interpreter_only):
    f = sluice.jit(lambda_free_matmul)
    A, B = np.ones((3, 4)), np.ones((4, 2))
    p = f.trace(A, B)
    assert isinstance(p, ir.Program)
    assert any(type(n).__name__ == "MatMul" for s in p.body.states() for n in s.graph.nodes)
    run = f.compile("interpret")
    np.testing.assert_allclose(run(A, B), A @ B + 1.0)
    np.testing.assert_allclose(f(A, B), A @ B + 1.0)
    assert f.compilations == 1


def lambda_free_matmul(A, B):
    return A @ B + 1.0


def test_lower_without_backend_is_a_clear_error(interpreter_only):
    f = sluice.program(axpy)
    with pytest.raises(SluiceError) as info:
        f.lower("cpu")
    assert "target 'cpu' is not available" in info.value.message
    with pytest.raises(SluiceError) as info:
        f.lower("cpux")
    assert "did you mean 'cpu'" in str(info.value)


def test_backend_lookup_uses_generate_and_build(monkeypatch):
    fake = types.ModuleType("sluice_test_fake_backend")
    calls = []

    def generate(program):
        calls.append("generate")
        return f"// {program.name}"

    def build(program):
        calls.append("build")
        return lambda *args: ir.interpret(program, *args)

    fake.generate, fake.build = generate, build
    monkeypatch.setitem(sys.modules, "sluice_test_fake_backend", fake)
    monkeypatch.setattr(api, "BACKENDS", {"cpu": "sluice_test_fake_backend"})
    f = sluice.program(axpy)
    assert f.lower("cpu") == "// axpy"
    x, y = np.ones(3), np.ones(3)
    f(3.0, x, y)
    f(3.0, x, y)
    np.testing.assert_allclose(y, [7.0, 7.0, 7.0])
    assert calls == ["generate", "build"]  # built once, then reused


# --- the cache key -----------------------------------------------------------------------------

MODULE = '''
import numpy as np

SCALE = 2.0
UNUSED = 1


def helper(x):
    return x * SCALE


def kernel(x, n):
    y = helper(x)
    for i in range(n):
        y[i] += 1.0
    return y
'''


@pytest.fixture
def user_module(tmp_path):
    path = tmp_path / "jit_user_module.py"
    path.write_text(textwrap.dedent(MODULE))
    spec = importlib.util.spec_from_file_location("jit_user_module", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    other = tmp_path / "jit_other_module.py"
    other.write_text("def helper(x):\n    return x * 3.0 + SCALE\n")
    spec2 = importlib.util.spec_from_file_location("jit_other_module", other)
    mod2 = importlib.util.module_from_spec(spec2)
    spec2.loader.exec_module(mod2)
    return mod, mod2


def test_cache_key_tracks_globals_and_callees(user_module, interpreter_only):
    mod, other = user_module
    f = sluice.jit(mod.kernel)
    x = np.arange(4.0)
    np.testing.assert_allclose(f(x, 2), mod.kernel(x, 2))
    # Other sizes, other scalar values, unrelated globals: no recompilation.
    f(np.arange(7.0), 5)
    mod.UNUSED = 99
    f(x, 1)
    assert f.compilations == 1
    # A global it reads changes: recompiled.
    mod.SCALE = 5.0
    np.testing.assert_allclose(f(x, 2), mod.kernel(x, 2))
    assert f.compilations == 2
    # The source of a function it calls changes: recompiled.
    mod.helper.__code__ = other.helper.__code__
    np.testing.assert_allclose(f(x, 2), mod.kernel(x, 2))
    assert f.compilations == 3
    # The function's own source changes: recompiled.
    f(x, 2)
    assert f.compilations == 3
    mod.kernel.__code__ = other.helper.__code__.replace(co_name="kernel")
    f2 = f.__sluice_function__
    assert f2 is mod.kernel
    np.testing.assert_allclose(f(x), x * 3.0 + 5.0)
    assert f.compilations == 4


def test_signature_changes_recompile(interpreter_only):
    f = sluice.jit(lambda_free_matmul)
    f(np.ones((2, 3)), np.ones((3, 2)))
    f(np.ones((4, 5)), np.ones((5, 6)))
    assert f.compilations == 1
    f(np.ones((2, 3), dtype=np.float32), np.ones((3, 2), dtype=np.float32))
    assert f.compilations == 2
    assert f.trace(np.ones((2, 3), dtype=np.float32), np.ones((3, 2), dtype=np.float32)
                   ).data["result"].dtype.value == "float32"


class _Settings:
    scale = 2.0  # a class attribute the kernel reads

    def __init__(self, shift):
        self.shift = shift
        self.me = self  # (a cycle: fingerprints must not follow it for ever)


SETTINGS = _Settings(1.0)


def _scaled(a):
    return a * _Settings.scale + SETTINGS.shift


def _with_options(a, options):
    return a * options.shift + options.inner.shift


def test_mutated_objects_recompile(interpreter_only):
    # found reading (2026-12-07): objects were keyed by identity, so changing an attribute
    # the function reads (a global's, a class's or an argument's) kept the old build and
    # returned stale numbers
    f = sluice.jit(_scaled)
    a = np.arange(3.0)
    np.testing.assert_array_equal(f(a), _scaled(a))
    _Settings.scale = 5.0
    SETTINGS.shift = -1.0
    try:
        np.testing.assert_array_equal(f(a), _scaled(a))
        assert f.compilations == 2
        f(a)
        assert f.compilations == 2  # unchanged objects: the same build
    finally:
        _Settings.scale, SETTINGS.shift = 2.0, 1.0
    g = sluice.jit(_with_options)
    opts = _Settings(3.0)
    opts.inner = _Settings(4.0)
    np.testing.assert_array_equal(g(a, opts), _with_options(a, opts))
    opts.inner.shift = -8.0  # deep inside the argument
    np.testing.assert_array_equal(g(a, opts), _with_options(a, opts))
    assert g.compilations == 2
