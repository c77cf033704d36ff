"""The shape of an SDFG's JSON, checked before it is imported: every field the importer
relies on is there with the right JSON type. A file that fails is "malformed SDFG JSON" (a
SluiceError naming the field); an error after this check is a bug in sluice, and shows as one.
"""

from __future__ import annotations

from typing import Any

from sluice.errors import SluiceError

_LIST = (list, tuple)  # (`dace.SDFG.to_json()` gives tuples where a file has lists)


class Malformed(SluiceError):
    """An SDFG JSON document that lacks a field the importer needs."""


def _need(d: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(d, dict) or key not in d or not isinstance(d[key], kind):
        raise Malformed(
            f"malformed SDFG JSON: {where} has no {key!r} "
            f"({'/'.join(k.__name__ for k in _tuple(kind))})"
        )
    return d[key]


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _opt(d: dict, key: str, kind: type | tuple[type, ...], where: str) -> None:
    if d.get(key) is not None:
        _need(d, key, kind, where)


def check_sdfg(js: dict[str, Any], where: str = "the SDFG") -> None:
    """Raise Malformed where `js` (an SDFG's JSON) lacks what the importer reads."""
    attrs = _need(js, "attributes", dict, where)
    _opt(attrs, "_arrays", dict, where)
    for name, desc in (attrs.get("_arrays") or {}).items():
        _need(desc, "type", str, f"container {name!r} of {where}")
        _opt(desc, "attributes", dict, f"container {name!r} of {where}")
    _opt(attrs, "symbols", dict, where)
    _opt(attrs, "arg_names", _LIST, where)
    _cfg(js, where)


def _cfg(cfg: dict[str, Any], where: str) -> None:
    ids = set()
    for k, b in enumerate(_need(cfg, "nodes", _LIST, where)):
        bw = f"block {k} of {where}"
        kind = _need(b, "type", str, bw)
        _need(b, "id", (int, str), bw)
        ids.add(str(b["id"]))
        _opt(b, "attributes", dict, bw)
        if kind == "SDFGState":
            _state(b, f"state {b.get('label', k)!r} of {where}")
        elif kind == "ConditionalBlock":
            for j, br in enumerate(_need(b, "branches", _LIST, bw)):
                if not (isinstance(br, _LIST) and len(br) == 2):
                    raise Malformed(
                        f"malformed SDFG JSON: branch {j} of {bw} is not a [condition, region] pair"
                    )
                _cfg(br[1], f"branch {j} of {bw}")
        elif "nodes" in b:
            _cfg(b, bw)
    _edges(cfg, ids, where)


def _edges(g: dict[str, Any], ids: set[str], where: str) -> None:
    for k, e in enumerate(_need(g, "edges", _LIST, where)):
        ew = f"edge {k} of {where}"
        for end in ("src", "dst"):
            if str(_need(e, end, (int, str), ew)) not in ids:
                raise Malformed(f"malformed SDFG JSON: {ew} names no node {e[end]!r}")
        _opt(e, "attributes", dict, ew)
        data = (e.get("attributes") or {}).get("data")
        if data is not None:
            _need(e["attributes"], "data", dict, ew)
            _opt(data, "attributes", dict, ew)


def _state(st: dict[str, Any], where: str) -> None:
    ids = set()
    for k, n in enumerate(_need(st, "nodes", _LIST, where)):
        nw = f"node {k} of {where}"
        kind = _need(n, "type", str, nw)
        _need(n, "id", (int, str), nw)
        ids.add(str(n["id"]))
        a = _need(n, "attributes", dict, nw)
        if kind == "AccessNode":
            _need(a, "data", str, nw)
        elif kind == "MapExit":
            _need(n, "scope_entry", (int, str), nw)
        elif kind == "NestedSDFG":
            check_sdfg(_need(a, "sdfg", dict, nw), f"the nested SDFG of {nw}")
        elif kind == "Tasklet":
            _opt(a, "code", dict, nw)
    for n in st["nodes"]:
        for key in ("scope_entry", "scope_exit"):
            if n.get(key) is not None and str(n[key]) not in ids:
                raise Malformed(
                    f"malformed SDFG JSON: {key} of node {n['id']} of {where} "
                    f"names no node {n[key]!r}"
                )
    _edges(st, ids, where)
