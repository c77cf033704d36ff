"""Pictures: DOT always, SVG/PNG through Graphviz when installed, readable text otherwise.
The DOT text is checked for what the picture must say: arrows between states, loops and
branches as control flow, a cluster with entry and exit per map, library operations, whole
labels and one font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from corpus_programs import CORPUS

from sluice.errors import SluiceError
from sluice.ir import picture
from sluice.ir.library import MatMul, Reduce
from sluice.ir.text import format_memlet

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed")


def _dot(name: str) -> str:
    return picture.to_dot(CORPUS[name].build())


def _cluster_of(dot: str, title: str) -> str:
    m = re.search(rf'subgraph (cluster_\w+) {{ label="{re.escape(title)}"', dot)
    assert m, title
    return m.group(1)


def _node(dot: str, label: str) -> str:
    m = re.search(rf'(\w+) \[[^\]]*label="{re.escape(label)}"', dot)
    assert m, label
    return m.group(1)


def _edges(dot: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every edge."""
    return re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$", dot, re.MULTILINE)


def test_states_are_joined_by_arrows_and_a_loop_goes_round():
    dot = _dot("jacobi_2d")
    to_b, to_a = _cluster_of(dot, "state to_B"), _cluster_of(dot, "state to_A")
    guard = _node(dot, "for t in range(0, T, 1)")
    edges = _edges(dot)
    visible = [(t, h, a) for t, h, a in edges if "invis" not in a]
    assert any(f"ltail={to_b}" in a and f"lhead={to_a}" in a for _, _, a in visible)
    assert any(t == guard and f"lhead={to_b}" in a for t, _, a in visible)  # into the body
    assert any(h == guard and f"ltail={to_a}" in a and 'label="next"' in a
               and "constraint=false" in a for _, h, a in visible)  # back after each round
    assert any(t == guard and h == "end" and 'label="done"' in a for t, h, a in visible)


def test_branches_break_continue_and_return_lead_where_they_go():
    dot = _dot("loop_break_continue")
    guard = _node(dot, "for i in range(0, N, 1)")
    brk, cont = _node(dot, "break"), _node(dot, "continue")
    add = _cluster_of(dot, "state add")
    edges = _edges(dot)
    assert any('label="xi < 0.2"' in a for _, _, a in edges)
    assert any(t == brk and h == "end" and 'label="break"' in a for t, h, a in edges)
    assert any(t == cont and h == guard for t, h, _ in edges)
    assert any('label="else"' in a and f"lhead={add}" in a for _, _, a in edges)
    dot = _dot("early_return")
    ret = _node(dot, "return")
    assert any(t == ret and h == "end" for t, h, _ in _edges(dot))
    assert 'label="while ' in _dot("while_on_scalar")


def test_a_map_is_a_scope_with_an_entry_and_an_exit():
    dot = _dot("jacobi_2d")
    assert dot.count("subgraph cluster_m") == 2  # one per map, not a dot for both ends
    entries = re.findall(r'(\w+) \[shape=trapezium, label="map \[i = 1:N - 1, j = 1:N - 1\]'
                         r'(?: |\\n)cpu_parallel"\]', dot)
    exits = re.findall(r'(\w+) \[shape=invtrapezium, label="end map stencil"\]', dot)
    assert len(entries) == len(exits) == 2
    edges = _edges(dot)
    for entry, exit_ in zip(entries, exits, strict=True):
        into = [a for t, h, a in edges if h == entry]  # the outer read meets the entry
        out = [a for t, h, a in edges if t == exit_]  # the outer write leaves the exit
        assert any("[0:N, 0:N]" in a for a in into) and any("[1:N - 1, 1:N - 1]" in a
                                                            for a in out)
        assert any(t == entry for t, _, _ in edges)  # the body hangs between them
        assert any(h == exit_ for _, h, _ in edges)
    nested = _dot("nested_triangular_maps")
    assert nested.count("shape=trapezium") == nested.count("shape=invtrapezium") >= 2


def test_library_nodes_show_their_operation():
    assert picture.library_label(Reduce(op="max", axes=[1])) == "Reduce max\naxes=[1]"
    assert picture.library_label(Reduce(op="+")) == "Reduce sum"
    assert picture.library_label(MatMul()) == "MatMul"
    assert picture.library_label(MatMul(transpose_a=True)) == "MatMul\ntranspose_a"
    assert 'label="Reduce max\\naxes=[1]"' in _dot("transpose_and_rowmax")
    assert 'label="MatMul"' in _dot("gemm_library")


def test_long_labels_wrap_and_keep_every_character():
    subset = "A[i + 2 * j, 0:N - 1:2, k + offset_one, k + offset_two, 3 * k + 1]"
    wrapped = picture._wrap(subset)
    assert "\n" in wrapped and max(map(len, wrapped.splitlines())) <= picture.WRAP
    assert wrapped.replace("\n  ", " ") == subset
    for name, entry in CORPUS.items():  # every memlet of every program, whole
        prog = entry.build()
        dot = picture.to_dot(prog).replace("\\n  ", " ").replace("\\n", " ")
        for g in _graphs(prog):
            for e in g.edges:
                if e.memlet is not None:
                    assert format_memlet(e.memlet).replace('"', '\\"') in dot, name


def _graphs(prog):
    for state in prog.body.states():
        for _, g in state.graph.walk():
            yield g


def test_one_font_throughout():
    dot = _dot("jacobi_2d")
    fonts = set(re.findall(r'fontname="([^"]+)"', dot))
    assert fonts == {picture.FONT}
    font = f'fontname="{picture.FONT}"'
    assert f"compound=true; {font}; node [{font}]; edge [{font}];" in dot


@needs_dot
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_graphviz_draws_every_corpus_program(name):
    done = subprocess.run(["dot", "-Tsvg"], input=_dot(name), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "Warning" not in done.stderr, done.stderr


@pytest.mark.parametrize(("path", "fmt"), [("p.svg", "svg"), ("out/p.PNG", "png"),
                                           ("p.dot", "dot"), ("p.gv", "dot")])
def test_the_extension_chooses_the_format(path, fmt):
    assert picture.picture_format(path) == fmt


@pytest.mark.parametrize("path", ["p.jpg", "p", "p.svg.txt"])
def test_other_extensions_are_refused(path):
    with pytest.raises(SluiceError, match="cannot tell what picture") as info:
        picture.picture_format(path)
    assert ".svg" in info.value.hint and ".png" in info.value.hint


def test_text_fallback_without_graphviz(monkeypatch):
    monkeypatch.setattr(picture.shutil, "which", lambda _: None)
    p = CORPUS["axpy" if "axpy" in CORPUS else "sum_wcr"].build()
    assert p._repr_svg_() is None and picture.render(p, "png") is None
    assert picture.render(p, "dot").startswith(b"digraph")
    html = p._repr_html_()
    assert html.startswith("<pre>program ") and "&gt;" in html


@needs_dot
def test_svg_and_png_with_graphviz():
    p = CORPUS["gemm_library"].build()
    svg = p._repr_svg_()
    assert svg is not None and "<svg" in svg and "MatMul" in svg
    assert picture.render(p, "png").startswith(b"\x89PNG\r\n\x1a\n")
