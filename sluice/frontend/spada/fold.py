"""Substitute compile-time constants into AST nodes and fold constant subexpressions.

Scoping follows the language: a loop variable or local declaration hides a constant of the
same name inside its body, so folding never rewrites a name the program rebinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sluice.errors import SluiceError
from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada.consteval import Const, EvalError
from sluice.frontend.spada.diagnostics import Reporter


class Folder:
    def __init__(self, rep: Reporter) -> None:
        self.rep = rep

    def _fail(self, err: EvalError, node: ast.Node) -> SluiceError:
        return self.rep.error(
            SluiceError, f"cannot evaluate at compile time: {err}", node,
            "change the parameters or the expression so the value is defined",
        )

    def _try(self, fn, *args, node: ast.Node) -> Const | None:
        try:
            return fn(*args)
        except EvalError as err:
            raise self._fail(err, node) from None

    def expr(self, e: ast.Expr, env: Mapping[str, Const]) -> ast.Expr:
        match e:
            case ast.Name(id=n) if n in env:
                return consteval.literal(env[n], e.pos)
            case ast.Unary(op=op, operand=a):
                a2 = self.expr(a, env)
                va = consteval.value_of(a2) if not isinstance(a2, ast.Unary) else None
                if va is not None:
                    v = self._try(consteval.unary, op, va, node=e)
                    if v is not None:
                        return consteval.literal(v, e.pos)
                return dataclasses.replace(e, operand=a2)
            case ast.Binary(op=op, left=a, right=b):
                a2, b2 = self.expr(a, env), self.expr(b, env)
                va, vb = consteval.value_of(a2), consteval.value_of(b2)
                if va is not None and vb is not None:
                    v = self._try(consteval.binary, op, va, vb, node=e)
                    if v is not None:
                        return consteval.literal(v, e.pos)
                return dataclasses.replace(e, left=a2, right=b2)
            case ast.Ternary(then=t, cond=c, else_=f):
                c2 = self.expr(c, env)
                vc = consteval.value_of(c2)
                t2, f2 = self.expr(t, env), self.expr(f, env)
                if isinstance(vc, bool):
                    return t2 if vc else f2
                return dataclasses.replace(e, then=t2, cond=c2, else_=f2)
            case ast.Call(func=f, args=args):
                args2 = tuple(self.expr(a, env) for a in args)
                vals = [consteval.value_of(a) for a in args2]
                if (all(v is not None for v in vals)
                        and (f not in ast.SCALAR_TYPES or len(vals) == 1)):
                    v = self._try(consteval.call, f, vals, node=e)
                    if v is not None:
                        return consteval.literal(v, e.pos)
                return dataclasses.replace(e, args=args2)
            case ast.Subscript(base=b, indices=idx):
                return dataclasses.replace(
                    e, base=self.expr(b, env), indices=tuple(self.expr(i, env) for i in idx))
            case ast.Attribute(base=b):
                return dataclasses.replace(e, base=self.expr(b, env))
        return e

    def range_item(self, r: ast.RangeItem, env: Mapping[str, Const]) -> ast.RangeItem:
        if isinstance(r, ast.Range):
            step = None if r.step is None else self.expr(r.step, env)
            return dataclasses.replace(
                r, start=self.expr(r.start, env), stop=self.expr(r.stop, env), step=step)
        return self.expr(r, env)

    def ranges(self, rs: tuple[ast.RangeItem, ...], env) -> tuple[ast.RangeItem, ...]:
        return tuple(self.range_item(r, env) for r in rs)

    def type(self, t: ast.Type, env: Mapping[str, Const]) -> ast.Type:
        match t:
            case ast.ArrayType(dims=d):
                return dataclasses.replace(t, dims=tuple(self.expr(x, env) for x in d))
            case ast.StreamType(length=n) if n is not None:
                return dataclasses.replace(t, length=self.expr(n, env))
            case ast.StreamArrayType(stream=s, dims=d):
                return dataclasses.replace(
                    t, stream=self.type(s, env), dims=tuple(self.expr(x, env) for x in d))
        return t

    @staticmethod
    def _hide(env: Mapping[str, Const], names) -> Mapping[str, Const]:
        names = set(names)
        if not names & env.keys():
            return env
        return {k: v for k, v in env.items() if k not in names}

    def body(self, stmts: tuple[ast.Stmt, ...], env: Mapping[str, Const]) -> tuple[ast.Stmt, ...]:
        out = []
        for s in stmts:
            out.append(self.stmt(s, env))
            if isinstance(s, ast.LocalDecl):
                env = self._hide(env, [s.name])
        return tuple(out)

    def stmt(self, s: ast.Stmt, env: Mapping[str, Const]) -> ast.Stmt:
        r = dataclasses.replace
        match s:
            case ast.LocalDecl(type=t, value=v):
                return r(s, type=self.type(t, env), value=None if v is None else self.expr(v, env))
            case ast.Assign(target=t, value=v):
                return r(s, target=self._target(t, env), value=self.expr(v, env))
            case ast.Send(value=v, stream=st):
                return r(s, value=self.expr(v, env), stream=self.expr(st, env))
            case ast.Receive(target=t, stream=st):
                return r(s, target=self._target(t, env), stream=self.expr(st, env))
            case ast.Close(stream=st):
                return r(s, stream=self._target(st, env))
            case ast.CollectiveCall(target=t, stream=st):
                return r(s, target=self._target(t, env))
            case ast.For(vars=vs, ranges=rs, body=b) | ast.Map(vars=vs, ranges=rs, body=b):
                inner = self._hide(env, [v.name for v in vs])
                return r(s, ranges=self.ranges(rs, env), body=self.body(b, inner))
            case ast.Foreach(vars=vs, gens=gens, body=b):
                gens2 = tuple(
                    r(g, stream=self.expr(g.stream, env)) if isinstance(g, ast.ReceiveGen)
                    else self.ranges(g, env) for g in gens)
                inner = self._hide(env, [v.name for v in vs])
                return r(s, gens=gens2, body=self.body(b, inner))
            case ast.Async(body=b):
                return r(s, body=self.body(b, env))
            case ast.If(cond=c, then=t, else_=e):
                return r(s, cond=self.expr(c, env), then=self.body(t, env),
                         else_=None if e is None else self.body(e, env))
            case ast.Await(op=op) | ast.Completion(op=op):
                return r(s, op=self.stmt(op, env))
        return s

    def _target(self, t: ast.Expr, env: Mapping[str, Const]) -> ast.Expr:
        # The assigned name itself is never a constant (check reports assigning to one).
        if isinstance(t, ast.Subscript):
            return dataclasses.replace(t, indices=tuple(self.expr(i, env) for i in t.indices))
        return t
