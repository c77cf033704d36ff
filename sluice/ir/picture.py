"""Pictures of programs: Graphviz DOT (rendered to SVG when `dot` is installed) and a
readable text rendering otherwise. Used by Jupyter (`_repr_svg_`/`_repr_html_`) and by
`sluice show --svg`."""

from __future__ import annotations

import html
import shutil
import subprocess

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
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import to_text
from sluice.ir.text import format_memlet


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Dot:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.n = 0

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def graph(self, g: DataflowGraph, indent: str) -> None:
        ids: dict[int, str] = {}
        for node in g.nodes:
            nid = ids[id(node)] = self.fresh("n")
            if isinstance(node, Access):
                self.lines.append(f"{indent}{nid} [shape=ellipse, label={_q(node.data)}];")
            elif isinstance(node, Tasklet):
                code = "\n".join(f"{t} = {to_text(e)}" for t, e in node.code)
                self.lines.append(f"{indent}{nid} [shape=octagon, label={_q(code)}];")
            elif isinstance(node, Map):
                rs = ", ".join(f"{p}={to_text(r.start)}:{to_text(r.stop)}"
                               for p, r in zip(node.params, node.ranges, strict=True))
                self.lines.append(f"{indent}subgraph cluster_{nid} {{")
                self.lines.append(f"{indent}  label={_q(f'map [{rs}] {node.schedule.value}')};"
                                  " style=dashed;")
                self.lines.append(f"{indent}  {nid} [shape=point];")
                self.graph(node.body, indent + "  ")
                self.lines.append(f"{indent}}}")
            elif isinstance(node, LibraryNode):
                self.lines.append(f"{indent}{nid} [shape=box, style=filled, fillcolor=lightblue, "
                                  f"label={_q(type(node).__name__)}];")
            elif isinstance(node, Call):
                label = _q("call " + node.callee)
                self.lines.append(f"{indent}{nid} [shape=box3d, label={label}];")
        for e in g.edges:
            label = format_memlet(e.memlet) if e.memlet is not None else ""
            style = "" if e.memlet is not None else ", style=dotted"
            self.lines.append(f"{indent}{ids[id(e.src)]} -> {ids[id(e.dst)]} "
                              f"[label={_q(label)}{style}];")

    def region(self, r: Region, indent: str, title: str) -> str:
        """Draw a region; returns an invisible anchor used to keep blocks in order."""
        cid = self.fresh("cluster_r")
        self.lines.append(f"{indent}subgraph {cid} {{ label={_q(title)};")
        anchor = self.anchor(indent + "  ")
        prev = anchor
        for b in r.blocks:
            a = self.block(b, indent + "  ")
            if a is not None:
                # Invisible edges stack the blocks top to bottom in program order.
                self.lines.append(f"{indent}  {prev} -> {a} [style=invis, weight=10];")
                prev = a
        self.lines.append(f"{indent}}}")
        return anchor

    def anchor(self, indent: str) -> str:
        aid = self.fresh("a")
        self.lines.append(f"{indent}{aid} [shape=point, style=invis, width=0, height=0];")
        return aid

    def block(self, b: Block, indent: str) -> str | None:
        if isinstance(b, State):
            cid = self.fresh("cluster_s")
            self.lines.append(f"{indent}subgraph {cid} {{ label={_q('state ' + b.name)}; "
                              "style=rounded;")
            anchor = self.anchor(indent + "  ")
            self.graph(b.graph, indent + "  ")
            self.lines.append(f"{indent}}}")
            return anchor
        if isinstance(b, Loop):
            return self.region(b.body, indent, f"for {b.var} in range({to_text(b.start)}, "
                               f"{to_text(b.stop)}, {to_text(b.step)})")
        if isinstance(b, WhileBlock):
            return self.region(b.body, indent, f"while {to_text(b.cond)}")
        if isinstance(b, Branch):
            anchors = [self.region(r, indent, ("if " if i == 0 else "elif ") + to_text(c))
                       for i, (c, r) in enumerate(b.cases)]
            if b.orelse is not None:
                anchors.append(self.region(b.orelse, indent, "else"))
            return anchors[0]
        if isinstance(b, Assign | Check | Break | Continue | Return):
            text = (", ".join(f"{k} = {to_text(v)}" for k, v in b.assignments.items())
                    if isinstance(b, Assign) else b.describe())
            nid = self.fresh("b")
            self.lines.append(f"{indent}{nid} [shape=note, label={_q(text)}];")
            return nid
        return None


def to_dot(p: Program) -> str:
    """The program as a Graphviz DOT document."""
    d = _Dot()
    d.lines.append(f"digraph {_q(p.name)} {{")
    d.lines.append('  compound=true; fontname="Helvetica"; node [fontname="Helvetica"];')
    d.region(p.body, "  ", f"program {p.name}")
    d.lines.append("}")
    return "\n".join(d.lines) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def to_svg(p: Program) -> str | None:
    """SVG through Graphviz, or None when `dot` is not installed."""
    if not dot_available():
        return None
    done = subprocess.run(["dot", "-Tsvg"], input=to_dot(p), capture_output=True, text=True,
                          timeout=60)
    return done.stdout if done.returncode == 0 else None


def to_html(p: Program) -> str:
    """The picture when Graphviz is there, the text form otherwise (always readable)."""
    svg = to_svg(p)
    if svg is not None:
        return svg
    return f"<pre>{html.escape(p.to_text())}</pre>"
