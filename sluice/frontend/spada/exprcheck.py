"""Names and types of expressions on one PE (the first half of the per-PE check).

`ExprChecker` resolves names against what the PE holds, types expressions by the rules in
`types.py`, checks indices (constant ones and loop-variable ranges) and collects the fields an
expression reads, for the race check in `pe_walk`.
"""

from __future__ import annotations

from sluice.errors import SluiceError, SluiceTypeError
from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada import types as T
from sluice.frontend.spada.consteval import EvalError
from sluice.frontend.spada.diagnostics import (
    PlacementError,
    Reporter,
    SpadaNameError,
    suggest,
)
from sluice.frontend.spada.pe_scope import Access, KernelNames, PEScope
from sluice.frontend.spada.types import Ty


class ExprChecker:
    def __init__(self, rep: Reporter, names: KernelNames, scope: PEScope) -> None:
        self.rep = rep
        self.names = names
        self.scope = scope
        self.locals: list[dict[str, tuple[str, ast.Type]]] = []  # name -> (kind, type)
        self.completions: set[str] = set()
        # Value bounds of loop variables with static ranges, for index checks.
        self.bounds: dict[str, tuple[int, int]] = {}

    # ---- helpers
    def err(self, cls, msg: str, node, hint: str | None = None) -> SluiceError:
        return self.rep.error(cls, msg, node, hint)

    @property
    def pe_text(self) -> str:
        return f"PE ({self.scope.pe[0]}, {self.scope.pe[1]})"

    def static(self, e: ast.Expr):
        try:
            return consteval.evaluate(e, self.scope.coords)
        except EvalError as err:
            raise self.err(SluiceError, f"cannot evaluate on {self.pe_text}: {err}", e,
                           "guard the expression so it is defined on every PE") from None

    def lookup_local(self, name: str):
        for frame in reversed(self.locals):
            if name in frame:
                return frame[name]
        return None

    def visible_names(self) -> list[str]:
        out = [n for f in self.locals for n in f]
        out += list(self.scope.coords) + list(self.scope.fields) + list(self.scope.streams)
        out += list(self.names.args)
        return out

    def undefined(self, node: ast.Name) -> SluiceError:
        n = node.id
        if n in self.names.fields_anywhere:
            return self.err(PlacementError, f"field '{n}' is not placed on {self.pe_text}", node,
                            f"add {self.pe_text} to a place block that declares '{n}', or guard "
                            "this use with an if on the coordinates")
        if n in self.names.streams_anywhere:
            return self.err(PlacementError, f"stream '{n}' is not declared on {self.pe_text}",
                            node, f"add {self.pe_text} to the dataflow block that declares "
                            f"'{n}', or guard this use with an if on the coordinates")
        hint = suggest(n, self.visible_names()) or "declare it in a place block"
        return self.err(SpadaNameError, f"undefined name '{n}'", node, hint)

    # ---- name resolution: returns (kind, Ty) with kind in
    # local, loopvar, coord, field, stream, arg, hoststream
    def resolve(self, node: ast.Name) -> tuple[str, Ty]:
        n = node.id
        loc = self.lookup_local(n)
        if loc is not None:
            return loc[0], self._ty(loc[1])
        if n in self.scope.coords:
            return "coord", T.scalar("i32")
        if n in self.scope.fields:
            return "field", self._ty(self.scope.fields[n].type)
        if n in self.scope.streams:
            return "stream", Ty("stream", self.scope.streams[n].elem)
        if n in self.names.args:
            t = self.names.args[n].type
            if isinstance(t, ast.ScalarType):
                return "arg", T.scalar(t.name)
            elem = t.stream.elem.name if isinstance(t, ast.StreamArrayType) else t.elem.name
            return "hoststream", Ty("stream", elem)
        if n in self.completions:
            raise self.err(SluiceTypeError, f"'{n}' is a completion, not a value", node,
                           f"wait for it with `await {n}`")
        raise self.undefined(node)

    @staticmethod
    def _ty(t: ast.Type) -> Ty:
        if isinstance(t, ast.ArrayType):
            return Ty("array", t.elem.name, tuple(d.value for d in t.dims))  # type: ignore
        if isinstance(t, ast.ScalarType):
            return T.scalar(t.name)
        return Ty("stream", t.stream.elem.name if isinstance(t, ast.StreamArrayType)
                  else t.elem.name)

    # ---- expressions
    def expr(self, e: ast.Expr, reads: set[Access]) -> Ty:
        """Type of `e`; adds the fields it reads to `reads`."""
        match e:
            case ast.IntLit():
                return T.scalar("int")
            case ast.FloatLit():
                return T.scalar("float")
            case ast.BoolLit():
                return T.scalar("bool")
            case ast.StrLit():
                return Ty("str")
            case ast.Name():
                kind, ty = self.resolve(e)
                if kind in ("field", "local"):
                    reads.add((e.id, None))
                if kind == "hoststream" and isinstance(
                        self.names.args[e.id].type, ast.StreamArrayType):
                    raise self.err(SluiceTypeError, f"'{e.id}' is an array of streams", e,
                                   f"pick this PE's stream: {e.id}[x, y]")
                return ty
            case ast.Subscript():
                return self.subscript(e, reads)
            case ast.Unary(op=op, operand=a):
                t = self.expr(a, reads)
                if op == "not":
                    self.need_condition(t, a)
                    return T.scalar("bool")
                ok = T.is_int_scalar(t) if op == "~" else T.is_numeric_scalar(t)
                if not ok:
                    raise self.operand_error(op, t, a)
                return t
            case ast.Binary():
                return self.binary(e, reads)
            case ast.Ternary(then=a, cond=c, else_=b):
                tc = self.expr(c, reads)
                self.need_condition(tc, c)
                v = self.static(c)
                if isinstance(v, bool):
                    return self.expr(a if v else b, reads)
                ta, tb = self.expr(a, reads), self.expr(b, reads)
                if ta.kind == "stream" or tb.kind == "stream":
                    if ta != tb:
                        raise self.err(SluiceTypeError,
                                       f"ternary chooses between {ta} and {tb}", e,
                                       "both branches must be streams of the same type")
                    return ta
                if T.is_numeric_scalar(ta) and T.is_numeric_scalar(tb):
                    return T.scalar(T.promote(ta.elem, tb.elem))
                if ta == tb and ta.kind == "scalar":
                    return ta
                raise self.err(SluiceTypeError, f"ternary branches have types {ta} and {tb}", e,
                               "make both branches the same kind of value")
            case ast.Call():
                return self.call(e, reads)
            case ast.Attribute(name=n):
                raise self.err(SluiceTypeError, f"unknown attribute '.{n}'", e,
                               "values have no attributes; streams have only the method close()")
        raise self.err(SluiceError, "unsupported expression", e)

    def operand_error(self, op: str, t: Ty, node) -> SluiceError:
        need = {"~": "an integer", "%": "integers", "&": "integers", "|": "integers",
                "^": "integers", "<<": "integers", ">>": "integers"}.get(op, "numbers")
        hint = "convert with a cast such as i32(...)" if need != "numbers" else (
            "index the array to use one element" if t.kind == "array" else
            "use numeric values here")
        return self.err(SluiceTypeError, f"operator '{op}' needs {need}, not {t}", node, hint)

    def need_condition(self, t: Ty, node) -> None:
        if not T.is_condition(t):
            raise self.err(SluiceTypeError, f"condition must be a bool, not {t}", node,
                           "compare explicitly, e.g. `v > 0.0`")

    def binary(self, e: ast.Binary, reads: set[Access]) -> Ty:
        op = e.op
        if op in ("and", "or"):
            ta = self.expr(e.left, reads)
            self.need_condition(ta, e.left)
            va = self.static(e.left)
            if isinstance(va, bool) and ((op == "and" and not va) or (op == "or" and va)):
                return T.scalar("bool")  # the right side never runs on this PE
            tb = self.expr(e.right, reads)
            self.need_condition(tb, e.right)
            return T.scalar("bool")
        ta, tb = self.expr(e.left, reads), self.expr(e.right, reads)
        if op in ("==", "!=") and ta.kind == tb.kind == "scalar" and ta.elem == tb.elem == "bool":
            return T.scalar("bool")
        for t, side in ((ta, e.left), (tb, e.right)):
            if not T.is_numeric_scalar(t):
                raise self.operand_error(op, t, side)
            if op in ("%", "&", "|", "^", "<<", ">>") and not T.is_int_scalar(t):
                raise self.operand_error(op, t, side)
        if op in ("<", ">", "<=", ">=", "==", "!="):
            return T.scalar("bool")
        return T.scalar(T.promote(ta.elem, tb.elem))

    def call(self, e: ast.Call, reads: set[Access]) -> Ty:
        f = e.func
        if f in ast.SCALAR_TYPES:
            if len(e.args) != 1:
                raise self.err(SluiceTypeError, f"cast {f}(...) takes one value", e)
            t = self.expr(e.args[0], reads)
            if not (T.is_numeric_scalar(t) or (t.kind == "scalar" and t.elem == "bool")):
                raise self.err(SluiceTypeError, f"cannot convert {t} to {f}", e,
                               "cast one scalar value")
            return T.scalar(f)
        spec = consteval.BUILTINS.get(f)
        if spec is None:
            known = list(consteval.BUILTINS) + list(ast.SCALAR_TYPES)
            raise self.err(SpadaNameError, f"unknown function '{f}'", e,
                           suggest(f, known) or "built-ins: " + ", ".join(known))
        lo, hi, _ = spec
        if not lo <= len(e.args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise self.err(SluiceTypeError, f"{f}() takes {want} argument(s), got {len(e.args)}",
                           e)
        tys = [self.expr(a, reads) for a in e.args]
        for t, a in zip(tys, e.args, strict=True):
            if not T.is_numeric_scalar(t):
                raise self.err(SluiceTypeError, f"{f}() needs numbers, not {t}", a,
                               "index arrays to pass one element")
        elem = tys[0].elem
        for t in tys[1:]:
            elem = T.promote(elem, t.elem)
        if f in consteval.FLOAT_BUILTINS and not T.is_float(elem):
            elem = "float"
        return T.scalar(elem)

    def subscript(self, e: ast.Subscript, reads: set[Access]) -> Ty:
        if not isinstance(e.base, ast.Name):
            raise self.err(SluiceTypeError, "only named arrays can be indexed", e)
        kind, ty = self.resolve(e.base)
        idx_tys = [self.expr(i, reads) for i in e.indices]
        for t, i in zip(idx_tys, e.indices, strict=True):
            if not T.is_int_scalar(t):
                raise self.err(SluiceTypeError, f"index must be an integer, not {t}", i,
                               "convert with i32(...) or index with a loop variable")
        if kind == "hoststream":
            return Ty("stream", ty.elem)
        if ty.kind != "array":
            raise self.err(SluiceTypeError, f"'{e.base.id}' is not an array ({ty})", e,
                           "remove the subscript")
        if len(e.indices) != len(ty.shape):
            raise self.err(SluiceTypeError,
                           f"'{e.base.id}' has {len(ty.shape)} dimension(s), indexed with "
                           f"{len(e.indices)}", e, "give one index per dimension")
        consts = []
        for i, d in zip(e.indices, ty.shape, strict=True):
            v = self.static(i)
            if isinstance(v, int) and not isinstance(v, bool):
                if not 0 <= v < d:
                    raise self.err(SluiceTypeError,
                                   f"index {v} is out of bounds for '{e.base.id}' of size {d}",
                                   i, f"indices run from 0 to {d - 1}")
                consts.append(v)
                continue
            iv = self.interval(i)
            if iv is not None and (iv[0] < 0 or iv[1] >= d):
                raise self.err(SluiceTypeError,
                               f"index runs over {iv[0]}..{iv[1]}, out of bounds for "
                               f"'{e.base.id}' of size {d}", i,
                               f"indices run from 0 to {d - 1}: fix the loop range, or guard "
                               "the access with an if")
        reads.add((e.base.id, tuple(consts) if len(consts) == len(ty.shape) else None))
        return T.scalar(ty.elem)

    def interval(self, e: ast.Expr) -> tuple[int, int] | None:
        """Bounds of an integer index built from loop variables, + and -; else None."""
        match e:
            case ast.IntLit(value=v):
                return (v, v)
            case ast.Name(id=n) if n in self.bounds and self.lookup_local(n) is not None:
                return self.bounds[n]
            case ast.Binary(op="+" | "-", left=a, right=b):
                ia, ib = self.interval(a), self.interval(b)
                if ia is None or ib is None:
                    return None
                if e.op == "+":
                    return (ia[0] + ib[0], ia[1] + ib[1])
                return (ia[0] - ib[1], ia[1] - ib[0])
        v = self.static(e)
        return (v, v) if isinstance(v, int) and not isinstance(v, bool) else None

    def check_direction(self, arg: str, direction: str, node) -> None:
        annots = self.names.args[arg].annotations
        if direction == "send" and "readonly" in annots:
            raise self.err(SluiceTypeError, f"cannot send to readonly argument '{arg}'", node,
                           "send results to a writeonly stream argument")
        if direction == "recv" and "writeonly" in annots:
            raise self.err(SluiceTypeError, f"cannot receive from writeonly argument '{arg}'",
                           node, "receive inputs from a readonly stream argument")

    # ---- targets
    def target(self, t: ast.Expr, reads: set[Access], what: str) -> tuple[Ty, Access]:
        """Type of an assignment/receive target and the access it makes."""
        name = t.base if isinstance(t, ast.Subscript) else t
        if not isinstance(name, ast.Name):
            raise self.err(SluiceTypeError, f"cannot {what} into an expression", t,
                           f"{what} into a field or a local variable")
        if name.id in self.names.params:
            raise self.err(SluiceTypeError, f"cannot {what} into parameter '{name.id}'", t,
                           "parameters are compile-time constants")
        kind, ty = self.resolve(name)
        if kind not in ("field", "local"):
            desc = {"loopvar": "loop variable", "coord": "PE coordinate", "arg": "argument",
                    "stream": "stream", "hoststream": "stream argument"}[kind]
            raise self.err(SluiceTypeError, f"cannot {what} into {desc} '{name.id}'", t,
                           f"{what} into a field placed on the PE or a local variable")
        if isinstance(t, ast.Subscript):
            sub_reads: set[Access] = set()
            ety = self.subscript(t, sub_reads)
            acc = next(a for a in sub_reads if a[0] == name.id)
            reads |= {a for a in sub_reads if a[0] != name.id}
            return ety, acc
        return ty, (name.id, None)
