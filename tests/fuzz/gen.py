"""Random NumPy programs: the statement kinds (element-wise, reductions, slices, branches,
loops, in-place updates, aliasing, unsupported constructs) and the entry points. The
generator draws from a `random.Random`, so the same code serves seeded campaigns and
Hypothesis (`st.randoms()`)."""

from __future__ import annotations

import random

import numpy as np

from tests.fuzz import values as V
from tests.fuzz.builder import Builder
from tests.fuzz.program import (
    EXACT,
    MINMAX,
    REDUCE,
    SOLVER,
    ULP,
    Arg,
    Program,
    Stmt,
    renumber,
)

__all__ = ["EXACT", "MINMAX", "REDUCE", "SOLVER", "ULP", "Arg", "Program", "Stmt", "generate",
           "program", "renumber", "statement"]

_TRANSCENDENTAL = ["exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
                   "cosh", "tanh"]

def _elementwise(b: Builder, out: str) -> Stmt:
    e = b.expr(b.rng.choice([1, 2, 3]))
    cmp = EXACT
    if b.on("transcendental") and b.rng.random() < 0.25 and V.kind(b.dtype) in "fc":
        b.use("transcendental")
        e = b.typed(e)  # np.exp(bool) is float16: promotion of its own
        if b.rng.random() < 0.15:
            e = f"np.arctan2({e}, {b.typed(b.expr(1))})" if V.kind(b.dtype) == "f" else \
                f"np.exp({e})"
        elif b.rng.random() < 0.15 and b.on("power"):
            b.use("power")
            e = f"({e}) ** {b.typed(b.expr(1))}"
        else:
            e = f"np.{b.rng.choice(_TRANSCENDENTAL)}({e})"
        cmp = ULP
    return Stmt(frozenset(), [f"{out} = {e}"], [], [out], cmp)


def _reduction(b: Builder, out: str) -> Stmt:
    rng = b.rng
    minmax = b.on("reduce_minmax") and (not b.on("reduction") or rng.random() < 0.5)
    b.moderate = True
    b.use("reduce_minmax" if minmax else "reduction")
    e = b.expr(rng.choice([0, 1, 1, 2]))
    fn = rng.choice(["max", "min", "any", "all"] if minmax else ["sum", "prod", "mean"])
    if not minmax and b.operand_dtype(e) == "bool":  # summing booleans is arithmetic on them
        if b.on("bool_arith"):
            b.use("bool_arith")
        else:
            e = f"np.where({e}, 1.0, 0.0)"
    axis = None
    if len(b.shape) > 1 and rng.random() < 0.6:
        axis = rng.choice([0, 1, -1])
    ax = "" if axis is None else f", axis={axis}"
    if fn in ("sum", "prod", "max", "min") and rng.random() < 0.2:  # NumPy's seed
        ax += f", initial={rng.choice(['0', '1', '-2', '2.5', '-0.0', '1e300', 'True'])}"
    if rng.random() < 0.5 and fn not in ("any", "all"):
        line = f"{out} = ({e}).{fn}({ax[2:]})"
    else:
        line = f"{out} = np.{fn}({e}{ax})"
    cmp = MINMAX if minmax else REDUCE
    return Stmt(frozenset(), [line], [], [out], cmp, operand=e, axis=axis)


def _slice_text(rng: random.Random, n: int, runtime: Builder | None) -> str:
    def bound() -> str:
        if runtime is not None and rng.random() < 0.6:
            runtime.use("slice_runtime")
            return runtime.new_scalar(rng.randint(-n - 3, n + 3))
        return str(rng.randint(-n - 3, n + 3))
    start = bound() if rng.random() < 0.7 else ""
    stop = bound() if rng.random() < 0.7 else ""
    step = rng.choice(["", "", "", "2", "-1", "-2", "3"])
    return f"{start}:{stop}" + (f":{step}" if step else "")


def _slicing(b: Builder, out: str) -> Stmt:
    rng = b.rng
    runtime = b if b.on("slice_runtime") and rng.random() < 0.6 else None
    if runtime is None:
        b.use("slice_const")
    a = b.new_array()
    sl = ", ".join(_slice_text(rng, d, runtime) for d in b.shape)
    view = f"{a}[{sl}]"
    if any(part.count(":") == 2 and part.rsplit(":", 1)[1].startswith("-")
           for part in sl.split(", ")):
        view = b.fused_safe(view)  # a negative step
    r = rng.random()
    if r < 0.4 and b.on("const_operand"):
        e = f"{view} * {b.const_leaf()}"
        b.use("const_operand")
    elif r < 0.7 and b.on("repeated_operand"):  # shapes agree whatever the bounds
        b.use("repeated_operand")
        e = f"({view} + {view} * {b.expr(0)})"
    else:
        e = f"({view} - {b.expr(1)})"
    return Stmt(frozenset(), [f"{out} = {e}"], [], [out], EXACT)


def _branch(b: Builder, out: str) -> Stmt:
    rng = b.rng
    a = b.new_array("float64", (3,))
    r = rng.random()
    if r < 0.4:
        cond = f"{b.new_scalar(V.scalar(rng, 'float64'))} > {rng.choice(['0.0', '1.0'])}"
    elif r < 0.7:
        cond = f"{a}[{rng.randint(0, 2)}] > 0.5"
    else:
        cond = f"{b.new_scalar(rng.randint(-3, 3))} > 0"
    e1, e2 = b.expr(2), b.expr(2)
    for _ in range(4):  # arms that differ in shape or dtype: NumPy's type follows the arm
        if b.shape_dtype(e1) == b.shape_dtype(e2):
            break
        if b.on("branch_mixed"):
            b.use("branch_mixed")
            break
        e2 = b.expr(2)
    else:
        e2 = e1
    lines = [f"if {cond}:", f"    {out} = {e1}", "else:", f"    {out} = {e2}"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


def _loop(b: Builder, out: str) -> Stmt:
    rng = b.rng
    n = b.shape[0]
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    if b.on("loop_carried") and rng.random() < 0.3:
        return _carried_scalar(b, out)
    if rng.random() < 0.5:
        count = str(rng.randint(0, 3)) if rng.random() < 0.5 else b.new_scalar(rng.randint(-1, 4))
        acc = b.new_array()
        lines = [f"{out} = {acc}.copy()", f"for i in range({count}):",
                 f"    {out} = {out} {rng.choice(['+', '*', '-'])} "
                 f"{b.typed(b._arith_operand(1))}"]
    else:  # a recurrence over elements, bounds possibly from an argument
        stop = str(n)
        if b.on("loop_runtime_index") and rng.random() < 0.4:
            b.use("loop_runtime_index")
            stop = b.new_scalar(rng.randint(0, n + 2))
        src = b.new_array()
        lines = [f"{out} = {src}.copy()", f"for i in range(1, {stop}):",
                 f"    {out}[i] = {out}[i - 1] {rng.choice(['+', '*', '-'])} {src}[i]"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


def _carried_scalar(b: Builder, out: str) -> Stmt:
    """A scalar carried through a loop and then combined with an array: its type (Python
    number, NumPy scalar, array element) may change on the first iteration, as NumPy's
    does, and decides the result's type. At least one iteration: with none, a type that
    the loop would change is refused (carried.py), where NumPy keeps the first one."""
    rng = b.rng
    b.use("loop_carried")
    if b.dtype == "bool":
        b.dtype = "int64"
    def other_dtype() -> str | None:  # the carried and the final type may differ
        if b.on("promotion") and rng.random() < 0.5:
            b.use("promotion")
            dt = b.pick_dtype()
            return dt if dt != "bool" else "int64"
        return None

    src = b.new_array(other_dtype())
    elements = bool(b.shape) and all(d > 0 for d in b.shape)
    start = rng.choice(["0", "1", "scalar"] + (["0.0"] if V.kind(b.dtype) in "fc" else [])
                       + (["element"] if elements else []))
    if start == "scalar":
        start = b.scalar_leaf()
    elif start == "element":
        start = f"{src}[{', '.join('0' for _ in b.shape)}]"
    if elements and rng.random() < 0.5:
        step = f"{src}[i % {b.shape[0]}{''.join(', 0' for _ in b.shape[1:])}]"
    else:
        step = b.scalar_leaf()
    count = str(rng.randint(1, 3)) if rng.random() < 0.6 else b.new_scalar(rng.randint(1, 3))
    acc = f"{b.p}c"
    lines = [f"{acc} = {start}", f"for i in range({count}):",
             f"    {acc} = {acc} {rng.choice(['+', '*', '-'])} {step}",
             f"{out} = {b.new_array(other_dtype())} {rng.choice(['+', '-'])} {acc}"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


def _inplace(b: Builder, out: str) -> Stmt:
    rng = b.rng
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    if b.on("arg_layout") and rng.random() < 0.1:  # a 0-d array argument written in place
        b.use("arg_layout")
        b.shape = ()
        x = b.new_array()
        line = rng.choice([f"{x} {rng.choice(['+=', '*=', '-='])} "
                           f"{b.typed(b._arith_operand(1))}", f"{x}[...] = {b.expr(1)}",
                           f"{x}[()] = {b.expr(1)}"])
        return Stmt(frozenset(), [line], [], [], EXACT)
    x = b.new_array()
    r = rng.random()
    if r < 0.5:
        line = f"{x} {rng.choice(['+=', '*=', '-='])} {b.typed(b._arith_operand(1))}"
    elif r < 0.7 or not (b.on("slice_const") or b.on("slice_runtime")):
        line = f"{x}[:] = {b.expr(1)}"
    else:
        runtime = b if b.on("slice_runtime") and rng.random() < 0.5 else None
        if runtime is None:
            b.use("slice_const")
        sl = ", ".join(_slice_text(rng, d, runtime) for d in b.shape)
        line = f"{x}[{sl}] = {b.expr(1)}"
    return Stmt(frozenset(), [line], [], [], EXACT)


def _alias(b: Builder, out: str) -> Stmt:
    rng = b.rng
    x = b.new_array()
    r = rng.random()
    if r < 0.35:  # the same array passed twice
        y = f"{b.p}y{len(b.args)}"
        b.args.append(Arg(y, alias_of=x))
        op = rng.choice(["+=", "*=", "-="])
        lines = [f"{x} {op} {y}", f"{y}[...] = {y} + 1" if rng.random() < 0.3 else
                 f"{x}[::-1] = {y}"]
    elif r < 0.65:  # overlapping slices of one argument
        lines = [rng.choice([f"{x}[1:] = {x}[:-1]", f"{x}[:-1] += {x}[1:]",
                             f"{x}[::-1] += {x}", f"{x}[:] = {x}[::-1] + {x}",
                             f"{x}[1:] = {x}[:-1] * 2 + {x}[1:]"])]
    else:  # overlapping views passed as two arguments
        v1, v2 = f"{b.p}v{len(b.args)}", f"{b.p}w{len(b.args)}"
        b.args += [Arg(v1, alias_of=x, view="1:"), Arg(v2, alias_of=x, view=":-1")]
        lines = [f"{v1} {rng.choice(['+=', '-='])} {v2}"]
    return Stmt(frozenset(), lines, [], [], EXACT)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0] or [1]


def _shaping(b: Builder, out: str) -> Stmt:
    """Reshapes (-1, run-time sizes that may not divide), transposes, triu/tril with
    run-time offsets, arange with run-time bounds, argmax/argmin along axes."""
    rng = b.rng
    b.use("shaping")
    a = b.new_array()
    total = 1
    for d in b.shape:
        total *= d
    r = rng.random()
    if r < 0.3:
        n = rng.choice(_divisors(total) + [0, total + 1, 2, -1])
        size = b.new_scalar(n) if rng.random() < 0.6 else str(n)
        shape = rng.choice([f"{size}, -1", f"-1, {size}", f"({size}, -1)", "-1"])
        e = rng.choice([f"{a}.reshape({shape})", f"np.reshape({a}, ({shape}))", f"{a}.ravel()",
                        f"np.ravel({a})", f"{a}.flatten()"])
        line = f"{out} = {e} {rng.choice(['+', '*'])} {b.const_leaf()}"
        if rng.random() < 0.3:  # then a write into the array, and a read of the result:
            # NumPy's reshape/ravel is a view that sees the write (sluice must refuse it,
            # viewcopies.py), its flatten a copy that does not
            lines = [f"{b.p}v = {e}", f"{a}[...] = {b.const_leaf()}", f"{out} = {b.p}v * 1"]
            return Stmt(frozenset(), lines, [], [out], EXACT)
    elif r < 0.45:
        e = rng.choice([f"{a}.T", f"np.transpose({a})", f"{a}.transpose()"])
        line = f"{out} = {e} - {b.array_leaf()}.T" if len(b.shape) > 1 else f"{out} = {e} * 2"
    elif r < 0.6 and len(b.shape) == 2:
        k = b.new_scalar(rng.randint(-4, 4)) if rng.random() < 0.5 else str(rng.randint(-3, 3))
        line = f"{out} = np.{rng.choice(['triu', 'tril'])}({a}, {k})"
    elif r < 0.8:
        lo, hi = b.new_scalar(rng.randint(-4, 6)), b.new_scalar(rng.randint(-4, 9))
        step = rng.choice(["", ", 2", ", -1", ", 3", ", -2"])
        line = f"{out} = np.arange({lo}, {hi}{step}) * {a}.size"  # (a sum would reassociate)
        if rng.random() < 0.4:  # linspace: run-time bounds and counts, 0 and 1 included
            kind = rng.choice(["float64", "float32"] if b.on("float32") else ["float64"])
            if kind == "float32":
                b.use("float32")

            def bound() -> str:
                with np.errstate(over="ignore"):  # a float64 beyond float32 is inf, as meant
                    return b.new_scalar(np.dtype(kind).type(V.scalar(rng, "float64")))
            start = rng.choice([bound(), "-1.5", "2"])
            stop = rng.choice([bound(), "0.25", "1e308"])
            count = b.new_scalar(rng.randint(-1, 5))
            line = f"{out} = np.linspace({start}, {stop}, {count}) * {a}.size"
    else:
        fn = rng.choice(["argmax", "argmin"])
        axis = rng.choice(["", ", axis=0", ", axis=-1"]) if len(b.shape) > 1 else \
            rng.choice(["", ", axis=0"])
        line = f"{out} = np.{fn}({a}{axis})"
    return Stmt(frozenset(), [line], [], [out], EXACT)


_OUTER_UFUNCS = ["add", "subtract", "multiply", "maximum", "minimum", "greater", "equal"]


def _rearrange(b: Builder, out: str) -> Stmt:
    """np.flip, joins of arrays, ufunc.outer, np.eye, np.repeat, np.mgrid, unpacking; the
    NumPy function is sometimes called through a local alias (the rules must not go by the
    spelled name)."""
    rng = b.rng
    b.use("rearrange")
    nd = len(b.shape)
    a = b.new_array()
    r = rng.random()
    lines: list[str] = []
    if rng.random() < 0.25:
        return _grid_repeat(b, out, a)
    if r < 0.3:
        axis = rng.choice(["", f", {rng.randint(-nd, nd - 1)}",
                           ", axis=(0, -1)" if nd > 1 else ", axis=0"])
        src = a if rng.random() < 0.5 else f"({b.expr(1)})"
        e = f"{b.fused_safe(f'np.flip({src}{axis})')} {rng.choice(['+', '-', '*'])} {b.expr(1)}"
    elif r < 0.55:
        other = b.expr(1)
        k = rng.randint(-nd, nd - 1)
        e = rng.choice([f"np.concatenate(({a}, {other}), axis={k})",
                        f"np.concatenate(({other}, {a}, {a}))",
                        f"np.hstack(({a}, {other}))", f"np.vstack(({other}, {a}))",
                        f"np.stack(({a}, {other}), axis={rng.randint(-nd - 1, nd)})"])
    elif r < 0.8:
        e = f"np.{rng.choice(_OUTER_UFUNCS)}.outer({a}, {b.expr(1)})"
    else:
        n = b.new_scalar(rng.randint(-1, 4))
        m = b.new_scalar(rng.randint(0, 4)) if rng.random() < 0.5 else "None"
        k = b.new_scalar(rng.randint(-3, 3)) if rng.random() < 0.6 else str(rng.randint(-2, 2))
        dtype = rng.choice(["", ", dtype=np.int8", ", dtype=bool", ", dtype=np.complex64",
                            ", dtype=np.float32"])
        e = rng.choice([f"np.eye({n}, {m}, {k}{dtype})", f"np.identity({n}{dtype})"])
        e = f"{e} * {b.const_leaf()}"
    if rng.random() < 0.25:  # the same call through an alias
        fn = e[:e.index("(")]
        lines.append(f"{b.p}fn = {fn}")
        e = f"{b.p}fn{e[len(fn):]}"
    return Stmt(frozenset(), [*lines, f"{out} = {e}"], [], [out], EXACT)


def _grid_repeat(b: Builder, out: str, a: str) -> Stmt:
    """np.repeat (an axis or none, run-time counts), np.mgrid with run-time bounds (a
    negative size is NumPy's error) unpacked into names, and unpacking rows of arrays."""
    rng = b.rng
    nd = len(b.shape)
    r = rng.random()
    if r < 0.4:
        count = b.new_scalar(rng.randint(-1, 3)) if rng.random() < 0.5 else str(rng.randint(0, 2))
        axis = rng.choice(["", f", axis={rng.randint(-nd, nd - 1)}", ", axis=None"])
        return Stmt(frozenset(), [f"{out} = np.repeat({a}, {count}{axis}) * 1"], [], [out],
                    EXACT)
    if r < 0.7:
        lo, hi = b.new_scalar(rng.randint(-2, 3)), b.new_scalar(rng.randint(-1, 4))
        step = rng.choice(["", ":2", ":-1"])
        lines = [f"{b.p}i, {b.p}j = np.mgrid[0:{hi}, {lo}:{hi}{step}]",
                 f"{out} = {b.p}i * 7 - {b.p}j + {a}.size"]
        return Stmt(frozenset(), lines, [], [out], EXACT)
    k = rng.choice([1, 2, 3])  # may differ from the first axis: Python's ValueError
    names = ", ".join(f"{b.p}r{j}" for j in range(k))
    lines = [f"{names}{',' if k == 1 else ''} = {a}", f"{b.p}r0[...] = {b.const_leaf()}"
             if nd > 1 else f"{b.p}r0 = {b.p}r0 * 1", f"{out} = {a} * 1"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


def _iterate(b: Builder, out: str) -> Stmt:
    """Loops over the rows of arrays: for x in a, enumerate(a[, start]), zip(a, b)."""
    rng = b.rng
    b.use("iterate")
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    a = b.new_array()
    acc = f"{b.p}acc"
    op = rng.choice(["+", "-", "*"])
    r = rng.random()
    if r < 0.4:
        lines = [f"{acc} = {a}[0] * 0", f"for {b.p}r in {a}:",
                 f"    {acc} = {acc} {op} {b.p}r"]
    elif r < 0.7:
        start = rng.choice(["", ", 1", ", start=-2", f", {b.new_scalar(rng.randint(-3, 3))}"])
        lines = [f"{acc} = {a}[0] * 0", f"for {b.p}k, {b.p}r in enumerate({a}{start}):",
                 f"    {acc} = {acc} {op} {b.p}r * {b.p}k"]
    else:
        other = b.new_array()
        lines = [f"{acc} = ({a}[0] + {other}[0]) * 0",
                 f"for {b.p}r, {b.p}q in zip({a}, {other}[::-1]"
                 f"{rng.choice(['', ', strict=True', ', strict=False'])}):",
                 f"    {acc} = {acc} {op} ({b.p}r - {b.p}q)"]
    if rng.random() < 0.3:  # writes to the iterated array are seen by later rows
        lines.insert(2, f"    {a}[-1] = {b.const_leaf()}")
    return Stmt(frozenset(), [*lines, f"{out} = {acc}"], [], [out], EXACT)


def _python_seq(b: Builder, out: str) -> Stmt:
    """Loops over tuples and lists (unrolled when traced) whose elements are arrays of other
    shapes and numbers of other types, enumerate/zip of them, and `.item()`."""
    rng = b.rng
    b.use("python_seq")
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    a = b.new_array()
    acc = f"{b.p}acc"
    op = rng.choice(["+", "-", "*"])
    items = [a, b.leaf(), b.const_leaf(), b.fused_safe(f"{a}[::-1]")]
    rng.shuffle(items)
    items = items[:rng.randint(1, 4)]
    seq = f"({', '.join(items)},)" if rng.random() < 0.7 else f"[{', '.join(items)}]"
    r = rng.random()
    if r < 0.4:
        lines = [f"{acc} = {a} * 0", f"for {b.p}r in {seq}:",
                 f"    {acc} = {acc} {op} {b.p}r"]
    elif r < 0.7:
        start = rng.choice(["", ", 1", ", start=-2"])
        lines = [f"{acc} = {a} * 0", f"for {b.p}k, {b.p}r in enumerate({seq}{start}):",
                 f"    {acc} = {acc} {op} {b.p}r * {b.p}k"]
    else:
        weights = ", ".join(b.const_leaf() for _ in items)
        lines = [f"{acc} = {a} * 0", f"for {b.p}r, {b.p}w in zip({seq}, ({weights},)"
                 f"{rng.choice(['', ', strict=True'])}):",
                 f"    {acc} = {acc} {op} {b.p}r * {b.p}w"]
    if rng.random() < 0.4:  # an element as a Python number: IndexError where it is missing
        k = rng.choice(["0", "-1", "1", "2"])
        lines.append(f"{acc} = {acc} {op} {a}.item({k})")
    return Stmt(frozenset(), [*lines, f"{out} = {acc}"], [], [out], EXACT)


def _call_return(b: Builder, out: str) -> Stmt:
    """A call of a module-level function that returns inside `if`s (or returns early from
    a procedure that writes its array argument): statements after a returning `if` run only
    where it falls through."""
    rng = b.rng
    b.use("call_return")
    if b.dtype == "bool":
        b.dtype = "float64"
    h, x = f"{b.p}h", b.new_array()
    last = ", ".join("-1" for _ in b.shape)
    y = b.scalar_leaf() if rng.random() < 0.7 or not all(b.shape) else f"{x}[{last}]"
    ops = ["+", "-", "*"]

    def cond() -> str:
        return f"y {rng.choice(['>', '<', '==', '>='])} {rng.choice(['0', '1', '2', '-1'])}"

    if rng.random() < 0.3:  # a procedure: a bare return skips the write
        body = [f"    if {cond()}:", "        return", f"    x[...] = x {rng.choice(ops)} y"]
        return Stmt(frozenset(), [f"{h}({x}, {y})"], [], [],
                    EXACT, helpers=[f"def {h}(x, y):\n" + "\n".join(body)])
    body = [f"    if {cond()}:", f"        return x {rng.choice(ops)} y"]
    if rng.random() < 0.5:
        body += [f"    elif {cond()}:", f"        return y {rng.choice(ops)} x"]
    body.append(f"    x = x {rng.choice(ops)} y")
    if rng.random() < 0.5:
        body += [f"    if {cond()}:", "        return x - y"]
    body.append(f"    return x {rng.choice(ops)} y")
    return Stmt(frozenset(), [f"{out} = {h}({x}, {y})"], [], [out], EXACT,
                helpers=[f"def {h}(x, y):\n" + "\n".join(body)])


def _histogram(b: Builder, out: str) -> Stmt:
    """np.histogram of float data (NaN and inf included: NumPy's error) or integer data (the
    extremes of each type included) with a constant or run-time number of bins, range=,
    weights= of every real type and density=."""
    rng = b.rng
    b.use("histogram")
    kinds = ["float64", "float32"] if b.on("float32") else ["float64"]
    kinds += ["int64", "int8", "uint64", "uint8"] if b.on("small_int") else ["int64"]
    b.dtype = rng.choice(kinds)
    b.shape = b.pick_shape()
    a = b.new_array()
    bins = str(rng.randint(1, 6)) if rng.random() < 0.5 else b.new_scalar(rng.randint(0, 6))
    extra = ""
    if rng.random() < 0.3:
        lo, hi = rng.choice(['-1.0', '0', '-2.5', '-300']), rng.choice(['1', '2.5', '0', '99'])
        extra += f", range=({lo}, {hi})"
    if rng.random() < 0.4:
        wt = rng.choice(["float64", "float32", "int32", "bool", "uint8"])
        extra += f", weights={b.new_array(wt, b.shape)}"
    if rng.random() < 0.25:
        extra += ", density=True"
    h, e = f"{b.p}h", f"{b.p}e"
    lines = [f"{h}, {e} = np.histogram({a}, {bins}{extra})", f"{out} = {h}",
             f"{b.p}o2 = {e}"]
    # (edges: the range's ends are the data's min and max, whose zero sign a reduction may
    # pick either way)
    return Stmt(frozenset(), lines, [], [out, f"{b.p}o2"], MINMAX)


def _solver_operand(b: Builder, dtype: str, shape: tuple[int, ...], spd: bool) -> str:
    """A well-conditioned matrix (or stack, or right-hand side): diagonally dominant, or
    Hermitian positive definite (`spd`), finite."""
    rng = b.rng
    n = shape[-1]

    def entries() -> np.ndarray:  # in [-2.5, 2.5]: bounded even where Hypothesis draws
        return np.array([rng.randint(-20, 20) / 8.0 for _ in range(int(np.prod(shape)))],
                        dtype=np.float64).reshape(shape)
    m = entries() + (1j * entries() if V.kind(dtype) == "c" else 0.0)
    if len(shape) >= 2 and shape[-2] == n:
        if spd:
            m = m @ np.conj(np.swapaxes(m, -1, -2))
        m = m + (4 * n + 1) * np.eye(n)  # strictly diagonally dominant: well-conditioned
    if V.kind(dtype) in "iub":
        m = np.round(m.real) if dtype != "bool" else np.abs(m.real) > 1.0
    b.note_dtype(dtype)
    name = f"{b.p}a{len(b.args)}"
    b.args.append(Arg(name, np.ascontiguousarray(m.astype(dtype))))
    return name


def _solver(b: Builder, out: str) -> Stmt:
    """np.linalg.inv / solve / cholesky of well-conditioned operands of every type (integer
    and boolean ones become float64), stacks and empty matrices included."""
    rng = b.rng
    b.use("solver")
    dtypes = ["float64", "float64", "int64"] + (["float32"] if b.on("float32") else []) + (
        V.COMPLEX_DTYPES if b.on("complex") else []) + (["bool"] if b.on("bool_mixing") else [])
    dtype = rng.choice(dtypes)
    n = rng.choice([0, 1, 2, 3, 4, 5]) if b.on("empty") else rng.randint(1, 5)
    batch = (rng.randint(1, 3),) if rng.random() < 0.25 else ()
    r = rng.random()
    if r < 0.3:
        line = f"{out} = np.linalg.inv({_solver_operand(b, dtype, (*batch, n, n), False)})"
    elif r < 0.65:
        a = _solver_operand(b, dtype, (*batch, n, n), False)
        rhs = (n,) if rng.random() < 0.4 else (*batch, n, rng.randint(1, 3))
        rhs_dtype = rng.choice([dtype, rng.choice(dtypes)])
        line = f"{out} = np.linalg.solve({a}, {_solver_operand(b, rhs_dtype, rhs, False)})"
    else:
        if dtype == "bool":
            dtype = "float64"
        a = _solver_operand(b, dtype, (*batch, n, n), True)
        upper = rng.choice(["", ", upper=True", ", upper=False"])
        line = f"{out} = np.linalg.cholesky({a}{upper})"
    return Stmt(frozenset(), [line], [], [out], SOLVER)


_OUT_UFUNCS = ["add", "subtract", "multiply", "maximum", "minimum", "true_divide"]


def _ufunc_out(b: Builder, out: str) -> Stmt:
    """`np.add(x, e, out=x)`, `np.multiply(x, e, x)`, `where=` with `out=`, `dtype=`."""
    rng = b.rng
    b.use("ufunc_out")
    if b.dtype == "bool":
        b.dtype = "float64"
    x = b.new_array()
    fn = rng.choice(_OUT_UFUNCS)
    e = b.expr(1)
    r = rng.random()
    if r < 0.35:
        line = f"np.{fn}({x}, {e}, out={x})"
    elif r < 0.55:
        line = f"np.{fn}({e}, {x}, {x})"
    elif r < 0.8:
        line = f"np.{fn}({x}, {e}, out={x}, where={x} {rng.choice(['>', '<', '!='])} 0)"
    else:
        dtype = rng.choice(["np.float64", "np.float32", "np.int64", "np.complex128"])
        return Stmt(frozenset(), [f"{out} = np.{fn}({x}, {e}, dtype={dtype})"], [], [out],
                    EXACT)
    return Stmt(frozenset(), [line, f"{out} = {x}"], [], [out], EXACT)


def _mask(b: Builder, out: str) -> Stmt:
    """Masked stores and reductions of masked selections (`x[m]` has a run-time length)."""
    rng = b.rng
    b.use("mask")
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    x, y = b.new_array(), b.new_array()
    cmp = rng.choice([">", "<", ">=", "!=", "=="]) if V.kind(b.dtype) != "c" else \
        rng.choice(["!=", "=="])
    m = rng.choice([f"{x} {cmp} {b.const_leaf()}", f"{y} {cmp} {x}",
                    f"np.logical_and({x} {cmp} {b.const_leaf()}, {y} != {b.const_leaf()})"])
    r = rng.random()
    if r < 0.25:
        lines = [f"{x}[{m}] = {b.const_leaf()}", f"{out} = {x}"]
        kind = EXACT
    elif r < 0.45:
        op = rng.choice(["+", "-", "*"])
        lines = [f"{x}[{m}] = {x}[{m}] {op} {y}[{m}] {op} {b.const_leaf()}", f"{out} = {x}"]
        kind = EXACT
    elif r < 0.55:
        lines = [f"{x}[{m}] {rng.choice(['+=', '-=', '*='])} {b.const_leaf()}", f"{out} = {x}"]
        kind = EXACT
    else:
        fn = rng.choice(["sum", "mean", "prod", "max", "min", "any", "all"])
        sel = f"{x}[{m}]" if rng.random() < 0.6 else f"({x}[{m}] * 2 - {y}[{m}])"
        lines = [f"{out} = np.{fn}({sel})" if rng.random() < 0.5 else f"{out} = {sel}.{fn}()"]
        if fn in ("max", "min", "any", "all"):
            return Stmt(frozenset(), lines, [], [out], MINMAX)
        return Stmt(frozenset(), lines, [], [out], REDUCE, operand=sel, axis=None)
    return Stmt(frozenset(), lines, [], [out], kind)


def _resize(b: Builder, out: str) -> Stmt:
    """Arrays whose shape changes at run time, as NPBench's mandelbrot2 and contour_integral
    write them: a selection that shrinks every iteration (`z = z[m]`, stopping when empty),
    a variable given another shape on each path of an `if`, an integer variable that
    changes after arrays were made with it, and gathers and scatters through N-D and
    selected index arrays. The results go into fixed-shape arrays."""
    rng = b.rng
    b.use("resize")
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
    x = b.new_array()
    n = int(np.prod(b.shape))
    flat, z, m, w = f"{x}.ravel()", f"{b.p}z", f"{b.p}m", f"{b.p}w"
    c = b.const_leaf()
    op = rng.choice(["+", "-", "*"])
    test = f"abs({z})" if V.kind(b.dtype) == "c" else z
    r = rng.random()
    if r < 0.35:
        count = str(rng.randint(0, 4)) if rng.random() < 0.5 else b.new_scalar(rng.randint(-1, 5))
        lines = [f"{z} = {flat} * 1", f"for {b.p}i in range({count}):"]
        if rng.random() < 0.5:
            lines += [f"    if not len({z}):", "        break"]
        lines += [f"    {m} = {test} {rng.choice(['>', '<=', '!='])} {b.const_leaf()}",
                  f"    {z} = {z}[{m}] {op} {c}"]
        if rng.random() < 0.4:  # a second array selected by the same mask
            lines.insert(1, f"{w} = {flat} * 2")
            lines.append(f"    {w} = {w}[{m}]")
            lines.append(f"{z} = {z} + {w}")
    elif r < 0.55:
        k = b.new_scalar(rng.randint(-n - 1, n + 1))
        cond = f"{b.new_scalar(rng.randint(-2, 2))} > 0"
        # (.copy(): a value on both paths; a view on one would be refused at its next use)
        lines = [f"if {cond}:", f"    {z} = ({flat}[{k}:] {op} {c}).copy()", "else:",
                 f"    {z} = {flat}[::{rng.choice([2, -1, 3])}].copy()"]
    elif r < 0.75:
        k = b.new_scalar(rng.randint(-1, n + 1))
        acc = f"{b.p}acc"
        view = f"{flat}[:{b.p}n]" + (" * 1" if rng.random() < 0.6 else "")
        lines = [f"{b.p}n = {k}", f"{acc} = {flat} * 0",
                 f"for {b.p}i in range({rng.randint(1, 3)}):", f"    {w} = {view}",
                 f"    {b.p}n = {b.p}n {rng.choice(['- 1', '+ 1', '// 2'])}",
                 f"    {acc}[:len({w})] += {w}", f"{z} = {acc}"]
    else:
        size = max(n, 1)
        cols = rng.randint(0, 3)
        idx = np.array([[rng.randint(-size, size - 1) for _ in range(cols)]
                        for _ in range(rng.randint(1, 3))], dtype=np.int64)
        if rng.random() < 0.1 and idx.size:
            idx.flat[0] = size  # out of range: NumPy's IndexError
        i = b.new_scalar(idx)
        if rng.random() < 0.5:
            lines = [f"{z} = {flat}[{i}].ravel() {op} {c}"]
        else:  # scatter through the selected indices (mandelbrot2's N_[Xi[I], Yi[I]] = k)
            lines = [f"{z} = {flat} * 1", f"{m} = {i} > {rng.randint(-size, size)}",
                     f"{z}[{i}[{m}]] = {c}"]
    lines += [f"{out} = {flat} * 0", f"{out}[:len({z})] = {z}[:{n}]"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


def _scatter_at(b: Builder, out: str) -> Stmt:
    """np.add.at and its kin into a copy of a float array through repeated, negative and
    (rarely) out-of-range indices; np.bincount with weights and a minlength above the
    largest value (a larger value gives NumPy a longer result, which sluice refuses)."""
    rng = b.rng
    b.use("scatter_at")
    b.dtype = rng.choice(["float64", "float32"]) if b.on("float32") else "float64"
    n = rng.randint(1, 5)
    k = rng.randint(0, 7)
    if rng.random() < 0.3:
        idx = np.array([rng.randint(0, n - 1) for _ in range(k)], dtype=np.int64)
        i, w = b.new_scalar(idx), b.new_array("float64", (k,))
        return Stmt(frozenset(), [f"{out} = np.bincount({i}, weights={w}, minlength={n})"],
                    [], [out], EXACT)
    b.shape = (n,) + ((rng.randint(1, 3),) if rng.random() < 0.3 else ())
    a = b.new_array()
    idx = np.array([rng.randint(-n, n - 1) for _ in range(k)], dtype=np.int64)
    if rng.random() < 0.1 and idx.size:
        idx[0] = n  # out of range: NumPy's IndexError
    i = b.new_scalar(idx)
    v = b.new_array(b.dtype, (k,) + b.shape[1:]) if rng.random() < 0.8 else "1.5"
    uf = rng.choice(["add", "maximum", "minimum", "multiply", "subtract"])
    z = f"{b.p}z"
    lines = [f"{z} = {a} * 1", f"np.{uf}.at({z}, {i}, {v})", f"{out} = {z}"]
    return Stmt(frozenset(), lines, [], [out], EXACT)


_UNSUPPORTED = [
    "{o} = np.cumsum({a})", "{o} = np.sort({a})", "{o} = {a}[{a} > 0]",
    "{o} = {a}[{a} > 0] + {a}", "{o} = {a}[{a} > 0] @ {a}[{a} > 0]",
    "{o} = {a}[[0, 0]]", "{o} = np.linalg.norm({a})", "{o} = np.fft.fft({a})",
    "{o} = sorted({a})", "{o} = [v for v in {a}]", "{o} = (lambda t: t + 1)({a})",
    "{o} = np.unique({a})", "{o} = {a}.tolist()", "{o} = np.diff({a})",
]


def _unsupported(b: Builder, out: str) -> Stmt:
    b.dtype, b.shape = "float64", (3,)
    a = b.new_array()
    line = b.rng.choice(_UNSUPPORTED).format(o=out, a=a)
    return Stmt(frozenset(), [line], [], [out], EXACT, expect_error=True)


_KINDS = [  # (maker, weight, family it needs)
    (_elementwise, 6, None), (_reduction, 3, "reduction"), (_reduction, 2, "reduce_minmax"),
    (_slicing, 3, "slice_const"), (_slicing, 2, "slice_runtime"), (_branch, 2, "branch"),
    (_loop, 2, "loop"), (_inplace, 2, "inplace"), (_alias, 2, "alias"),
    (_unsupported, 0.3, "unsupported"), (_shaping, 1.5, "shaping"),
    (_rearrange, 1.5, "rearrange"), (_iterate, 1.5, "iterate"),
    (_python_seq, 1.0, "python_seq"), (_mask, 1.5, "mask"),
    (_ufunc_out, 1.0, "ufunc_out"), (_call_return, 1.0, "call_return"),
    (_solver, 0.7, "solver"), (_histogram, 0.7, "histogram"), (_resize, 1.0, "resize"),
    (_scatter_at, 1.0, "scatter_at"),
]


def statement(rng: random.Random, k: int, fams: frozenset[str]) -> Stmt:
    kinds = [(m, w) for m, w, f in _KINDS if f is None or f in fams]
    maker = rng.choices([m for m, _ in kinds], [w for _, w in kinds])[0]
    b = Builder(rng, k, fams)
    if maker is _alias:
        b.use("alias")
    elif maker is _inplace:
        b.use("inplace")
    elif maker is _branch:
        b.use("branch")
    elif maker is _loop:
        b.use("loop")
    elif maker is _unsupported:
        b.use("unsupported")
    s = maker(b, f"{b.p}o")
    s.args = b.args
    s.families = frozenset(b.used)
    return s


def program(rng: random.Random, fams: frozenset[str], n_stmts: int = 8,
            seed: object = None) -> Program:
    return Program([statement(rng, k, fams) for k in range(n_stmts)], seed)


def generate(seed: int, fams: frozenset[str], n_stmts: int = 8) -> Program:
    """The program of a seeded campaign: the same seed gives the same program."""
    return program(random.Random(seed), fams, n_stmts, seed)
