"""One SDFG state as a sluice dataflow graph: access nodes, tasklets, map scopes, library
nodes, nested SDFGs (as `Call`s of callee programs) and memlets.

DaCe routes a map's data through the MapEntry/MapExit connectors; a sluice map body names the
containers directly, so each inner edge from the entry (to the exit) starts (ends) at an access
node inside the body, and the outer edges keep DaCe's propagated memlets. Views are folded
into the container they view, with their subsets composed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy

from sluice.interop.sdfg_import import Importer, describe, refuse
from sluice.interop.sdfg_import_code import CodeError, index_expr, tasklet_code, wcr_op
from sluice.interop.sdfg_marker import MarkerError, memlet_from_json, node_from_json, read_mark
from sluice.ir.control import State
from sluice.ir.data import CSR, Scalar, Stream
from sluice.ir.dtypes import DType
from sluice.ir.exact import neg
from sluice.ir.graph import DataflowGraph
from sluice.ir.library import MatMul, Reduce, Transpose
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import Access, Call, Map, Node, Schedule, Tasklet
from sluice.ir.symbolic import simplified

if TYPE_CHECKING:
    from sluice.ir.library import LibraryNode

DaceRange = tuple[sympy.Basic, sympy.Basic, sympy.Basic]  # start, inclusive end, step

# DaCe library node class -> (sluice class, connector renaming, squeeze unit dims)
_BLAS = {"_a": "a", "_b": "b", "_c": "c"}
_LIBRARIES: dict[str, tuple[type, dict[str, str], bool]] = {
    "MatMul": (MatMul, _BLAS, True),
    "Gemm": (MatMul, _BLAS, True),
    "Gemv": (MatMul, {"_A": "a", "_x": "b", "_y": "c"}, True),
    "Dot": (MatMul, {"_x": "a", "_y": "b", "_result": "c"}, True),
    "Reduce": (Reduce, {"_in": "inp", "_out": "out"}, False),
    "Transpose": (Transpose, {"_inp": "inp", "_out": "out"}, False),
}


def _ranges(subset: Any) -> list[DaceRange] | None:
    if not subset:
        return None
    if subset.get("type") == "Indices":
        return [(index_expr(i),) * 2 + (sympy.Integer(1),)
                for i in subset.get("indices", [])]
    out = []
    for r in subset.get("ranges", []):
        if str(r.get("tile", "1")) != "1":
            raise CodeError("tiled ranges are not supported")
        out.append((index_expr(r["start"]), index_expr(r["end"]), index_expr(r.get("step", 1))))
    return out


def _unit(r: DaceRange) -> bool:
    return simplified(r[1] - r[0]) == 0


def _dim(r: DaceRange, index: bool) -> Index | Range:
    if index:
        return Index(r[0])
    if r[2].is_number and r[2] <= 0:
        raise CodeError(f"range with step {r[2]} (sluice ranges step forward)")
    return Range(r[0], r[1] + 1, r[2])


def _compose(view_shape: tuple, viewed: list[DaceRange], sub: list[DaceRange]) \
        -> list[DaceRange]:
    """The viewed container's ranges that `sub` (ranges of the view) addresses."""
    outer = [k for k, r in enumerate(viewed) if not _unit(r)]
    inner = [k for k, d in enumerate(view_shape) if simplified(d - 1) != 0]
    if len(outer) != len(inner) or len(sub) != len(view_shape):
        raise CodeError("the view reshapes the viewed container")
    out = [(r[0], r[0], sympy.Integer(1)) for r in viewed]
    for k_out, k_in in zip(outer, inner, strict=True):
        s, _, st = viewed[k_out]
        a, b, c = sub[k_in]
        out[k_out] = (s + a * st, s + b * st, c * st)
    return out


class StateImport:
    """Translates one SDFGState (see the module docstring)."""

    def __init__(self, imp: Importer, st: dict[str, Any], name: str) -> None:
        self.imp = imp
        self.st = st
        self.name = name
        self.label = st.get("label", name)
        self.nodes: dict[str, dict[str, Any]] = {str(n["id"]): n for n in st.get("nodes", [])}
        self.edges = st.get("edges", [])
        self.graphs: dict[str | None, DataflowGraph] = {}
        self.sl: dict[str, Node] = {}  # DaCe node id -> sluice node
        self.views: dict[str, tuple[str, list[DaceRange]]] = {}  # view data -> viewed
        self.view_edges: set[int] = set()
        self.body_reads: dict[tuple[str, str], Access] = {}
        self.params: dict[str, DType] = {}
        self.csr_nodes: dict[str, Access] = {}  # CSR -> its access node being read
        self.marks: dict[str, dict[str, Any]] = {}  # node id -> a sluice tasklet's marker
        self.seen: set[tuple[str, str]] = set()  # (library node, connector) with an edge
        self.unlinked: set[str] = set()  # access nodes of edges dropped as the exporter's
        self.readers_made: set[tuple[str, str]] = set()  # (map entry, data) made up front

    def where(self, n: dict[str, Any]) -> str:
        return describe(n, self.label, self.imp._where())

    def scope(self, nid: str) -> str | None:
        n = self.nodes[nid]
        if n["type"] == "MapExit":  # its scope_entry is its own entry
            nid = str(n["scope_entry"])
            n = self.nodes[nid]
        s = n.get("scope_entry")
        return None if s is None else str(s)

    def run(self) -> State:
        state = State(self.name)
        self.graphs[None] = state.graph
        for n in self.nodes.values():
            if n["type"] in ("MapEntry", "ConsumeEntry"):
                self._params(n)
        self._find_views()
        # (outer scopes first: a transformation may number a body before its map entry)
        for nid, n in sorted(self.nodes.items(), key=lambda kv: self._depth(kv[0])):
            self._node(nid, n)
        for k, e in enumerate(self.edges):
            if k not in self.view_edges:
                self._edge(e)
        for key in self.readers_made:
            node = self.body_reads[key]
            g = self.graph(key[0])
            if not g.in_edges(node) and not g.out_edges(node):
                g.remove_node(node)
        for nid in self.unlinked:  # (its only edges had no sluice counterpart)
            node = self.sl[nid]
            g = self.graph(self.scope(nid))
            if not g.in_edges(node) and not g.out_edges(node):
                g.remove_node(node)
        self._bring_in_outputs()
        return state

    def _depth(self, nid: str) -> int:
        d, s = 0, self.scope(nid)
        while s is not None:
            d, s = d + 1, self.scope(s)
        return d

    def _bring_in_outputs(self) -> None:
        """A map whose body reads what only its outputs name (a call's output passed in):
        its outer graph reads that subset too, innermost maps first."""
        entries = sorted((k for k, n in self.nodes.items() if n["type"] == "MapEntry"),
                         key=self._depth, reverse=True)
        for eid in entries:
            m = self.sl[eid]
            parent = self.scope(eid)
            g = self.graph(parent)
            brought = {e.memlet.data for e in g.in_edges(m) if e.memlet is not None}
            for (scope, data) in list(self.body_reads):
                if scope != eid or data in brought:
                    continue
                outs = [e.memlet for e in g.out_edges(m)
                        if e.memlet is not None and e.memlet.data == data]
                if outs:
                    g.connect(self._reader(parent, data), m, Memlet(data, outs[0].subset))

    def _params(self, n: dict[str, Any]) -> None:
        if n["type"] != "MapEntry":
            raise refuse(self.where(n), "consume scopes have no sluice counterpart")
        for p in n["attributes"].get("params", []):
            self.params[p] = DType.int64

    # --- views -----------------------------------------------------------------------------
    def _find_views(self) -> None:
        """Each view node's viewed container and subset, from its `views` edge."""
        self.alias: dict[str, str] = {}
        for k, e in enumerate(self.edges):
            sid, did = str(e["src"]), str(e["dst"])
            if e.get("dst_connector") == "views":
                vid, oid = did, sid
            elif e.get("src_connector") == "views":
                vid, oid = sid, did
            else:
                continue
            v, other = self.nodes[vid], self.nodes[oid]
            if v["type"] != "AccessNode" or other["type"] != "AccessNode":
                raise refuse(self.where(v), "a view connected to a node other than an "
                             "access node")
            vdata, odata = v["attributes"]["data"], other["attributes"]["data"]
            m = self._memlet_attrs(e)
            sub = m.get("subset") if m.get("data") == odata else m.get("other_subset")
            try:
                rs = _ranges(sub)
            except CodeError as err:
                raise refuse(self.where(v), str(err)) from None
            if rs is None:
                rs = [(sympy.Integer(0), d - 1, sympy.Integer(1)) for d in self._shape(odata)]
            if vdata in self.views and self.views[vdata] != (odata, rs):
                raise refuse(self.where(v), f"view '{vdata}' views two different subsets "
                             "in one state")
            self.views[vdata] = (odata, rs)
            self.view_edges.add(k)
            self.alias[vid] = oid

    def _shape(self, data: str) -> tuple:
        a = self.imp.arrays[data]
        if a.get("type") == "Scalar":
            return (sympy.Integer(1),)
        return tuple(index_expr(d) for d in a["attributes"].get("shape", []))

    def resolve(self, data: str, rs: list[DaceRange] | None, n: dict[str, Any]) \
            -> tuple[str, list[DaceRange] | None]:
        """A memlet of a view as a memlet of the container it views (through chains)."""
        while self.imp.is_view(data):
            if data not in self.views:
                raise refuse(self.where(n), f"it accesses view '{data}', whose viewed "
                             "container is not connected in this state")
            odata, viewed = self.views[data]
            shape = self._shape(data)
            if rs is None:
                rs = [(sympy.Integer(0), d - 1, sympy.Integer(1)) for d in shape]
            try:
                rs = _compose(shape, viewed, rs)
            except CodeError as err:
                raise refuse(self.where(n), f"view '{data}': {err}") from None
            data = odata
        return data, rs

    # --- nodes -----------------------------------------------------------------------------
    def graph(self, scope: str | None) -> DataflowGraph:
        return self.graphs[scope]

    def _node(self, nid: str, n: dict[str, Any]) -> None:
        kind = n["type"]
        if kind == "AccessNode":
            data = n["attributes"]["data"]
            if self.imp.is_view(data):
                if nid not in self.alias:
                    raise refuse(self.where(n), f"view '{data}' is not connected to the "
                                 "container it views")
                return
            if data in self.imp.unusable:
                raise refuse(self.where(n), self.imp.unusable[data])
            data = self.imp.sluice_data(data)
            own = self.imp.own
            base = None if own is None else own.csr_base(data, self.imp.prog)
            if base is not None and self._csr_parts(nid, base):
                return
            if data not in self.imp.prog.data and base is None:
                raise refuse(self.where(n), f"no container '{data}'")
            if nid in self.alias:
                raise refuse(self.where(n), "a container node with a 'views' connector")
            self.sl[nid] = self.graph(self.scope(nid)).add(Access(data))
            if own is not None:
                own.locate(self.sl[nid], self.label, nid)
        elif kind == "MapEntry":
            self._map(nid, n)
        elif kind == "MapExit":
            pass  # the Map node stands for both ends
        elif kind == "Tasklet":
            self._tasklet(nid, n)
        elif kind == "LibraryNode":
            self._library(nid, n)
        elif kind == "NestedSDFG":
            self._nested(nid, n)
        else:
            raise refuse(self.where(n), f"{kind} nodes have no sluice counterpart")

    def _csr_parts(self, nid: str, base: str) -> bool:
        """Whether access node `nid` is one of the three the exporter writes, in a row, for
        one access node of CSR `base` (its component arrays): then it is that node."""
        data = self.imp.sluice_data(self.nodes[nid]["attributes"]["data"])
        first = int(nid) - CSR.COMPONENTS.index(data.split(".")[1])
        ids = [str(first + k) for k in range(len(CSR.COMPONENTS))]
        names = [self.imp.sluice_data(self.nodes[i]["attributes"].get("data", ""))
                 if self.nodes.get(i, {}).get("type") == "AccessNode" else None for i in ids]
        if names != [f"{base}.{k}" for k in CSR.COMPONENTS]:
            return False
        if ids[0] not in self.sl:
            self.sl[ids[0]] = self.graph(self.scope(ids[0])).add(Access(base))
            self.imp.own.locate(self.sl[ids[0]], self.label, ids[0])
        self.sl[nid] = self.sl[ids[0]]
        return True

    def _map(self, nid: str, n: dict[str, Any]) -> None:
        a = n["attributes"]
        try:
            rs = _ranges(a.get("range"))
            ranges = [_dim(r, False) for r in rs or []]
        except CodeError as err:
            raise refuse(self.where(n), str(err)) from None
        body = DataflowGraph()
        params = list(a.get("params", []))
        lab, schedule = a.get("label", "map"), Schedule.default
        own = self.imp.own
        if own is not None:
            params = [own.unname(p) for p in params]
            named = own.map_label(lab)
            if named is not None:
                lab, schedule = named[0], Schedule(named[1])
        m = Map(params, ranges, body, schedule, lab)
        if own is not None and named is not None:
            m.loc = named[2]
        self.graphs[nid] = body
        self.sl[nid] = self.graph(self.scope(nid)).add(m)
        if own is not None:
            self._readers_first(nid)

    def _map_label(self, nid: str) -> str:
        """The label of the map whose entry or exit `nid` is (DaCe's node label is
        another text after a re-save)."""
        n = self.nodes[nid]
        if n["type"] == "MapExit":
            n = self.nodes[str(n["scope_entry"])]
        return str(n["attributes"].get("label", n.get("label")))

    def _readers_first(self, nid: str) -> None:
        """A map body's access nodes that read from outside, first, in the order of its
        entry's connectors (as sluice's builder writes bodies; unused ones go again)."""
        for e in self._in_edges(nid):
            data = self._memlet_attrs(e).get("data")
            if data is None or self.imp.own.csr_base(data, self.imp.prog) is not None:
                continue
            if (nid, data) not in self.body_reads:
                self.readers_made.add((nid, data))
                reader = self._reader(nid, data)
                key = f"{self._map_label(nid)}:{e.get('dst_connector')}"
                self.imp.own.locate(reader, self.label, key)

    def _in_edges(self, nid: str) -> list[dict[str, Any]]:
        return [e for e in self.edges if str(e["dst"]) == nid]

    def _out_edges(self, nid: str) -> list[dict[str, Any]]:
        return [e for e in self.edges if str(e["src"]) == nid]

    def _edge_data(self, e: dict[str, Any], n: dict[str, Any]) -> str | None:
        data = self._memlet_attrs(e).get("data")
        if data in self.imp.unusable:
            raise refuse(self.where(n), self.imp.unusable[data])
        return None if data is None else self.resolve(data, None, n)[0]

    def _tasklet(self, nid: str, n: dict[str, Any]) -> None:
        a = n["attributes"]
        code = a.get("code", {})
        if code.get("language", "Python") != "Python" and self.imp.own is not None:
            self._own_tasklet(nid, n, str(code.get("string_data", "")))
            return
        if code.get("language", "Python") != "Python":
            hint = ("this SDFG was written by sluice's exporter without the markers it "
                    "reads its C++ tasklets back by (an older sluice, or its global code "
                    "was cut): export the source program again"
                    if self.imp.written_by_sluice() else None)
            raise refuse(self.where(n), f"its code is {code.get('language')}, not Python",
                         hint=hint)
        inputs: dict[str, DType] = {}
        outputs: dict[str, DType] = {}
        negate: set[str] = set()
        for e in self._in_edges(nid):
            data = self._edge_data(e, n)
            if data is not None and e.get("dst_connector"):
                inputs[e["dst_connector"]] = self.imp.prog.container(data).dtype
        for e in self._out_edges(nid):
            data = self._edge_data(e, n)
            if data is not None and e.get("src_connector"):
                outputs[e["src_connector"]] = self.imp.prog.container(data).dtype
                wcr = self._memlet_attrs(e).get("wcr")
                if wcr and self._wcr(wcr, n) == "-":
                    negate.add(e["src_connector"])
        symbols = {**self.imp.prog.symbols, **self.params}
        try:
            body = tasklet_code(code.get("string_data", ""), inputs, outputs, symbols)
        except CodeError as err:
            raise refuse(self.where(n), str(err)) from None
        if not outputs:
            raise refuse(self.where(n), "it has no outputs (side effects are not imported)")
        body = [(o, neg(e) if o in negate else e) for o, e in body]
        t = Tasklet(list(inputs), list(outputs), body, label=a.get("label") or n["label"])
        self.sl[nid] = self.graph(self.scope(nid)).add(t)

    def _own_tasklet(self, nid: str, n: dict[str, Any], code: str) -> None:
        """A C++ tasklet sluice's exporter wrote: the IR node its marker holds."""
        try:
            mark = read_mark(code)
        except MarkerError as err:
            raise refuse(self.where(n), f"{err}: it was edited after sluice exported it",
                         hint="sluice reads its own C++ tasklets only as it wrote them; "
                              "edit the sluice program and export it again") from None
        if mark is None or mark.get("kind") not in ("tasklet", "library"):
            raise refuse(self.where(n), "its code is C++ without a sluice marker for this "
                         "place", hint="sluice reads C++ tasklets only where it wrote them")
        self.marks[nid] = mark
        self.sl[nid] = self.graph(self.scope(nid)).add(node_from_json(mark["node"]))

    def _wcr(self, text: str, n: dict[str, Any]) -> str:
        try:
            return wcr_op(text)
        except CodeError as err:
            raise refuse(self.where(n), str(err)) from None

    def _library(self, nid: str, n: dict[str, Any]) -> None:
        cls_name = str(n.get("classpath", "")).rsplit(".", 1)[-1]
        a = n["attributes"]
        entry = _LIBRARIES.get(cls_name)
        if entry is None:
            raise refuse(self.where(n), f"library node {cls_name or '?'} has no sluice "
                         "counterpart")
        cls = entry[0]
        for k, ok in (("alpha", 1), ("beta", 0)):
            if k in a and float(a[k]) != ok:
                raise refuse(self.where(n), f"{k} = {a[k]} (only alpha 1 and beta 0 import)")
        if cls is MatMul:
            node: LibraryNode = MatMul(transpose_a=bool(a.get("transA", False)),
                                       transpose_b=bool(a.get("transB", False)))
        elif cls is Reduce:
            op = self._wcr(a.get("wcr") or "(lambda a, b: a + b)", n)
            if op == "-":
                raise refuse(self.where(n), "a reduction by subtraction")
            axes = a.get("axes")
            ident = a.get("identity")
            node = Reduce(op=op, axes=None if axes is None else [int(x) for x in axes],
                          identity=ident)
        else:
            axes = a.get("axes")
            node = Transpose(axes=None if axes is None else [int(x) for x in axes])
        self.sl[nid] = self.graph(self.scope(nid)).add(node)

    def _nested(self, nid: str, n: dict[str, Any]) -> None:
        from sluice.interop.sdfg_import import Importer as Imp

        a = n["attributes"]
        ins = [e["dst_connector"] for e in self._in_edges(nid) if e.get("dst_connector")]
        outs = [e["src_connector"] for e in self._out_edges(nid) if e.get("src_connector")]
        args = list(dict.fromkeys(ins + outs))
        sub = Imp(a["sdfg"], self.imp.callee_name(a.get("label") or n["label"]), args)
        callee = sub.program()
        if self.imp.own is not None and sub.own is not None and "call" in sub.own.facts:
            call = node_from_json(sub.own.facts["call"])  # (as sluice wrote the call)
            assert isinstance(call, Call)
            self.imp.prog.callees[call.callee] = callee
            self.sl[nid] = self.graph(self.scope(nid)).add(call)
            return
        self.imp.prog.callees[callee.name] = callee
        for name, c in callee.callees.items():
            self.imp.prog.callees.setdefault(name, c)
        try:
            syms = {k: index_expr(v) for k, v in (a.get("symbol_mapping") or {}).items()}
        except CodeError as err:
            raise refuse(self.where(n), str(err)) from None
        # A nested SDFG's outputs alias the caller's memory (it may read them, or combine
        # into them with wcr): pass each output in as well.
        node = Call(callee.name, args, list(dict.fromkeys(outs)), syms)
        self.sl[nid] = self.graph(self.scope(nid)).add(node)

    # --- edges -----------------------------------------------------------------------------
    def _memlet_attrs(self, e: dict[str, Any]) -> dict[str, Any]:
        m = (e.get("attributes", {}).get("data") or {}).get("attributes", {}) or {}
        if self.imp.own is not None and m.get("data") is not None:
            m = {**m, "data": self.imp.sluice_data(m["data"])}
        return m

    def _endpoint(self, nid: str) -> str:
        while nid in self.alias:
            nid = self.alias[nid]
        return nid

    def _edge(self, e: dict[str, Any]) -> None:
        sid, did = self._endpoint(str(e["src"])), self._endpoint(str(e["dst"]))
        src, dst = self.nodes[sid], self.nodes[did]
        m = self._memlet_attrs(e)
        data = m.get("data")
        inner_src = src["type"] == "MapEntry" and self.scope(did) == sid
        inner_dst = dst["type"] == "MapExit"
        if inner_src:
            scope = sid
        elif inner_dst:
            scope = str(dst["scope_entry"])
        else:
            scope = self.scope(sid) if src["type"] != "MapEntry" else self.scope(did)
        g = self.graph(scope)
        if data is None:  # an ordering edge
            if not (inner_src or inner_dst):
                g.connect(self.sl[sid], self.sl[did], None)
            return
        own = self._own_memlet(e, sid, did)
        if own is not None:
            if own is False:
                self.unlinked |= {n for n in (sid, did) if self.nodes[n]["type"] == "AccessNode"}
                return
            memlet, mdata = own, own.data
        else:
            try:  # (memlets name the view nodes' own data: resolved through the views)
                memlet, mdata = self._memlet(e, m, self.nodes[str(e["src"])],
                                             self.nodes[str(e["dst"])])
            except CodeError as err:
                raise refuse(self.where(dst if dst["type"] != "AccessNode" else src),
                             str(err)) from None
        if inner_src:
            s_node = self._reader(sid, mdata)
        elif src["type"] == "MapExit":
            s_node = self.sl[str(src["scope_entry"])]
        else:
            s_node = self.sl[sid]
        if inner_dst:
            d_node = g.add(Access(mdata))
            if self.imp.own is not None:
                key = f"{self._map_label(did)}:{e.get('dst_connector')}"
                self.imp.own.locate(d_node, self.label, key)
        else:
            d_node = self.sl[did]
        conn = e.get("src_connector")
        if src["type"] == "NestedSDFG" and conn not in self._in_conns(sid) \
                and self.imp.own is None:
            g.connect(self._reader(scope, mdata), s_node, Memlet(mdata, memlet.subset), None,
                      conn)
        g.connect(s_node, d_node, memlet, self._conn(src, e.get("src_connector"), False),
                  self._conn(dst, e.get("dst_connector"), True))

    def _own_memlet(self, e: dict[str, Any], sid: str, did: str) -> Memlet | bool | None:
        """The sluice memlet of an edge where the exporter's markers give it (False: the
        edge has no sluice counterpart); None where the SDFG's memlet is sluice's."""
        own = self.imp.own
        if own is None:
            return None
        if self.nodes[sid]["type"] == "AccessNode" == self.nodes[did]["type"]:
            raw = (e.get("attributes", {}).get("data") or {}).get("attributes") or {}
            return own.copy_memlet(self.label, e, raw)
        for nid, conn in ((did, e.get("dst_connector")), (sid, e.get("src_connector"))):
            node = self.nodes[nid]
            noted, m = False, None
            if node["type"] in ("MapEntry", "MapExit"):
                noted, m = own.scope_memlet(self.label, self._map_label(nid), conn)
            if noted:
                return False if m is None else m
            mark = self.marks.get(nid)
            if mark is None or conn is None:
                continue
            if mark["kind"] == "tasklet":
                sl_conn = mark["conns"].get(conn, conn)
                if sl_conn in mark["at"]:
                    return memlet_from_json(mark["at"][sl_conn])
            else:
                sl_conn = mark["operands"][conn]
                if (nid, sl_conn) in self.seen:
                    return False  # (a CSR operand's second and third arrays)
                self.seen.add((nid, sl_conn))
                return memlet_from_json(mark["memlets"][sl_conn])
        return None

    def _in_conns(self, nid: str) -> set[str]:
        return {e.get("dst_connector") for e in self._in_edges(nid)}

    def _reader(self, scope: str | None, data: str) -> Access:
        """The access node a map body (or the state) reads `data` from."""
        key = (scope or "", data)
        a = self.body_reads.get(key)
        if a is None:
            a = self.body_reads[key] = self.graph(scope).add(Access(data))
        return a

    def _conn(self, n: dict[str, Any], conn: str | None, incoming: bool) -> str | None:
        if n["type"] in ("MapEntry", "MapExit", "AccessNode"):
            return None
        mark = self.marks.get(str(n["id"]))
        if mark is not None:
            names = mark["conns"] if mark["kind"] == "tasklet" else mark["operands"]
            return names.get(conn, conn)
        if n["type"] == "LibraryNode":
            cls_name = str(n.get("classpath", "")).rsplit(".", 1)[-1]
            names = _LIBRARIES[cls_name][1]
            node = self.sl[str(n["id"])]
            own = node.in_connectors if incoming else node.out_connectors
            if conn is None and len(own) == 1:  # (DaCe leaves a sole connector unnamed)
                return own[0]
            if conn not in names:
                raise refuse(self.where(n), f"connector '{conn}' has no sluice counterpart")
            return names[conn]
        return conn

    def _memlet(self, e: dict[str, Any], m: dict[str, Any], src: dict[str, Any],
                dst: dict[str, Any]) -> tuple[Memlet, str]:
        data = m["data"]
        wcr = m.get("wcr")
        op = wcr_op(wcr) if wcr else None
        if op == "-":
            if src["type"] not in ("Tasklet", "MapExit"):
                raise CodeError("subtraction as write-conflict resolution of a copy")
            op = "+"  # the tasklet writes the negated value
        if src["type"] == "AccessNode" and dst["type"] == "AccessNode":
            copy = self._copy(m, src, dst, op)
            return copy, copy.data
        rs = _ranges(m.get("subset"))
        data, rs = self.resolve(data, rs, dst if src["type"] == "AccessNode" else src)
        c = self.imp.prog.container(data)
        if isinstance(c, Scalar):
            return Memlet(data, (), op), data
        if isinstance(c, Stream):  # (only sluice's own SDFGs declare streams)
            return Memlet(data, (), op), data
        if rs is None:
            rs = [(sympy.Integer(0), d - 1, sympy.Integer(1)) for d in c.shape]
        ends = [x for x in (src, dst) if x["type"] in ("Tasklet", "LibraryNode", "NestedSDFG")]
        squeeze = False
        if any(x["type"] == "Tasklet" for x in ends):
            if not all(_unit(r) for r in rs):
                raise CodeError(f"memlet {data} moves more than one element into a tasklet "
                                "connector")
            squeeze = True
        elif any(x["type"] == "LibraryNode" for x in ends):
            lib = next(x for x in ends if x["type"] == "LibraryNode")
            squeeze = _LIBRARIES[str(lib.get("classpath", "")).rsplit(".", 1)[-1]][2]
        elif any(x["type"] == "NestedSDFG" for x in ends):
            nest = next(x for x in ends if x["type"] == "NestedSDFG")
            conn = e.get("dst_connector") if nest is dst else e.get("src_connector")
            inner = nest["attributes"]["sdfg"]["attributes"]["_arrays"].get(conn, {})
            rank = len(inner.get("attributes", {}).get("shape", []))
            if inner.get("type") == "Scalar":
                rank = 0
            squeeze = rank != len(rs)
            self._check_passed(nest, conn, inner, rs, squeeze)
        subset = tuple(_dim(r, squeeze and _unit(r)) for r in rs)
        return Memlet(data, subset, op), data

    def _check_passed(self, nest: dict[str, Any], conn: str, inner: dict[str, Any],
                      rs: list[DaceRange], squeeze: bool) -> None:
        """The subset a caller passes must have the callee's shape: DaCe lets a nested
        SDFG see contiguous memory in another shape, which sluice cannot."""
        got = [simplified(r[1] - r[0] + 1) for r in rs if not (squeeze and _unit(r))]
        if inner.get("type") == "Scalar":
            want: list[Any] = []
        else:
            mapping = {k: index_expr(v) for k, v in
                       (nest["attributes"].get("symbol_mapping") or {}).items()}
            want = [index_expr(d).subs({sympy.Symbol(k, integer=True): v
                                        for k, v in mapping.items()})
                    for d in inner.get("attributes", {}).get("shape", [])]
        if len(got) != len(want) or any(
                simplified(g - w).is_number and simplified(g - w) != 0
                for g, w in zip(got, want, strict=True)):
            raise CodeError(f"connector '{conn}' sees the caller's subset of shape "
                            f"{[str(g) for g in got]} as shape {[str(w) for w in want]} "
                            "(a reshape sluice cannot express)")

    def _copy(self, m: dict[str, Any], src: dict[str, Any], dst: dict[str, Any],
              op: str | None) -> Memlet:
        sdata = self.imp.sluice_data(src["attributes"]["data"])
        ddata = self.imp.sluice_data(dst["attributes"]["data"])
        if m.get("data") == sdata:
            s_sub, d_sub = m.get("subset"), m.get("other_subset")
        else:
            s_sub, d_sub = m.get("other_subset"), m.get("subset")
        s_data, s_rs = self.resolve(sdata, _ranges(s_sub), src)
        d_data, d_rs = self.resolve(ddata, _ranges(d_sub), dst)
        out = []
        for data, rs in ((s_data, s_rs), (d_data, d_rs)):
            c = self.imp.prog.container(data)
            if isinstance(c, Scalar):
                out.append(())
                continue
            if rs is None:
                rs = [(sympy.Integer(0), d - 1, sympy.Integer(1)) for d in c.shape]
            out.append(rs)
        a, b = out
        # both sides drop unit dimensions the other lacks, so the shapes agree
        if a and b and len(a) != len(b):
            a = [_dim(r, _unit(r)) for r in a]
            b = [_dim(r, _unit(r)) for r in b]
        else:
            a = [_dim(r, False) for r in a]
            b = [_dim(r, False) for r in b]
        return Memlet(s_data, tuple(a), op, d_data, tuple(b))


def import_state(imp: Importer, st: dict[str, Any], name: str) -> State:
    return StateImport(imp, st, name).run()
