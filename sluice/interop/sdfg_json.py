"""Pieces of DaCe's `.sdfg` JSON (what `dace.SDFG.from_json` reads), built without DaCe.

Only facts of the file format live here: data descriptors, ranges, memlets, nodes, code
blocks. Every name that reaches generated code passes `checked` first, and every symbolic
expression passes `sym`, which prints only what DaCe evaluates as sluice does.
"""

from __future__ import annotations

import keyword
import re
from contextvars import ContextVar
from typing import Any

import sympy

from sluice.errors import UnsupportedError
from sluice.ir.data import Array, Container, Scalar, Stream
from sluice.ir.memlet import Index, Range, Subset
from sluice.ir.symbolic import FloorDiv, Select

DACE_VERSION = "1.0.2"  # the format written; DaCe 1.0 reads it

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CPP_WORDS = set("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue co_await
co_return co_yield decltype default delete do double dynamic_cast else enum explicit export
extern false float for friend goto if inline int long mutable namespace new noexcept not
not_eq nullptr operator or or_eq private protected public register reinterpret_cast requires
return short signed sizeof static static_assert static_cast struct switch template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t
size_t main sl std dace
""".split())


def checked(name: str, what: str) -> str:
    """`name` if it may appear in generated C++ and Python as itself; else a refusal."""
    bad = (not _IDENT.match(name) or name in _CPP_WORDS or keyword.iskeyword(name)
           or name.startswith(("sl_", "__")))
    if bad:
        raise UnsupportedError(
            f"cannot export {what} named '{name}' to an SDFG: the name is not an identifier "
            "C++ and DaCe can use as it is",
            hint="rename it (a C++ keyword, a leading '__' and the prefix 'sl_' are reserved)")
    return name


# --- symbolic expressions ------------------------------------------------------------------

# DaCe parses expressions with SymPy's namespace, so a symbol named like a SymPy function
# (`re`, `sin`, `Min`) or one DaCe adds (`ceil`, `Mod`) would parse as that function.
_DACE_NAMES = set("""
abs min max floor ceil round And Or Is IsNot BitwiseAnd BitwiseOr BitwiseXor BitwiseNot
bitwise_and bitwise_or bitwise_xor bitwise_invert LeftShift left_shift RightShift right_shift
int_floor int_ceil IfExpr Mod Attr GtE LtE NotEq True False
""".split())


def dsym(name: str) -> str:
    """A symbol's name in the SDFG: its own, unless DaCe's parser would read it as a
    function (then `sl_s_<name>`)."""
    from sympy.abc import _clash

    clash = name in _DACE_NAMES or (name in sympy.__all__ and name not in _clash
                                    and name not in ("var", "root", "arg"))
    return f"sl_s_{name}" if clash else name


class Derived:
    """Sizes DaCe cannot compute as sluice does (floor division, modulo, `select`, ...)
    over symbols known when the program starts: each becomes a symbol of its own, which
    the caller passes (`sdfg_arguments` computes it) and the SDFG checks."""

    def __init__(self, known: set[str], prefix: str = "sl_size", first: int = 0) -> None:
        self.known = known
        self.names: dict[sympy.Basic, str] = {}
        self.prefix, self.first = prefix, first

    def __call__(self, e: sympy.Basic) -> sympy.Basic:
        if _exact(e):
            return e
        names = {s.name for s in e.free_symbols if not s.name.startswith("sl_size")}
        whole = isinstance(e, sympy.Expr) and names <= self.known  # (sl_size*: start-known)
        if isinstance(e, sympy.Symbol) or not whole:  # (a condition stays a condition)
            return e.func(*(self(a) for a in e.args)) if e.args else e
        if e not in self.names:
            self.names[e] = f"{self.prefix}{self.first + len(self.names)}"
        return sympy.Symbol(self.names[e], integer=True)


# The derivations in force, applied in order: sizes known at the start, then (while a state
# is emitted) terms over the symbols defined when it runs.
_DERIVED: ContextVar[tuple[Derived, ...]] = ContextVar("sluice_sdfg_derived", default=())


def _exact(e: sympy.Basic) -> bool:
    """Whether DaCe evaluates `e` as sluice does: +, -, *, positive powers, Max and Min of
    integers and symbols."""
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.Pow):
            if not (node.exp.is_Integer and node.exp > 0):
                return False
        elif not isinstance(node, sympy.Symbol | sympy.Integer | sympy.Add | sympy.Mul
                            | sympy.Max | sympy.Min):
            return False
    return True


def sym(e: Any, where: str) -> str:
    """A size or index expression as DaCe's symbolic parser reads it. Only integer
    arithmetic that C++ evaluates like Python is allowed (DaCe's `//` and `%` truncate);
    other terms over start-known symbols become derived symbols where `Derived` is on."""
    e = _min_max(sympy.sympify(e))
    derive = _DERIVED.get()
    ours: set[str] = set()
    for d in derive:
        e = d(e)
        ours |= set(d.names.values())
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.Symbol):
            if node.name not in ours:
                checked(node.name, "a symbol")
        elif isinstance(node, sympy.Pow):
            if not (node.exp.is_Integer and node.exp > 0):
                raise _refuse_expr(e, where)
        elif not isinstance(node, sympy.Integer | sympy.Add | sympy.Mul | sympy.Max | sympy.Min):
            raise _refuse_expr(e, where)
    return str(e.xreplace({s: sympy.Symbol(dsym(s.name), **s.assumptions0)
                           for s in e.free_symbols if dsym(s.name) != s.name}))


# Where an export is being written: the selects `_min_max` wrote as Min or Max (the importer
# writes them back: `sdfg_marker`).
REWRITTEN: ContextVar[dict[sympy.Basic, sympy.Basic] | None] = ContextVar(
    "sluice_sdfg_rewritten", default=None)


def _min_max(e: sympy.Basic) -> sympy.Basic:
    """`select(a < b, a, b)` (a frontend's clamp) as Min(a, b), and its kin as Max: DaCe
    knows Min and Max, not a conditional."""

    def rewrite(n: sympy.Basic) -> sympy.Basic:
        out = _as_min_max(n)
        noted = REWRITTEN.get()
        if out is not n and noted is not None:
            noted[out] = n
        return out

    def _as_min_max(n: sympy.Basic) -> sympy.Basic:
        cond, a, b = n.args
        if isinstance(cond, sympy.Lt | sympy.Le | sympy.Gt | sympy.Ge):
            lo, hi = (cond.lhs, cond.rhs) if isinstance(cond, sympy.Lt | sympy.Le) \
                else (cond.rhs, cond.lhs)
            if (a, b) == (lo, hi):
                return sympy.Min(a, b)
            if (a, b) == (hi, lo):
                return sympy.Max(a, b)
        return n

    return e.replace(lambda n: isinstance(n, Select), rewrite)


def _refuse_expr(e: Any, where: str) -> UnsupportedError:
    return UnsupportedError(
        f"cannot export the expression {e} of {where} to an SDFG: DaCe would not evaluate it "
        "exactly as sluice does",
        hint="sizes, subsets and loop bounds can use +, -, *, Max and Min of integers and "
             "symbols")


# --- data descriptors ----------------------------------------------------------------------


def strides(dims: tuple) -> list[sympy.Expr]:
    """Row-major element strides of a shape."""
    out, acc = [], sympy.Integer(1)
    for d in reversed(dims):
        out.append(acc)
        acc = acc * d
    return list(reversed(out))


def descriptor(c: Container, where: str, transient: bool, as_array: bool = False,
               shape: tuple | None = None) -> dict[str, Any]:
    """The data descriptor of a container (`as_array`: a scalar as a 1-element array, as
    DaCe returns scalars)."""
    dims = tuple(c.shape if shape is None else shape)
    dtype = c.dtype.value
    if isinstance(c, Stream):
        if dims:
            raise UnsupportedError(f"cannot export the array of streams {where} to an SDFG",
                                   hint="use a single stream")
        return {"type": "Stream", "attributes": {
            "dtype": dtype, "shape": ["1"], "offset": ["0"], "buffer_size": "0",
            "transient": transient}}
    if isinstance(c, Scalar) and not as_array:
        return {"type": "Scalar", "attributes": {"dtype": dtype, "shape": ["1"],
                                                 "transient": transient}}
    if not isinstance(c, Array | Scalar):
        raise UnsupportedError(f"cannot export the container {where} "
                               f"({type(c).__name__}) to an SDFG")
    shape_s = [sym(d, f"the shape of {where}") for d in dims] or ["1"]
    total = sympy.Integer(1)
    for d in dims:
        total = total * d
    return {"type": "Array", "attributes": {
        "dtype": dtype, "shape": shape_s,
        "strides": [sym(x, where) for x in strides(dims)] or ["1"],
        "total_size": sym(total, where), "offset": ["0"] * len(shape_s), "transient": transient}}


# --- subsets and memlets -------------------------------------------------------------------


def rng(start: str, end: str, step: str = "1") -> dict[str, str]:
    """One dimension of a DaCe Range: `end` is inclusive."""
    return {"start": start, "end": end, "step": step, "tile": "1"}


def subset_json(subset: Subset, where: str) -> dict[str, Any]:
    """A sluice subset (half-open, Python slices) as a DaCe Range (inclusive ends)."""
    dims = []
    for d in subset:
        if isinstance(d, Index):
            i = sym(d.index, where)
            dims.append(rng(i, i))
        else:
            assert isinstance(d, Range)
            dims.append(rng(sym(d.start, where), sym(d.stop - 1, where), sym(d.step, where)))
    return {"type": "Range", "ranges": dims or [rng("0", "0")]}


def volume(subset: Subset, shape: tuple, where: str) -> tuple[str, bool]:
    """How many elements a memlet moves, and whether that is only a bound (dynamic): the
    whole container's size where DaCe could not evaluate the subset's."""
    v = sympy.Integer(1)
    for d in subset:
        if isinstance(d, Range):
            n = d.stop - d.start
            v = v * (n if d.step == 1 else -FloorDiv(-n, d.step))
    try:
        return sym(v, where), False
    except UnsupportedError:
        return sym(sympy.prod(shape), where), True


def memlet(data: str | None, subset: dict | None = None, vol: str = "1", wcr: str | None = None,
           other: dict | None = None, dynamic: bool = False) -> dict[str, Any]:
    attrs: dict[str, Any] = {"data": data, "subset": subset, "volume": vol}
    if data is None:
        attrs["volume"] = "0"
    if other is not None:
        attrs["other_subset"] = other
    if wcr is not None:
        attrs["wcr"] = wcr
    if dynamic:
        attrs["dynamic"] = True
    return {"type": "Memlet", "attributes": attrs}


# --- nodes, edges, blocks ------------------------------------------------------------------


def code(text: str, language: str = "CPP") -> dict[str, str]:
    return {"string_data": text, "language": language}


def connectors(names: list[str] | tuple[str, ...]) -> dict[str, None]:
    return dict.fromkeys(names)  # types left to DaCe's inference


def state(label: str) -> dict[str, Any]:
    return {"type": "SDFGState", "label": label, "collapsed": False, "scope_dict": {},
            "nodes": [], "edges": [], "attributes": {}}


def interstate(assignments: dict[str, str] | None = None) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if assignments:
        attrs["assignments"] = assignments
    return {"type": "InterstateEdge", "attributes": attrs, "label": ""}
