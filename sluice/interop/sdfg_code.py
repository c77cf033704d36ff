"""C++ code of exported tasklets: sluice's value expressions and library nodes, exactly.

Element tasklets go through the CPU backend's typed printer (`CPrinter`), which spells an
expression the way the reference interpreter evaluates it (NumPy 2 promotion, Python floor
division and modulo, NaN-propagating max/min, wrapping integers); the `sl::` helpers it calls
travel in the SDFG's global code. Library nodes become one C++ tasklet each: loop nests over
the operands, which the tasklet receives as pointers to their whole containers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from sluice.backends.cpu.cexpr import PRINTER, CVal, c_int, convert, literal, strip_parens
from sluice.backends.cpu.ctypes_map import WEAK_INT, ctype, strong
from sluice.errors import UnsupportedError
from sluice.interop.sdfg_json import dsym, strides
from sluice.ir.data import Container
from sluice.ir.memlet import Index, Range, Subset, full_subset
from sluice.ir.nodes import LibraryNode, Tasklet
from sluice.ir.requires import Requirement
from sluice.safetext import c_string, comment


def _fresh(base: str, taken: set[str]) -> str:
    name, k = f"sl_{base}", 1
    while name in taken:
        k += 1
        name = f"sl_{base}_{k}"
    taken.add(name)
    return name


def tasklet_code(t: Tasklet, ins: dict[str, tuple[np.dtype, str]],
                 outs: dict[str, tuple[np.dtype, str]]) -> str:
    """C++ body of an element tasklet. `ins`: connector -> (element type, the C++ that reads
    it); `outs`: connector -> (element type, a statement with `{}` for the value)."""
    env = {s: CVal(dsym(s), WEAK_INT) for s in t.free_symbols()}
    env.update({c: CVal(text, strong(dt)) for c, (dt, text) in ins.items()})
    taken: set[str] = set()
    lines = []
    for target, expr in t.code:
        val = PRINTER.translate(expr, env)
        var = _fresh(target, taken)
        lines.append(f"const {ctype(val.vtype.dtype, t.describe())} {var} = "
                     f"{strip_parens(val.text)};")
        env[target] = CVal(var, val.vtype, val.literal)
    for c, (dt, statement) in outs.items():
        if c not in env or c in ins:
            raise UnsupportedError(f"cannot export {t.describe()}: it never assigns its "
                                   f"output '{c}'")
        lines.append(statement.format(strip_parens(convert(env[c], dt))))
    return "\n".join(lines)


def value_code(e: Any, dtype: np.dtype, out: str) -> str:
    """C++ that assigns the value of expression `e` (over symbols) to `out`, of `dtype`."""
    env = {s.name: CVal(dsym(s.name), WEAK_INT) for s in sympy.sympify(e).free_symbols}
    return f"{out} = {strip_parens(convert(PRINTER.translate(e, env), dtype))};"


def check_code(r: Requirement, what: str) -> str:
    """C++ that stops the process where requirement `r` fails (DaCe's C++ cannot hand an
    error back to its Python caller), saying why on stderr first."""
    msg = c_string(comment(f"sluice: {what}: {r.broken()} ({r.why})"))
    lhs, rhs = _size(r.lhs), _size(r.rhs)
    return (f"if (!(({lhs}) {r.op} ({rhs}))) {{\n"
            f"  std::fputs({msg} \"\\n\", stderr);\n  std::abort();\n}}")


def wcr_lambda(op: str, dtype: np.dtype, where: str) -> str:
    """A write-conflict resolution as DaCe's lambda text; max and min propagate NaN as
    NumPy's maximum and minimum do."""
    if op in ("+", "*"):
        return f"lambda a, b: a {op} b"
    if dtype.kind == "c":
        raise UnsupportedError(f"cannot export {where}: '{op}' of complex values")
    if dtype.kind == "f":
        return f"lambda a, b: a if a != a else (b if b != b else {op}(a, b))"
    return f"lambda a, b: {op}(a, b)"


# --- library nodes --------------------------------------------------------------------------


@dataclass
class View:
    """An operand of a library node: connector `ptr` points at its whole container; the
    node sees `subset` of it (index dimensions dropped)."""

    ptr: str
    container: Container
    subset: Subset
    value: bool = False  # DaCe passes the operand by value (a Scalar), not as a pointer

    @property
    def dtype(self) -> np.dtype:
        return self.container.dtype.numpy

    @property
    def shape(self) -> list[sympy.Expr]:
        return [d.stop - d.start if d.step == 1 else sympy.ceiling((d.stop - d.start) / d.step)
                for d in self.subset if isinstance(d, Range)]

    def at(self, idx: list) -> str:
        """The C++ element at view index `idx` (C++ variable names, ints or SymPy)."""
        if self.value:
            return self.ptr
        it = iter(idx)
        off = sympy.Integer(0)
        for d, st in zip(self.subset, strides(tuple(self.container.shape)), strict=True):
            if isinstance(d, Index):
                off += d.index * st
            else:
                i = next(it)
                ie = sympy.Symbol(i, integer=True) if isinstance(i, str) else sympy.Integer(i) \
                    if isinstance(i, int) else i
                off += (d.start + ie * d.step) * st
        return f"{self.ptr}[{_size(off)}]"


def view(ptr: str, c: Container, subset: Subset) -> View:
    return View(ptr, c, subset or full_subset(tuple(c.shape)))


def _size(e: sympy.Expr) -> str:
    """An integer expression over symbols and the loop variables of generated code."""
    return c_int(e, {s.name: s.name if s.name.startswith("sl_") else dsym(s.name)
                     for s in e.free_symbols})


class _Code:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.taken: set[str] = set()

    def __call__(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)

    def var(self, base: str) -> str:
        return _fresh(base, self.taken)

    def loops(self, extents: list[sympy.Expr], body: Callable[[list[str]], None]) -> None:
        idx = [self.var("i") for _ in extents]
        for v, n in zip(idx, extents, strict=True):
            self(f"for (int64_t {v} = 0; {v} < {_size(n)}; ++{v}) {{")
            self.depth += 1
        body(idx)
        for _ in extents:
            self.depth -= 1
            self("}")

    def text(self) -> str:
        return "\n".join(self.lines)


def _cast(text: str, frm: np.dtype, to: np.dtype) -> str:
    return convert(CVal(text, strong(frm)), to)


def library_code(n: LibraryNode, views: dict[str, View]) -> str:
    """C++ body of the tasklet that computes library node `n` on `views` (by connector)."""
    kind = type(n).__name__
    gen = {"MatMul": _matmul, "Reduce": _reduce, "Transpose": _transpose,
           "Softmax": _softmax}.get(kind)
    if gen is None:
        raise UnsupportedError(f"cannot export {n.describe()} to an SDFG",
                               hint="expand it into maps first")
    w = _Code()
    gen(n, views, w)
    return w.text()


def _matmul(n: LibraryNode, v: dict[str, View], w: _Code) -> None:
    a, b, c = v["a"], v["b"], v["c"]
    ra, rb = len(a.shape), len(b.shape)
    if not (ra in (1, 2) and rb in (1, 2)):
        raise UnsupportedError(f"cannot export {n.describe()} with {ra}-D and {rb}-D "
                               "operands to an SDFG", hint="batched products are not exported")
    t = np.result_type(a.dtype, b.dtype)
    ct = ctype(t)

    def a_at(i: str | int, k: str) -> str:
        if ra == 1:
            return a.at([k])
        return a.at([k, i] if n.transpose_a else [i, k])

    def b_at(k: str, j: str | int) -> str:
        if rb == 1:
            return b.at([k])
        return b.at([j, k] if n.transpose_b else [k, j])

    ashape = a.shape[::-1] if n.transpose_a and ra == 2 else a.shape
    bshape = b.shape[::-1] if n.transpose_b and rb == 2 else b.shape
    rows = [ashape[0]] if ra == 2 else []
    cols = [bshape[1]] if rb == 2 else []

    def body(idx: list[str]) -> None:
        i = idx[0] if rows else 0
        j = idx[-1] if cols else 0
        s, k = w.var("sum"), w.var("k")
        w(f"{ct} {s} = {ct}(0);")
        w(f"for (int64_t {k} = 0; {k} < {_size(ashape[-1])}; ++{k}) {{")
        w(f"  {s} += {_cast(a_at(i, k), a.dtype, t)} * {_cast(b_at(k, j), b.dtype, t)};")
        w("}")
        if n.scaled:
            w(f"{s} = {_cast(v['alpha'].at([]), v['alpha'].dtype, t)} * {s};")
        if n.accumulate:
            acc = _cast(v["acc"].at(idx), v["acc"].dtype, t)
            if n.scaled_acc:
                acc = f"({_cast(v['beta'].at([]), v['beta'].dtype, t)} * {acc})"
            w(f"{s} = {s} + {acc};")
        w(f"{c.at(idx)} = {_cast(s, t, c.dtype)};")

    w.loops(rows + cols, body)


def _reduce(n: LibraryNode, v: dict[str, View], w: _Code) -> None:
    inp, out = v["inp"], v["out"]
    rank = len(inp.shape)
    axes = tuple(range(rank)) if n.axes is None else tuple(sorted(a % rank for a in n.axes))
    kept = [d for d in range(rank) if d not in axes]
    op = n.op
    if op in ("+", "*"):
        acc_t = np.dtype(n.dtype) if n.dtype else np.add.reduce(np.zeros(1, inp.dtype)).dtype
    else:
        acc_t = np.dtype("int64") if op.startswith("arg") else inp.dtype
    if op.startswith("arg") and inp.dtype.kind == "c":
        raise UnsupportedError(f"cannot export {n.describe()}: {op} of complex values")

    def outer(oidx: list[str]) -> None:
        pos = dict(zip(kept, oidx, strict=True))
        r, first = w.var("acc"), w.var("first")
        best = w.var("best")
        w(f"{ctype(acc_t)} {r} = {ctype(acc_t)}(0);")
        if n.identity is not None and not op.startswith("arg"):
            idt = np.array(n.identity).dtype
            w(f"{r} = {_cast(literal(n.identity, idt), idt, acc_t)};")
            w(f"bool {first} = false;")
        else:
            w(f"bool {first} = {'false' if op in ('+', '*') else 'true'};")
            if op == "*":
                w(f"{r} = {ctype(acc_t)}(1);")
        if op.startswith("arg"):
            w(f"{ctype(inp.dtype)} {best} = {ctype(inp.dtype)}(0);")

        def inner(ridx: list[str]) -> None:
            full = dict(pos)
            full.update(zip(axes, ridx, strict=True))
            x = inp.at([full[d] for d in range(rank)])
            if op.startswith("arg"):
                flat = " + ".join(
                    f"{ri} * ({' * '.join(['1'] + [_size(inp.shape[e]) for e in axes[k + 1:]])})"
                    for k, ri in enumerate(ridx))
                cmp = ">" if op == "argmax" else "<"
                # NumPy: the first NaN wins, else the first extreme value
                w(f"if ({first} || ({best} == {best} && ({x} != {x} || {x} {cmp} {best}))) {{")
                w(f"  {best} = {x}; {r} = {flat}; {first} = false;")
                w("}")
                return
            xv = _cast(x, inp.dtype, acc_t)
            if op in ("+", "*"):
                w(f"{r} = {r} {op} {xv};")
            else:
                fn = "sl::maximum" if op == "max" else "sl::minimum"
                if acc_t.kind == "c":  # NumPy's lexicographic order, NaN first
                    fn = "sl::cmaximum" if op == "max" else "sl::cminimum"
                w(f"{r} = {first} ? {xv} : {fn}({r}, {xv}); {first} = false;")

        w.loops([inp.shape[d] for d in axes], inner)
        oi = list(oidx)
        if n.keepdims:
            it = iter(oidx)
            oi = [next(it) if d in kept else 0 for d in range(rank)]
        w(f"{out.at(oi)} = {_cast(r, acc_t, out.dtype)};")

    w.loops([inp.shape[d] for d in kept], outer)


def _transpose(n: LibraryNode, v: dict[str, View], w: _Code) -> None:
    inp, out = v["inp"], v["out"]
    rank = len(inp.shape)
    perm = list(reversed(range(rank))) if n.axes is None else [a % rank for a in n.axes]

    def body(idx: list[str]) -> None:  # idx over the input
        w(f"{out.at([idx[p] for p in perm])} = "
          f"{_cast(inp.at(idx), inp.dtype, out.dtype)};")

    w.loops(inp.shape, body)


def _softmax(n: LibraryNode, v: dict[str, View], w: _Code) -> None:
    inp, out = v["inp"], v["out"]
    rank = len(inp.shape)
    ax = n.axis % rank
    t = inp.dtype
    if t.kind != "f":
        raise UnsupportedError(f"cannot export {n.describe()} of {t} values")
    ct = ctype(t)
    others = [d for d in range(rank) if d != ax]

    def body(oidx: list[str]) -> None:
        pos = dict(zip(others, oidx, strict=True))
        m, s, k, e = w.var("max"), w.var("sum"), w.var("k"), w.var("e")

        def at(view: View, kk: str | int = k) -> str:
            return view.at([kk if d == ax else pos[d] for d in range(rank)])

        ext = _size(inp.shape[ax])
        w(f"{ct} {m} = {at(inp, 0)};")
        w(f"for (int64_t {k} = 1; {k} < {ext}; ++{k}) {m} = sl::maximum({m}, {at(inp)});")
        w(f"{ct} {s} = {ct}(0);")
        w(f"for (int64_t {k} = 0; {k} < {ext}; ++{k}) {{")
        w(f"  const {ct} {e} = std::exp({at(inp)} - {m}); {at(out)} = {e}; {s} += {e};")
        w("}")
        w(f"for (int64_t {k} = 0; {k} < {ext}; ++{k}) {at(out)} = {at(out)} / {s};")

    w.loops([inp.shape[d] for d in others], body)


def spmm_code(indptr: View, indices: View, data: View, b: View, c: View) -> str:
    """`c = A @ b` for CSR `A`, accumulating each row in the order of its entries (as the
    reference's `np.add.at`)."""
    w = _Code()
    t = np.result_type(data.dtype, b.dtype)
    cols = b.shape[1:]
    rows = c.shape[0]

    def zero(idx: list[str]) -> None:
        w(f"{c.at(idx)} = {_cast('0', np.dtype('int64'), c.dtype)};")

    w.loops(c.shape, zero)

    def row(ridx: list[str]) -> None:
        r, p = ridx[0], w.var("p")
        end = indptr.at([sympy.Symbol(r, integer=True) + 1])
        w(f"for (int64_t {p} = {indptr.at([r])}; {p} < {end}; ++{p}) {{")
        w.depth += 1
        col = w.var("col")
        w(f"const int64_t {col} = {indices.at([p])};")

        def each(kidx: list[str]) -> None:
            out = c.at([r, *kidx])
            w(f"{out} = {_cast(out, c.dtype, t)} + {_cast(data.at([p]), data.dtype, t)} * "
              f"{_cast(b.at([col, *kidx]), b.dtype, t)};")

        w.loops(cols, each)
        w.depth -= 1
        w("}")

    w.loops([rows], row)
    return w.text()
