"""Reads printed CSL (layout.csl + PE files) back into the model of `model.py`.

The grammar (`csl.lark`) is generic over builtins; this module gives each builtin its
meaning. It accepts exactly what `printer.py` emits: anything else is a
`SluiceSyntaxError` with line, column and caret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput, v_args

from sluice.csl import model as m
from sluice.csl.printer import FILE_MARKER
from sluice.errors import SluiceSyntaxError, SourceLocation
from sluice.grammars import lalr_parser

_GRAMMAR = Path(__file__).with_name("csl.lark")


@cache
def _lark() -> Lark:
    # The transformer runs inside the LALR parser: no parse tree is built (much faster).
    return lalr_parser(
        _GRAMMAR.read_text(encoding="utf-8"),
        "csl",
        lexer="contextual",
        start=["layout_file", "pe_file"],
        transformer=_ToModel(),
    )


# ---------------------------------------------------------------------------------------
# Generic values produced by the transformer before they get a meaning


@dataclass(frozen=True)
class Call:
    name: str  # "@builtin", "obj.method" or a plain function name
    args: tuple[Any, ...]
    line: int | None = None
    col: int | None = None


@dataclass(frozen=True)
class Struct:
    named: tuple[tuple[str, Any], ...]
    positional: tuple[Any, ...]

    def get(self, key: str, default: Any = None) -> Any:
        return next((v for k, v in self.named if k == key), default)


@dataclass(frozen=True)
class Addr:
    name: str


@dataclass(frozen=True)
class Access:
    var: str
    extent: m.Expr
    array: str
    index: m.Expr


@dataclass(frozen=True)
class ArrayType:
    length: m.Expr
    dtype: str


@dataclass(frozen=True)
class PtrType:
    dtype: str


@dataclass(frozen=True)
class FnType:
    ret: str


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Item:
    """One top-level or statement-level construct, tagged by kind."""

    kind: str
    args: tuple[Any, ...]
    line: int | None = None


class _Fail(Exception):
    """A construct the grammar accepts but the printer never emits."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def _task_of(id_expr: Any) -> str:
    if isinstance(id_expr, m.Name) and id_expr.id.endswith("_task_id"):
        return id_expr.id[: -len("_task_id")]
    raise _Fail(f"expected a task ID name '<task>_task_id', got {id_expr!r}")


def _name(v: Any, what: str) -> str:
    if isinstance(v, m.Name):
        return v.id
    raise _Fail(f"expected {what}, got {v!r}")


def _int(v: Any, what: str) -> int:
    if isinstance(v, m.Lit) and isinstance(v.value, int) and not isinstance(v.value, bool):
        return v.value
    raise _Fail(f"expected an integer {what}, got {v!r}")


def _queue(v: Any, kind: str) -> int:
    if isinstance(v, Call) and v.name == f"@get_{kind}_queue" and len(v.args) == 1:
        return _int(v.args[0], f"{kind} queue")
    raise _Fail(f"expected @get_{kind}_queue(n), got {v!r}")


_DSD_OPTION_KEYS = {"async", "activate", "unblock"}


def _call_stmt(c: Call) -> m.Stmt:
    """Meaning of a call used as a statement."""
    if c.name == "sys_mod.unblock_cmd_stream" and not c.args:
        return m.UnblockCmdStream()
    if not c.name.startswith("@"):
        if "." in c.name or c.args:
            raise _Fail(f"unsupported call {c.name}", c.line, c.col)
        return m.CallFn(c.name)
    op = c.name[1:]
    if op in ("activate", "block", "unblock") and len(c.args) == 1:
        cls = {"activate": m.Activate, "block": m.Block, "unblock": m.Unblock}[op]
        return cls(_task_of(c.args[0]))
    if op in m.DSD_OPS:
        args = list(c.args)
        opts = args.pop() if args and isinstance(args[-1], Struct) else Struct((), ())
        if opts.positional or not {k for k, _ in opts.named} <= _DSD_OPTION_KEYS:
            raise _Fail(f"unsupported options for @{op}", c.line, c.col)
        act, unb = opts.get("activate"), opts.get("unblock")
        return m.DsdOp(
            op,
            tuple(args),
            is_async=opts.get("async") == m.Lit(True),
            activate=None if act is None else _task_of(act),
            unblock=None if unb is None else _task_of(unb),
        )
    raise _Fail(f"unsupported builtin statement {c.name}", c.line, c.col)


def _assign(target: m.Name | m.Index, op: str, value: Any) -> m.Stmt:
    if isinstance(value, Call) and op == "=" and isinstance(target, m.Name):
        dsd = target.id
        if value.name == "@increment_dsd_offset" and len(value.args) == 3:
            return m.IncrementDsdOffset(dsd, value.args[1], _name(value.args[2], "a type"))
        if value.name == "@set_dsd_base_addr" and len(value.args) == 2:
            if not isinstance(value.args[1], Addr):
                raise _Fail("@set_dsd_base_addr needs &array", value.line, value.col)
            return m.SetDsdBaseAddr(dsd, value.args[1].name)
        if value.name == "@set_dsd_length" and len(value.args) == 2:
            return m.SetDsdLength(dsd, value.args[1])
    if not isinstance(value, (m.Lit, m.Name, m.Index, m.BinOp, m.UnOp, m.Cast)):
        raise _Fail(f"unsupported assigned value {value!r}")
    return m.Assign(target, value, op)


def _stmts(items: list[Any]) -> tuple[m.Stmt, ...]:
    out = []
    for it in items:
        if isinstance(it, Item) and it.kind == "var":
            name, ty, value = it.args
            if not isinstance(ty, m.Name) or value is None:
                raise _Fail(f"local variable {name} needs a scalar type and a value", it.line)
            out.append(m.LocalVar(name, ty.id, value))
        else:
            out.append(it)
    return tuple(out)


@v_args(inline=True)
class _ToModel(Transformer):
    """Bottom-up: tokens -> expressions, calls and generic values -> statements -> items."""

    # --- expressions
    def int_lit(self, tok: Token) -> m.Lit:
        return m.Lit(int(tok))

    def float_lit(self, tok: Token) -> m.Lit:
        return m.Lit(float(tok))

    def true_lit(self) -> m.Lit:
        return m.Lit(True)

    def false_lit(self) -> m.Lit:
        return m.Lit(False)

    def name(self, tok: Token) -> m.Name:
        return m.Name(str(tok))

    def dotted(self, a: Token, b: Token) -> m.Name:
        return m.Name(f"{a}.{b}")

    def index(self, a: Token, i: m.Expr) -> m.Index:
        return m.Index(str(a), i)

    def binop(self, a: m.Expr, op: Token, b: m.Expr) -> m.BinOp:
        return m.BinOp(str(op), a, b)

    def neg(self, _op: Token, v: m.Expr) -> m.UnOp:
        return m.UnOp("-", v)

    def not_op(self, _op: Token, v: m.Expr) -> m.UnOp:
        return m.UnOp("!", v)

    # --- calls and values
    def builtin_call(self, tok: Token, *args: Any) -> Any:
        args = tuple(a for a in args if a is not None)
        if str(tok) == "@as" and len(args) == 2:
            return m.Cast(_name(args[0], "a type"), args[1])
        return Call(str(tok), args, tok.line, tok.column)

    def method_call(self, obj: Token, meth: Token, *args: Any) -> Call:
        return Call(f"{obj}.{meth}", tuple(a for a in args if a is not None), obj.line, obj.column)

    def fn_call(self, tok: Token) -> Call:
        return Call(str(tok), (), tok.line, tok.column)

    def struct(self, *items: Any) -> Struct:
        items = tuple(i for i in items if i is not None)
        named = tuple(i[1] for i in items if i[0] == "named")
        pos = tuple(i[1] for i in items if i[0] == "pos")
        return Struct(named, pos)

    def named_item(self, key: Token, v: Any) -> tuple[str, Any]:
        return ("named", (str(key), v))

    def pos_item(self, v: Any) -> tuple[str, Any]:
        return ("pos", v)

    def addr(self, tok: Token) -> Addr:
        return Addr(str(tok))

    def access(self, var: Token, extent: m.Expr, arr: Token, idx: m.Expr) -> Access:
        return Access(str(var), extent, str(arr), idx)

    def array_type(self, n: m.Expr, t: Token) -> ArrayType:
        return ArrayType(n, str(t))

    def ptr_type(self, _star: Token, t: Token) -> PtrType:
        return PtrType(str(t))

    def fn_type(self, t: Token) -> FnType:
        return FnType(str(t))

    def type_name(self, t: Token) -> m.Name:
        return m.Name(str(t))

    def string(self, tok: Token) -> Str:
        return Str(str(tok)[1:-1])

    # --- statements
    def lv_name(self, tok: Token) -> m.Name:
        return m.Name(str(tok))

    def lv_index(self, tok: Token, i: m.Expr) -> m.Index:
        return m.Index(str(tok), i)

    def block(self, *stmts: Any) -> tuple[m.Stmt, ...]:
        return _stmts(list(stmts))

    def assign(self, target: m.Name | m.Index, op: Token, value: Any) -> m.Stmt:
        return _assign(target, str(op), value)

    def call_stmt(self, c: Call) -> Any:
        if c.name.startswith("@") and c.name[1:] in ("bind_data_task", "bind_local_task",
                                                     "bind_control_task", "initialize_queue",
                                                     "export_symbol", "comptime_assert",
                                                     "set_rectangle", "set_tile_code",
                                                     "set_color_config", "export_name"):
            return c  # top-level builtins: interpreted by the file builders
        return _call_stmt(c)

    def for_stmt(self, rng: Call, var: Token, body: tuple[m.Stmt, ...]) -> m.For:
        if not isinstance(rng, Call) or rng.name != "@range" or len(rng.args) != 4:
            raise _Fail("expected @range(type, start, stop, step)", var.line, var.column)
        t, a, b, c = rng.args
        return m.For(str(var), a, b, body, step=c, dtype=_name(t, "a type"))

    def while_stmt(self, cond: m.Expr, *rest: Any) -> m.While:
        lv, op, upd, body = rest
        update = None if lv is None else _assign(lv, str(op), upd)
        if update is not None and not isinstance(update, m.Assign):
            raise _Fail("a while update must be an assignment")
        return m.While(cond, body, update)

    def if_stmt(self, cond: m.Expr, then: tuple, orelse: tuple | None) -> m.If:
        return m.If(cond, then, orelse or ())

    # --- top-level items
    def param(self, name: Token, ty: Any) -> Item:
        return Item("param", (str(name), ty), name.line)

    def const_decl(self, name: Token, ty: Any, value: Any) -> Item:
        return Item("const", (str(name), ty, value), name.line)

    def var_decl(self, name: Token, ty: Any, value: Any) -> Item:
        return Item("var", (str(name), ty, value), name.line)

    def fn_def(self, name: Token, ret: Token, body: tuple) -> Item:
        return Item("fn", (str(name), body), name.line)

    def task_def(self, name: Token, pname: Token | None, pty: Any, ret: Token, body: tuple) -> Item:
        param = None
        if pname is not None:
            param = m.TaskParam(str(pname), _name(pty, "a type"))
        return Item("task", (str(name), param, body), name.line)

    def comptime(self, body: tuple) -> Item:
        return Item("comptime", (body,))

    def layout_file(self, *items: Any) -> list[Any]:
        return list(items)

    def pe_file(self, *items: Any) -> list[Any]:
        return list(items)


# ---------------------------------------------------------------------------------------
# File builders


def _parse_tree(text: str, start: str, filename: str) -> list[Any]:
    try:
        return _lark().parse(text, start=start)
    except UnexpectedInput as e:
        loc = SourceLocation.in_text(text, e.line, e.column, file=filename)
        raise SluiceSyntaxError(_lark_message(e), loc) from None
    except _Fail as e:
        loc = None
        if e.line is not None:
            loc = SourceLocation.in_text(text, e.line, e.col or 1, file=filename)
        raise SluiceSyntaxError(e.message, loc or SourceLocation(file=filename)) from None


def _lark_message(e: UnexpectedInput) -> str:
    tok = getattr(e, "token", None)
    if tok is not None:
        return f"unexpected {tok.type} {str(tok)!r}"
    ch = getattr(e, "char", None)
    return f"unexpected character {ch!r}" if ch is not None else "unexpected input"


def _mem_dsd(name: str, s: Struct) -> m.Mem1dDsd:
    ta = s.get("tensor_access")
    if isinstance(ta, Access):
        idx = ta.index
        # printed as `array[i * stride + offset]`
        ok = (isinstance(idx, m.BinOp) and idx.op == "+" and isinstance(idx.lhs, m.BinOp)
              and idx.lhs.op == "*" and idx.lhs.lhs == m.Name(ta.var))
        if not ok:
            raise _Fail(f"DSD {name}: expected `{ta.array}[{ta.var} * stride + offset]`")
        stride = _int(idx.lhs.rhs, "stride")
        return m.Mem1dDsd(name, ta.array, ta.extent, stride, idx.rhs, "tensor_access")
    base = s.get("base_address")
    if not isinstance(base, Addr):
        raise _Fail(f"DSD {name}: expected .tensor_access or .base_address")
    return m.Mem1dDsd(name, base.name, s.get("extent"), _int(s.get("stride"), "stride"),
                      s.get("offset"), "base_address")


def _dsd(name: str, c: Call) -> m.Dsd:
    if len(c.args) != 2 or not isinstance(c.args[1], Struct):
        raise _Fail(f"DSD {name}: expected @get_dsd(kind, .{{...}})", c.line, c.col)
    kind, s = _name(c.args[0], "a DSD type"), c.args[1]
    if kind == "mem1d_dsd":
        return _mem_dsd(name, s)
    color = _name(s.get("fabric_color"), "a color")
    if kind == "fabin_dsd":
        return m.FabinDsd(name, color, s.get("extent"), _queue(s.get("input_queue"), "input"))
    if kind == "fabout_dsd":
        return m.FaboutDsd(name, color, s.get("extent"), _queue(s.get("output_queue"), "output"),
                           control=s.get("control") == m.Lit(True))
    raise _Fail(f"unsupported DSD kind {kind}", c.line, c.col)


def _field(name: str, ty: Any, value: Any) -> m.Field:
    if isinstance(ty, ArrayType):
        init: Any = None
        if isinstance(value, Call) and value.name == "@zeros":
            init = m.Zeros()
        elif isinstance(value, Call) and value.name == "@constants" and len(value.args) == 2:
            init = m.Constants(value.args[1])
        elif value is not None:
            raise _Fail(f"array {name}: unsupported initialiser")
        return m.Field(name, ty.dtype, ty.length, init)
    return m.Field(name, _name(ty, "a type"), None, value)


def parse_pe_program(text: str, name: str, filename: str | None = None) -> m.PeProgram:
    """Parses one PE code file into a `PeProgram` called `name`."""
    filename = filename or f"{name}.csl"
    items = _parse_tree(text, "pe_file", filename)
    try:
        return _build_pe(name, items)
    except _Fail as e:
        loc = SourceLocation.in_text(text, e.line, e.col or 1, filename) if e.line else None
        raise SluiceSyntaxError(e.message, loc or SourceLocation(file=filename)) from None


def _build_pe(name: str, items: list[Item]) -> m.PeProgram:
    params, fields, dsds, fns, queues, exports, rpcs = [], [], [], [], [], [], []
    uses_memcpy = False
    ptrs: dict[str, str] = {}
    task_ids: dict[str, tuple[str, Any]] = {}
    task_defs: list[tuple[str, Any, tuple]] = []
    binds: dict[str, str] = {}
    for it in items:
        if it.kind == "param":
            pname, ty = it.args
            if pname == "memcpy_params":
                uses_memcpy = True
            else:
                params.append(m.Param(pname, _name(ty, "a type")))
        elif it.kind == "const":
            cname, ty, value = it.args
            if cname == "sys_mod":
                continue  # the memcpy import; implied by `param memcpy_params`
            if not (isinstance(value, Call) and value.name.endswith("_task_id")):
                raise _Fail(f"unsupported constant {cname}", it.line)
            if not value.args:
                raise _Fail(f"{cname}: task ID builtin needs an argument", it.line)
            task_ids[_task_of(m.Name(cname))] = (value.name, value.args[0])
        elif it.kind == "var":
            vname, ty, value = it.args
            if isinstance(ty, PtrType):
                if not isinstance(value, Addr):
                    raise _Fail(f"pointer {vname} must be initialised with &field", it.line)
                ptrs[vname] = value.name
            elif ty is None:
                if not (isinstance(value, Call) and value.name == "@get_dsd"):
                    raise _Fail(f"untyped variable {vname} must be a DSD", it.line)
                dsds.append(_dsd(vname, value))
            else:
                fields.append(_field(vname, ty, value))
        elif it.kind == "fn":
            fns.append(m.Function(*it.args))
        elif it.kind == "task":
            task_defs.append(it.args)
        elif it.kind == "comptime":
            for c in it.args[0]:
                if not isinstance(c, Call):
                    raise _Fail("only builtin calls may appear in comptime blocks")
                _pe_comptime(c, binds, queues, exports, rpcs, ptrs)
        else:
            raise _Fail(f"unexpected {it.kind} in a PE file", it.line)
    tasks = []
    for tname, tparam, body in task_defs:
        kind = binds.get(tname)
        if kind is None or tname not in task_ids:
            raise _Fail(f"task {tname} has no ID or is never bound")
        builtin, arg = task_ids[tname]
        if builtin != f"@get_{kind}_task_id":
            raise _Fail(f"task {tname} is bound as a {kind} task but its ID is from {builtin}")
        if kind == "data":
            if isinstance(arg, Call):
                tasks.append(m.Task(tname, "data", body, param=tparam, queue=_queue(arg, "input")))
            else:
                tasks.append(m.Task(tname, "data", body, param=tparam,
                                    color=_name(arg, "a color")))
        else:
            tasks.append(m.Task(tname, kind, body, id=_int(arg, "task ID"), param=tparam))
    return m.PeProgram(name, tuple(params), tuple(fields), tuple(dsds), tuple(fns), tuple(tasks),
                       tuple(queues), tuple(exports), tuple(rpcs), uses_memcpy)


def _pe_comptime(c: Call, binds: dict, queues: list, exports: list, rpcs: list,
                 ptrs: dict) -> None:
    op = c.name
    if op in ("@bind_data_task", "@bind_local_task", "@bind_control_task"):
        binds[_name(c.args[0], "a task")] = op[len("@bind_"):-len("_task")]
    elif op == "@initialize_queue":
        q, s = c.args
        direction = "input" if isinstance(q, Call) and q.name == "@get_input_queue" else "output"
        queues.append(m.QueueInit(direction, _queue(q, direction), _name(s.get("color"), "color")))
    elif op == "@export_symbol" and len(c.args) == 2:
        ptr = _name(c.args[0], "a pointer")
        if ptr not in ptrs or not isinstance(c.args[1], Str) or c.args[1].value != ptrs[ptr]:
            raise _Fail(f"@export_symbol({ptr}, ...) must export the field it points to",
                        c.line, c.col)
        exports.append(ptrs[ptr])
    elif op == "@export_symbol" and len(c.args) == 1:
        rpcs.append(_name(c.args[0], "a function"))
    else:
        raise _Fail(f"unsupported comptime builtin {op}", c.line, c.col)


def _binding(v: Any) -> m.ParamValue:
    if isinstance(v, m.Name):
        return m.ColorRef(v.id)
    if isinstance(v, m.Lit) and not isinstance(v.value, bool):
        return v.value
    raise _Fail(f"unsupported param binding {v!r}")


def _route(c: Call) -> m.Route:
    x, y = _int(c.args[0], "x"), _int(c.args[1], "y")
    color, s = _name(c.args[2], "a color"), c.args[3]
    routes = s.get("routes")
    if not isinstance(routes, Struct):
        raise _Fail("@set_color_config needs .routes", c.line, c.col)
    rx = tuple(_name(d, "a direction") for d in routes.get("rx").positional)
    tx = tuple(_name(d, "a direction") for d in routes.get("tx").positional)
    switches = None
    sw = s.get("switches")
    if sw is not None:
        positions = []
        for k in (1, 2, 3):
            pos = sw.get(f"pos{k}")
            if pos is None:
                break
            prx, ptx = pos.get("rx"), pos.get("tx")
            positions.append(m.SwitchPos(None if prx is None else _name(prx, "a direction"),
                                         None if ptx is None else _name(ptx, "a direction")))
        switches = m.Switches(tuple(positions), _int(sw.get("current_switch_pos"), "position"),
                              sw.get("ring_mode") == m.Lit(True))
    filt = None
    f = s.get("filter")
    if f is not None:
        filt = m.Filter(_int(f.get("init_counter"), "init_counter"),
                        _int(f.get("limit1"), "limit1"), _int(f.get("max_counter"), "max_counter"))
    return m.Route(x, y, color, rx, tx, switches, filt)


def parse_layout(text: str, programs: dict[str, m.PeProgram],
                 filename: str = "layout.csl") -> m.CslProgram:
    """Parses `layout.csl`; `programs` maps each code file name to its parsed program."""
    items = _parse_tree(text, "layout_file", filename)
    try:
        return _build_layout(items, programs)
    except _Fail as e:
        loc = SourceLocation.in_text(text, e.line, e.col or 1, filename) if e.line else None
        raise SluiceSyntaxError(e.message, loc or SourceLocation(file=filename)) from None


def _build_layout(items: list[Any], programs: dict[str, m.PeProgram]) -> m.CslProgram:
    *tops, body = items
    colors, memcpy, arch = [], None, "wse2"
    for it in tops:
        if it.kind == "const" and isinstance(it.args[2], Call) and it.args[2].name == "@get_color":
            colors.append(m.Color(it.args[0], _int(it.args[2].args[0], "color ID")))
        elif it.kind == "const" and it.args[0] == "memcpy":
            s = it.args[2].args[1]
            h2d = tuple((int(k[len("MEMCPYH2D_"):]), _name(v, "a color"))
                        for k, v in s.named if k.startswith("MEMCPYH2D_"))
            d2h = tuple((int(k[len("MEMCPYD2H_"):]), _name(v, "a color"))
                        for k, v in s.named if k.startswith("MEMCPYD2H_"))
            memcpy = m.MemcpySetup(h2d, d2h)
        elif it.kind == "comptime":
            (c,) = it.args[0]
            arch = c.args[0].args[0].value
        else:
            raise _Fail(f"unexpected {it.kind} at the top of layout.csl", it.line)
    width = height = None
    placements: dict[str, list[m.Placement]] = {}
    routes, exports = [], []
    for c in body:
        if not isinstance(c, Call):
            raise _Fail("only builtin calls may appear in the layout block")
        if c.name == "@set_rectangle":
            width, height = _int(c.args[0], "width"), _int(c.args[1], "height")
        elif c.name == "@set_tile_code":
            x, y = _int(c.args[0], "x"), _int(c.args[1], "y")
            fname, s = c.args[2].value, c.args[3]
            binds = tuple((k, _binding(v)) for k, v in s.named if k != "memcpy_params")
            placements.setdefault(fname, []).append(m.Placement(x, y, binds))
        elif c.name == "@set_color_config":
            routes.append(_route(c))
        elif c.name == "@export_name":
            ename = c.args[0].value
            if isinstance(c.args[1], FnType):
                exports.append(m.Export(ename, "fn"))
            else:
                exports.append(m.Export(ename, "data", c.args[1].dtype, c.args[2] == m.Lit(True)))
        else:
            raise _Fail(f"unsupported layout builtin {c.name}", c.line, c.col)
    if width is None:
        raise _Fail("layout has no @set_rectangle")
    variants = []
    for fname, pls in placements.items():
        if fname not in programs:
            raise _Fail(f"@set_tile_code names {fname}, which was not given")
        variants.append(m.TileVariant(programs[fname], tuple(pls)))
    lay = m.Layout(width, height, arch, tuple(colors), tuple(routes), tuple(exports), memcpy)
    return m.CslProgram(lay, tuple(variants))


# ---------------------------------------------------------------------------------------
# Entry points


def parse_files(files: dict[str, str]) -> m.CslProgram:
    """Parses a file-name -> text mapping (as `printer.print_files` returns)."""
    if "layout.csl" not in files:
        raise SluiceSyntaxError("no layout.csl among the files", SourceLocation(file="layout.csl"))
    programs = {
        name: parse_pe_program(text, name[: -len(".csl")], name)
        for name, text in files.items()
        if name.endswith(".csl") and name != "layout.csl"
    }
    return parse_layout(files["layout.csl"], programs)


def split_stream(text: str) -> dict[str, str]:
    """Splits a `// FILE: name` stream into its files."""
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        if line.startswith(FILE_MARKER):
            current = files.setdefault(line[len(FILE_MARKER):].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "".join(lines) for name, lines in files.items()}


def parse_stream(text: str) -> m.CslProgram:
    """Parses the single-stream form of `printer.print_stream`."""
    return parse_files(split_stream(text))


def parse_dir(directory: str | os.PathLike) -> m.CslProgram:
    """Parses `layout.csl` and the `.csl` files beside it."""
    d = Path(directory)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.csl"))}
    return parse_files(files)
