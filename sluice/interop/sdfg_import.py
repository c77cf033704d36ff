"""DaCe SDFGs as sluice programs: `from_sdfg(sdfg_or_path_or_json) -> Program`.

Works on the SDFG's JSON form (the `.sdfg` file format), so importing a file needs no DaCe.
Structured control flow comes from DaCe 1.0's regions (`LoopRegion`, `ConditionalBlock`,
break/continue/return blocks); a plain state machine is accepted where its edges form a chain
or an `if` whose paths meet again (`sdfg_import_control`).
Whatever has no sluice counterpart is refused with a `SluiceError` naming the SDFG node, its
kind and its state. Dataflow is in `sdfg_import_dataflow`, code in `sdfg_import_code`.
An SDFG that sluice exported comes back as the program it was through its verified markers
(`sdfg_import_own`, `sdfg_marker`).
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import re
from typing import Any

import sympy

from sluice.errors import SluiceError
from sluice.interop.sdfg_import_code import (
    REWRITES,
    SUBST,
    CodeError,
    condition,
    dtype_of,
    index_expr,
)
from sluice.interop.sdfg_import_own import Own
from sluice.interop.sdfg_import_shape import check_sdfg
from sluice.interop.sdfg_marker import EXPORT_MARK, MarkerError
from sluice.ir.control import (
    Assign,
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
from sluice.ir.data import Array, Scalar
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet
from sluice.ir.nodes import Access, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import simplified, symbol
from sluice.passes.util import control_reads, graphs

VIEW_TYPES = ("View", "ArrayView", "StructureView", "ContainerView")


class ImportRefused(SluiceError):
    """An SDFG construct that sluice cannot import; the message names the node."""


def refuse(what: str, why: str, hint: str | None = None) -> ImportRefused:
    return ImportRefused(f"cannot import {what}: {why}", hint=hint, node=what)


def describe(node: dict[str, Any], state: str | None = None, sdfg: str | None = None) -> str:
    """`Tasklet 'label' in state 's' of SDFG 'name'`."""
    out = f"{node.get('type', '?')} '{node.get('label', '?')}'"
    if state is not None:
        out += f" in state '{state}'"
    if sdfg is not None:
        out += f" of SDFG '{sdfg}'"
    return out


def load_sdfg_json(source: Any) -> dict[str, Any]:
    """The JSON dict of a `dace.SDFG`, a `.sdfg`/`.sdfgz` path, or the dict itself."""
    if isinstance(source, dict):
        return source
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise SluiceError(f"cannot read the SDFG file '{path}': {e.strerror}") from None
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        try:
            out = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise SluiceError(f"'{path}' is not an SDFG file (JSON): {e}") from None
        if not isinstance(out, dict):
            raise SluiceError(f"'{path}' is not an SDFG file: its JSON is not an object")
        return out
    to_json = getattr(source, "to_json", None)
    if callable(to_json) and type(source).__name__ == "SDFG":
        return to_json()
    raise SluiceError(f"from_sdfg takes a dace.SDFG, a path or a JSON dict, not "
                      f"{type(source).__name__}")


def from_sdfg(source: Any) -> Program:
    """Import a DaCe SDFG (a `dace.SDFG`, a `.sdfg` file path, or its JSON dict)."""
    js = load_sdfg_json(source)
    if js.get("type") != "SDFG":
        raise SluiceError(f"not an SDFG: its JSON type is {js.get('type')!r}")
    check_sdfg(js)  # (past this check, an exception is a bug of sluice's, not the file's)
    prog = Importer(js).program()
    prog.verify()
    return prog


def _ident(name: str) -> str:
    out = re.sub(r"\W", "_", name)
    return out if out and not out[0].isdigit() else "_" + out


class Importer:
    """Imports one SDFG (a nested SDFG gets an Importer of its own, becoming a callee)."""

    def __init__(self, js: dict[str, Any], name: str | None = None,
                 args: list[str] | None = None) -> None:
        self.js = js
        attrs = js.get("attributes", {})
        self.name = _ident(name or attrs.get("name") or "sdfg")
        self.arrays: dict[str, dict[str, Any]] = attrs.get("_arrays", {})
        self.sym_types: dict[str, str] = dict(attrs.get("symbols") or {})
        self.arg_order = list(args if args is not None else attrs.get("arg_names") or [])
        self.nested = args is not None
        self.prog = Program(self.name)
        self._state_names: set[str] = set()
        self.unusable: dict[str, str] = {}  # container -> why it has no sluice counterpart
        self._callees = 0
        try:
            self.own = Own.of(js)  # an SDFG sluice exported: its markers
        except MarkerError as e:
            raise refuse(f"the global code of SDFG '{self._where()}'", str(e),
                         hint="sluice wrote it with this SDFG; restore it") from None

    def sluice_data(self, name: str) -> str:
        """A container's sluice name (an SDFG sluice exported renames some)."""
        return name if self.own is None else self.own.data(name)

    # --- declarations ---------------------------------------------------------------------
    def program(self) -> Program:
        if self.own is None:
            self._symbols()
            self._data()
            self.region(self.js, self.prog.body)
            self._free_symbol_args()
            return self.prog
        token = SUBST.set(self.own.subst)
        token_rw = REWRITES.set(self.own.selects)
        try:
            self.own.declare(self.prog, self.sym_types)
            self.name = self.prog.name = self.own.facts["name"]
            for name, desc in self.arrays.items():  # containers added in DaCe
                if not self.own.exported(name, self.prog):
                    self._declare(name, desc)
            self.region(self.js, self.prog.body)
        finally:
            SUBST.reset(token)
            REWRITES.reset(token_rw)
        self.prog.requires = list(self.own.requires)
        return self.prog

    def written_by_sluice(self) -> bool:
        """Whether `sdfg_export` wrote this SDFG (its global code names DACE_CXX_ARGS)."""
        frame = (self.js.get("attributes", {}).get("global_code") or {}).get("frame") or {}
        text = frame.get("string_data", "") if isinstance(frame, dict) else ""
        return isinstance(text, str) and EXPORT_MARK in text

    def _where(self) -> str:
        return self.js.get("attributes", {}).get("name", self.name)

    def _symbols(self) -> None:
        for s, t in list(self.sym_types.items()):
            if isinstance(t, dict) and t.get("type") == "callback":
                del self.sym_types[s]  # a Python callback: refused where a tasklet calls it
                continue
            try:
                dt = dtype_of(t)
            except CodeError:
                dt = None
            if dt is None or not (dt.is_integer or dt == DType.bool):
                kind = t.get("type", "?") if isinstance(t, dict) else t
                raise refuse(f"symbol '{s}' of SDFG '{self._where()}'",
                             f"its type {kind} is not an integer type (sluice symbols are "
                             "integers)")
            self.prog.symbols[s] = DType.int64 if dt == DType.bool else dt

    def is_view(self, data: str) -> bool:
        return self.arrays.get(data, {}).get("type") in VIEW_TYPES

    def _data(self) -> None:
        for name, desc in self.arrays.items():
            self._declare(name, desc)
        self._args()

    def _declare(self, name: str, desc: dict[str, Any]) -> None:
        """The container `name` of the SDFG, from its descriptor."""
        what = f"data container '{name}' of SDFG '{self._where()}'"
        kind, a = desc.get("type"), desc.get("attributes", {})
        if kind in VIEW_TYPES:
            return  # resolved to the viewed container where accessed
        if kind not in ("Array", "Scalar"):
            raise refuse(what, f"{kind} containers have no sluice counterpart")
        try:
            dt = dtype_of(a.get("dtype", "int32"))  # (DaCe omits its default)
            shape = tuple(index_expr(d) for d in a.get("shape", ["1"]))
        except CodeError as e:
            # (refused where the dataflow uses it, naming that node; a container
            # nothing uses, a callback's result, for instance, is no obstacle)
            self.unusable[name] = f"container '{name}': {e}"
            return
        transient = bool(a.get("transient", False))
        if kind == "Scalar":
            self.prog.data[name] = Scalar(dt, transient=transient)
            return
        if name not in self.arg_order or not self.nested:  # (a callee's argument is
            self._check_layout(what, shape, a)             # laid out by its memlet)
        self.prog.data[name] = Array(dt, transient=transient, dims=shape)
        for d in shape:
            for s in d.free_symbols:
                self.prog.symbols.setdefault(s.name, DType.int64)

    def _args(self) -> None:
        for name in self.arg_order:
            if name in self.unusable:
                raise refuse(f"argument '{name}' of SDFG '{self._where()}'",
                             self.unusable[name])
            if name not in self.prog.data:
                raise refuse(f"argument '{name}' of SDFG '{self._where()}'",
                             "it is not a container")
            self.prog.args.append(name)
        rets = sorted((n for n in self.prog.data if re.fullmatch(r"__return(_\d+)?", n)),
                      key=lambda n: -1 if n == "__return" else int(n.rsplit("_", 1)[1]))
        for n in rets:
            if n not in self.prog.args:
                self.prog.returns.append(n)
        for n, c in self.prog.data.items():
            if not c.transient and n not in self.prog.args and n not in self.prog.returns:
                self.prog.args.append(n)  # DaCe passes every global container

    def _check_layout(self, what: str, shape: tuple, a: dict[str, Any]) -> None:
        strides = a.get("strides")
        if strides is not None:
            want, acc = [], sympy.Integer(1)
            for d in reversed(shape):
                want.append(acc)
                acc = acc * d
            got = [index_expr(s) for s in strides]
            if any(simplified(g - w) != 0 and d != 1
                   for g, w, d in zip(got, reversed(want), shape, strict=True)):
                raise refuse(what, f"strides {list(strides)} are not the C order of shape "
                             f"{list(a.get('shape'))} (sluice arrays are C-ordered)")
        offset = a.get("offset")
        if offset is not None and any(index_expr(o) != 0 for o in offset):
            raise refuse(what, f"offset {list(offset)} is not zero")

    def _free_symbol_args(self) -> None:
        """Symbols the body reads but neither an argument's shape nor an assignment gives."""
        if self.nested:
            return
        shaped = set()
        for n in self.prog.args:
            shaped |= {s for s in self.prog.data[n].free_symbols()} if n in self.prog.data \
                else set()
        assigned = set()
        for b in self.prog.body.walk():
            if isinstance(b, Assign):
                assigned |= set(b.assignments)
            if isinstance(b, Loop):
                assigned.add(b.var)
        used = _names_read(self.prog)
        for s in self.sym_types:
            if s not in shaped and s not in assigned and s not in self.prog.args and s in used:
                self.prog.args.append(s)

    # --- control flow ---------------------------------------------------------------------
    def values(self) -> dict[str, DType]:
        return {n: c.dtype for n, c in self.prog.data.items() if isinstance(c, Scalar)}

    def cond(self, text: Any, what: str, out: Region | None = None) -> sympy.Basic:
        """A condition or assignment over symbols and scalar containers; array elements it
        reads are first copied into scalars by a state appended to `out` (where given)."""
        code = text.get("string_data", "1") if isinstance(text, dict) else str(text)
        if isinstance(text, dict) and text.get("language", "Python") != "Python":
            raise refuse(what, f"its condition is {text.get('language')} code")
        if self.own is not None:  # (written from the IR's text: read as such)
            try:
                return self.own.expr(self.own.text(code, self.prog))
            except SluiceError as e:
                raise refuse(what, f"cannot read '{code}': {e.message}") from None
        try:
            if out is not None:
                code = self._element_reads(code, out)
            return condition(code, self.values(), self.prog.symbols)
        except CodeError as e:
            raise refuse(what, str(e)) from None

    def _element_reads(self, code: str, out: Region) -> str:
        try:
            tree = ast.parse(code.strip(), mode="eval")
        except SyntaxError:
            raise CodeError(f"cannot parse {code!r}") from None
        reads: list[tuple[str, str, tuple]] = []

        class Reads(ast.NodeTransformer):
            def visit_Subscript(inner, n: ast.Subscript) -> ast.AST:  # noqa: N802, N805
                if not (isinstance(n.value, ast.Name)
                        and isinstance(self.prog.data.get(n.value.id), Array)):
                    return inner.generic_visit(n)
                parts = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
                idx = tuple(Index(index_expr(ast.unparse(p))) for p in parts)
                name = f"__sdfg_element{len(self.prog.data)}"
                reads.append((n.value.id, name, idx))
                return ast.copy_location(ast.Name(name, ast.Load()), n)

        tree = Reads().visit(tree)
        if not reads:
            return code
        st = State(self._state_name("interstate_reads"))
        for data, name, idx in reads:
            c = self.prog.data[data]
            if len(idx) != len(c.shape):
                raise CodeError(f"'{data}' has {len(c.shape)} dimensions, read with "
                                f"{len(idx)} indices")
            self.prog.data[name] = Scalar(c.dtype, transient=True)
            st.graph.connect(Access(data), Access(name), Memlet(data, idx, None, name, ()))
        out.append(st)
        return ast.unparse(tree)

    def region(self, cfg: dict[str, Any], out: Region) -> None:
        """The blocks of a control-flow graph, structured (see sdfg_import_control)."""
        from sluice.interop.sdfg_import_control import CfgWalk

        CfgWalk(self, cfg).run(out)

    def _assigned(self, sym: str, text: Any, what: str, out: Region) -> sympy.Basic:
        self.prog.symbols.setdefault(sym, DType.int64)
        return self.cond(text, what, out)

    def block(self, blk: dict[str, Any], out: Region) -> None:
        kind = blk.get("type")
        if kind == "SDFGState":
            from sluice.interop.sdfg_import_dataflow import import_state

            label = blk.get("label", "state")
            if self.own is not None:
                helper = self.own.helper_state(blk)
                if helper is not None:
                    req = self.own.take_helper(*helper, blk)
                    if req is not None:
                        out.append(Check(req))
                    return
                if label in self.own.states:
                    out.append(import_state(self, blk, self.own.states[label]))
                    return
            out.append(import_state(self, blk, self._state_name(label)))
        elif kind == "LoopRegion":
            self._loop(blk, out)
        elif kind == "ConditionalBlock":
            self._branch(blk, out)
        elif kind in ("ControlFlowRegion", "FunctionCallRegion", "NamedRegion"):
            self.region(blk, out)
        elif kind == "BreakBlock":
            out.append(Break())
        elif kind == "ContinueBlock":
            out.append(Continue())
        elif kind == "ReturnBlock":
            out.append(Return())
        else:
            raise refuse(describe(blk, sdfg=self._where()),
                         f"{kind} blocks have no sluice counterpart")

    def _state_name(self, label: str) -> str:
        base = name = _ident(label)
        k = 1
        while name in self._state_names:
            k += 1
            name = f"{base}_{k}"
        self._state_names.add(name)
        return name

    def _branch(self, blk: dict[str, Any], out: Region) -> None:
        what = describe(blk, sdfg=self._where())
        cases, orelse = [], None
        for c, body in blk.get("branches", []):
            r = Region()
            self.region(body, r)
            if c is None:
                orelse = r
            else:
                cases.append((self.cond(c, what, out), r))
        if not cases:
            raise refuse(what, "it has no conditional branch")
        out.append(Branch(cases, orelse))

    def _loop(self, blk: dict[str, Any], out: Region) -> None:
        what = describe(blk, sdfg=self._where())
        a = blk.get("attributes", {})
        if a.get("inverted"):
            raise refuse(what, "do-while loops (inverted LoopRegions) are not supported")
        var = a.get("loop_variable") or ""
        body = Region()
        self.region(blk, body)
        cond_text = (a.get("loop_condition") or {}).get("string_data", "1")
        init = (a.get("init_statement") or {}).get("string_data", "") or ""
        update = (a.get("update_statement") or {}).get("string_data", "") or ""
        loop = self._for(var, init, cond_text, update, what) if var else None
        if loop is not None:
            if self.own is not None:
                var = self.own.unname(var)
            self.prog.symbols.setdefault(var, DType.int64)
            start, stop, step = loop
            out.append(Loop(var, start, stop, step, body))
            return
        if update.strip() and any(isinstance(b, Continue) for b in body.walk()):
            raise refuse(what, "a while loop with an update statement and 'continue'")
        for stmt in (init, update):
            for k, v in self._statements(stmt, what).items():
                self.prog.symbols.setdefault(k, DType.int64)
                target = out if stmt is init else body
                target.append(Assign({k: v}))
        out.append(While(self.cond(cond_text, what), body))

    def _statements(self, text: str, what: str) -> dict[str, sympy.Basic]:
        if not text.strip():
            return {}
        try:
            tree = ast.parse(text.strip())
        except SyntaxError:
            raise refuse(what, f"cannot parse '{text}'") from None
        out = {}
        for st in tree.body:
            if not (isinstance(st, ast.Assign) and len(st.targets) == 1
                    and isinstance(st.targets[0], ast.Name)):
                raise refuse(what, f"statement '{ast.unparse(st)}' is not 'name = value'")
            out[st.targets[0].id] = self.cond(ast.unparse(st.value), what)
        return out

    def _for(self, var: str, init: str, cond: str, update: str, what: str) -> tuple | None:
        """(start, stop, step) of `for var in range(...)`, or None for a general loop."""
        try:
            i = ast.parse(init.strip()).body if init.strip() else []
            u = ast.parse(update.strip()).body if update.strip() else []
            c = ast.parse(cond.strip(), mode="eval").body
        except SyntaxError:
            return None
        if not (len(i) == len(u) == 1 and all(isinstance(s, ast.Assign) and len(s.targets) == 1
                                               and isinstance(s.targets[0], ast.Name)
                                               and s.targets[0].id == var for s in i + u)):
            return None
        if not (isinstance(c, ast.Compare) and len(c.ops) == 1 and isinstance(c.left, ast.Name)
                and c.left.id == var and type(c.ops[0]) in (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
            return None
        try:
            start = index_expr(ast.unparse(i[0].value))
            step = simplified(index_expr(ast.unparse(u[0].value)) - symbol(var))
            bound = index_expr(ast.unparse(c.comparators[0]))
        except CodeError:
            return None
        if not step.is_Integer or step == 0 or symbol(var) in bound.free_symbols:
            return None
        op = type(c.ops[0])
        if (step > 0) != (op in (ast.Lt, ast.LtE)):
            return None
        stop = {ast.Lt: bound, ast.LtE: bound + 1, ast.Gt: bound, ast.GtE: bound - 1}[op]
        return start, stop, step

    def callee_name(self, label: str) -> str:
        self._callees += 1
        return f"{self.name}__{_ident(label)}_{self._callees}"


def _names_read(p: Program) -> set[str]:
    """Every name the program's dataflow and control flow read: memlet subsets, tasklet
    code, map ranges, loop bounds, conditions and assignments (map parameters included,
    which are no symbols of the SDFG)."""
    out = control_reads(p)
    for _, g in graphs(p):
        for n in g.nodes:
            if isinstance(n, Tasklet | Map):
                out |= n.free_symbols()
        for e in g.edges:
            if e.memlet is not None:
                out |= e.memlet.free_symbols()
    return out

