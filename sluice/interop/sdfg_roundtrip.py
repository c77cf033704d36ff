"""The form under which an SDFG round trip through DaCe is compared with the original.

`from_sdfg(program_to_sdfg_json(p))` is structurally equal to `p`. But DaCe keeps a state's
edges in an order of its own when it saves an SDFG, and an SDFG has no map-body access
nodes: data enters and leaves a map through its entry's and exit's connectors, one entry
connector per container read (`sdfg_dataflow`). So after DaCe, the order of a dataflow
graph's nodes and edges, and how many body access nodes read one container, do not
survive. `canonical_json(p)` is `p.to_json()` with exactly those two freedoms taken
out, and nothing else: every container, symbol, block, node (with its code, connectors,
ranges, attributes), edge and memlet (subset, wcr, other side) is compared as it is.

* In a map body, access nodes that nothing writes and that read the same container are one
  node (the one connector); their out-edges keep their order.
* The nodes of each dataflow graph are sorted by a signature of the node and, refined three
  times, of its neighbours with the connectors and memlets that link them (the
  Weisfeiler-Lehman refinement); ties keep their order. Edges are sorted by their ends'
  new indices, connectors and memlet.
"""

from __future__ import annotations

import json
from typing import Any

from sluice.ir.program import Program


def canonical_json(p: Program) -> dict[str, Any]:
    """`p.to_json()` in the canonical form described above (callees too)."""
    js = p.to_json()
    _region(js["body"])
    for c in js["callees"].values():
        _callee(c)
    return js


def _callee(js: dict[str, Any]) -> None:
    _region(js["body"])
    for c in js["callees"].values():
        _callee(c)


def round_trip_equal(a: Program, b: Program) -> bool:
    """Whether `a` and `b` are equal in the canonical form (`canonical_json`)."""
    return canonical_json(a) == canonical_json(b)


def _region(blocks: list[dict[str, Any]]) -> None:
    for b in blocks:
        if b["kind"] == "state":
            _graph(b, body=False)
        for key in ("body", "orelse"):
            if isinstance(b.get(key), list):
                _region(b[key])
        for _, r in b.get("cases", []):
            _region(r)


def _dump(x: Any) -> str:
    return json.dumps(x, sort_keys=True)


def _graph(g: dict[str, Any], body: bool) -> None:
    nodes, edges = g["nodes"], g["edges"]
    for n in nodes:
        if n["kind"] == "map":
            _graph(n["body"], body=True)
    if body:
        nodes, edges = _merge_readers(nodes, edges)
    sig = [_dump(n) for n in nodes]
    for _ in range(3):
        nxt = []
        for k in range(len(nodes)):
            around = sorted(
                [
                    _dump(["out", e["src_conn"], e["dst_conn"], e["memlet"], sig[e["dst"]]])
                    for e in edges
                    if e["src"] == k
                ]
                + [
                    _dump(["in", e["src_conn"], e["dst_conn"], e["memlet"], sig[e["src"]]])
                    for e in edges
                    if e["dst"] == k
                ]
            )
            nxt.append(_dump([sig[k], around]))
        sig = nxt
    order = sorted(range(len(nodes)), key=lambda k: sig[k])
    where = {old: new for new, old in enumerate(order)}
    g["nodes"] = [nodes[k] for k in order]
    g["edges"] = sorted(
        ({**e, "src": where[e["src"]], "dst": where[e["dst"]]} for e in edges),
        key=lambda e: (e["src"], e["dst"], _dump(e)),
    )


def _merge_readers(nodes: list[dict], edges: list[dict]) -> tuple[list[dict], list[dict]]:
    written = {e["dst"] for e in edges}
    first: dict[str, int] = {}
    alias: dict[int, int] = {}
    for k, n in enumerate(nodes):
        if n["kind"] == "access" and k not in written:
            alias[k] = first.setdefault(n["data"], k)
    keep = [k for k in range(len(nodes)) if alias.get(k, k) == k]
    index = {old: new for new, old in enumerate(keep)}
    moved = [
        {
            **e,
            "src": index[alias.get(e["src"], e["src"])],
            "dst": index[alias.get(e["dst"], e["dst"])],
        }
        for e in edges
    ]
    return [nodes[k] for k in keep], moved
