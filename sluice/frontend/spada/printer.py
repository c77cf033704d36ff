"""AST -> `.sptl` text. Parsing the output gives back an equal AST (positions aside)."""

from __future__ import annotations

from sluice.frontend.spada import ast

# Binding strength of each binary operator (higher binds tighter), as in docs/SPADA.md §8.
_PREC = {
    "or": 2, "and": 3,
    "<": 5, ">": 5, "<=": 5, ">=": 5, "==": 5, "!=": 5,
    "|": 6, "^": 7, "&": 8, "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "%": 11,
    "**": 13,
}
_TERNARY, _NOT, _UNARY, _POSTFIX = 1, 4, 12, 14
_COMPARISONS = {"<", ">", "<=", ">=", "==", "!="}
_IND = "    "


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.Ternary):
        return _TERNARY
    if isinstance(e, ast.Binary):
        return _PREC[e.op]
    if isinstance(e, ast.Unary):
        return _NOT if e.op == "not" else _UNARY
    if isinstance(e, ast.IntLit | ast.FloatLit) and e.value < 0:
        return _UNARY
    return _POSTFIX


def _wrap(e: ast.Expr, min_prec: int) -> str:
    text = format_expr(e)
    return f"({text})" if _prec(e) < min_prec else text


def format_expr(e: ast.Expr) -> str:
    """One expression, parenthesised only where the grammar needs it."""
    match e:
        case ast.IntLit(value=v):
            return str(v)
        case ast.FloatLit(value=v):
            return repr(float(v))
        case ast.BoolLit(value=v):
            return "true" if v else "false"
        case ast.StrLit(value=v):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        case ast.Name(id=n):
            return n
        case ast.Unary(op="not", operand=a):
            return f"not {_wrap(a, _NOT)}"
        case ast.Unary(op=op, operand=a):
            return f"{op}{_wrap(a, _UNARY)}"
        case ast.Binary(op="**", left=a, right=b):
            return f"{_wrap(a, _POSTFIX)} ** {_wrap(b, _UNARY)}"
        case ast.Binary(op=op, left=a, right=b):
            p = _PREC[op]
            if op in _COMPARISONS:  # comparisons do not chain
                return f"{_wrap(a, p + 1)} {op} {_wrap(b, p + 1)}"
            return f"{_wrap(a, p)} {op} {_wrap(b, p + 1)}"
        case ast.Ternary(then=t, cond=c, else_=f):
            return f"{_wrap(t, _TERNARY + 1)} if {_wrap(c, _TERNARY + 1)} else {_wrap(f, _TERNARY)}"
        case ast.Call(func=f, args=args):
            return f"{f}({', '.join(format_expr(a) for a in args)})"
        case ast.Subscript(base=b, indices=idx):
            return f"{_wrap(b, _POSTFIX)}[{', '.join(format_expr(i) for i in idx)}]"
        case ast.Attribute(base=b, name=n):
            return f"{_wrap(b, _POSTFIX)}.{n}"
    raise TypeError(f"not an expression: {e!r}")


def format_range_item(r: ast.RangeItem) -> str:
    if isinstance(r, ast.Range):
        text = f"{format_expr(r.start)}:{format_expr(r.stop)}"
        return text if r.step is None else f"{text}:{format_expr(r.step)}"
    return format_expr(r)


def _ranges(rs: tuple[ast.RangeItem, ...]) -> str:
    return "[" + ", ".join(format_range_item(r) for r in rs) + "]"


def format_type(t: ast.Type) -> str:
    match t:
        case ast.ScalarType(name=n):
            return n
        case ast.ArrayType(elem=e, dims=d):
            return f"{e.name}[{', '.join(format_expr(x) for x in d)}]"
        case ast.StreamType(elem=e, length=None):
            return f"stream<{e.name}>"
        case ast.StreamType(elem=e, length=n):
            return f"stream<{e.name}, {_wrap(n, _PREC['+'])}>"
        case ast.StreamArrayType(stream=s, dims=d):
            return f"{format_type(s)}[{', '.join(format_expr(x) for x in d)}]"
    raise TypeError(f"not a type: {t!r}")


def _vars(vs: tuple[ast.LoopVar, ...]) -> str:
    return ", ".join(f"{v.type.name} {v.name}" for v in vs)


def _subgrid(s: ast.Subgrid) -> str:
    return f"{_vars(s.vars)} in {_ranges(s.ranges)}"


def _offset(o: ast.RangeItem) -> str:
    return f"[{format_range_item(o)}]" if isinstance(o, ast.Range) else format_expr(o)


def _routing(r: ast.Routing) -> str:
    parts = []
    if r.hops is not None:
        hops = "auto" if isinstance(r.hops, ast.Auto) else "[" + ", ".join(
            f"({format_expr(a)}, {format_expr(b)})" for a, b in r.hops) + "]"
        parts.append(f"hops = {hops}")
    for key in ("channel", "count"):
        v = getattr(r, key)
        if v is not None:
            parts.append(f"{key} = {'auto' if isinstance(v, ast.Auto) else format_expr(v)}")
    return " { " + ", ".join(parts) + " }"


def _stream_decl(s: ast.StreamDecl) -> str:
    src = s.source
    if isinstance(src, ast.ExternStream):
        rhs = f"extern_stream({src.arg})"
    elif isinstance(src, ast.CollectiveStream):
        rhs = f"{src.spelling}({format_expr(src.root_x)}, {format_expr(src.root_y)})"
        if src.options is not None:
            rhs += " { " + ", ".join(f"{o.key} = {format_expr(o.value)}"
                                     for o in src.options) + " }"
        return f"multistream<{format_type(s.type.elem)}> {s.name} = {rhs}"
    else:
        rhs = f"relative_stream({_offset(src.dx)}, {_offset(src.dy)})"
        if src.routing is not None:
            rhs += _routing(src.routing)
    return f"{format_type(s.type)} {s.name} = {rhs}"


def _op(s: ast.Stmt, ind: str) -> list[str]:
    """An async-capable statement, returned as lines (the first without indentation)."""
    return _stmt(s, ind)


def _block(body: tuple[ast.Stmt, ...], ind: str) -> list[str]:
    out = ["{"]
    for s in body:
        lines = _stmt(s, ind + _IND)
        out.append(ind + _IND + lines[0])
        out.extend(lines[1:])
    out.append(ind + "}")
    return out


def _join(head: str, block: list[str]) -> list[str]:
    return [head + " " + block[0], *block[1:]]


def _stmt(s: ast.Stmt, ind: str) -> list[str]:
    match s:
        case ast.LocalDecl(type=t, name=n, value=v):
            return [f"{format_type(t)} {n}" + ("" if v is None else f" = {format_expr(v)}")]
        case ast.Assign(target=t, op=op, value=v):
            return [f"{format_expr(t)} {op} {format_expr(v)}"]
        case ast.Send(value=v, stream=st):
            return [f"send({format_expr(v)}, {format_expr(st)})"]
        case ast.Receive(target=t, stream=st):
            return [f"receive({format_expr(t)}, {format_expr(st)})"]
        case ast.Close(stream=st):
            return [f"{format_expr(st)}.close()"]
        case ast.CollectiveCall(op=op, target=t, stream=st):
            return [f"{op}({format_expr(t)}, {format_expr(st)})"]
        case ast.For(vars=vs, ranges=rs, body=b):
            return _join(f"for {_vars(vs)} in {_ranges(rs)}", _block(b, ind))
        case ast.Map(vars=vs, ranges=rs, body=b):
            return _join(f"map {_vars(vs)} in {_ranges(rs)}", _block(b, ind))
        case ast.Foreach(vars=vs, gens=gens, body=b):
            gtext = ", ".join(
                f"receive({format_expr(g.stream)})" if isinstance(g, ast.ReceiveGen)
                else _ranges(g) for g in gens
            )
            return _join(f"foreach {_vars(vs)} in {gtext}", _block(b, ind))
        case ast.Async(body=b):
            return _join("async", _block(b, ind))
        case ast.If(cond=c, then=t, else_=e):
            lines = _join(f"if {format_expr(c)}", _block(t, ind))
            if e is not None and len(e) == 1 and isinstance(e[0], ast.If):
                nested = _stmt(e[0], ind)
                lines = lines[:-1] + [lines[-1] + " else " + nested[0], *nested[1:]]
            elif e is not None:
                lines = lines[:-1] + _join(lines[-1] + " else", _block(e, ind))
            return lines
        case ast.Await(op=op):
            lines = _op(op, ind)
            return ["await " + lines[0], *lines[1:]]
        case ast.Completion(name=n, op=op):
            lines = _op(op, ind)
            return [f"completion {n} = " + lines[0], *lines[1:]]
        case ast.AwaitName(name=n):
            return [f"await {n}"]
        case ast.AwaitAll():
            return ["awaitall"]
    raise TypeError(f"not a statement: {s!r}")


def _item(it: ast.KernelItem, ind: str) -> list[str]:
    inner = ind + _IND
    match it:
        case ast.Place(subgrid=g, fields=fs):
            body = [inner + ("extern " if f.extern else "") + f"{format_type(f.type)} {f.name}"
                    for f in fs]
            return [f"{ind}place {_subgrid(g)} {{", *body, ind + "}"]
        case ast.Dataflow(subgrid=g, streams=ss):
            return [f"{ind}dataflow {_subgrid(g)} {{", *[inner + _stream_decl(s) for s in ss],
                    ind + "}"]
        case ast.Compute(subgrid=g, body=b):
            return [ind + line if i == 0 else line
                    for i, line in enumerate(_join(f"compute {_subgrid(g)}", _block(b, ind)))]
        case ast.Phase(items=items):
            return [f"{ind}phase {{", *[ln for x in items for ln in _item(x, inner)], ind + "}"]
        case ast.MetaFor(vars=vs, ranges=rs, items=items):
            return [f"{ind}for {_vars(vs)} in {_ranges(rs)} {{",
                    *[ln for x in items for ln in _item(x, inner)], ind + "}"]
    raise TypeError(f"not a kernel item: {it!r}")


def _arg(a: ast.Arg) -> str:
    annots = "".join(f" {x}" for x in a.annotations)
    return f"{format_type(a.type)}{annots} {a.name}"


def format_kernel(k: ast.Kernel) -> str:
    """The kernel as `.sptl` source text."""
    head = "kernel"
    if k.name is not None:
        head += f" @{k.name}"
    if k.params:
        head += "<" + ", ".join(p.name for p in k.params) + ">"
    head += "(" + ", ".join(_arg(a) for a in k.args) + ") {"
    lines = [head]
    for it in k.items:
        lines.extend(_item(it, _IND))
    lines.append("}")
    return "\n".join(lines) + "\n"
