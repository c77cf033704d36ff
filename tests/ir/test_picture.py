"""Pictures: DOT always, SVG through Graphviz when installed, readable text otherwise."""

from __future__ import annotations

import shutil

import pytest
from corpus_programs import CORPUS

from sluice.ir import picture


def test_dot_shows_states_maps_and_memlets():
    dot = picture.to_dot(CORPUS["jacobi_2d"].build())
    assert dot.startswith('digraph "jacobi_2d"')
    assert "for t in range(0, T, 1)" in dot
    assert "state to_B" in dot and "map [i=1:N - 1, j=1:N - 1]" in dot
    assert "A[i, j - 1]" in dot


def test_text_fallback_without_graphviz(monkeypatch):
    monkeypatch.setattr(picture.shutil, "which", lambda _: None)
    p = CORPUS["axpy" if "axpy" in CORPUS else "sum_wcr"].build()
    assert p._repr_svg_() is None
    html = p._repr_html_()
    assert html.startswith("<pre>program ") and "&gt;" in html


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_svg_with_graphviz():
    svg = CORPUS["gemm_library"].build()._repr_svg_()
    assert svg is not None and "<svg" in svg and "MatMul" in svg
