"""Lossless JSON for Programs: `to_json(p)` -> dict, `from_json(d)` -> Program.

Expressions are stored in their IR text spelling and read back with the same rules for
value symbols as the text parser, so `from_json(to_json(p))` is structurally equal to `p`.
"""

from __future__ import annotations

from typing import Any

from sluice.errors import SourceLocation
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
    While,
)
from sluice.ir.data import CSR, Array, Container, Scalar, Storage, Stream
from sluice.ir.dtypes import DType
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Index, Memlet, Range, Subset
from sluice.ir.nodes import LIBRARY, Access, Call, LibraryNode, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.requires import Requirement
from sluice.ir.symbolic import to_text
from sluice.ir.text import parse_expr

FORMAT = "sluice-ir/1"


# --- to JSON ------------------------------------------------------------------------------


def _dim(d: Index | Range) -> Any:
    if isinstance(d, Index):
        return to_text(d.index)
    return [to_text(d.start), to_text(d.stop), to_text(d.step)]


def _subset(s: Subset | None) -> Any:
    return None if s is None else [_dim(d) for d in s]


def _memlet(m: Memlet | None) -> Any:
    if m is None:
        return None
    return {"data": m.data, "subset": _subset(m.subset), "wcr": m.wcr, "other": m.other,
            "other_subset": _subset(m.other_subset)}


def _container(c: Container) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": type(c).__name__.lower(), "dtype": c.dtype.value,
                         "storage": c.storage.value, "transient": c.transient}
    if isinstance(c, Array | Stream):
        d["shape"] = [to_text(x) for x in c.dims]
    if isinstance(c, Stream):
        d["depth"] = c.depth
    if isinstance(c, CSR):
        d.update(rows=to_text(c.rows), cols=to_text(c.cols), nnz=to_text(c.nnz),
                 index_dtype=c.index_dtype.value)
    return d


def _attr(v: Any) -> Any:
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return {"float": repr(v)}
    if isinstance(v, list | tuple):
        return [_attr(x) for x in v]
    return v


def _node(n: Node) -> dict[str, Any]:
    if isinstance(n, Access):
        return {"kind": "access", "data": n.data}
    if isinstance(n, Tasklet):
        return {"kind": "tasklet", "label": n.label, "inputs": list(n.inputs),
                "outputs": list(n.outputs), "code": [[t, to_text(e)] for t, e in n.code]}
    if isinstance(n, Map):
        return {"kind": "map", "label": n.label, "schedule": n.schedule.value,
                "params": list(n.params), "ranges": [_dim(r) for r in n.ranges],
                "body": _graph(n.body)}
    if isinstance(n, LibraryNode):
        return {"kind": "library", "op": type(n).__name__,
                "attrs": {k: _attr(v) for k, v in n.attrs.items()}}
    if isinstance(n, Call):
        return {"kind": "call", "callee": n.callee, "inputs": list(n.inputs),
                "outputs": list(n.outputs),
                "symbols": {k: to_text(v) for k, v in n.symbols.items()}}
    raise TypeError(f"no JSON form for node {n!r}")


def _located(n: Node) -> dict[str, Any]:
    d = _node(n)
    if n.loc is not None and n.loc.line is not None:  # only when known: older JSON stays valid
        d["loc"] = [n.loc.file, n.loc.line, n.loc.col]
    return d


def _graph(g: DataflowGraph) -> dict[str, Any]:
    index = {id(n): i for i, n in enumerate(g.nodes)}
    return {
        "nodes": [_located(n) for n in g.nodes],
        "edges": [{"src": index[id(e.src)], "src_conn": e.src_conn, "dst": index[id(e.dst)],
                   "dst_conn": e.dst_conn, "memlet": _memlet(e.memlet)} for e in g.edges],
    }


def _block(b: Block) -> dict[str, Any]:
    if isinstance(b, State):
        return {"kind": "state", "name": b.name, **_graph(b.graph)}
    if isinstance(b, Loop):
        return {"kind": "loop", "var": b.var, "start": to_text(b.start), "stop": to_text(b.stop),
                "step": to_text(b.step), "body": _region(b.body)}
    if isinstance(b, While):
        return {"kind": "while", "cond": to_text(b.cond), "body": _region(b.body)}
    if isinstance(b, Branch):
        return {"kind": "branch", "cases": [[to_text(c), _region(r)] for c, r in b.cases],
                "orelse": None if b.orelse is None else _region(b.orelse)}
    if isinstance(b, Assign):
        return {"kind": "assign", "assignments": {k: to_text(v) for k, v in b.assignments.items()}}
    if isinstance(b, Check):
        return {"kind": "check", "requirement": _requirement(b.requirement)}
    return {"kind": type(b).__name__.lower()}


def _region(r: Region) -> list[dict[str, Any]]:
    return [_block(b) for b in r.blocks]


def _requirement(r: Requirement) -> list[Any]:
    return [to_text(r.lhs), r.op, to_text(r.rhs), r.why, r.where]


def _requirement_from(d: list[Any]) -> Requirement:
    lhs, op, rhs, why, where = d
    return Requirement(_e(lhs), op, _e(rhs), why, where)


def to_json(p: Program) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": p.name,
        "args": list(p.args),
        "returns": list(p.returns),
        "symbols": {k: v.value for k, v in p.symbols.items()},
        "data": {k: _container(c) for k, c in p.data.items()},
        "body": _region(p.body),
        "callees": {k: to_json(c) for k, c in p.callees.items()},
        "requires": [_requirement(r) for r in p.requires],
    }


# --- from JSON ----------------------------------------------------------------------------


def _e(text: str, values: frozenset[str] = frozenset()) -> Any:
    return parse_expr(text, values)


def _dim_from(d: Any) -> Index | Range:
    if isinstance(d, str):
        return Index(_e(d))
    return Range(_e(d[0]), _e(d[1]), _e(d[2]))


def _subset_from(s: Any) -> Subset | None:
    return None if s is None else tuple(_dim_from(d) for d in s)


def _container_from(d: dict[str, Any]) -> Container:
    dt, st, tr = DType(d["dtype"]), Storage(d["storage"]), d["transient"]
    kind = d["kind"]
    if kind == "scalar":
        return Scalar(dt, st, tr)
    if kind == "array":
        return Array(dt, st, tr, tuple(_e(x) for x in d["shape"]))
    if kind == "stream":
        return Stream(dt, st, tr, tuple(_e(x) for x in d["shape"]), d["depth"])
    if kind == "csr":
        return CSR(dt, st, tr, _e(d["rows"]), _e(d["cols"]), _e(d["nnz"]),
                   DType(d["index_dtype"]))
    raise ValueError(f"unknown container kind {kind!r}")


def _attr_from(v: Any) -> Any:
    if isinstance(v, dict) and "float" in v:
        return float(v["float"])
    if isinstance(v, list):
        return [_attr_from(x) for x in v]
    return v


def _node_from(d: dict[str, Any]) -> Node:
    kind = d["kind"]
    if kind == "access":
        return Access(d["data"])
    if kind == "tasklet":
        values = frozenset(d["inputs"]) | frozenset(d["outputs"]) | {t for t, _ in d["code"]}
        return Tasklet(d["inputs"], d["outputs"], [(t, _e(e, values)) for t, e in d["code"]],
                       label=d["label"])
    if kind == "map":
        return Map(list(d["params"]), [_dim_from(r) for r in d["ranges"]],
                   _graph_from(d["body"]), Schedule(d["schedule"]), d["label"])
    if kind == "library":
        return LIBRARY[d["op"]](**{k: _attr_from(v) for k, v in d["attrs"].items()})
    if kind == "call":
        return Call(d["callee"], d["inputs"], d["outputs"],
                    {k: _e(v) for k, v in d["symbols"].items()})
    raise ValueError(f"unknown node kind {kind!r}")


def _graph_from(d: dict[str, Any]) -> DataflowGraph:
    g = DataflowGraph()
    nodes = [g.add(_node_from(n)) for n in d["nodes"]]
    for node, n in zip(nodes, d["nodes"], strict=True):
        if "loc" in n:
            file, line, col = n["loc"]
            node.loc = SourceLocation(file, line, col)
    for e in d["edges"]:
        m = e["memlet"]
        memlet = None if m is None else Memlet(m["data"], _subset_from(m["subset"]), m["wcr"],
                                              m["other"], _subset_from(m["other_subset"]))
        g.connect(nodes[e["src"]], nodes[e["dst"]], memlet, e["src_conn"], e["dst_conn"])
    return g


class _Reader:
    def __init__(self, scalars: frozenset[str]) -> None:
        self.scalars = scalars

    def region(self, blocks: list[dict[str, Any]]) -> Region:
        return Region([self.block(b) for b in blocks])

    def block(self, d: dict[str, Any]) -> Block:
        kind, c = d["kind"], self.scalars
        if kind == "state":
            return State(d["name"], _graph_from(d))
        if kind == "loop":
            return Loop(d["var"], _e(d["start"], c), _e(d["stop"], c), _e(d["step"], c),
                        self.region(d["body"]))
        if kind == "while":
            return While(_e(d["cond"], c), self.region(d["body"]))
        if kind == "branch":
            return Branch([(_e(x, c), self.region(r)) for x, r in d["cases"]],
                          None if d["orelse"] is None else self.region(d["orelse"]))
        if kind == "assign":
            return Assign({k: _e(v, c) for k, v in d["assignments"].items()})
        if kind == "check":
            return Check(_requirement_from(d["requirement"]))
        return {"break": Break, "continue": Continue, "return": Return}[kind]()


def from_json(d: dict[str, Any]) -> Program:
    import sluice.ir.library  # noqa: F401 - registers the library nodes

    if d.get("format") != FORMAT:
        raise ValueError(f"not a sluice IR document (format {d.get('format')!r})")
    data = {k: _container_from(c) for k, c in d["data"].items()}
    scalars = frozenset(k for k, c in data.items() if isinstance(c, Scalar))
    return Program(
        name=d["name"],
        args=list(d["args"]),
        data=data,
        symbols={k: DType(v) for k, v in d["symbols"].items()},
        body=_Reader(scalars).region(d["body"]),
        returns=list(d["returns"]),
        callees={k: from_json(c) for k, c in d["callees"].items()},
        requires=[_requirement_from(r) for r in d.get("requires", [])],
    )
