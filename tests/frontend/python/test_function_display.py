"""How jit functions, compiled callables and generated source show themselves: one-line
reprs, and HTML (Jupyter) with the key facts and every user text escaped."""

from __future__ import annotations

import numpy as np

import sluice
from sluice.backends.cpu import generate
from sluice.compiled_function import CompiledFunction
from sluice.generated import GeneratedSource

SCRIPT = "<script>alert(1)</script>"
OFFSET = 1.0


def add_offset(A, B):
    return A @ B + OFFSET


def _args():
    return np.ones((3, 2)), np.ones((2, 4))


def test_a_fresh_function_says_it_is_not_compiled():
    f = sluice.jit(add_offset)
    assert repr(f) == "<sluice.jit add_offset(A, B): 0 compilations>"
    html = f._repr_html_()
    assert "not compiled yet" in html and "@sluice.jit add_offset(A, B)" in html
    assert f"test_function_display.py, line {add_offset.__code__.co_firstlineno}" in html


def test_specialisations_show_signature_targets_and_state():
    global OFFSET
    f = sluice.jit(add_offset, target="interpret")
    f(*_args())
    assert repr(f) == "<sluice.jit add_offset(A, B): 1 compilation>"
    html = f._repr_html_()
    assert "add_offset(A: float64[A_0, A_1], B: float64[B_0, B_1]) -&gt; " in html
    assert "interpret" in html and "current" in html and "first call" in html
    assert "compiled-in values" not in html  # (none: no empty column)
    OFFSET = 2.0  # a global it reads: the compiled entry no longer applies
    try:
        assert "stale" in f._repr_html_()
    finally:
        OFFSET = 1.0


def test_names_and_compiled_in_values_are_escaped():
    def fn(A, label):  # (`label` only names the run)
        return A * 2.0

    fn.__qualname__ = SCRIPT
    f = sluice.jit(fn, target="interpret", static_argnames=("label",))
    f(np.ones(3), SCRIPT)
    html = f._repr_html_()
    assert "<script>" not in html and html.count("&lt;script&gt;") >= 2
    assert "compiled-in values" in html
    assert "\n" not in repr(f)


N = sluice.symbol("N")


def axpy(a: sluice.float64, x: sluice.float64[N], y: sluice.float64[N]):
    y[:] = a * x + y


def test_a_program_with_annotations():
    f = sluice.program(axpy, target="interpret")
    f.trace()
    assert repr(f).startswith("<sluice.program axpy(a: ") and "\n" not in repr(f)
    assert "axpy(a: float64, x: float64[N], y: float64[N])" in f._repr_html_()


def test_compiled_callable_shows_its_target_and_signature():
    f = sluice.jit(add_offset)
    run = f.compile("interpret", *_args())
    assert isinstance(run, CompiledFunction)
    np.testing.assert_allclose(run(*_args()), np.full((3, 4), 3.0))
    assert repr(run) == ("<sluice compiled add_offset for interpret (runs on the reference "
                         "interpreter)>")
    html = run._repr_html_()
    assert "add_offset(A: float64[A_0, A_1]" in html and "interpret" in html
    assert "library" not in html
    native = f.compile("cpu", *_args())
    np.testing.assert_allclose(native(*_args()), np.full((3, 4), 3.0))
    assert repr(native) == "<sluice compiled add_offset for cpu (native)>"
    assert native.library is not None and native.library in native._repr_html_()
    assert f.compile("cpu") is native  # built once, the same object


def test_lower_returns_source_that_is_a_str_with_the_program_first():
    f = sluice.jit(add_offset)
    src = f.lower("cpu", *_args())
    assert isinstance(src, GeneratedSource) and isinstance(src, str)
    assert src == generate(f.trace(*_args()))
    assert "sl_prog_add_offset" in src and src.program.startswith("// program 'add_offset'")
    assert "namespace sl" in src.prelude and "namespace sl" not in src.program
    r = repr(src)
    assert "\n" not in r and len(r) < 120 and "cpu source of 'add_offset'" in r
    html = src._repr_html_()
    assert html.index("sl_prog_add_offset") < html.index("<details")
    assert "prelude:" in html
