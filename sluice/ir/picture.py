"""Pictures of programs: Graphviz DOT, rendered to SVG or PNG when `dot` is installed, and a
readable text rendering otherwise. Used by Jupyter (`_repr_svg_`/`_repr_html_`) and by
`sluice show --picture OUT`.

What the picture says:
* control flow: arrows from state to state, through a diamond for each loop (an arrow back
  to it after each iteration, `done` out of it), branch (an arrow per condition) and
  `while`; `break`, `continue` and `return` lead where they go;
* dataflow inside a state: containers (ellipses), tasklets (octagons, their code), library
  nodes (their operation: `Reduce max`, `MatMul`), calls; edges carry their memlets;
* a map is a scope: its entry (a trapezium) and exit (an upside-down one) around its body,
  so data visibly flows in through the entry and out through the exit.
Long labels wrap instead of being cut, and one font serves everything.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from sluice.errors import SluiceError, ToolchainError
from sluice.ir.control import (
    Assign,
    Block,
    Branch,
    Break,
    Check,
    Continue,
    Loop,
    Region,
    Return,
    State,
)
from sluice.ir.control import While as WhileBlock
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Node, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import to_text
from sluice.ir.text import format_memlet

FONT = "Helvetica"
WRAP = 40  # characters of a label line before it wraps
FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}  # by file extension
_REDUCTIONS = {"+": "sum", "*": "product"}  # (max, min, argmax, argmin read as they are)


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = WRAP) -> str:
    """Each line of `text` broken at spaces into lines of about `width` characters; a long
    subset breaks after its commas. Nothing is dropped."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        out += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False,
                             subsequent_indent="  ") or [""]
    return "\n".join(out)


def library_label(n: LibraryNode) -> str:
    """The node's class and operation, then the attributes that differ from the defaults."""
    head = type(n).__name__
    rest = []
    for k, v in n.shown_attrs().items():
        if k == "op":
            head += f" {_REDUCTIONS.get(v, v)}"
        elif v != n.ATTRS.get(k):
            rest.append(k if v is True else f"{k}={v}")
    return _wrap("\n".join([head, *rest]))


def _open_ends(g: DataflowGraph) -> tuple[list[Node], list[Node]]:
    """The nodes of `g` without edges in, and those without edges out."""
    has_in = {id(e.dst) for e in g.edges}
    has_out = {id(e.src) for e in g.edges}
    return ([n for n in g.nodes if id(n) not in has_in],
            [n for n in g.nodes if id(n) not in has_out])


@dataclass
class _Point:
    """Where control enters or leaves a drawn block: a node, inside `cluster` when the arrow
    should meet the cluster's border; `label` names the way out (`done`, `else`)."""

    node: str
    cluster: str | None = None
    label: str = ""


@dataclass
class _Loop:
    guard: _Point
    breaks: list[_Point] = field(default_factory=list)


class _Dot:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.n = 0
        self.loops: list[_Loop] = []  # the loops around the block being drawn
        self.end = _Point("end")

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def node(self, indent: str, attrs: str) -> str:
        nid = self.fresh("n")
        self.lines.append(f"{indent}{nid} [{attrs}];")
        return nid

    def edge(self, a: _Point, b: _Point, indent: str, back: bool = False) -> None:
        attrs = []
        if a.cluster:
            attrs.append(f"ltail={a.cluster}")
        if b.cluster:
            attrs.append(f"lhead={b.cluster}")
        if a.label:
            attrs.append(f"label={_q(a.label)}")
        if back:  # (an arrow back up must not pull the layout upwards)
            attrs.append("constraint=false")
        self.lines.append(f"{indent}{a.node} -> {b.node} [{', '.join(attrs)}];")

    # --- dataflow ---------------------------------------------------------------------------
    def graph(self, g: DataflowGraph, indent: str) -> dict[int, tuple[str, str]]:
        """Draws the nodes and edges of `g`; returns, per node, where edges enter and leave
        it (a map's entry and exit, else the node itself)."""
        ends: dict[int, tuple[str, str]] = {}
        for node in g.nodes:
            ends[id(node)] = self.dataflow_node(node, indent)
        for e in g.edges:
            label = _wrap(format_memlet(e.memlet)) if e.memlet is not None else ""
            style = "" if e.memlet is not None else ", style=dotted"
            self.lines.append(f"{indent}{ends[id(e.src)][1]} -> {ends[id(e.dst)][0]} "
                              f"[label={_q(label)}{style}];")
        return ends

    def dataflow_node(self, node: Node, indent: str) -> tuple[str, str]:
        if isinstance(node, Map):
            return self.map_scope(node, indent)
        if isinstance(node, Access):
            attrs = f"shape=ellipse, label={_q(node.data)}"
        elif isinstance(node, Tasklet):
            code = "\n".join(f"{t} = {to_text(e)}" for t, e in node.code)
            attrs = f"shape=octagon, label={_q(_wrap(code))}"
        elif isinstance(node, LibraryNode):
            attrs = f"shape=box, style=filled, fillcolor=lightblue, label={_q(library_label(node))}"
        elif isinstance(node, Call):
            attrs = f"shape=box3d, label={_q('call ' + node.callee)}"
        else:
            attrs = f"shape=box, label={_q(node.describe())}"
        nid = self.node(indent, attrs)
        return nid, nid

    def map_scope(self, m: Map, indent: str) -> tuple[str, str]:
        """Entry and exit nodes around the body, in a cluster: edges into the map meet its
        entry, which leads to the body's first nodes; the last ones lead to the exit."""
        ranges = ", ".join(f"{p} = {to_text(r.start)}:{to_text(r.stop)}"
                           + (f":{to_text(r.step)}" if to_text(r.step) != "1" else "")
                           for p, r in zip(m.params, m.ranges, strict=True))
        cid = self.fresh("cluster_m")
        self.lines.append(f"{indent}subgraph {cid} {{ label=\"\"; style=dashed;")
        inner = indent + "  "
        label = _wrap(f"map [{ranges}]\n{m.schedule.value}")
        entry = self.node(inner, f"shape=trapezium, label={_q(label)}")
        name = "end map" + (f" {m.label}" if m.label != "map" else "")
        exit_ = self.node(inner, f"shape=invtrapezium, label={_q(name)}")
        self.between(m.body, inner, entry, exit_, "")
        self.lines.append(f"{indent}}}")
        return entry, exit_

    def between(self, g: DataflowGraph, indent: str, top: str, bottom: str, style: str) -> None:
        """`g`'s nodes, with edges from `top` to those nothing flows into and from those
        that flow nowhere to `bottom` (or `top -> bottom` for an empty graph)."""
        ends = self.graph(g, indent)
        firsts, lasts = _open_ends(g)
        for n in firsts:
            self.lines.append(f"{indent}{top} -> {ends[id(n)][0]}{style};")
        for n in lasts:
            self.lines.append(f"{indent}{ends[id(n)][1]} -> {bottom}{style};")
        if not ends:
            self.lines.append(f"{indent}{top} -> {bottom}{style};")

    # --- control flow -----------------------------------------------------------------------
    def region(self, r: Region, indent: str) -> tuple[_Point, list[_Point]]:
        """Draws the blocks of `r` joined by arrows; returns where control enters the region
        and the points it leaves from to whatever follows."""
        entry: _Point | None = None
        exits: list[_Point] = []
        for b in r.blocks:
            first, outs = self.block(b, indent)
            if entry is None:
                entry = first
            for x in exits:
                self.edge(x, first, indent)
            exits = outs
        if entry is None:  # an empty region: control passes through
            p = _Point(self.node(indent, 'shape=plaintext, label="pass"'))
            return p, [p]
        return entry, exits

    def block(self, b: Block, indent: str) -> tuple[_Point, list[_Point]]:
        if isinstance(b, State):
            return self.state(b, indent)
        if isinstance(b, Loop):
            head = (f"for {b.var} in range({to_text(b.start)}, {to_text(b.stop)}, "
                    f"{to_text(b.step)})")
            return self.loop(b.body, head, indent)
        if isinstance(b, WhileBlock):
            return self.loop(b.body, f"while {to_text(b.cond)}", indent)
        if isinstance(b, Branch):
            return self.branch(b, indent)
        if isinstance(b, Break | Continue | Return):
            p = _Point(self.node(indent, f"shape=note, label={_q(b.describe())}"))
            if isinstance(b, Return):
                self.edge(p, self.end, indent)
            elif self.loops and isinstance(b, Break):
                self.loops[-1].breaks.append(_Point(p.node, label="break"))
            elif self.loops:
                self.edge(p, self.loops[-1].guard, indent, back=True)
            return p, []
        text = (", ".join(f"{k} = {to_text(v)}" for k, v in b.assignments.items())
                if isinstance(b, Assign) else b.describe() if isinstance(b, Check) else
                type(b).__name__)
        p = _Point(self.node(indent, f"shape=note, label={_q(_wrap(text))}"))
        return p, [p]

    def state(self, s: State, indent: str) -> tuple[_Point, list[_Point]]:
        """A cluster with invisible points above and below its dataflow, so that arrows
        between states meet the cluster's border and states stack in program order."""
        cid = self.fresh("cluster_s")
        self.lines.append(f"{indent}subgraph {cid} {{ label={_q('state ' + s.name)}; "
                          "style=rounded;")
        inner = indent + "  "
        point = "shape=point, style=invis, width=0, height=0"
        top, bottom = self.node(inner, point), self.node(inner, point)
        self.between(s.graph, inner, top, bottom, " [style=invis]")
        self.lines.append(f"{indent}}}")
        return _Point(top, cid), [_Point(bottom, cid)]

    def loop(self, body: Region, head: str, indent: str) -> tuple[_Point, list[_Point]]:
        """A diamond that enters the body, an arrow back to it after each iteration, and
        `done` (and any `break`) out to what follows."""
        cid = self.fresh("cluster_l")
        self.lines.append(f"{indent}subgraph {cid} {{ label=\"\"; style=dotted;")
        inner = indent + "  "
        guard = _Point(self.node(inner, f"shape=diamond, label={_q(_wrap(head, 24))}"))
        self.loops.append(_Loop(guard))
        first, exits = self.region(body, inner)
        loop = self.loops.pop()
        self.edge(guard, first, inner)
        for x in exits:
            self.edge(_Point(x.node, x.cluster, "next"), guard, inner, back=True)
        self.lines.append(f"{indent}}}")
        return guard, [_Point(guard.node, label="done"), *loop.breaks]

    def branch(self, b: Branch, indent: str) -> tuple[_Point, list[_Point]]:
        """A diamond with an arrow per condition to its case; the cases' ends, and `else`
        when there is no else case, lead to what follows."""
        fork = self.node(indent, 'shape=diamond, label="if"')
        exits: list[_Point] = []
        cases = [(to_text(c), r) for c, r in b.cases]
        if b.orelse is not None:
            cases.append(("else", b.orelse))
        for condition, r in cases:
            first, outs = self.region(r, indent)
            self.edge(_Point(fork, label=_wrap(condition, 24)), first, indent)
            exits += outs
        if b.orelse is None:
            exits.append(_Point(fork, label="else"))
        return _Point(fork), exits


def to_dot(p: Program) -> str:
    """The program as a Graphviz DOT document."""
    d = _Dot()
    font = f'fontname="{FONT}"'
    d.lines.append(f"digraph {_q(p.name)} {{")
    d.lines.append(f"  compound=true; {font}; node [{font}]; edge [{font}];")
    title = f"program {p.name}({', '.join(p.args)})"
    d.lines.append(f"  subgraph cluster_program {{ label={_q(_wrap(title))};")
    start = _Point(d.node("    ", 'shape=circle, style=filled, fillcolor=black, label="", '
                          "width=0.15"))
    # (declared before the blocks: a node belongs to the cluster that names it first)
    d.lines.append(f"    {d.end.node} [shape=doublecircle, style=filled, fillcolor=black, "
                   'label="", width=0.1];')
    first, exits = d.region(p.body, "    ")
    d.edge(start, first, "    ")
    for x in exits:
        d.edge(x, d.end, "    ")
    d.lines.append("  }")
    d.lines.append("}")
    return "\n".join(d.lines) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def picture_format(path: str | Path) -> str:
    """The format a picture file's extension asks for: svg, png or dot."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SluiceError(f"cannot tell what picture to write into '{path}'",
                          hint="name it .svg or .png (drawn by Graphviz) or .dot (its source)")
    return FORMATS[suffix]


def render(p: Program, fmt: str) -> bytes | None:
    """The picture in `fmt` (svg, png or dot); None for svg and png when Graphviz `dot` is
    not installed."""
    dot = to_dot(p)
    if fmt == "dot":
        return dot.encode()
    if not dot_available():
        return None
    done = subprocess.run(["dot", f"-T{fmt}"], input=dot.encode(), capture_output=True,
                          timeout=60)
    if done.returncode != 0:
        raise ToolchainError(f"Graphviz could not draw '{p.name}': "
                             f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def to_svg(p: Program) -> str | None:
    """SVG through Graphviz, or None when `dot` is not installed or fails (a display must
    not raise)."""
    try:
        svg = render(p, "svg")
    except (ToolchainError, OSError, subprocess.TimeoutExpired):
        return None
    return None if svg is None else svg.decode()


def to_html(p: Program) -> str:
    """The picture when Graphviz is there, the text form otherwise (always readable)."""
    svg = to_svg(p)
    if svg is not None:
        return svg
    return f"<pre>{html.escape(p.to_text())}</pre>"
