"""Expression lowering: Python expressions to traced values (see values.py)."""

from __future__ import annotations

import ast
import builtins
import types
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError, did_you_mean
from sluice.frontend.python import masks, ops, sparse
from sluice.frontend.python.indexing import apply_index
from sluice.frontend.python.sparse import Coo, Sparse
from sluice.frontend.python.values import (
    Elem,
    Masked,
    Py,
    Sym,
    View,
    const,
    is_array,
    python_lacks,
)
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import value as value_symbol

# Expression nodes that have no meaning in a compiled program, with what to do instead.
UNSUPPORTED_EXPR: dict[type, tuple[str, str]] = {
    ast.Lambda: ("lambda functions are not supported",
                 "define a function with 'def' at module level and call it"),
    ast.Dict: ("dictionaries are not supported", "use separate variables or arrays"),
    ast.Set: ("sets are not supported", "use arrays or separate variables"),
    ast.ListComp: ("list comprehensions are not supported",
                   "use array operations, or a for loop writing into an array"),
    ast.SetComp: ("set comprehensions are not supported", "use arrays"),
    ast.DictComp: ("dict comprehensions are not supported", "use arrays"),
    ast.GeneratorExp: ("generator expressions are not supported",
                       "use array operations such as np.sum"),
    ast.JoinedStr: ("strings and string formatting are not supported",
                    "compute numbers in the compiled function; format them outside"),
    ast.Yield: ("generators ('yield') are not supported",
                "write results into an array or return them"),
    ast.YieldFrom: ("generators ('yield from') are not supported",
                    "write results into an array or return them"),
    ast.Await: ("'await' is not supported", "write an ordinary function"),
    ast.NamedExpr: ("assignment expressions (':=') are not supported",
                    "assign in a separate statement"),
    ast.Starred: ("star-arguments ('*args') are not supported",
                  "pass the arguments one by one"),
}


class ExpressionLowering:
    """Mixin of the Tracer: `ev(node)` evaluates an expression."""

    def ev(self, node: ast.expr) -> Any:
        handler = self._EXPR.get(type(node))
        if handler is None:
            msg, hint = UNSUPPORTED_EXPR.get(
                type(node), (f"'{type(node).__name__}' expressions are not supported", None))
            raise UnsupportedError(msg, self.loc(node), hint=hint)
        with self.at(node):
            return handler(self, node)

    # --- leaves ------------------------------------------------------------------------
    def ev_constant(self, node: ast.Constant) -> Any:
        v = node.value
        if isinstance(v, bool | int | float | complex):
            return const(v)
        return Py(v)  # strings (einsum subscripts), None, Ellipsis

    def ev_name(self, node: ast.Name) -> Any:
        return self.lookup(node.id, node)

    def lookup(self, name: str, node: ast.AST) -> Any:
        f = self.frame
        self.check_not_poisoned(name, node)
        self.check_not_stale(name, node)
        if name in f.aliased:  # a view bound in this branch over the variable's storage
            return f.env[name]
        if name in f.mutable:
            st = f.mutable[name]
            if isinstance(st, sympy.Symbol):
                return Sym(st, DType.int64, weak=True)
            return st
        if name in f.env:
            return f.env[name]
        if name in f.fs.local_names:
            raise SluiceError(f"local variable '{name}' is read before it is assigned",
                              self.loc(node),
                              hint="Python raises UnboundLocalError here: a name assigned "
                                   "anywhere in a function is local to all of it")
        g = f.globals
        if name in g:
            return self.global_value(name, g[name], node)
        if hasattr(builtins, name):
            return Py(getattr(builtins, name))
        raise SluiceError(f"name '{name}' is not defined", self.loc(node),
                          hint=did_you_mean(name, list(f.env) + list(g)))

    def global_value(self, name: str, v: Any, node: ast.AST) -> Any:
        self.record_global(name, v)
        if isinstance(v, bool | int | float | np.generic):
            return const(v)
        if isinstance(v, np.ndarray):
            raise UnsupportedError(f"global array '{name}' cannot be read", self.loc(node),
                                   hint="pass the array as an argument")
        return Py(v)

    # --- operators ---------------------------------------------------------------------
    def ev_binop(self, node: ast.BinOp) -> Any:
        a, b = self.ev(node.left), self.ev(node.right)
        if isinstance(node.op, ast.MatMult):
            return self.call_rule(np.matmul, [a, b], {}, node)
        if type(node.op) not in ops.BINARY:
            raise UnsupportedError(f"operator {type(node.op).__name__} is not supported",
                                   self.loc(node))
        if not masks.lifts([a, b]):
            a, b = masks.arrays(self, [a, b])
        return ops.binary(type(node.op), self.operand(a, node.left),
                          self.operand(b, node.right))

    def operand(self, v: Any, node: ast.AST) -> Any:
        if isinstance(v, Sym | View | Elem | Masked):
            return v
        if isinstance(v, tuple):
            raise UnsupportedError("arithmetic on tuples is not supported", self.loc(node),
                                   hint="unpack the tuple first")
        raise SluiceTypeError(f"{_describe(v)} cannot be used in arithmetic", self.loc(node))

    def ev_unaryop(self, node: ast.UnaryOp) -> Any:
        v = self.operand(self.ev(node.operand), node.operand)
        return ops.unary(type(node.op), v)

    def ev_compare(self, node: ast.Compare) -> Any:
        if len(node.ops) == 1 and isinstance(node.ops[0], ast.Is | ast.IsNot):
            return self.identity(node)
        left = self.operand(self.ev(node.left), node.left)
        out = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.operand(self.ev(right_node), right_node)
            if type(op) not in ops.COMPARE:
                raise UnsupportedError(f"comparison {type(op).__name__} is not supported",
                                       self.loc(node), hint="use <, <=, >, >=, == or !=")
            if not masks.lifts([left, right]):
                left, right = masks.arrays(self, [left, right])
            c = ops.compare(type(op), left, right)
            out = c if out is None else ops.binary(ast.BitAnd, out, c)
            left = right
        return out

    def identity(self, node: ast.Compare) -> Sym:
        """`x is None`, `x is not None` (and `is` between values fixed while tracing), decided
        while tracing: a traced array or number is never None, so an optional argument's
        branch not taken is never traced."""
        a, b = (v.obj if isinstance(v, Py) else v
                for v in (self.ev(node.left), self.ev(node.comparators[0])))
        traced = [isinstance(v, Sym | View | Elem | Masked) for v in (a, b)]
        if all(traced) or (any(traced) and not any(v is None for v in (a, b))):
            raise UnsupportedError("'is' between computed values is not supported",
                                   self.loc(node), hint="compare with None (`x is None`), "
                                   "or compare values with ==")
        same = False if any(traced) else a is b
        return const(same if isinstance(node.ops[0], ast.Is) else not same)

    def ev_boolop(self, node: ast.BoolOp) -> Any:
        vals = [self.operand(self.ev(v), v) for v in node.values]
        if any(is_array(v) or isinstance(v, Masked) for v in vals):
            raise SluiceTypeError("'and'/'or' of arrays is ambiguous", self.loc(node),
                                  hint="use np.logical_and / np.logical_or or & and |")
        op = ast.BitAnd if isinstance(node.op, ast.And) else ast.BitOr
        out = ops.cast(vals[0], DType.bool)
        for v in vals[1:]:
            out = ops.binary(op, out, ops.cast(v, DType.bool))
        return out

    def ev_ifexp(self, node: ast.IfExp) -> Any:
        c = self.operand(self.ev(node.test), node.test)
        if isinstance(c, Sym) and c.constant is not None:
            return self.ev(node.body if c.constant else node.orelse)  # only the taken arm
        a, b = self.ev(node.body), self.ev(node.orelse)
        return self.call_rule(np.where, [c, a, b], {}, node)

    # --- containers ----------------------------------------------------------------------
    def ev_tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.ev(e) for e in node.elts)

    def ev_list(self, node: ast.List) -> Any:
        vals = tuple(self.ev(e) for e in node.elts)
        if any(isinstance(v, View | Elem) for v in vals):
            raise UnsupportedError("lists of arrays are not supported", self.loc(node),
                                   hint="stack them into one array, or use separate variables")
        return vals

    # --- attributes and subscripts --------------------------------------------------------
    def ev_attribute(self, node: ast.Attribute) -> Any:
        base = self.ev(node.value)
        base = masks.array(self, base)  # x[m].shape, .size, .T: of the array NumPy makes
        if isinstance(base, View | Elem | Sym):
            return self.array_attribute(base, node.attr, node)
        if isinstance(base, Sparse | Coo):
            return sparse.attribute(self, base, node.attr, node)
        if isinstance(base, Py):
            try:
                v = getattr(base.obj, node.attr)
            except AttributeError:
                raise SluiceError(f"'{_describe(base)}' has no attribute '{node.attr}'",
                                  self.loc(node)) from None
            if isinstance(v, bool | int | float | np.generic):
                return const(v)
            return Py(v)
        raise UnsupportedError(f"attribute '{node.attr}' of {_describe(base)} is not supported",
                               self.loc(node))

    def array_attribute(self, v: Any, attr: str, node: ast.AST) -> Any:
        from sluice.frontend.python.rules import ATTRIBUTES

        lacks = python_lacks(v, attr)
        if lacks is not None:
            raise SluiceTypeError(lacks, self.loc(node),
                                  hint="Python numbers are not NumPy scalars: np.float64(x) "
                                       "has the array attributes")
        rule = ATTRIBUTES.get(attr)
        if rule is None:
            raise UnsupportedError(f"array attribute '.{attr}' is not supported", self.loc(node),
                                   hint="supported: " + ", ".join(sorted(ATTRIBUTES)))
        return rule(self, v)

    def ev_subscript(self, node: ast.Subscript) -> Any:
        base = self.ev(node.value)
        if isinstance(base, tuple) and isinstance(node.slice, ast.Slice):
            return base[self.constant_slice(node.slice)]
        if isinstance(base, tuple):
            k = self.ev(node.slice)
            if isinstance(k, Sym) and isinstance(k.constant, int):
                if not -len(base) <= k.constant < len(base):
                    raise SluiceError(f"index {k.constant} is out of range for a tuple of "
                                      f"{len(base)}", self.loc(node))
                return base[k.constant]
            raise UnsupportedError("tuples may only be indexed by constants", self.loc(node))
        if isinstance(base, Sparse | Coo):
            raise UnsupportedError("indexing a sparse matrix is not supported", self.loc(node),
                                   hint="multiply it by a dense array (A @ X), or index its "
                                   "arrays (A.data, A.indices, A.indptr; COO: A.row, A.col)")
        if isinstance(base, Py) and base.obj is np.mgrid:
            from sluice.frontend.python.rules.grids import mgrid
            return mgrid(self, node)
        if isinstance(base, Py) and base.obj is np.ogrid:
            from sluice.frontend.python.rules.grids import ogrid
            return ogrid(self, node)
        if isinstance(base, Py):
            key = self.pyvalue(self.ev(node.slice), node)
            try:
                return Py(base.obj[key])
            except Exception:
                raise UnsupportedError(f"cannot index {_describe(base)}", self.loc(node)
                                       ) from None
        view = self.subscript_view(base, node)
        return view

    def constant_slice(self, node: ast.Slice) -> slice:
        """A slice of a tuple (`a.shape[-2:]`): its bounds must be known while tracing."""
        def bound(e: ast.expr | None) -> int | None:
            if e is None:
                return None
            v = self.pyvalue(self.ev(e), e)
            if not isinstance(v, int):
                raise UnsupportedError("tuples may only be sliced by constants", self.loc(e))
            return v
        return slice(bound(node.lower), bound(node.upper), bound(node.step))

    def subscript_view(self, base: Any, node: ast.Subscript) -> Any:
        """Evaluate `base[...]` to a view (or a gathered temporary)."""
        v, gathers = self.subscript_parts(base, node)
        if isinstance(gathers, masks.MaskIndex):
            return masks.select(self, v, gathers.mask, node)
        if gathers:
            return self.gather(v, gathers, node)
        return v

    def subscript_parts(self, base: Any, node: ast.Subscript) -> tuple[View, list]:
        """The view `base[...]` selects by its basic indices, and the integer-array indices
        left for a gather or scatter."""
        if isinstance(base, Sym):
            raise SluiceTypeError("a scalar cannot be indexed", self.loc(node))
        if isinstance(base, Elem):
            base = self.em.materialize(base)
        base = masks.array(self, base)  # x[m][1:]: indexes the array NumPy makes of it
        items = self.index_items(node.slice)
        masks_ = [it[1] for it in items if it[0] == "mask"]
        if masks_:
            if len(items) != 1:
                raise UnsupportedError("a boolean mask together with other indices is not "
                                       "supported", self.loc(node),
                                       hint="index with the mask alone, x[mask], with a mask "
                                       "of x's shape")
            return base, masks.MaskIndex(masks_[0])
        checks: list = []
        out = apply_index(base, items, self.loc(node), self.facts, checks)
        if checks and not self.in_map:  # (a map body has no place for a check)
            self.em.require_that(sympy.And(*[sympy.And(i >= -n, i < n) for i, n in checks]),
                                 "index_out_of_range")
        return out

    def index_items(self, sl: ast.expr) -> list[tuple]:
        parts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        items: list[tuple] = []
        for p in parts:
            if isinstance(p, ast.List):
                raise UnsupportedError("indexing with a list is not supported", self.loc(p),
                                       hint="use slices, or an integer array")
            if isinstance(p, ast.Slice):
                lo = None if p.lower is None else self.index_expr(self.ev(p.lower), p.lower)
                hi = None if p.upper is None else self.index_expr(self.ev(p.upper), p.upper)
                st = 1
                if p.step is not None:
                    s = self.ev(p.step)
                    if isinstance(s, Sym | View | Elem) and not (
                            s.dtype.is_integer or s.dtype == DType.bool):
                        raise SluiceTypeError(f"slice steps must be integers, got {s.dtype}",
                                              self.loc(p.step))
                    if not isinstance(s, Sym) or s.constant is None or s.constant == 0:
                        raise UnsupportedError("slice steps must be nonzero constants",
                                               self.loc(p.step))
                    st = int(s.constant)
                items.append(("slice", lo, hi, st))
                continue
            v = self.ev(p)
            v = masks.array(self, v)  # N[Xi[I], Yi[I]]: the selected indices, compressed
            if isinstance(v, Sym | View | Elem) and not v.shape and v.dtype == DType.bool:
                raise UnsupportedError("indexing with a boolean scalar is not supported",
                                       self.loc(p), hint="NumPy reads x[True] as a mask that "
                                       "adds an axis; write x[np.newaxis] or x[1]")
            if isinstance(v, Py) and v.obj is None:
                items.append(("new",))
            elif isinstance(v, Py) and v.obj is Ellipsis:
                items.append(("ellipsis",))
            elif is_array(v):
                items.append(("mask" if v.dtype == DType.bool else "array", v))
            else:
                items.append(("index", self.index_expr(v, p)))
        return items

    def index_expr(self, v: Any, node: ast.AST) -> sympy.Basic:
        """An integer usable in subsets: run-time integers are bound to a fresh symbol."""
        if isinstance(v, Sym):
            if v.dtype.is_integer or v.dtype == DType.bool:
                return ops.as_number(v.expr, v.dtype, DType.int64)
            raise SluiceTypeError(f"indices must be integers, got {v.dtype}", self.loc(node))
        if isinstance(v, View | Elem) and not v.shape:
            if not v.dtype.is_integer:
                raise SluiceTypeError(f"indices must be integers, got {v.dtype}",
                                      self.loc(node))
            if self.in_map:  # the index would need a block of its own, which a map body lacks
                raise UnsupportedError("an index read from an array inside a sluice.map body "
                                       "is not supported", self.loc(node),
                                       hint="gather first, outside the map: g = x[idx], then "
                                       "use g[k] in the body")
            return self.bind_symbol(v, "idx")
        raise SluiceTypeError(f"{_describe(v)} cannot be used as an index", self.loc(node))

    def bind_symbol(self, v: Any, hint: str) -> sympy.Symbol:
        """A fresh symbol holding the run-time integer scalar `v`."""
        sv = self.em.cell(v, hint)
        s = self.em.symbol(hint)
        self.em.b.assign(**{s.name: value_symbol(sv.data)})
        return s

    # --- helpers -------------------------------------------------------------------------
    def pyvalue(self, v: Any, node: ast.AST) -> Any:
        """A trace-time Python value (for axes, shapes given as constants, dtypes...)."""
        if isinstance(v, Py):
            return v.obj
        if v is None or isinstance(v, bool | int | float | str):  # a rule's own default
            return v
        if isinstance(v, tuple):
            return tuple(self.pyvalue(x, node) for x in v)
        if isinstance(v, Sym) and v.constant is not None:
            return v.constant
        raise UnsupportedError(f"{_describe(v)} must be known at compile time here",
                               self.loc(node))

    def call_rule(self, fn: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        from sluice.frontend.python.rules import FUNCTIONS

        return FUNCTIONS[fn](self, node, *args, **kwargs)


def _describe(v: Any) -> str:
    if isinstance(v, View | Elem):
        return f"a {len(v.shape)}-D {v.dtype} array" if v.shape else f"a {v.dtype} scalar"
    if isinstance(v, Sym):
        return f"a {v.dtype} scalar"
    if isinstance(v, tuple):
        return "a tuple"
    if isinstance(v, Sparse | Coo):
        return "a sparse matrix (use it in a product: A @ X)"
    if isinstance(v, Masked):
        return f"a masked selection x[mask] of {v.dtype} (its length is only known while the " \
            "function runs)"
    if isinstance(v, Py):
        o = v.obj
        if isinstance(o, types.ModuleType):
            return f"module '{o.__name__}'"
        return getattr(o, "__name__", type(o).__name__)
    return type(v).__name__


ExpressionLowering._EXPR = {
    ast.Constant: ExpressionLowering.ev_constant,
    ast.Name: ExpressionLowering.ev_name,
    ast.BinOp: ExpressionLowering.ev_binop,
    ast.UnaryOp: ExpressionLowering.ev_unaryop,
    ast.Compare: ExpressionLowering.ev_compare,
    ast.BoolOp: ExpressionLowering.ev_boolop,
    ast.IfExp: ExpressionLowering.ev_ifexp,
    ast.Tuple: ExpressionLowering.ev_tuple,
    ast.List: ExpressionLowering.ev_list,
    ast.Attribute: ExpressionLowering.ev_attribute,
    ast.Subscript: ExpressionLowering.ev_subscript,
}
