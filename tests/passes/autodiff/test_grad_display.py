"""How gradient functions show themselves: one-line repr, HTML with what they differentiate."""

from __future__ import annotations

import numpy as np

import sluice


def loss(A, x):
    return np.sum(np.tanh(A @ x))


def test_repr_and_html_say_what_is_differentiated():
    g = sluice.value_and_grad(loss, argnums=(0, 1), memory_budget="1MB", target="interpret")
    assert repr(g) == "<sluice.value_and_grad of loss, argnums=(0, 1)>"
    html = g._repr_html_()
    assert "sluice.value_and_grad of loss" in html and "argument 0, argument 1" in html
    assert "(value, gradient)" in html and "1000000 bytes" in html
    assert "@sluice.jit loss(A, x)" in html  # the function it differentiates, below


def test_names_are_escaped():
    def f(x):
        return np.sum(x * x)

    f.__qualname__ = "<script>alert(1)</script>"
    html = sluice.grad(f, target="interpret")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
