"""Value expressions that mean exactly what the user wrote.

SymPy's automatic evaluation applies real-number algebra: `a - a` becomes 0, `a * b / b`
becomes `a`, `exp(log(a))` becomes `a`, `~(a > 0)` becomes `a <= 0`. Every one of those
changes an IEEE result (NaN, ±inf, -0.0, rounding, overflow), so value expressions are built
from the classes here, which SymPy stores, walks, hashes and substitutes but never rewrites:

* `Const` — a float or complex literal, bit for bit (-0.0, NaN and ±inf included);
* one non-evaluating operation class per arithmetic operator, comparison, logical operator
  and named function (`Add2`, `Lt2`, `And2`, `Exp`, ...).

Integer index arithmetic — sizes, loop variables, map parameters, and the integer literals
they combine with — stays plain SymPy, where its rewrites are exact (integer +, -, *, //, %
form a ring) and shape reasoning needs them. The constructors below (`add`, `lt`, `call`,
...) pick: SymPy when every operand is such an integer index expression, an exact node
otherwise. Frontends and the text parser build values only through them; `check_exact`
finds SymPy arithmetic over values that slipped past them (the verifier calls it).
"""

from __future__ import annotations

import functools
import struct
from typing import Any

import sympy
from sympy.core.function import Function
from sympy.logic.boolalg import Boolean, BooleanFalse, BooleanTrue


class Op(Function):
    """An uninterpreted operation: SymPy keeps it as written (no `eval` rewrites)."""

    infix: str | None = None
    name: str = ""
    numpy: str = ""


# --- literals ---------------------------------------------------------------------------


def _bits(v: float | complex) -> tuple:
    if isinstance(v, complex):
        return ("c", struct.pack("<dd", v.real, v.imag))
    return ("f", struct.pack("<d", v))


class Const(sympy.Atom):
    """A float or complex literal kept bit for bit (SymPy's Float has no -0.0)."""

    __slots__ = ("value",)
    value: float | complex
    is_commutative = True

    def __new__(cls, value: float | complex) -> Const:
        obj = super().__new__(cls)
        obj.value = complex(value) if isinstance(value, complex) else float(value)
        return obj

    def _hashable_content(self) -> tuple:
        return _bits(self.value)

    def __reduce__(self):  # pickling for caches and multiprocessing
        return (Const, (self.value,))

    def _sympystr(self, printer: Any) -> str:
        return repr(self.value)


def is_const(e: Any) -> bool:
    """A numeric literal: a SymPy integer or a `Const`."""
    return isinstance(e, Const | sympy.Integer)


def const_value(e: Any) -> int | float | complex | bool | None:
    """The Python value of a literal (integer, `Const`, True/False), else None."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, BooleanTrue | BooleanFalse):
        return bool(e)
    if isinstance(e, sympy.Integer):
        return int(e)
    return None


# --- exact operations -------------------------------------------------------------------

# Binding strength, loosest first (Python's), for printing with the fewest parentheses.
PREC_OR, PREC_AND, PREC_NOT, PREC_CMP = 1, 2, 3, 4
PREC_BOR, PREC_BXOR, PREC_BAND, PREC_SHIFT = 5, 6, 7, 8
PREC_ADD, PREC_MUL, PREC_UNARY, PREC_POW, PREC_ATOM = 9, 10, 11, 12, 13


class Exact(Op):
    """Base of the exact value operations."""

    prec: int = PREC_ATOM

    def _sympystr(self, printer: Any) -> str:
        from sluice.ir.symbolic import to_text  # the IR spelling, for str() and messages

        return to_text(self)


class Binary(Exact):
    """`a <infix> b`, left-associative (the right operand is parenthesised at equal
    binding strength, since IEEE `a - (b - c)` is not `a - b + c`)."""

    nargs = 2


def _binary(name: str, infix: str, prec: int, numpy: str = "") -> type[Binary]:
    return type(name, (Binary,), {"infix": infix, "prec": prec, "numpy": numpy})


Add2 = _binary("Add2", "+", PREC_ADD)
Sub2 = _binary("Sub2", "-", PREC_ADD)
Mul2 = _binary("Mul2", "*", PREC_MUL)
Div2 = _binary("Div2", "/", PREC_MUL, "np.true_divide")
Mod2 = _binary("Mod2", "%", PREC_MUL, "np.mod")
Lt2 = _binary("Lt2", "<", PREC_CMP)
Le2 = _binary("Le2", "<=", PREC_CMP)
Gt2 = _binary("Gt2", ">", PREC_CMP)
Ge2 = _binary("Ge2", ">=", PREC_CMP)
Eq2 = _binary("Eq2", "==", PREC_CMP)
Ne2 = _binary("Ne2", "!=", PREC_CMP)
And2 = _binary("And2", "and", PREC_AND, "np.logical_and")
Or2 = _binary("Or2", "or", PREC_OR, "np.logical_or")
COMPARISONS = (Lt2, Le2, Gt2, Ge2, Eq2, Ne2)


class Pow2(Exact):
    """`a ** b` (right-associative: the left operand is parenthesised at equal strength)."""

    nargs = 2
    infix = "**"
    prec = PREC_POW
    numpy = "np.power"


class Neg(Exact):
    nargs = 1
    prec = PREC_UNARY


class Not1(Exact):
    nargs = 1
    prec = PREC_NOT
    numpy = "np.logical_not"


class Func(Exact):
    """A named function `name(args)`; `numpy` is its NumPy spelling."""


def _func(name: str, nargs: int, numpy: str) -> type[Func]:
    cls = type("F_" + name, (Func,), {"name": name, "nargs": nargs, "numpy": numpy})
    globals()[cls.__name__] = cls  # found by name when pickled (caches, worker processes)
    return cls


# name -> class; the names are the IR text's (and tasklet code's) function names.
FUNCS: dict[str, type[Func]] = {
    n: _func(n, k, np_name) for n, k, np_name in [
        ("exp", 1, "np.exp"), ("log", 1, "np.log"), ("sqrt", 1, "np.sqrt"),
        ("sin", 1, "np.sin"), ("cos", 1, "np.cos"), ("tan", 1, "np.tan"),
        ("asin", 1, "np.arcsin"), ("acos", 1, "np.arccos"), ("atan", 1, "np.arctan"),
        ("atan2", 2, "np.arctan2"), ("sinh", 1, "np.sinh"), ("cosh", 1, "np.cosh"),
        ("tanh", 1, "np.tanh"), ("abs", 1, "np.abs"), ("max", 2, "np.maximum"),
        ("min", 2, "np.minimum"), ("floor", 1, "np.floor"), ("ceil", 1, "np.ceil"),
        ("sign", 1, "np.sign"), ("erf", 1, "_erf"), ("real", 1, "np.real"),
        ("imag", 1, "np.imag"), ("conj", 1, "np.conj"),
        # the complex number with parts re, im (NumPy's scalar arithmetic is spelled with it)
        ("complex", 2, "_complex"), ("hypot", 2, "np.hypot"),
    ]
}

# Functions whose SymPy version is exact on integer index expressions (same value and type).
# SymPy simplifies Max/Min of index expressions by comparing every pair of arguments, which
# costs milliseconds each; programs repeat the same clamps in many memlets, and every copy
# of a program (text or JSON round trip) builds them again, so results are remembered.
_index_max = functools.lru_cache(maxsize=4096)(sympy.Max)
_index_min = functools.lru_cache(maxsize=4096)(sympy.Min)
_INDEX_FUNCS = {"max": _index_max, "min": _index_min, "abs": sympy.Abs, "sign": sympy.sign}


# --- constructors -----------------------------------------------------------------------


def is_index(e: Any) -> bool:
    """An integer index expression: SymPy integer arithmetic over integer symbols."""
    return (isinstance(e, sympy.Basic) and (e.is_Symbol or not isinstance(e, Boolean))
            and e.is_integer is True)


def _is_index_bool(e: Any) -> bool:
    if isinstance(e, BooleanTrue | BooleanFalse):
        return True
    if isinstance(e, sympy.core.relational.Relational):
        return is_index(e.lhs) and is_index(e.rhs)
    if isinstance(e, sympy.And | sympy.Or | sympy.Not):
        return all(_is_index_bool(a) for a in e.args)
    return False


def literal(x: Any) -> sympy.Basic:
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, bool):
        return sympy.true if x else sympy.false
    if isinstance(x, int):
        return sympy.Integer(x)
    if isinstance(x, float | complex):
        return Const(x)
    return sympy.sympify(x)


def _index_or(fn_sympy, cls: type[Exact], *args: Any) -> sympy.Basic:
    xs = [literal(a) for a in args]
    if all(is_index(x) for x in xs):
        r = fn_sympy(*xs)
        if is_index(r):
            return r
    return cls(*xs)


def add(a: Any, b: Any) -> sympy.Basic:
    return _index_or(lambda x, y: x + y, Add2, a, b)


def sub(a: Any, b: Any) -> sympy.Basic:
    return _index_or(lambda x, y: x - y, Sub2, a, b)


def mul(a: Any, b: Any) -> sympy.Basic:
    return _index_or(lambda x, y: x * y, Mul2, a, b)


def truediv(a: Any, b: Any) -> sympy.Basic:
    """True division is never integer arithmetic."""
    return Div2(literal(a), literal(b))


def mod(a: Any, b: Any) -> sympy.Basic:
    """`a % b`; on integer index expressions a constant zero divisor raises
    ZeroDivisionError, as Python's `%` on integers does."""
    xs = [literal(a), literal(b)]
    if all(is_index(x) for x in xs):
        if xs[1].is_Integer and int(xs[1]) == 0:
            raise ZeroDivisionError("integer modulo by zero")
        m = sympy.Mod(*xs)
        if is_index(m):  # (SymPy cannot say so when the divisor may be zero: x % y)
            return m
    return Mod2(*xs)


def power(a: Any, b: Any) -> sympy.Basic:
    xs = [literal(a), literal(b)]
    # Only a non-negative integer exponent keeps integer powers integer (NumPy refuses
    # negative ones; SymPy would make a rational).
    if all(is_index(x) for x in xs) and xs[1].is_nonnegative is True:
        return sympy.Pow(*xs)
    return Pow2(*xs)


def neg(a: Any) -> sympy.Basic:
    """`-a`; negating a literal folds (exact in IEEE and in integers)."""
    x = literal(a)
    if isinstance(x, Const):
        return Const(-x.value)
    if is_index(x):
        return -x
    return Neg(x)


# The SymPy relation of each exact comparison (integer index operands compare in SymPy).
SYMPY_COMPARE = {Lt2: sympy.Lt, Le2: sympy.Le, Gt2: sympy.Gt, Ge2: sympy.Ge,
              Eq2: lambda a, b: sympy.Eq(a, b, evaluate=True),
              Ne2: lambda a, b: sympy.Ne(a, b, evaluate=True)}


def compare(cls: type[Binary], a: Any, b: Any) -> sympy.Basic:
    xs = [literal(a), literal(b)]
    if all(is_index(x) for x in xs):
        return SYMPY_COMPARE[cls](*xs)
    return cls(*xs)


def and_(a: Any, b: Any) -> sympy.Basic:
    xs = [literal(a), literal(b)]
    if all(_is_index_bool(x) for x in xs):
        return sympy.And(*xs)
    return And2(*xs)


def or_(a: Any, b: Any) -> sympy.Basic:
    xs = [literal(a), literal(b)]
    if all(_is_index_bool(x) for x in xs):
        return sympy.Or(*xs)
    return Or2(*xs)


def not_(a: Any) -> sympy.Basic:
    x = literal(a)
    if _is_index_bool(x):
        return sympy.Not(x)
    return Not1(x)


def call(name: str, *args: Any) -> sympy.Basic:
    """The named function (`FUNCS`) applied to `args`."""
    xs = [literal(a) for a in args]
    fn = _INDEX_FUNCS.get(name)
    if fn is not None and all(is_index(x) for x in xs):
        return fn(*xs)
    cls = FUNCS[name]
    if name in ("max", "min") and len(xs) > 2:  # max(a, b, c) is max(max(a, b), c)
        return call(name, call(name, *xs[:-1]), xs[-1])
    if len(xs) not in cls.nargs:
        raise TypeError(f"{name}() takes {min(cls.nargs)} argument(s), got {len(xs)}")
    return cls(*xs)


BINARY = {"+": add, "-": sub, "*": mul, "/": truediv, "%": mod, "**": power}
COMPARE = {"<": Lt2, "<=": Le2, ">": Gt2, ">=": Ge2, "==": Eq2, "!=": Ne2}


# --- checking ---------------------------------------------------------------------------

_SYMPY_ARITH = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Mod, sympy.Max, sympy.Min, sympy.Abs,
                sympy.sign)


def check_exact(e: Any) -> str | None:
    """A description of the first SymPy operation in `e` whose operands are not integer
    index expressions (so SymPy may have rewritten a value), or None."""
    if not isinstance(e, sympy.Basic) or e.is_Atom:
        return None
    if isinstance(e, _SYMPY_ARITH) and not is_index(e):
        return f"'{e}' is SymPy arithmetic over values"
    if isinstance(e, sympy.core.relational.Relational | sympy.And | sympy.Or | sympy.Not) \
            and not _is_index_bool(e):
        return f"'{e}' is a SymPy relation or logic over values"
    if isinstance(e, sympy.Function) and not isinstance(e, Op) and not is_index(e):
        return f"'{e}' is a SymPy function ({type(e).__name__})"
    for a in e.args:
        msg = check_exact(a)
        if msg:
            return msg
    return None
