"""SDFGs that sluice's exporter wrote, read back as the Programs they came from.

The SDFG's structure (states, maps and their ranges, memlets, control flow, interstate
edges) is read as for any SDFG, so what a user changes in DaCe is honoured; what the export
could not keep in that structure comes from its verified markers (`sdfg_marker`): the
declarations and original names (global code), and per C++ tasklet the IR node it stands
for. This module undoes the exporter's renamings: `__return*` and CSR component arrays back
to the containers' names, `sl_s_<name>` symbols, `sl_c_` connectors, derived `sl_size*` and
late `sl_late*` symbols back to their expressions; the zeroing and `requires` states are
dropped (the IR zeroes what it allocates; `requires` comes back from its check tasklets), a
`Check` state becomes a Check block.
"""

from __future__ import annotations

import re
from typing import Any

import sympy

from sluice.errors import SourceLocation
from sluice.interop.sdfg_import_code import rewritten
from sluice.interop.sdfg_marker import (
    MarkerError,
    memlet_from_json,
    read_facts,
    read_mark,
    requirement_from_json,
)
from sluice.ir.data import CSR, Scalar
from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Node
from sluice.ir.requires import Requirement
from sluice.ir.symbolic import substitute, symbol
from sluice.ir.text import parse_expr

HELPER_KINDS = ("zero", "requires", "size", "value", "check")


def global_code(js: dict[str, Any]) -> str:
    frame = (js.get("attributes", {}).get("global_code") or {}).get("frame") or {}
    text = frame.get("string_data", "") if isinstance(frame, dict) else ""
    return text if isinstance(text, str) else ""


def tasklet_code(n: dict[str, Any]) -> tuple[str, str]:
    c = n.get("attributes", {}).get("code") or {}
    return str(c.get("language", "Python")), str(c.get("string_data", ""))


class Own:
    """What an SDFG exported by sluice tells its importer beyond its structure."""

    def __init__(self, facts: dict[str, Any]) -> None:
        self.facts = facts
        self.names: dict[str, str] = dict(facts.get("names", {}))  # SDFG name -> sluice
        self.states: dict[str, str] = dict(facts.get("states", {}))
        self.maps: dict[str, list[str]] = dict(facts.get("maps", {}))
        self.scopes: dict[tuple[str, str, str], Any] = {
            (str(s), str(n), str(c)): m for s, n, c, m in facts.get("scopes", [])
        }
        self.values: dict[str, sympy.Basic] = {}  # sl_v scalar -> the value it holds
        self.subst: dict[str, sympy.Basic] = {}  # SDFG symbol -> its sluice expression
        self.requires: list[Requirement] = []
        self.scalars: frozenset[str] = frozenset()  # (value symbols in expressions)
        self.locs = {(str(s), str(k)): loc for s, k, loc in facts.get("locs", [])}
        self.selects = {parse_expr(k): parse_expr(v) for k, v in facts.get("selects", [])}
        self.copies = {tuple(c[:5]): (c[5], c[6]) for c in facts.get("copies", [])}

    @staticmethod
    def of(js: dict[str, Any]) -> Own | None:
        """The markers of an SDFG sluice exported; None for any other SDFG. Raises
        MarkerError where its global code was edited."""
        facts = read_facts(global_code(js))
        return None if facts is None else Own(facts)

    # --- names ---------------------------------------------------------------------------
    def data(self, name: str) -> str:
        return self.names.get(name, name)

    def declare(self, prog: Any, sdfg_symbols: dict[str, Any]) -> None:
        """The Program's declarations, in sluice's order, from the facts."""
        from sluice.ir.dtypes import DType
        from sluice.ir.serialize import _container_from

        f = self.facts
        prog.data.update({k: _container_from(c) for k, c in f["data"]})
        prog.symbols.update({k: DType(v) for k, v in f["symbols"]})
        prog.args[:] = list(f["args"])
        prog.returns[:] = list(f["returns"])
        self.scalars = frozenset(k for k, c in prog.data.items() if isinstance(c, Scalar))
        for s in sdfg_symbols:
            if s.startswith("sl_s_"):
                self.subst[s] = symbol(s[len("sl_s_") :])

    def expr(self, text: str) -> sympy.Basic:
        """An expression in the IR's text spelling (the exporter's markers, and the
        conditions and assignments it wrote), with the exporter's symbols substituted."""
        return rewritten(substitute(parse_expr(text, self.scalars), self.subst))

    def exported(self, sdfg_name: str, prog: Any) -> bool:
        """Whether the exporter wrote the SDFG container `sdfg_name` (a sluice container,
        a component of one, or a scalar of its own); False for one added in DaCe."""
        name = self.data(sdfg_name)
        return (
            name in prog.data
            or self.csr_base(name, prog) is not None
            or re.fullmatch(r"sl_v\d+", sdfg_name) is not None
        )

    def unname(self, name: str) -> str:
        """A symbol's sluice name (`sl_s_re` -> `re`)."""
        return name[len("sl_s_") :] if name.startswith("sl_s_") else name

    def text(self, code: str, prog: Any) -> str:
        """A condition or assignment's text with sluice's container names: a boxed scalar's
        `name[0]` reads the scalar."""
        for sdfg_name, sl in self.names.items():
            c = prog.data.get(sl)
            pat = rf"\b{re.escape(sdfg_name)}\b" + (
                r"\s*\[\s*0\s*\]" if isinstance(c, Scalar) else ""
            )
            code = re.sub(pat, sl, code)
        return code

    # --- states --------------------------------------------------------------------------
    def helper_state(self, st: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
        """(kind, payloads) of a state the exporter added (zeroing, requires, check, computed
        values, an empty link state); None for a state of the program."""
        label = str(st.get("label", ""))
        nodes = st.get("nodes", [])
        if not nodes:
            return None if label in self.states else ("empty", [])
        payloads = []
        for n in nodes:
            if n.get("type") in ("AccessNode", "MapEntry", "MapExit"):
                continue
            if n.get("type") != "Tasklet":
                return None  # (the exporter's states hold no other nodes)
            lang, code = tasklet_code(n)
            if lang != "CPP":
                return None
            try:
                p = read_mark(code)
            except MarkerError:
                return None  # (refused, naming the tasklet, where the state is imported)
            if p is None or p.get("kind") not in HELPER_KINDS:
                return None
            payloads.append(p)
        kinds = {p["kind"] for p in payloads}
        if not kinds or label in self.states:
            return None
        if kinds <= {"requires", "size"}:
            return "requires", payloads
        if kinds == {"check"} and len(nodes) != 1:
            return None  # (a Check state holds its one tasklet)
        if len(kinds) == 1:
            return kinds.pop(), payloads
        return None

    def take_helper(
        self, kind: str, payloads: list[dict[str, Any]], st: dict[str, Any]
    ) -> Requirement | None:
        """Record what a helper state says; a Check block's requirement for a `check`."""
        if kind == "requires":
            for p in payloads:
                if p["kind"] == "requires":
                    self.requires.append(requirement_from_json(p["req"]))
                else:
                    self.subst[p["name"]] = self.expr(p["expr"])
        elif kind == "value":
            by_id = {str(n["id"]): n for n in st.get("nodes", [])}
            for e in st.get("edges", []):
                src = by_id.get(str(e["src"]), {})
                if src.get("type") == "Tasklet":
                    scalar = by_id[str(e["dst"])]["attributes"]["data"]
                    p = read_mark(tasklet_code(src)[1])
                    assert p is not None
                    self.values[scalar] = self.expr(p["expr"])
        elif kind == "check":
            return requirement_from_json(payloads[0]["req"])
        return None

    def assignment(self, key: str, text: str) -> tuple[str, sympy.Basic] | None:
        """An interstate assignment: None where it defines one of the exporter's symbols
        (recorded as a substitution), else the sluice symbol and, where the value is a
        computed scalar, that value."""
        value = self.values.get(text.strip())
        if key.startswith("sl_late"):
            if value is None:
                value = self.expr(text)
            self.subst[key] = value
            return None
        return self.unname(key), value

    # --- nodes ---------------------------------------------------------------------------
    def map_label(self, label: str) -> tuple[str, str, SourceLocation | None] | None:
        """A map's sluice label, schedule and source location, by its SDFG label."""
        got = self.maps.get(label)
        if got is None:
            return None
        return got[0], got[1], None if got[2] is None else SourceLocation(*got[2])

    def locate(self, node: Node, state: str, key: str) -> None:
        """Give access node `node` the source location the exporter noted under `key` (an
        SDFG node id, or `map label:connector`) in `state`."""
        loc = self.locs.get((state, key))
        if loc is not None and node.loc is None:
            node.loc = SourceLocation(*loc)

    def scope_memlet(
        self, state: str, map_label: str, conn: str | None
    ) -> tuple[bool, Memlet | None]:
        """(whether the exporter noted this scope edge, the sluice memlet: None where
        sluice's map had no such outer edge)."""
        key = (state, map_label, str(conn))
        if key not in self.scopes:
            return False, None
        return True, memlet_from_json(self.scopes[key])

    def copy_memlet(
        self, state: str, e: dict[str, Any], sdfg_memlet: dict[str, Any]
    ) -> Memlet | None:
        """The sluice memlet of a copy the exporter noted (an index is no DaCe range), while
        the SDFG's memlet is still the one it wrote."""
        key = (
            state,
            str(e["src"]),
            str(e.get("src_connector")),
            str(e["dst"]),
            str(e.get("dst_connector")),
        )
        got = self.copies.get(key)
        if got is None or got[0] != [sdfg_memlet.get("subset"), sdfg_memlet.get("other_subset")]:
            return None
        return memlet_from_json(got[1])

    def csr_base(self, data: str, prog: Any) -> str | None:
        """The CSR container whose component `data` (a sluice name) is, if any."""
        base, dot, _ = data.partition(".")
        return base if dot and isinstance(prog.data.get(base), CSR) else None
