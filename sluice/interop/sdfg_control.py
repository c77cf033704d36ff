"""Structured control flow as DaCe control-flow regions (a mixin of `sdfg_export.Exporter`).

`Loop` and `While` become LoopRegions, `Branch` a ConditionalBlock, `Assign` the assignments
of the interstate edge to the next block, `Break`/`Continue`/`Return` DaCe's blocks of the
same names, `Check` a tasklet that stops the program. Conditions and assigned values are
DaCe's Python where DaCe evaluates them as sluice does; other integer values are computed by
C++ tasklets into scalars that the interstate edges read.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from sluice.errors import UnsupportedError
from sluice.interop import sdfg_code
from sluice.interop.sdfg_dataflow import Level, StateBuilder
from sluice.interop.sdfg_json import (
    _DERIVED,
    Derived,
    checked,
    code,
    dsym,
    interstate,
    memlet,
    rng,
    state,
    sym,
)
from sluice.interop.sdfg_marker import mark, requirement_json
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
from sluice.ir.data import Scalar
from sluice.ir.dtypes import DType
from sluice.ir.requires import Requirement
from sluice.ir.symbolic import free_names, to_text

if TYPE_CHECKING:
    from sluice.ir.program import Program


class ControlFlow:
    """Regions, blocks, conditions and assignments of one exported Program."""

    p: Program
    code: list[str]
    names: dict[str, str]
    scalars: dict[str, Any]
    n_late: int
    p_symbols_extra: dict[str, str]
    state_names: dict[str, str]

    # (and Exporter's `unique` label maker and `_boxed` test)

    def region(self, r: Region, kind: str, first: list[dict] | None = None) -> dict[str, Any]:
        nodes: list[dict] = []
        edges: list[dict] = []

        def add(js: dict) -> int:
            js["id"] = len(nodes)
            nodes.append(js)
            return js["id"]

        def link(a: int, b: int, assigns: dict[str, str] | None) -> None:
            edges.append({"type": "Edge", "attributes": {"data": interstate(assigns)},
                          "src": str(a), "dst": str(b)})

        prev = None
        for js in first or []:
            cur = add(js)
            if prev is not None:
                link(prev, cur, None)
            prev = cur
        pending: dict[str, str] | None = None
        for b in r.blocks:
            if isinstance(b, Assign):
                values, computed = self._assignment(b)
                if prev is None or pending or computed is not None:
                    nxt = add(computed or state(self.unique("assign")))
                    if prev is not None:
                        link(prev, nxt, pending)
                    prev = nxt
                pending = values
                continue
            if isinstance(b, State | Loop):
                pre, assigns, js = self._late(b)
                if pre is not None:
                    nxt = add(pre)
                    if prev is not None:
                        link(prev, nxt, pending)
                    prev, pending = nxt, assigns
                cur = add(js)
            else:
                cur = add(self.block(b))
            if prev is not None:
                link(prev, cur, pending)
            prev, pending = cur, None
        if prev is None or pending:
            cur = add(state(self.unique("empty")))
            if prev is not None:
                link(prev, cur, pending)
        return {"type": kind, "attributes": {}, "nodes": nodes, "edges": edges,
                "collapsed": False, "label": self.unique("region"), "id": None,
                "cfg_list_id": next(self.shared.cfg_ids), "start_block": 0}

    def _late(self, b: State | Loop) -> tuple[dict | None, dict[str, str], dict[str, Any]]:
        """A state's or loop's JSON; where its sizes, subsets or bounds hold terms DaCe would
        compute otherwise over symbols set by then, also a state before it that computes
        them into scalars, and the interstate assignments that make them symbols (a loop's
        range is evaluated once, before it, as sluice's is)."""
        late = Derived(set(self.p.symbols) - ({b.var} if isinstance(b, Loop) else set()),
                       "sl_late", self.n_late)
        token = _DERIVED.set((*_DERIVED.get(), late))
        try:
            if isinstance(b, Loop):
                bounds = (sym(b.start, b.describe()), sym(b.stop, b.describe()))
            else:
                sb = StateBuilder(self, self.unique(b.name))
                self.state_names[sb.js["label"]] = b.name
                Level(sb, b.graph).emit()
        finally:
            _DERIVED.reset(token)
        self.n_late += len(late.names)  # (before a loop's body takes names of its own)
        js = self._loop(b, *bounds) if isinstance(b, Loop) else sb.js
        if not late.names:
            return None, {}, js
        values = Assign({name: e for e, name in late.names.items()})
        for name in late.names.values():
            self.p_symbols_extra[name] = "int64"
        assigns, pre = self._assignment(values, known=set(late.names.values()))
        return pre, assigns, js

    def block(self, b: Block) -> dict[str, Any]:
        if isinstance(b, While):
            js = self.region(b.body, "LoopRegion")
            js["label"] = self.unique("while")
            js["attributes"] = {"loop_condition": code(self.expr(b.cond, "a while loop"),
                                                       "Python")}
            return js
        if isinstance(b, Branch):
            branches = [[code(self.expr(c, "a branch"), "Python"),
                         self.region(body, "ControlFlowRegion")] for c, body in b.cases]
            if b.orelse is not None:
                branches.append([None, self.region(b.orelse, "ControlFlowRegion")])
            return {"type": "ConditionalBlock", "collapsed": False,
                    "label": self.unique("branch"), "attributes": {}, "branches": branches}
        kinds = {Break: "BreakBlock", Continue: "ContinueBlock", Return: "ReturnBlock"}
        if type(b) in kinds:
            kind = kinds[type(b)]
            return {"type": kind, "collapsed": False, "label": self.unique(kind.lower()),
                    "attributes": {}, "nodes": [], "edges": []}
        if isinstance(b, Check):
            sb = StateBuilder(self, self.unique("check"))
            sb.node(self._check(b.requirement, "check"))
            return sb.js
        raise UnsupportedError(f"cannot export the {b.describe()} to an SDFG")

    def _assignment(self, b: Assign, known: set[str] = frozenset()
                    ) -> tuple[dict[str, str], dict[str, Any] | None]:
        """The interstate assignments of `b`, and the state that computes the values DaCe
        would evaluate otherwise (into scalars the assignments read), if any. `known`:
        symbols of our own being assigned (no value of theirs goes through `expr`)."""
        values: dict[str, str] = {}
        sb: StateBuilder | None = None
        for k, v in b.assignments.items():
            name = k if k in known else dsym(checked(k, "a symbol"))
            if k not in known:
                try:
                    values[name] = self.expr(v, "an assignment")
                    continue
                except UnsupportedError:
                    if free_names(v) - set(self.p.symbols):
                        raise  # (reads a container: the C++ would need its connector)
            sb = sb or StateBuilder(self, self.unique("assign"))
            scalar = f"sl_v{len(self.scalars)}"
            dt = self.p.symbols.get(k, DType.int64)
            self.scalars[scalar] = {"type": "Scalar", "attributes": {
                "dtype": dt.value, "shape": ["1"], "transient": True,
                "lifetime": "SDFG"}}
            text = sdfg_code.value_code(v, dt.numpy, "sl_o")
            self.code.append(text)
            payload = {"kind": "value", "expr": to_text(v)}
            t = sb.node({"type": "Tasklet", "label": "assign", "attributes": {
                "label": "assign", "code": code(mark(payload, text)), "in_connectors": {},
                "out_connectors": {"sl_o": None}}})
            sb.edge((t, "sl_o"), (sb.access(scalar), None),
                    memlet(scalar, {"type": "Range", "ranges": [rng("0", "0")]}))
            values[name] = scalar
        return values, (sb.js if sb else None)

    def _check(self, r: Requirement, kind: str) -> dict[str, Any]:
        """A tasklet that stops the program, as sluice's runners do, where `r` fails: DaCe
        has no error channel back to its caller, so it prints why and aborts. `kind`: what
        it checks (its marker): `requires`, a derived `size`, or a `check` block."""
        text = sdfg_code.check_code(r, f"check failed in '{self.p.name}'")
        self.code.append(text)
        payload: dict[str, Any] = {"kind": kind, "req": requirement_json(r)}
        if kind == "size":
            payload = {"kind": kind, "name": str(r.lhs), "expr": to_text(r.rhs)}
        return {"type": "Tasklet", "label": "check", "attributes": {
            "label": "check", "code": code(mark(payload, text)), "side_effects": True,
            "in_connectors": {}, "out_connectors": {}}}

    def assigned(self) -> set[str]:
        """Symbols the program sets while it runs: loop variables and assigned ones."""
        return {b.var for b in self.p.body.walk() if isinstance(b, Loop)} | {
            k for b in self.p.body.walk() if isinstance(b, Assign) for k in b.assignments}

    def start_known(self) -> set[str]:
        """Symbols whose values the caller's arguments give: symbol arguments and the
        sizes of argument containers."""
        known = {a for a in self.p.args if a in self.p.symbols}
        for a in self.p.args:
            if a in self.p.data:
                known |= self.p.data[a].free_symbols()
        return known - self.assigned()

    def _loop(self, b: Loop, start: str, stop: str) -> dict[str, Any]:
        where = b.describe()
        v = dsym(checked(b.var, "a loop variable"))
        step = b.step
        if not (step.is_Integer and step != 0):
            raise UnsupportedError(f"cannot export the {where}: its step {step} is not a "
                                   "nonzero constant")
        fixed = {b.var} | free_names(b.stop)
        unknown = (free_names(b.start) | free_names(b.stop)) - set(self.p.symbols)
        if unknown:
            raise UnsupportedError(f"cannot export the {where}: its bounds read "
                                   f"'{sorted(unknown)[0]}', which is not a symbol",
                                   hint="assign the value to a symbol before the loop")
        moved = fixed & {k for blk in b.body.walk() if isinstance(blk, Assign)
                         for k in blk.assignments}
        if moved:  # DaCe evaluates the condition each iteration, sluice's range once
            raise UnsupportedError(f"cannot export the {where}: its body assigns "
                                   f"'{sorted(moved)[0]}', which the loop's range reads")
        js = self.region(b.body, "LoopRegion")
        js["label"] = self.unique(f"loop_{v}")
        cmp = "<" if step > 0 else ">"
        js["attributes"] = {
            "loop_variable": v,
            "init_statement": code(f"{v} = {start}", "Python"),
            "loop_condition": code(f"{v} {cmp} {stop}", "Python"),
            "update_statement": code(f"{v} = {v} + {step}", "Python")}
        return js

    def expr(self, e: Any, where: str) -> str:
        """A condition or assignment as DaCe's Python: names, numbers, + - *, comparisons
        and logic, which DaCe's C++ evaluates as NumPy does; anything else is refused, but
        for integer terms over start-known symbols, which become derived symbols."""
        if not free_names(e) & set(self.p.data):
            for derive in _DERIVED.get():
                e = derive(e)
        tree = ast.parse(to_text(e), mode="eval")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                node.id = self._name_in_expr(node.id, e, where)
            elif isinstance(node, ast.Constant):
                ok = isinstance(node.value, bool | int) or (
                    isinstance(node.value, float) and abs(node.value) < float("inf"))
                if not ok:
                    raise self._refuse(e, where)
            elif not isinstance(node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.Compare
                                | ast.BoolOp | ast.Add | ast.Sub | ast.Mult | ast.USub
                                | ast.Not | ast.And | ast.Or | ast.Lt | ast.LtE | ast.Gt
                                | ast.GtE | ast.Eq | ast.NotEq | ast.Load):
                raise self._refuse(e, where)
        return ast.unparse(tree)

    def _name_in_expr(self, name: str, e: Any, where: str) -> str:
        if any(name in d.names.values() for d in _DERIVED.get()):
            return name
        if name in self.p.symbols:
            return dsym(checked(name, "a symbol"))
        c = self.p.data.get(name)
        if isinstance(c, Scalar) and (c.dtype.numpy.kind in "biu"
                                      or c.dtype.numpy.name == "float64"):
            return self.names[name] + ("[0]" if self._boxed(name) else "")
        raise self._refuse(e, where)

    def _refuse(self, e: Any, where: str) -> UnsupportedError:
        return UnsupportedError(
            f"cannot export the condition {to_text(e)} of {where} to an SDFG: DaCe would "
            "not evaluate it exactly as sluice does",
            hint="conditions can use symbols, integer or float64 scalars, numbers, + - *, "
                 "comparisons, and, or, not")
