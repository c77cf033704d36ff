"""IR expressions -> typed C++ expressions with NumPy semantics.

`CPrinter` derives from the IR's NumPy printer (itself a `sluice.ir.symbolic._Printer`): it
first spells an expression exactly as the reference interpreter evaluates it — same operation
order, same NumPy functions — and then lowers that spelling to C++, tracking NumPy's type of
every sub-expression (NEP 50 weak Python numbers included). Each operation converts its
operands to the loop type NumPy would pick (`ufunc.resolve_dtypes`), so rounding, integer
overflow and promotion match; `/` is true division, `//` and `%` floor, and everything that C
gets wrong on its own (division by zero, shifts past the width, NaN in max/min) goes through
the `sl::` helpers of the prelude.
"""

from __future__ import annotations

import ast
import functools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy

from sluice.backends.cpu.ctypes_map import (
    BOOL,
    WEAK_COMPLEX,
    WEAK_FLOAT,
    WEAK_INT,
    VType,
    ctype,
    python_result,
)
from sluice.backends.cpu.wide import fits_int64
from sluice.errors import UnsupportedError
from sluice.ir.symbolic import Expr, _NumpyPrinter, _Op, as_expr


@dataclass(frozen=True)
class CVal:
    """A C++ expression, its NumPy type, and its value when it is a Python literal."""

    text: str
    vtype: VType
    literal: object = None


_BINOPS = {ast.Add: ("+", np.add), ast.Sub: ("-", np.subtract), ast.Mult: ("*", np.multiply),
           ast.Div: ("/", np.true_divide), ast.Pow: ("**", np.power),
           ast.FloorDiv: ("//", np.floor_divide), ast.Mod: ("%", np.mod)}
_CMPOPS = {ast.Lt: ("<", np.less), ast.LtE: ("<=", np.less_equal), ast.Gt: (">", np.greater),
           ast.GtE: (">=", np.greater_equal), ast.Eq: ("==", np.equal),
           ast.NotEq: ("!=", np.not_equal)}
# NumPy binary functions the IR's printer calls: C operator or helper, and the ufunc.
_BINFUNCS = {
    "floor_divide": ("sl::floordiv", np.floor_divide), "mod": ("sl::mod", np.mod),
    "bitwise_and": ("&", np.bitwise_and), "bitwise_or": ("|", np.bitwise_or),
    "bitwise_xor": ("^", np.bitwise_xor), "left_shift": ("sl::shl", np.left_shift),
    "right_shift": ("sl::shr", np.right_shift), "maximum": ("sl::maximum", np.maximum),
    "minimum": ("sl::minimum", np.minimum), "arctan2": ("std::atan2", np.arctan2),
    "logical_and": ("&&", np.logical_and), "logical_or": ("||", np.logical_or),
    "true_divide": ("/", np.true_divide), "power": ("**", np.power),
    "hypot": ("std::hypot", np.hypot),
}
_UNFUNCS = {
    "exp": ("std::exp", np.exp), "log": ("std::log", np.log), "sqrt": ("std::sqrt", np.sqrt),
    "sin": ("std::sin", np.sin), "cos": ("std::cos", np.cos), "tan": ("std::tan", np.tan),
    "arcsin": ("std::asin", np.arcsin), "arccos": ("std::acos", np.arccos),
    "arctan": ("std::atan", np.arctan), "sinh": ("std::sinh", np.sinh),
    "cosh": ("std::cosh", np.cosh), "tanh": ("std::tanh", np.tanh),
    "floor": ("std::floor", np.floor), "ceil": ("std::ceil", np.ceil),
    "abs": ("sl::abs", np.absolute), "sign": ("sl::sign", np.sign),
    "invert": ("~", np.invert), "logical_not": ("!", np.logical_not),
    "conj": ("std::conj", np.conjugate),
}
F16 = np.dtype("float16")
_ORDERED_OPS = ("<", "<=", ">", ">=", "sl::maximum", "sl::minimum")
# NumPy's complex operations that C++'s std::complex operators compute otherwise.
_COMPLEX_OPS = {"/": "sl::cdiv", "**": "sl::cpow", "<": "sl::clt", "<=": "sl::cle",
                ">": "sl::cgt", ">=": "sl::cge"}
_CAST_NAMES = {"bool_": "bool", "int8": "int8", "int16": "int16", "int32": "int32",
               "int64": "int64", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
               "uint64": "uint64", "float16": "float16", "float32": "float32",
               "float64": "float64", "complex64": "complex64", "complex128": "complex128"}


class IndexDiv(_Op):
    """`a / b` on non-negative integer indices (unravelling flat loops): plain C division,
    without the sign handling `//` needs."""

    nargs = 2
    infix = "//"
    numpy = "np.index_div"

    @classmethod
    def eval(cls, a, b):
        if b == 1:
            return a
        if a.is_Integer and b.is_Integer and b != 0:
            return sympy.Integer(int(a) // int(b))
        return None


class IndexMod(_Op):
    """`a % b` on non-negative integer indices: plain C remainder."""

    nargs = 2
    infix = "//"  # printed as a call; only the precedence table needs an entry
    numpy = "np.index_mod"

    @classmethod
    def eval(cls, a, b):
        if a.is_Integer and b.is_Integer and b != 0:
            return sympy.Integer(int(a) % int(b))
        return None


@functools.cache
def numpy_fuses() -> bool:
    """Whether NumPy's complex multiply and absolute loops on this machine fuse their
    multiply-adds (x86 with FMA3 or AVX-512, ARM): `x * x` for x = 1 + 2^-27 + 1j has the real
    part 2^-26 + 2^-54 fused and 2^-26 rounded twice. The generated code then fuses too."""
    x = np.full(64, complex(1 + 2.0**-27, 1.0))  # long enough for the vector loop
    return bool((x * x)[0].real != 2.0**-26)


@functools.lru_cache(maxsize=4096)
def _resolve(ufunc: np.ufunc, specs: tuple) -> tuple[np.dtype, ...]:
    return ufunc.resolve_dtypes((*specs, None))


def literal(value: object, dtype: np.dtype) -> str:
    """A C++ literal of `dtype` for a Python number."""
    t = ctype(dtype)
    if dtype.kind == "b":
        return "true" if value else "false"
    if dtype.kind == "c":
        c = complex(value)  # type: ignore[arg-type]
        f64 = np.dtype("float64")
        return f"{t}({literal(c.real, f64)}, {literal(c.imag, f64)})"
    if dtype.name == "float16":
        return f"static_cast<_Float16>({_half(value)})"
    if dtype.kind == "f":
        f = float(value)  # type: ignore[arg-type]
        if math.isnan(f):
            return f"std::numeric_limits<{t}>::quiet_NaN()"
        if math.isinf(f):
            s = f"std::numeric_limits<{t}>::infinity()"
            return s if f > 0 else f"(-{s})"
        s = repr(f)
        if "e" not in s and "." not in s:
            s += ".0"
        return s + ("f" if dtype.name == "float32" else "")
    if isinstance(value, float):  # a float stored into an integer: NumPy's cast (inf too)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = np.array(value).astype(dtype).item()
    v = int(value)  # type: ignore[arg-type]
    if dtype.name in ("int64", "uint64") and not -(2**31) <= v < 2**31:
        return f"{t}({v}LL)" if v >= 0 or dtype.kind == "i" else f"{t}({v})"
    return str(v) if v >= 0 else f"({v})"


def _half(value: object) -> str:
    """A float literal of `value` rounded to float16 as NumPy rounds it (exact in float;
    `std::numeric_limits<_Float16>` is not specialised in libstdc++ 12: it gives 0)."""
    with np.errstate(all="ignore"):  # float16(1e10) is inf in NumPy too
        h = float(np.float16(value))  # type: ignore[arg-type]
    return literal(h, np.dtype("float32"))


# `w op o` for a Python int w below every value of an unsigned o
_NEGATIVE_LEFT = {"<": True, "<=": True, ">": False, ">=": False, "==": False, "!=": True}
_I64, _U64 = np.dtype("int64"), np.dtype("uint64")


def _python_int_against_int(a: CVal, b: CVal) -> bool:
    """A run-time Python int compared with an integer array value: NumPy 2 compares
    the values exactly (`-4 > u16` is False), where the loop's type would wrap the int."""
    weak = [v for v in (a, b) if v.vtype.weak and v.vtype.kind in "iu" and v.literal is None]
    other = [v for v in (a, b) if not v.vtype.weak and v.vtype.kind in "iu"]
    return len(weak) == 1 and len(other) == 1


def _exact_int_compare(op: str, a: CVal, b: CVal) -> CVal:
    left_weak = a.vtype.weak
    w, o = (a, b) if left_weak else (b, a)
    wt, ot = convert(w, _I64), o.text
    if o.vtype.dtype != _U64:  # int64 holds both
        ta, tb = (wt, convert(o, _I64)) if left_weak else (convert(o, _I64), wt)
        return CVal(f"({ta} {op} {tb})", VType(BOOL))
    below = _NEGATIVE_LEFT[op]  # `o op w` with w negative: the order flips, (in)equality not
    if not left_weak and op not in ("==", "!="):
        below = not below
    ta, tb = (f"static_cast<uint64_t>({wt})", ot) if left_weak else \
        (ot, f"static_cast<uint64_t>({wt})")
    return CVal(f"({wt} < 0 ? {'true' if below else 'false'} : ({ta} {op} {tb}))", VType(BOOL))


def convert(v: CVal, dtype: np.dtype) -> str:
    """`v` converted to `dtype` the way NumPy casts (complex -> real keeps the real part)."""
    if v.literal is not None:
        return literal(v.literal, dtype)
    if v.vtype.dtype == dtype:
        return v.text
    t = ctype(dtype)
    if v.vtype.kind == "c" and dtype.kind != "c":
        if dtype.kind == "b":
            return f"({v.text} != {ctype(v.vtype.dtype)}(0))"
        if dtype.kind == "u":
            return f"sl::float_to_unsigned<{t}>(std::real({v.text}))"
        return f"static_cast<{t}>(std::real({v.text}))"
    if v.vtype.kind == "f" and dtype.kind == "u":
        return f"sl::float_to_unsigned<{t}>({v.text})"
    return f"static_cast<{t}>({v.text})"


def _as_float(v: CVal, text: str) -> str:
    """A float16 operand (`text`, already converted) as a float, for float32 math."""
    if v.literal is not None:
        return _half(v.literal)
    return f"static_cast<float>({text})"


def _typed(v: CVal, text: str, dtype: np.dtype) -> str:
    if v.literal is not None and dtype.kind in "iu" and not text.startswith(ctype(dtype)):
        return f"{ctype(dtype)}({text})"
    return text


def _narrow(text: str, dtype: np.dtype) -> str:
    """C promotes types narrower than int; NumPy does not."""
    if dtype.kind in "biu" and dtype.itemsize < 4:
        return f"static_cast<{ctype(dtype)}>({text})"
    return text


class CPrinter(_NumpyPrinter):
    """Typed C++ printer: `translate(expr, env)` with `env` name -> CVal."""

    def translate(self, expr: Expr | object, env: Mapping[str, CVal]) -> CVal:
        src = self(as_expr(expr))
        tree = ast.parse(src, mode="eval").body
        return _Lower(env).visit(tree)


class _Lower:
    def __init__(self, env: Mapping[str, CVal]) -> None:
        self.env = env

    def fail(self, what: str) -> UnsupportedError:
        return UnsupportedError(f"the CPU backend cannot generate {what}")

    # --- leaves ---------------------------------------------------------------------
    def visit(self, n: ast.AST) -> CVal:
        m = getattr(self, "visit_" + type(n).__name__, None)
        if m is None:
            raise self.fail(f"expression syntax {type(n).__name__}")
        return m(n)

    def visit_Name(self, n: ast.Name) -> CVal:  # noqa: N802 - ast visitor naming
        if n.id in ("True", "False"):
            return CVal("true" if n.id == "True" else "false", VType(BOOL), None)
        try:
            return self.env[n.id]
        except KeyError:
            raise UnsupportedError(f"expression reads '{n.id}', which has no value here") from None

    def visit_Constant(self, n: ast.Constant) -> CVal:  # noqa: N802
        v = n.value
        if isinstance(v, bool):
            return CVal("true" if v else "false", VType(BOOL))
        if isinstance(v, int):
            return CVal(literal(v, np.dtype("int64")), WEAK_INT, v)
        if isinstance(v, float):
            return CVal(literal(v, np.dtype("float64")), WEAK_FLOAT, v)
        if isinstance(v, complex):
            return CVal(literal(v, np.dtype("complex128")), WEAK_COMPLEX, v)
        raise self.fail(f"constant {v!r}")

    def visit_Attribute(self, n: ast.Attribute) -> CVal:  # noqa: N802
        if isinstance(n.value, ast.Name) and n.value.id == "np" and n.attr in ("inf", "nan"):
            v = math.inf if n.attr == "inf" else math.nan
            return CVal(literal(v, np.dtype("float64")), WEAK_FLOAT, v)
        raise self.fail(f"attribute {ast.unparse(n)}")

    # --- operators ------------------------------------------------------------------
    def visit_UnaryOp(self, n: ast.UnaryOp) -> CVal:  # noqa: N802
        a = self.visit(n.operand)
        if isinstance(n.op, ast.USub):
            if a.literal is not None:
                return CVal(literal(-a.literal, a.vtype.dtype), a.vtype, -a.literal)
            if a.vtype.weak:
                return CVal(f"(-{a.text})", a.vtype)
            return self.unary_ufunc(np.negative, "-", a)
        if isinstance(n.op, ast.UAdd):
            return a
        if isinstance(n.op, ast.Not):
            return CVal(f"(!{convert(a, BOOL)})", VType(BOOL))
        raise self.fail(f"unary operator {type(n.op).__name__}")

    def visit_BinOp(self, n: ast.BinOp) -> CVal:  # noqa: N802
        op, ufunc = _BINOPS.get(type(n.op), (None, None))
        if op is None:
            raise self.fail(f"operator {type(n.op).__name__}")
        return self.binary(op, ufunc, self.visit(n.left), self.visit(n.right))

    def visit_Compare(self, n: ast.Compare) -> CVal:  # noqa: N802
        if len(n.ops) != 1:
            raise self.fail("chained comparisons")
        op, ufunc = _CMPOPS[type(n.ops[0])]
        return self.binary(op, ufunc, self.visit(n.left), self.visit(n.comparators[0]))

    def visit_BoolOp(self, n: ast.BoolOp) -> CVal:  # noqa: N802
        op = "&" if isinstance(n.op, ast.And) else "|"  # both sides, as in `binary`
        vals = [convert(self.visit(v), BOOL) for v in n.values]
        return CVal("static_cast<bool>(" + f" {op} ".join(vals) + ")", VType(BOOL))

    def visit_Call(self, n: ast.Call) -> CVal:  # noqa: N802
        f = n.func
        if isinstance(f, ast.Name) and f.id == "_fits_int64":
            return self.fits_int64(n)
        args = [self.visit(a) for a in n.args]
        if isinstance(f, ast.Name) and f.id == "_erf":
            return self.unary_ufunc(None, "std::erf", args[0])
        if isinstance(f, ast.Name) and f.id == "complex" and all(
                isinstance(a.literal, float) for a in args):
            c = complex(args[0].literal, args[1].literal)
            return CVal(literal(c, np.dtype("complex128")), WEAK_COMPLEX, c)
        if isinstance(f, ast.Name) and f.id == "_complex":
            return self.pack(*args)
        if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                and f.value.id == "np"):
            raise self.fail(f"call {ast.unparse(f)}")
        name = f.attr
        if name in _BINFUNCS:
            op, ufunc = _BINFUNCS[name]
            return self.binary(op, ufunc, args[0], args[1])
        if name in _UNFUNCS:
            fn, ufunc = _UNFUNCS[name]
            return self.unary_ufunc(ufunc, fn, args[0])
        if name in _CAST_NAMES:
            dt = np.dtype(_CAST_NAMES[name])
            return CVal(convert(args[0], dt), VType(dt))
        if name == "where":
            return self.where(*args)
        if name in ("index_div", "index_mod"):
            op = "/" if name == "index_div" else "%"
            return CVal(f"({convert(args[0], np.dtype('int64'))} {op} "
                        f"{convert(args[1], np.dtype('int64'))})", WEAK_INT)
        if name in ("real", "imag"):
            return self.real_imag(name, args[0])
        raise self.fail(f"function np.{name}")

    def fits_int64(self, n: ast.Call) -> CVal:
        """`_fits_int64('<IR text>', {name: value, ...})`, as the NumPy printer spells it."""
        text, env = n.args
        names = {k.value: self.visit(v).text for k, v in zip(env.keys, env.values,
                                                              strict=True)}
        return CVal(fits_int64(text.value, names), VType(np.dtype("int64")))

    # --- typing helpers -------------------------------------------------------------
    def binary(self, op: str, ufunc: np.ufunc, a: CVal, b: CVal) -> CVal:
        if a.vtype.weak and b.vtype.weak:
            if ufunc in (np.maximum, np.minimum, np.arctan2):
                out = np.result_type(a.vtype.sample(), b.vtype.sample())
                if ufunc is np.arctan2:
                    out = np.dtype("float64")
                loop_a = loop_b = out
                rt = VType(out)
            elif op in ("<", "<=", ">", ">=", "==", "!=", "&&", "||"):
                loop_a = loop_b = python_result(a.vtype, b.vtype, op).dtype
                rt = VType(BOOL)
            else:
                rt = python_result(a.vtype, b.vtype, op)
                loop_a = loop_b = out = rt.dtype
        else:
            try:
                loop_a, loop_b, out = _resolve(ufunc, (a.vtype.spec(), b.vtype.spec()))
            except (TypeError, ValueError) as err:
                raise self.fail(f"{ufunc.__name__} of {a.vtype.dtype} and {b.vtype.dtype} "
                                f"({err})") from None
            rt = VType(out)
        if op in _NEGATIVE_LEFT and _python_int_against_int(a, b):
            return _exact_int_compare(op, a, b)
        kind = loop_a.kind
        if kind == "c" and op in ("sl::maximum", "sl::minimum"):
            raise self.fail(f"'{ufunc.__name__}' of complex values")
        if kind == "c" and op == "/" and a.vtype.weak and b.vtype.weak:
            raise self.fail("a quotient of two Python complex numbers (Python divides "
                            "otherwise than NumPy)")
        ca, cb = convert(a, loop_a), convert(b, loop_b)
        if op.startswith(("sl::", "std::")) or op in ("//", "%", "**"):
            # Templates deduce their type from the first operand: an integer literal must
            # carry the loop's type (`2` would make `sl::floordiv<int>` of a uint64).
            ca, cb = _typed(a, ca, loop_a), _typed(b, cb, loop_b)
        half = loop_a == F16 and (op.startswith(("sl::", "std::")) or op in ("//", "%", "**"))
        if half:  # NumPy's float16 loops of these compute in float32 and round once
            ca, cb = _as_float(a, ca), _as_float(b, cb)
            if op in ("sl::maximum", "sl::minimum"):
                # of two equal values (0.0, -0.0) NumPy's float16 loop keeps the first
                ca, cb = cb, ca
        if kind == "c" and (op == "*" or op in _COMPLEX_OPS):
            # Python multiplies two Python complex numbers as NumPy's scalar loops do
            fused = op == "*" and numpy_fuses() and not (a.vtype.weak and b.vtype.weak)
            fn = "sl::cmul_fused" if fused else _COMPLEX_OPS.get(op, "sl::cmul")
            text = f"{fn}({ca}, {cb})"
        elif op == "**":
            if kind in "biu":
                text = f"sl::ipow({ca}, {cb})"
            elif b.literal == 2 and kind != "c":
                text = f"sl::square({ca})"
            else:
                text = f"std::pow({ca}, {cb})"
        elif op.startswith(("sl::", "std::")):
            text = f"{op}({ca}, {cb})"
        elif op == "//":
            text = f"sl::floordiv({ca}, {cb})"
        elif op == "%":
            text = f"sl::mod({ca}, {cb})"
        elif op in ("&&", "||") and kind != "c":
            # Both sides are evaluated anyway (no side effects, no traps): `&`/`|` of truth
            # values vectorises and does not branch; `&&` mispredicts on random data.
            bit = "&" if op == "&&" else "|"
            text = f"({convert(a, BOOL)} {bit} {convert(b, BOOL)})"
        else:
            text = f"({ca} {op} {cb})"
        if half and rt.dtype == F16:
            text = f"static_cast<_Float16>({text})"
        if rt.weak and rt.kind in "bi":
            return CVal(text, rt)
        return CVal(_narrow(text, rt.dtype), rt)

    def unary_ufunc(self, ufunc: np.ufunc | None, fn: str, a: CVal) -> CVal:
        if ufunc is None:  # erf: float in, float out
            loop = out = np.dtype("float64") if a.vtype.kind in "biuf" and \
                a.vtype.dtype.name != "float32" else a.vtype.dtype
        else:
            try:
                loop, out = _resolve(ufunc, (a.vtype.spec(),))
            except (TypeError, ValueError) as err:
                raise self.fail(f"{ufunc.__name__} of {a.vtype.dtype} ({err})") from None
        ca = convert(a, loop)
        if fn in ("std::floor", "std::ceil") and loop.kind in "biu":
            text = ca
        elif fn == "~" and loop.kind == "b":
            text = f"(!{ca})"
        elif fn in ("~", "-", "!"):
            text = f"({fn}{ca})"
        elif fn == "std::conj" and loop.kind != "c":
            text = ca
        elif fn == "sl::abs" and loop.kind == "c":  # |z| is real, of z's precision
            fused = "true" if numpy_fuses() else "false"
            return CVal(f"sl::cabs<{fused}>({ca})", VType(out))
        elif loop == F16 and fn.startswith(("sl::", "std::")):
            # float16 math in float32, rounded once (NumPy's float16 loops; C++ has no
            # float16 overloads: std:: would be ambiguous, sl:: would not see a float)
            text = f"static_cast<{ctype(out)}>({fn}({_as_float(a, ca)}))"
        else:
            text = f"{fn}({ca})"
        if loop != out:
            text = f"static_cast<{ctype(out)}>({text})"
        return CVal(_narrow(text, out), VType(out))

    def where(self, c: CVal, a: CVal, b: CVal) -> CVal:
        out = np.result_type(a.vtype.sample(), b.vtype.sample())
        return CVal(f"({convert(c, BOOL)} ? {convert(a, out)} : {convert(b, out)})", VType(out))

    def pack(self, re: CVal, im: CVal) -> CVal:
        """The complex number with parts `re` and `im` (IR `complex(re, im)`), each part
        converted to the result's precision as NumPy's assignment to `.real` would."""
        out = np.result_type(re.vtype.sample(), im.vtype.sample(), np.complex64)
        part = np.dtype("float32" if out.name == "complex64" else "float64")
        return CVal(f"sl::cpack<{ctype(part)}>({convert(re, part)}, {convert(im, part)})",
                    VType(out))

    def real_imag(self, name: str, a: CVal) -> CVal:
        if a.vtype.weak and isinstance(a.literal, complex):  # a Python number's: weak too
            v = getattr(a.literal, name)
            return CVal(literal(v, np.dtype("float64")), WEAK_FLOAT, v)
        if a.vtype.kind == "c":
            part = np.dtype("float32" if a.vtype.dtype.name == "complex64" else "float64")
            return CVal(f"std::{name}({a.text})", VType(part))
        if name == "real":
            return a
        return CVal(literal(0, a.vtype.dtype), a.vtype, 0 if a.vtype.weak else None)


PRINTER = CPrinter()


def c_int(expr: Expr | object, names: Mapping[str, str]) -> str:
    """An integer index/size expression (symbols are int64 variables, Python semantics)."""
    env = {k: CVal(v, WEAK_INT) for k, v in names.items()}
    v = PRINTER.translate(expr, env)
    if v.vtype.kind not in "biu":
        return f"static_cast<int64_t>({v.text})"
    return _strip(v.text)


def _strip(text: str) -> str:
    """Drop one pair of redundant outer parentheses."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        return text[1:-1]
    return text


strip_parens = _strip
