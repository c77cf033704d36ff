"""Source locations on nodes: optional, printed only when known, and kept by IR text, JSON,
passes and the Python frontend."""

from __future__ import annotations

import inspect

import numpy as np

import sluice
import sluice.ir as ir
from sluice.errors import SourceLocation
from sluice.ir.nodes import Map, Tasklet
from sluice.ir.text import without_locations

TEXT = """\
program scale(x) -> (y) {
  symbol N: int64
  data x: float64[N]
  data y: float64[N]
  state s1 {
    %0 = access x
    %1 @ "kernel \\"v2\\".py":12:5 = map [i = 0:N] default "scale" {
      %2 = access x
      %3 @ "kernel \\"v2\\".py":12:9 = tasklet "scale" (a) -> (b) {
        b = 2.0 * a
      }
      %4 = access y
      %2 -> %3.a : x[i]
      %3.b -> %4 : y[i]
    }
    %5 = access y
    %0 -> %1 : x[0:N]
    %1 -> %5 : y[0:N]
  }
}
"""


def _located(p: ir.Program) -> list[tuple[str, SourceLocation | None]]:
    return [(n.describe(), n.loc) for st in p.body.states() for n, _ in st.graph.walk()]


def test_text_with_locations_round_trips():
    p = ir.parse(TEXT)
    m = next(n for st in p.body.states() for n in st.graph.nodes if isinstance(n, Map))
    assert m.loc == SourceLocation('kernel "v2".py', 12, 5)
    assert p.to_text() == TEXT
    assert ir.from_json(p.to_json()).to_text() == TEXT
    assert _located(ir.from_json(p.to_json())) == _located(p)


def test_nodes_without_locations_print_as_before():
    plain = without_locations(TEXT)
    assert "@" not in plain
    p = ir.parse(plain)
    assert all(loc is None for _, loc in _located(p))
    assert p.to_text() == plain
    assert "loc" not in str(p.to_json())


def test_locations_survive_the_o2_pipeline():
    from sluice.passes import pipeline

    b = ir.ProgramBuilder("two_maps")
    b.arg("x", "float64", ["N"])
    b.transient("t", "float64", ["N"])
    b.returns("y", "float64", ["N"])
    b.loc = SourceLocation("k.py", 3, 5)
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a * 2.0", inputs={"a": "x[i]"}, outputs={"o": "t[i]"})
    b.loc = SourceLocation("k.py", 4, 5)
    with b.state() as s:
        s.map({"i": "0:N"}, "o = a + 1.0", inputs={"a": "t[i]"}, outputs={"o": "y[i]"})
    p = b.build()
    pipeline("O2").run(p)  # fuses the two maps into one
    maps = [n for st in p.body.states() for n, _ in st.graph.walk() if isinstance(n, Map)]
    tasklets = [n for st in p.body.states() for n, _ in st.graph.walk()
                if isinstance(n, Tasklet)]
    assert len(maps) == 1 and maps[0].loc is not None and maps[0].loc.file == "k.py"
    assert sorted(t.loc.line for t in tasklets) == [3, 4]


def scaled(x):
    y = x * 2.0
    return y[1:] + 1.0


def test_python_frontend_records_the_statement_of_each_node():
    p = sluice.jit(scaled).trace(np.arange(4.0))
    _, first = inspect.getsourcelines(scaled)
    nodes = [n for st in p.body.states() for n, _ in st.graph.walk()
             if isinstance(n, Tasklet | Map)]
    assert {n.loc.line for n in nodes} == {first + 1, first + 2}
    assert all(n.loc.file == __file__ for n in nodes)
