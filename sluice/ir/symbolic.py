"""The one expression language of the IR: SymPy, plus the operations SymPy lacks.

Integer symbols (sizes, loop variables, map parameters) carry `integer=True`; value
symbols (tasklet connectors, scalar containers read by a condition) carry no assumptions,
so SymPy never simplifies `floor(x)` to `x` for a float `x`.

Semantics are NumPy's: `/` is true division, `//` and `%` floor like Python, `select`
is `np.where`, `float32(x)` casts. `to_text` prints deterministically in the syntax that
`sluice.ir.text` parses back; `compile_numpy` turns an expression into a fast callable
over NumPy scalars or arrays (used by the interpreter).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy
from sympy.core.logic import fuzzy_and
from sympy.logic.boolalg import Boolean, BooleanFalse, BooleanTrue

from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.exact import (
    PREC_ADD,
    PREC_AND,
    PREC_ATOM,
    PREC_BAND,
    PREC_BOR,
    PREC_BXOR,
    PREC_CMP,
    PREC_MUL,
    PREC_NOT,
    PREC_OR,
    PREC_POW,
    PREC_SHIFT,
    PREC_UNARY,
    Const,
)
from sluice.ir.exact import Op as _Op
from sluice.ir.wideint import INT64_MAX, INT64_MIN, fits_int64

Expr = sympy.Basic


def symbol(name: str) -> sympy.Symbol:
    """An integer symbol: a size, loop variable or map parameter."""
    return sympy.Symbol(name, integer=True)


def value(name: str) -> sympy.Symbol:
    """A value symbol: a tasklet connector or a scalar container read by a condition."""
    return sympy.Symbol(name)


def as_expr(x: Any) -> Expr:
    """Convert a Python number, bool or SymPy object to an IR expression."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, bool | np.bool_):
        return sympy.true if x else sympy.false
    if isinstance(x, int | np.integer):
        return sympy.Integer(int(x))
    if isinstance(x, float | np.floating):
        return float_const(float(x))
    if isinstance(x, complex | np.complexfloating):
        return Const(complex(x))
    if isinstance(x, str):
        from sluice.ir.text import parse_expr

        return parse_expr(x)
    raise TypeError(f"cannot convert {x!r} to an IR expression")


def float_const(x: float) -> Expr:
    """A float literal, bit for bit (see `sluice.ir.exact`)."""
    return Const(float(x))


# --- operations SymPy lacks -------------------------------------------------------------


def _all_integer(e: _Op) -> bool | None:
    """Integer operations of integer operands are integer index arithmetic."""
    return True if all(a.is_integer for a in e.args) else None


class FloorDiv(_Op):
    nargs = 2
    infix = "//"
    name = "floordiv"
    numpy = "np.floor_divide"
    _eval_is_integer = _all_integer

    @classmethod
    def eval(cls, a, b):
        if a.is_Integer and b.is_Integer and b != 0:
            return sympy.Integer(int(a) // int(b))
        if b == 1 and a.is_integer:
            return a
        if a.is_integer and b.is_integer and b.is_nonzero and (a / b).is_integer:
            return a / b  # an exact division of index expressions (`3*N // 3` is N)
        return None


class _IntBinary(_Op):
    """An integer operation that folds when both operands are integer literals."""

    nargs = 2
    fold: Callable[[int, int], int | None]
    _eval_is_integer = _all_integer

    @classmethod
    def eval(cls, a, b):
        if a.is_Integer and b.is_Integer:
            out = cls.fold(int(a), int(b))
            return None if out is None else sympy.Integer(out)
        return None


def _int_binary(name: str, infix: str, numpy: str, fold) -> type[_IntBinary]:
    return type(name, (_IntBinary,), {"infix": infix, "numpy": numpy,
                                      "fold": staticmethod(fold)})


BitAnd = _int_binary("BitAnd", "&", "np.bitwise_and", lambda a, b: a & b)
BitOr = _int_binary("BitOr", "|", "np.bitwise_or", lambda a, b: a | b)
BitXor = _int_binary("BitXor", "^", "np.bitwise_xor", lambda a, b: a ^ b)
# Negative shift counts are errors in Python and undefined in C: leave them unfolded.
LShift = _int_binary("LShift", "<<", "np.left_shift", lambda a, b: a << b if b >= 0 else None)
RShift = _int_binary("RShift", ">>", "np.right_shift", lambda a, b: a >> b if b >= 0 else None)


class BitNot(_Op):
    nargs = 1
    name = "bitnot"
    numpy = "np.invert"
    _eval_is_integer = _all_integer

    @classmethod
    def eval(cls, a):
        if a.is_Integer:
            return sympy.Integer(~int(a))
        return None


class FitsInt64(_Op):
    """`fits_int64(e)`: 1 when the integer `e`, computed exactly (as Python computes it),
    lies in int64, else 0. Python ints are int64 in compiled code; a frontend requires this
    of each integer result that may leave int64, and every backend evaluates it without
    wrapping (the CPU backend in saturating 128-bit arithmetic)."""

    nargs = 1
    name = "fits_int64"
    numpy = "_fits_int64"

    @classmethod
    def eval(cls, e):
        if e.is_Integer:
            return sympy.Integer(int(INT64_MIN <= int(e) <= INT64_MAX))
        return None

    def _eval_is_integer(self):
        return True


class Select(_Op):
    """`select(cond, a, b)`: a where cond holds, b elsewhere (np.where)."""

    nargs = 3
    name = "select"
    numpy = "np.where"

    @classmethod
    def eval(cls, c, a, b):
        if c is sympy.true:
            return a
        if c is sympy.false:
            return b
        return None

    # A select of two integers is an integer (slice bounds known at run time are selects,
    # and SymPy's max/min refuse arguments they cannot order).
    def _eval_is_integer(self):
        return fuzzy_and(a.is_integer for a in self.args[1:])

    def _eval_is_extended_real(self):
        return fuzzy_and(a.is_extended_real for a in self.args[1:])

    def _eval_derivative(self, s):
        # Piecewise: the chosen branch's derivative (the condition has none to take).
        c, a, b = self.args
        return Select(c, a.diff(s), b.diff(s))

    def fdiff(self, argindex: int = 1):
        c = self.args[0]
        if argindex == 2:
            return Select(c, sympy.Integer(1), sympy.Integer(0))
        if argindex == 3:
            return Select(c, sympy.Integer(0), sympy.Integer(1))
        return sympy.Integer(0)


class Cast(_Op):
    """Base of the per-dtype casts `float32(x)`, `int64(x)`, ..."""

    nargs = 1
    dtype: DType = DType.float64

    def fdiff(self, argindex: int = 1):
        return sympy.Integer(1)


CASTS: dict[str, type[Cast]] = {
    d.value: type(d.value, (Cast,), {"dtype": d, "name": d.value, "numpy": f"np.{d.value}"})
    for d in DType
}
CASTS["bool"].numpy = "np.bool_"

OPS: dict[str, type[_Op]] = {
    "floordiv": FloorDiv,
    "fits_int64": FitsInt64,
    "bitnot": BitNot,
    "select": Select,
    **CASTS,
}

# Named functions users write in IR text and tasklets: exact on values, SymPy's own on
# integer index expressions where that is exact (max, min, abs).
FUNCTIONS: dict[str, Callable[..., Expr]] = {
    **{name: functools.partial(X.call, name) for name in X.FUNCS},
    "pow": X.power,
    "mod": X.mod,
    "complex": lambda re, im: _complex_value(re, im),
    **OPS,
}

def _complex_value(re: Any, im: Any) -> Expr:
    """IR `complex(re, im)`: a literal when both parts are numbers, else the operation."""
    r, i = X.const_value(re), X.const_value(im)
    if r is not None and i is not None:
        return Const(complex(float(r), float(i)))
    return X.call("complex", re, im)


_SYMPY_NAMES: dict[type, str] = {
    sympy.exp: "exp",
    sympy.log: "log",
    sympy.sin: "sin",
    sympy.cos: "cos",
    sympy.tan: "tan",
    sympy.asin: "asin",
    sympy.acos: "acos",
    sympy.atan: "atan",
    sympy.atan2: "atan2",
    sympy.sinh: "sinh",
    sympy.cosh: "cosh",
    sympy.tanh: "tanh",
    sympy.Abs: "abs",
    sympy.Max: "max",
    sympy.Min: "min",
    sympy.floor: "floor",
    sympy.ceiling: "ceil",
    sympy.sign: "sign",
    sympy.erf: "erf",
    sympy.re: "real",
    sympy.im: "imag",
    sympy.conjugate: "conj",
}

_NUMPY_FUNCS: dict[str, str] = {
    "exp": "np.exp",
    "log": "np.log",
    "sin": "np.sin",
    "cos": "np.cos",
    "tan": "np.tan",
    "asin": "np.arcsin",
    "acos": "np.arccos",
    "atan": "np.arctan",
    "atan2": "np.arctan2",
    "sinh": "np.sinh",
    "cosh": "np.cosh",
    "tanh": "np.tanh",
    "abs": "np.abs",
    "floor": "np.floor",
    "ceil": "np.ceil",
    "sign": "np.sign",
    "erf": "_erf",
    "real": "np.real",
    "imag": "np.imag",
    "conj": "np.conj",
}

_RELATIONS = {
    sympy.StrictLessThan: "<",
    sympy.LessThan: "<=",
    sympy.StrictGreaterThan: ">",
    sympy.GreaterThan: ">=",
    sympy.Equality: "==",
    sympy.Unequality: "!=",
}

_INFIX_PREC = {"|": PREC_BOR, "^": PREC_BXOR, "&": PREC_BAND, "<<": PREC_SHIFT,
               ">>": PREC_SHIFT, "//": PREC_MUL}


def provably_differ(a: Any, b: Any) -> bool:
    """Two sizes whose difference expands to a nonzero number (`expand`, not `simplify`:
    it is called per dimension on hot compile paths)."""
    d = sympy.expand(sympy.sympify(a) - sympy.sympify(b))
    return bool(d.is_number and d != 0)


@functools.lru_cache(maxsize=1024)  # a trace asks again for the same sizes' relations
def simplified(e: Any) -> Expr:
    """`sympy.simplify(e)` of an integer expression, or `e` itself where SymPy cannot order
    the min/max/select inside it (it raises then) or where `e` is large: on a big nest of
    min/max/select (slices with huge bounds) `simplify` can run for minutes. Callers get no
    proof then, not an error and not a wait."""
    e = sympy.sympify(e)
    if sympy.count_ops(e) > SIMPLIFY_OPS:
        return e
    try:
        return sympy.simplify(e)
    except (TypeError, ValueError):
        return e


SIMPLIFY_OPS = 40  # (compile-time sizes and conditions are far smaller)


def free_names(expr: Any) -> set[str]:
    """Names of all symbols an expression reads."""
    if not isinstance(expr, sympy.Basic):
        return set()
    return {s.name for s in expr.free_symbols}


def substitute(expr: Expr, mapping: Mapping[str, Any]) -> Expr:
    """Replace symbols by name (either kind) with expressions."""
    if not mapping or not isinstance(expr, sympy.Basic):
        return expr
    subs = {s: as_expr(mapping[s.name]) for s in expr.free_symbols if s.name in mapping}
    return expr.xreplace(subs) if subs else expr


# --- printing ---------------------------------------------------------------------------


class _Printer:
    """Shared precedence-aware walk; subclasses pick spellings."""

    def __call__(self, e: Any) -> str:
        return self.p(as_expr(e))[0]

    def wrap(self, e: Expr, prec: int, strict: bool = False) -> str:
        s, p = self.p(e)
        return f"({s})" if p < prec or (strict and p == prec) else s

    # Each returns (text, precedence of its top operator).
    def p(self, e: Expr) -> tuple[str, int]:  # noqa: C901 - one dispatch table in code form
        if isinstance(e, Const):
            return self.constant(e.value)
        if isinstance(e, X.Exact):
            return self.exact(e)
        if isinstance(e, BooleanTrue | BooleanFalse):
            return self.boolean(bool(e)), PREC_ATOM
        if e.is_Symbol:
            return self.name(e.name), PREC_ATOM
        if e.is_Integer:
            v = int(e)
            return str(v), (PREC_UNARY if v < 0 else PREC_ATOM)
        if e.is_Rational:
            s = f"{e.p}/{e.q}"
            return (f"-{-e.p}/{e.q}" if e.p < 0 else s), PREC_MUL
        if e.is_Float:
            return self.floating(float(e))
        if e is sympy.oo or e is -sympy.oo or e is sympy.nan or e is sympy.zoo:
            return self.special(e)
        if e is sympy.I:
            return self.imag_unit(), PREC_ATOM
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.pow(e)
        if isinstance(e, sympy.Mod):
            a, b = self.wrap(e.args[0], PREC_MUL), self.wrap(e.args[1], PREC_MUL, True)
            return f"{a} % {b}", PREC_MUL
        if type(e) in _RELATIONS:
            op = _RELATIONS[type(e)]
            a, b = self.wrap(e.lhs, PREC_CMP, True), self.wrap(e.rhs, PREC_CMP, True)
            return f"{a} {op} {b}", PREC_CMP
        if isinstance(e, sympy.And | sympy.Or):
            return self.logic(e)
        if isinstance(e, sympy.Not):
            return self.negation(e.args[0])
        if isinstance(e, _Op) and e.infix:
            prec = _INFIX_PREC[e.infix]
            a, b = e.args
            return self.infix(e, self.wrap(a, prec), self.wrap(b, prec, True)), prec
        if isinstance(e, BitNot):
            return self.bitnot(self.wrap(e.args[0], PREC_UNARY)), PREC_UNARY
        if isinstance(e, _Op):
            return self.call(e.name, e), PREC_ATOM
        fname = _SYMPY_NAMES.get(e.func)
        if fname is not None:
            return self.call(fname, e), PREC_ATOM
        raise TypeError(f"expression {e!r} has no IR spelling")

    def exact(self, e: X.Exact) -> tuple[str, int]:
        """An exact value operation, parenthesised so that it parses back to the same tree."""
        if isinstance(e, X.Binary):
            # Comparisons chain in Python (`a < b == c`): parenthesise both sides.
            a = self.wrap(e.args[0], e.prec, strict=e.prec == PREC_CMP)
            b = self.wrap(e.args[1], e.prec, strict=True)
            return self.binary_op(e, a, b), e.prec
        if isinstance(e, X.Pow2):
            a = self.wrap(e.args[0], PREC_POW, strict=True)
            b = self.wrap(e.args[1], PREC_UNARY)
            return self.binary_op(e, a, b), PREC_POW
        if isinstance(e, X.Neg):
            return "-" + self.wrap(e.args[0], PREC_UNARY), PREC_UNARY
        if isinstance(e, X.Not1):
            return self.negation(e.args[0])
        return self.exact_call(e), PREC_ATOM

    def binary_op(self, e: X.Exact, a: str, b: str) -> str:
        return f"{a} {e.infix} {b}"

    def exact_call(self, e: X.Exact) -> str:
        return self.call_args(e.name, list(e.args))

    def constant(self, v: float | complex) -> tuple[str, int]:
        if isinstance(v, complex):
            return f"complex({self.constant(v.real)[0]}, {self.constant(v.imag)[0]})", \
                PREC_ATOM
        if math.isnan(v):
            return self.special(sympy.nan)
        if math.isinf(v):
            return self.special(sympy.oo if v > 0 else -sympy.oo)
        return self.floating(v)

    def add(self, e: Expr) -> tuple[str, int]:
        terms = _ordered_terms(e)
        out = self.wrap(terms[0], PREC_ADD)
        for t in terms[1:]:
            if _is_negative_term(t):
                out += " - " + self.wrap(-t, PREC_ADD, True)
            else:
                out += " + " + self.wrap(t, PREC_ADD, True)
        return out, PREC_ADD

    def mul(self, e: Expr) -> tuple[str, int]:
        coeff, rest = e.as_coeff_Mul()
        if coeff == -1:
            return "-" + self.wrap(rest, PREC_UNARY), PREC_UNARY
        num, den = [], []
        for f in sympy.Mul.make_args(e):
            if f.is_Pow and f.exp.is_Rational and f.exp < 0:
                den.append(f.base if f.exp == -1 else sympy.Pow(f.base, -f.exp))
            elif f.is_Rational and not f.is_Integer and f.p in (1, -1):
                den.append(sympy.Integer(f.q))
                if f.p == -1:
                    num.append(sympy.Integer(-1))
            else:
                num.append(f)
        if num and num[0] == -1 and len(num) > 1:
            inner = sympy.Mul(*num[1:], *(sympy.Pow(d, -1) for d in den), evaluate=False)
            return "-" + self.wrap(inner, PREC_UNARY), PREC_UNARY
        # Factors after the first are parenthesised at equal strength: `3 * (a // 3)`.
        text = " * ".join(self.wrap(f, PREC_MUL, strict=k > 0) for k, f in enumerate(num)) \
            if num else "1"
        if len(num) == 1 and num[0].is_Integer and int(num[0]) < 0:
            text = f"({text})" if den else text
        if den:
            d = den[0] if len(den) == 1 else sympy.Mul(*den, evaluate=False)
            text += " / " + self.wrap(d, PREC_MUL, True)
        return text, PREC_MUL

    def pow(self, e: Expr) -> tuple[str, int]:
        b, x = e.args
        if x == sympy.Rational(1, 2):
            return self.call_args("sqrt", [b]), PREC_ATOM
        if x == -1:
            return "1 / " + self.wrap(b, PREC_MUL, True), PREC_MUL
        return f"{self.wrap(b, PREC_POW, True)} ** {self.wrap(x, PREC_POW)}", PREC_POW

    def logic(self, e: Expr) -> tuple[str, int]:
        prec = PREC_AND if isinstance(e, sympy.And) else PREC_OR
        word = "and" if isinstance(e, sympy.And) else "or"
        args = sorted(e.args, key=sympy.default_sort_key)
        return f" {word} ".join(self.wrap(a, prec, True) for a in args), prec

    def call(self, fname: str, e: Expr) -> str:
        return self.call_args(fname, list(e.args))

    def call_args(self, fname: str, args: list) -> str:
        return f"{fname}(" + ", ".join(self.p(a)[0] for a in args) + ")"

    # spellings -------------------------------------------------------------------------
    def name(self, n: str) -> str:
        return n

    def boolean(self, b: bool) -> str:
        return "True" if b else "False"

    def floating(self, f: float) -> tuple[str, int]:
        s = repr(f)
        return s, (PREC_UNARY if s.startswith("-") else PREC_ATOM)

    def special(self, e: Expr) -> tuple[str, int]:
        if e is sympy.oo:
            return "inf", PREC_ATOM
        if e is -sympy.oo:
            return "-inf", PREC_UNARY
        return "nan", PREC_ATOM

    def imag_unit(self) -> str:
        return "1j"

    def negation(self, a: Expr) -> tuple[str, int]:
        return "not " + self.wrap(a, PREC_NOT), PREC_NOT

    def infix(self, e: _Op, a: str, b: str) -> str:
        return f"{a} {e.infix} {b}"

    def bitnot(self, a: str) -> str:
        return "~" + a


def _is_negative_term(t: Expr) -> bool:
    if t.is_Number:
        return bool(t < 0) if t.is_real else False
    if t.is_Mul:
        c, _ = t.as_coeff_Mul()
        return bool(c.is_real and c < 0)
    return False


def _ordered_terms(e: Expr) -> list[Expr]:
    # Symbols first, numbers last: `N + 1`, not `1 + N`.
    terms = list(e.as_ordered_terms())
    return [t for t in terms if not t.is_Number] + [t for t in terms if t.is_Number]


class _NumpyPrinter(_Printer):
    """Python source over NumPy for `compile_numpy`."""

    def special(self, e: Expr) -> tuple[str, int]:
        if e is sympy.oo:
            return "np.inf", PREC_ATOM
        if e is -sympy.oo:
            return "-np.inf", PREC_UNARY
        return "np.nan", PREC_ATOM

    def negation(self, a: Expr) -> tuple[str, int]:
        return f"np.logical_not({self.p(a)[0]})", PREC_ATOM

    def logic(self, e: Expr) -> tuple[str, int]:
        fn = "np.logical_and" if isinstance(e, sympy.And) else "np.logical_or"
        args = [self.p(a)[0] for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = f"{fn}({out}, {a})"
        return out, PREC_ATOM

    def infix(self, e: _Op, a: str, b: str) -> str:
        return f"{e.numpy}({self.p(e.args[0])[0]}, {self.p(e.args[1])[0]})"

    def binary_op(self, e: X.Exact, a: str, b: str) -> str:
        # Functions where Python's operator would differ from NumPy's on Python numbers
        # (`1.0 / 0.0` raises, `%` of floats, logic on arrays); operators elsewhere.
        if e.numpy:
            return f"{e.numpy}({self.p(e.args[0])[0]}, {self.p(e.args[1])[0]})"
        return f"{a} {e.infix} {b}"

    def exact(self, e: X.Exact) -> tuple[str, int]:
        text, prec = super().exact(e)
        if e.numpy and not isinstance(e, X.Func):
            return text, PREC_ATOM
        return text, prec

    def exact_call(self, e: X.Exact) -> str:
        return f"{e.numpy}(" + ", ".join(self.p(a)[0] for a in e.args) + ")"

    def constant(self, v: float | complex) -> tuple[str, int]:
        if isinstance(v, complex):
            return f"complex({self.constant(v.real)[0]}, {self.constant(v.imag)[0]})", \
                PREC_ATOM
        return super().constant(v)

    def bitnot(self, a: str) -> str:
        return f"np.invert({a})"

    def p(self, e: Expr) -> tuple[str, int]:
        if isinstance(e, FitsInt64):
            # evaluated exactly on Python ints from its IR text (see `_fits_int64`)
            names = ", ".join(f"{n!r}: {self.name(n)}" for n in sorted(free_names(e)))
            return f"_fits_int64({to_text(e.args[0])!r}, {{{names}}})", PREC_ATOM
        if isinstance(e, sympy.Mod):
            return f"np.mod({self.p(e.args[0])[0]}, {self.p(e.args[1])[0]})", PREC_ATOM
        if isinstance(e, _Op) and e.infix and not isinstance(e, X.Exact):
            return self.infix(e, "", ""), PREC_ATOM
        return super().p(e)

    def call(self, fname: str, e: Expr) -> str:
        args = [self.p(a)[0] for a in e.args]
        if fname in ("max", "min"):
            fn = "np.maximum" if fname == "max" else "np.minimum"
            out = args[0]
            for a in args[1:]:
                out = f"{fn}({out}, {a})"
            return out
        if isinstance(e, _Op):
            return f"{e.numpy}(" + ", ".join(args) + ")"
        return f"{_NUMPY_FUNCS[fname]}(" + ", ".join(args) + ")"

    def call_args(self, fname: str, args: list) -> str:
        if fname == "sqrt":
            return f"np.sqrt({self.p(args[0])[0]})"
        return super().call_args(fname, args)

    def pow(self, e: Expr) -> tuple[str, int]:
        b, x = e.args
        if x == -1:
            # 1.0 keeps integer bases from NumPy's "integers to negative powers" error.
            return "1.0 / " + self.wrap(b, PREC_MUL, True), PREC_MUL
        return super().pow(e)



_TEXT = _Printer()
_NUMPY = _NumpyPrinter()


def to_text(expr: Any) -> str:
    """Deterministic IR spelling of an expression (parsed back by `sluice.ir.text`)."""
    return _TEXT(expr)


def _erf(x):
    from scipy.special import erf  # scipy is optional; only erf needs it

    return erf(x)


def _complex(re, im):
    """The complex numbers with parts `re` and `im` (complex64 for float32 parts), set part
    by part: `re + 1j * im` would turn an infinite part into NaNs."""
    re, im = np.asarray(re), np.asarray(im)
    out = np.empty(np.broadcast_shapes(re.shape, im.shape),
                   np.result_type(re.dtype, im.dtype, np.complex64))
    out.real = re
    out.imag = im
    return out[()] if out.ndim == 0 else out


# Names printed expressions use besides `np` (the CPU fast path adds them to its scope too).
HELPERS: dict[str, Any] = {"_erf": _erf, "_complex": _complex, "_fits_int64": fits_int64}


@functools.lru_cache(maxsize=4096)
def _compile(expr: Expr, names: tuple[str, ...]) -> Callable[..., Any]:
    src = _NUMPY(expr)
    code = f"lambda {', '.join(names)}: {src}" if names else f"lambda: {src}"
    return eval(code, {"np": _NP, **HELPERS})  # noqa: S307 - our own printed source


class _NumPyWithWrappingCasts:
    """`np` for printed expressions, except that a cast to an integer type takes a Python
    int (a symbol's value) through int64 first: -1 wraps as in C and NumPy's array casts,
    where `np.uint32(-1)` raises; and `np.power` is pow for every element (see `_pow`)."""

    def __init__(self) -> None:
        self.__dict__.update(vars(np))  # plain attribute lookups, as on the module
        for d in DType:
            if d.is_integer:
                setattr(self, d.value, functools.partial(_icast, getattr(np, d.value)))
        self.power = _pow
        # Python ints (symbols, checks of Python-int results) keep Python's exact shifts
        # and bitwise operations; NumPy's would take them through int64 first
        # (a negative shift count is left to NumPy, as before)
        for fn, exact in (("left_shift", operator.lshift), ("right_shift", operator.rshift),
                          ("bitwise_and", operator.and_), ("bitwise_or", operator.or_),
                          ("bitwise_xor", operator.xor)):
            setattr(self, fn, functools.partial(_exact_ints, getattr(np, fn), exact,
                                                fn.endswith("shift")))
        # Floor division and modulo of Python ints stay Python ints too: NumPy would hold
        # them in int64, and a check's bound beside them (`-(a // b) - 2**63`, evaluated
        # on both sides of a select) would then overflow (by zero is left to NumPy, as
        # before: np.where evaluates the side not taken)
        for fn, exact in (("floor_divide", operator.floordiv), ("mod", operator.mod)):
            setattr(self, fn, functools.partial(_exact_ints, getattr(np, fn), exact, False))


def _exact_ints(numpy_fn: Any, exact: Callable[[int, int], int], shift: bool, a: Any,
                b: Any) -> Any:
    if type(a) is int and type(b) is int and not (shift and b < 0) \
            and not (b == 0 and exact in (operator.floordiv, operator.mod)):
        return exact(a, b)
    return numpy_fn(a, b)


def _pow(a: Any, b: Any) -> Any:
    """`a ** b` element by element with pow. NumPy's float loop takes sqrt for an exponent
    of 0.5 that it sees with stride 0 (a scalar beside an array); the IR spells that case
    out as `sqrt`, so `**` here must not depend on how the interpreter holds its values."""
    out = np.power(a, b)
    if np.size(b) != 1 or np.size(out) == 0 or getattr(out, "dtype", None) is None \
            or out.dtype.kind != "f" or not np.all(np.asarray(b) == 0.5):
        return out
    flat = np.broadcast_to(a, np.shape(out)).reshape(-1)
    full = np.full(flat.shape, b, np.asarray(b).dtype)
    return np.power(flat, full, dtype=out.dtype).reshape(np.shape(out))[()]


def _icast(to: Any, x: Any) -> Any:
    if type(x) is int:  # (an np.uint64 argument's symbol may hold up to 2**64 - 1)
        return to(np.int64((x + 2**63) % 2**64 - 2**63))
    return to(x)


_NP = _NumPyWithWrappingCasts()


def compile_numpy(expr: Any, names: Iterable[str]) -> Callable[..., Any]:
    """A callable evaluating `expr` with NumPy, taking the given symbol names positionally."""
    return _compile(as_expr(expr), tuple(names))


def evaluate(expr: Any, env: Mapping[str, Any]) -> Any:
    """Evaluate an expression with NumPy semantics; `env` maps names to values or arrays."""
    e = as_expr(expr)
    if e.is_Integer:
        return int(e)
    names = tuple(sorted(free_names(e)))
    missing = [n for n in names if n not in env]
    if missing:
        raise KeyError(missing[0])
    return _compile(e, names)(*(env[n] for n in names))


def is_boolean(expr: Any) -> bool:
    return isinstance(expr, Boolean)
