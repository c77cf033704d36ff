"""How CSL artifacts show themselves: a one-line repr instead of the model's dataclass dump,
and an HTML summary with files, grid, variants, colours, tasks and a picture per colour."""

from __future__ import annotations

from pathlib import Path

from sluice.backends.csl.display import MAX_ROUTED_PES, grid_svg
from sluice.spatial import load

EXAMPLES = Path(__file__).parents[3] / "examples" / "spada"


def _gemv(px: int = 2, py: int = 2):
    return load(EXAMPLES / "gemv.sptl", {"PX": px, "PY": py, "M": 2, "N": 2}).compile("csl")


def test_repr_is_one_line_with_the_key_numbers():
    a = _gemv()
    r = repr(a)
    assert "\n" not in r and len(r) < 120
    assert r == ("<CslArtifacts wse2 2x2 PEs: 6 files "
                 f"({sum(t.count(chr(10)) for t in a.files.values())} lines), "
                 "4 tile variants, 2 colours>")


def test_html_summarises_files_grid_colours_and_tasks():
    a = _gemv()
    html = a._repr_html_()
    assert "2 x 2 (4 PEs)" in html and "wse2" in html
    for name in a.files:
        assert name in html
    for c in a.program.layout.colors:
        assert f"colour {c.name} (id {c.id})" in html
    assert "local" in html and "5 copies in, 1 launch, 1 copy out" in html
    assert html.count("<svg") == len(a.program.layout.colors)
    assert html.count("<details") == len(a.files)  # each file folded
    assert len(html) < 100_000


def test_the_picture_draws_each_pe_and_the_routes_of_one_colour():
    a = _gemv()
    routes = [r for r in a.program.layout.routes if r.color == "col0"]
    svg = grid_svg(a.program, "col0")
    assert svg.count("<rect") == 4 and "PE (1, 0)" in svg
    sends = sum(d not in ("RAMP",) for r in routes for d in r.tx)
    assert svg.count("<polygon") == sends > 0  # one arrowhead per hop
    assert grid_svg(a.program, None).count("<polygon") == 0


def test_a_large_grid_is_drawn_without_routes():
    a = _gemv(40, 30)
    assert 40 * 30 > MAX_ROUTED_PES
    html = a._repr_html_()
    assert html.count("<svg") == 1 and "<polygon" not in html


def test_a_kernel_of_several_phases_gets_a_picture_per_phase():
    a = load(EXAMPLES / "allreduce.sptl", {"W": 4, "H": 3, "N": 2}).compile("csl")
    phases = [k for k, _ in a.phase_routes]
    assert phases == [0, 1]
    html = a._repr_html_()
    assert html.count("<svg") == 2
    for k, routes in a.phase_routes:
        assert f"phase {k}: " in html
        # each phase is drawn as its routers run then: every hop of its routes, no other
        svg = grid_svg(a.program, None, routes, {})
        assert svg.count("<polygon") == sum(d != "RAMP" for r in routes for d in r.tx) > 0
        # a PE and a colour route one way within a phase
        assert len({(r.x, r.y, r.color) for r in routes}) == len(routes)
    # the phases route differently (a reduction to the west, then a broadcast back east)
    hops = [{(r.x, r.y, d) for r in routes for d in r.tx if d != "RAMP"}
            for _, routes in a.phase_routes]
    assert {d for *_, d in hops[0]} == {"WEST", "NORTH"}
    assert {d for *_, d in hops[1]} == {"EAST", "SOUTH"}
