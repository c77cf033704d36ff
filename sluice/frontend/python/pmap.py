"""`sluice.map[0:N, 0:M]`: an explicit parallel map whose body is scalar code.

    for i, j in sluice.map[0:N, 0:M]:
        t = A[i, j] * 2.0
        C[i, j] = t + B[j]

The body becomes one tasklet inside one map: local names are tasklet values, array elements
are read through memlets (reads see the values from before the map), and stores become
output memlets. `x[k] += v` where `k` does not depend on every map parameter is a
conflicting write and is resolved by summation (write-conflict resolution `+`).
"""

from __future__ import annotations

import ast
from typing import Any

import sympy

from sluice.errors import SluiceError, UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.values import Py, Sym, View, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import Tasklet
from sluice.ir.symbolic import free_names, symbol, value

_WCR = {ast.Add: "+", ast.Mult: "*"}


class MapRange:
    """`sluice.map[a:b, c:d]`; iterating it in plain Python visits every point in order."""

    def __getitem__(self, ranges: Any) -> Any:
        import itertools

        rs = ranges if isinstance(ranges, tuple) else (ranges,)
        axes = [range(r.start or 0, r.stop, r.step or 1) for r in rs]
        if len(axes) == 1:
            return iter(axes[0])
        return itertools.product(*axes)

    def __repr__(self) -> str:
        return "sluice.map"


pmap = MapRange()


class MapLowering:
    """Mixin of the Tracer for `for ... in sluice.map[...]`."""

    def is_pmap(self, it: ast.expr) -> bool:
        if not isinstance(it, ast.Subscript):
            return False
        try:
            v = self.ev(it.value)
        except SluiceError:
            return False
        return isinstance(v, Py) and isinstance(v.obj, MapRange)

    def st_pmap(self, node: ast.For) -> None:
        if self.in_map:
            raise UnsupportedError("nested sluice.map loops are not supported",
                                   self.loc(node), hint="use one map with several ranges")
        sl = node.iter.slice
        parts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        tgt = node.target
        names = [e for e in tgt.elts] if isinstance(tgt, ast.Tuple) else [tgt]
        if not all(isinstance(n, ast.Name) for n in names) or len(names) != len(parts):
            raise UnsupportedError("sluice.map needs one loop name per range",
                                   self.loc(tgt), hint="for i, j in sluice.map[0:N, 0:M]: ...")
        ranges: dict[str, Range] = {}
        f = self.frame
        saved = dict(f.env)
        params = []
        for n, p in zip(names, parts, strict=True):
            if not isinstance(p, ast.Slice) or p.upper is None:
                raise UnsupportedError("map ranges are written start:stop[:step]", self.loc(p))
            lo = sympy.Integer(0) if p.lower is None else self.index_expr(self.ev(p.lower),
                                                                           p.lower)
            hi = self.index_expr(self.ev(p.upper), p.upper)
            st = sympy.Integer(1) if p.step is None else self.index_expr(self.ev(p.step), p.step)
            pname = self.em.names.fresh(n.id)
            ranges[pname] = Range(lo, hi, st)
            params.append(pname)
            f.env[n.id] = Sym(symbol(pname), DType.int64)
            self.facts.ranges[pname] = (lo, hi - 1)  # map steps are positive
        self.in_map = {"outputs": [], "params": set(params)}
        try:
            for s in node.body:
                if not isinstance(s, ast.Assign | ast.AugAssign | ast.Expr | ast.Pass):
                    raise UnsupportedError("only assignments may appear in a sluice.map body",
                                           self.loc(s), hint="use 'a if c else b' or np.where "
                                           "for choices; loops belong outside the map")
                self.st(s)
            outputs = self.in_map["outputs"]
        finally:
            self.in_map = None
            f.env.clear()
            f.env.update(saved)
            for pname in params:
                self.facts.ranges.pop(pname, None)
        if not outputs:
            return
        inputs: dict[str, Memlet] = {}
        conns: dict[tuple, str] = {}
        code = []
        outs: dict[str, Memlet] = {}
        for k, (mem, e) in enumerate(outputs):
            rename = {}
            for c, (data, idx) in e.reads.items():
                key = (data, idx)
                if key not in conns:
                    conns[key] = c
                    inputs[c] = Memlet(data, tuple(Index(i) for i in idx))
                else:
                    rename[value(c)] = value(conns[key])
            o = f"_out{k}"
            code.append((o, e.expr.xreplace(rename)))
            outs[o] = mem
        with self.em.b.state() as s, s.map_scope(ranges, label="map") as body:
            body.node(Tasklet(list(inputs), list(outs), code, label="map"), inputs, outs)

    def map_write(self, view: View, val: Any, node: ast.AST, wcr: str | None = None) -> None:
        if view.shape:
            raise UnsupportedError("a sluice.map body stores single elements",
                                   self.loc(node), hint="index every dimension: C[i, j] = ...")
        if isinstance(val, tuple | Py):
            raise UnsupportedError("only numbers can be stored", self.loc(node))
        e = to_elem(val)
        if e.shape:
            raise UnsupportedError("a sluice.map body computes scalars only", self.loc(node))
        idx = view.index_exprs([])
        self.in_map["outputs"].append((Memlet(view.data, tuple(Index(i) for i in idx), wcr),
                                       e))

    def map_augwrite(self, view: View, op: type, rhs: Any, node: ast.AST) -> None:
        idx = view.index_exprs([])
        used: set[str] = set()
        for i in idx:
            used |= free_names(i)
        if not self.in_map["params"] <= used and op in _WCR:
            return self.map_write(view, rhs, node, _WCR[op])
        if not self.in_map["params"] <= used:
            raise UnsupportedError("this update races between map iterations", self.loc(node),
                                   hint="only += and *= may update shared elements")
        new = ops.binary(op, to_elem(view), self.operand(rhs, node))
        return self.map_write(view, new, node)

