"""Random NumPy programs: statements over their own arguments, bundled into one function.

A `Program` is a list of independent `Stmt`s; each names its arguments and locals with its
own prefix, so any subset of statements is again a program (one compile covers many
statements, and a failure shrinks to the one statement that shows it). The generator draws
from a `random.Random`, so the same code serves seeded campaigns and Hypothesis
(`st.randoms()`), and only uses the construct families it is given."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

import numpy as np

from tests.fuzz import values as V

EXACT, ULP, REDUCE = "exact", "ulp", "reduce"


@dataclass
class Arg:
    """One parameter: a value, or the same object as another argument (alias), or a
    view `base[view]` of another argument."""

    name: str
    value: object = None
    alias_of: str | None = None
    view: str | None = None


@dataclass
class Stmt:
    families: frozenset[str]
    lines: list[str]
    args: list[Arg]
    outputs: list[str]
    compare: str = EXACT
    operand: str | None = None  # reductions: the reduced expression (for the tolerance)
    axis: object = None
    expect_error: bool = False  # generated to be rejected (unsupported constructs)


@dataclass
class Program:
    stmts: list[Stmt]
    seed: object = None
    helpers: list[str] = field(default_factory=list)

    @property
    def families(self) -> frozenset[str]:
        out: set[str] = set()
        for s in self.stmts:
            out |= s.families
        return frozenset(out)

    @property
    def args(self) -> list[Arg]:
        return [a for s in self.stmts for a in s.args]

    def source(self) -> str:
        params = ", ".join(a.name for a in self.args)
        body = [f"    {ln}" for s in self.stmts for ln in s.lines]
        outs = [o for s in self.stmts for o in s.outputs]
        if len(outs) == 1:
            body.append(f"    return {outs[0]}")
        elif outs:
            body.append(f"    return ({', '.join(outs)})")
        if not body:
            body.append("    pass")
        text = ["import numpy as np", "", "", f"def f({params}):", *body]
        for k, s in enumerate(self.stmts):  # NumPy-only helpers: the reduced operands
            if s.operand is not None:
                text += ["", "", f"def operand_{k}({', '.join(a.name for a in s.args)}):",
                         f"    return {s.operand}"]
        return "\n".join(text) + "\n"

    def make_args(self) -> list[object]:
        """Fresh arguments, with the aliasing structure of the specification."""
        built: dict[str, object] = {}
        for a in self.args:
            if a.alias_of is not None:
                base = built[a.alias_of]
                built[a.name] = base if a.view is None else eval(f"base[{a.view}]")
            elif isinstance(a.value, np.ndarray):
                built[a.name] = a.value.copy()
            else:
                built[a.name] = a.value
        return [built[a.name] for a in self.args]

    def stmt_at_line(self, line: int) -> int | None:
        """The statement whose source holds `line` of `source()` (1-based)."""
        first = 5  # import, two blank lines, the def line
        for k, s in enumerate(self.stmts):
            if first <= line < first + len(s.lines):
                return k
            first += len(s.lines)
        return None

    def digest(self) -> str:
        return hashlib.sha256(self.source().encode()).hexdigest()[:12]

    def subset(self, stmts: list[Stmt]) -> Program:
        return Program(list(stmts), self.seed)


# --- expressions -----------------------------------------------------------------------------

_TRANSCENDENTAL = ["exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
                   "cosh", "tanh"]
_NUMPY_DTYPES = ["bool", *V.INT_DTYPES, *V.FLOAT_DTYPES, *V.COMPLEX_DTYPES]


class Builder:
    """Builds one statement: its arguments, its families and expressions over them."""

    def __init__(self, rng: random.Random, k: int, fams: frozenset[str]) -> None:
        self.rng, self.p, self.fams = rng, f"s{k}_", fams
        self.args: list[Arg] = []
        self.used: set[str] = set()
        self.arrays: list[tuple[str, str, tuple[int, ...]]] = []
        self.dtype = self.pick_dtype()
        self.shape = self.pick_shape()
        self.moderate = False
        self.in_arith = False  # generating an operand of +, -, *, / (SymPy arithmetic)
        self.const_guard = False  # an operand of maximum/minimum/clip: constants count too

    # choices ---------------------------------------------------------------------------------
    def on(self, fam: str) -> bool:
        return fam in self.fams

    def use(self, fam: str) -> None:
        self.used.add(fam)

    def pick_dtype(self) -> str:
        pool = ["float64"] * 4 + ["int64"] * 2 + ["bool"]
        if self.on("float32"):
            pool += ["float32"] * 2
        if self.on("small_int"):
            pool += V.INT_DTYPES
        if self.on("complex"):
            pool += V.COMPLEX_DTYPES
        return self.rng.choice(pool)

    def note_dtype(self, dtype: str) -> None:
        if dtype == "float32":
            self.use("float32")
        elif dtype in V.COMPLEX_DTYPES:
            self.use("complex")
        elif dtype in V.INT_DTYPES and dtype != "int64":
            self.use("small_int")

    def pick_shape(self) -> tuple[int, ...]:
        sizes = [1, 2, 3, 4, 5, 7]
        if self.on("empty") and self.rng.random() < 0.08:
            self.use("empty")
            sizes = [0]
        rank = self.rng.choice([1, 1, 2])
        return tuple(self.rng.choice(sizes) if k == 0 else self.rng.choice([1, 2, 3, 4])
                     for k in range(rank))

    # arguments ---------------------------------------------------------------------------------
    def new_array(self, dtype: str | None = None, shape: tuple[int, ...] | None = None) -> str:
        dtype = dtype or self.dtype
        shape = self.shape if shape is None else shape
        self.note_dtype(dtype)
        name = f"{self.p}a{len(self.args)}"
        self.args.append(Arg(name, V.array(self.rng, dtype, shape, self.moderate)))
        self.arrays.append((name, dtype, shape))
        return name

    def new_scalar(self, value: object) -> str:
        name = f"{self.p}x{len(self.args)}"
        self.args.append(Arg(name, value))
        return name

    def array_leaf(self) -> str:
        rng = self.rng
        same = [a for a in self.arrays if a[2] == self.shape and a[1] == self.dtype]
        if same and self.on("repeated_operand") and rng.random() < 0.3:
            self.use("repeated_operand")
            return rng.choice(same)[0]
        dtype, shape = self.dtype, self.shape
        if self.on("promotion") and rng.random() < 0.2:
            self.use("promotion")
            dtype = self.pick_dtype()
        if self.on("broadcast") and rng.random() < 0.25:
            self.use("broadcast")
            shape = self.broadcast_shape()
        elif self.on("shape_mismatch") and rng.random() < 0.03:
            self.use("shape_mismatch")
            shape = tuple(d + 1 if d > 1 else d + 2 for d in self.shape)
        return self.new_array(dtype, shape)

    def broadcast_shape(self) -> tuple[int, ...]:
        shape = list(self.shape)
        if len(shape) > 1 and self.rng.random() < 0.4:
            shape = shape[1:]
        return tuple(1 if self.rng.random() < 0.5 else d for d in shape)

    def scalar_leaf(self) -> str:
        self.use("scalars")
        k = V.kind(self.dtype)
        rng = self.rng
        if rng.random() < 0.3:  # a NumPy scalar: strongly typed
            dt = self.dtype if rng.random() < 0.7 else self.pick_dtype()
            self.note_dtype(dt)
            v = V.scalar(rng, dt, self.moderate)
            with np.errstate(all="ignore"):
                return self.new_scalar(np.dtype(dt).type(v))
        if k == "b":
            return self.new_scalar(rng.random() < 0.5)
        if k in "iu" or (rng.random() < 0.2 and k != "c"):
            return self.new_scalar(rng.randint(-5, 9))
        return self.new_scalar(V.scalar(rng, "float64", self.moderate))

    def const_leaf(self) -> str:
        k = V.kind(self.dtype)
        if k == "b":
            return self.rng.choice(["True", "False"])
        if k in "iu":
            return self.rng.choice(["1", "2", "3", "-1", "0", "7", "100"])
        pool = ["2.0", "0.5", "1.0", "3", "-1.5", "0.1"]
        if not self.moderate:
            pool += ["0.0", "1e308", "np.inf", "np.nan", "1e-310", "-np.inf"]
        if self.on("const_operand") and self.rng.random() < 0.1:
            self.use("const_operand")  # SymPy has no -0.0: a literal one folds to 0
            return "-0.0"
        return self.rng.choice(pool)

    def leaf(self) -> str:
        r = self.rng.random()
        if r < 0.65 or not self.arrays:  # every statement reads at least one array
            return self.array_leaf()
        if r < 0.82 and self.on("scalars"):
            return self.scalar_leaf()
        if self.in_arith or self.const_guard:
            if not self.on("const_operand"):
                return self.array_leaf()
            self.use("const_operand")
        return self.const_leaf()

    # expressions -------------------------------------------------------------------------------
    def expr(self, depth: int = 2) -> str:
        """An expression; operands of arithmetic are generated with `in_arith` set, and an
        arithmetic node there is `nested_arith` (SymPy flattens and reorders such chains)."""
        outer = self.in_arith
        try:
            return self._expr(depth, outer)
        finally:
            self.in_arith = outer

    def _arith_operand(self, depth: int) -> str:
        saved, self.in_arith = self.in_arith, True
        try:
            return self.expr(depth)
        finally:
            self.in_arith = saved

    def _plain_operand(self, depth: int) -> str:
        saved, self.in_arith = self.in_arith, False
        try:
            return self.expr(depth)
        finally:
            self.in_arith = saved

    def _expr(self, depth: int, outer: bool) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            return self.leaf()
        k = V.kind(self.dtype)
        options = []
        arith = {"f": "arith", "c": "arith", "i": "int_arith", "u": "int_arith",
                 "b": "bool_arith"}[k]
        nested_ok = not outer or self.on("nested_arith")
        if (self.on(arith) or (k == "b" and self.on("compare"))) and nested_ok:
            options += ["arith"] * 4
        if k in "iu" and self.on("int_div") or k == "f" and self.on("float_div"):
            options.append("div")
        if k in "iub" and self.on("bitwise"):
            options.append("bit")
        if self.on("compare"):
            options.append("cmp")
        if self.on("exact_ufunc"):
            options.append("ufunc")
        if self.on("minmax") and k != "c":
            options.append("minmax")
        if self.on("astype") and rng.random() < 0.3:
            options.append("astype")
        if k in "iu" and self.on("power") and nested_ok:
            options.append("ipow")
        if not options:
            return self.leaf()
        pick = rng.choice(options)
        if pick in ("arith", "ipow") or pick == "ufunc" and nested_ok:
            if outer:
                self.use("nested_arith")
            a = self._arith_operand(depth - 1)
        elif pick == "minmax":
            saved, self.const_guard = self.const_guard, True
            try:
                a = self._plain_operand(depth - 1)
            finally:
                self.const_guard = saved
        else:
            a = self._plain_operand(depth - 1)
        if pick in ("arith", "ipow", "ufunc", "minmax", "div"):
            a = self.typed(a)
        if pick == "arith":
            self.use(arith if arith != "bool_arith" or self.on(arith) else "compare")
            ops = ["+", "-", "*", "/"] if self.on(arith) else ["&", "|"]
            if k == "b" and self.on(arith):
                ops = ["+", "*", "-"]
            if k in "iu" and "/" in ops and rng.random() < 0.5:
                ops.remove("/")
            if rng.random() < 0.1 and self.on(arith):
                return f"(-{a})"
            return f"({a} {rng.choice(ops)} {self.typed(self._arith_operand(depth - 1))})"
        if pick == "div":
            self.use("int_div" if k in "iu" else "float_div")
            b = self.zero_rich() if k in "iu" and rng.random() < 0.5 else self.expr(depth - 1)
            return f"({a} {rng.choice(['//', '%'])} {b})"
        if pick == "bit":
            self.use("bitwise")
            if rng.random() < 0.15:
                return f"(~{a})"
            if k in "iu" and rng.random() < 0.3:
                return f"({a} {rng.choice(['<<', '>>'])} {rng.choice([0, 1, 3, 7, 31])})"
            return f"({a} {rng.choice(['&', '|', '^'])} {self.expr(depth - 1)})"
        if pick == "cmp":
            self.use("compare")
            op = rng.choice(["<", "<=", ">", ">=", "==", "!="] if k != "c" else ["==", "!="])
            c = f"({a} {op} {self.expr(depth - 1)})"
            r = rng.random()
            if r < 0.4:
                return f"np.where({c}, {self.expr(depth - 1)}, {self.expr(depth - 1)})"
            if r < 0.55:
                fn = rng.choice(["logical_and", "logical_or"] + (
                    ["logical_xor"] if self.on("bitwise") else []))
                if fn == "logical_xor":
                    self.use("bitwise")
                return f"np.{fn}({c}, {self.expr(depth - 1)})"
            return c
        if pick == "ufunc":
            self.use("exact_ufunc")
            # negative, positive, square and sqrt are SymPy arithmetic (-x, x, x**2, x**0.5)
            fns = ["abs", "sign"] + (["negative", "positive", "square"] if nested_ok else [])
            if k == "f":
                fns += ["floor", "ceil"] + (["sqrt"] if nested_ok else [])
            if k == "b":
                fns = ["logical_not", "abs"]
            return f"np.{rng.choice(fns)}({a})"
        if pick == "minmax":
            self.use("minmax")
            saved, self.const_guard = self.const_guard, True
            try:
                if rng.random() < 0.2:
                    return f"np.clip({a}, {self.leaf()}, {self.leaf()})"
                fn = rng.choice(["maximum", "minimum"] + (["fmax", "fmin"] if self.on(
                    "fminmax") else []))
                if fn.startswith("fm"):
                    self.use("fminmax")
                return f"np.{fn}({a}, {self.typed(self.expr(depth - 1))})"
            finally:
                self.const_guard = saved
        if pick == "astype":
            self.use("astype")
            if f"{self.p}a" not in a:  # Python numbers have no .astype (an error of its own)
                a = self.array_leaf()
            dt = self.pick_dtype()
            self.note_dtype(dt)
            return f"({a}).astype(np.{dt})"
        self.use("power")
        return f"({a} ** {rng.choice(['2', '3', '0', '1'])})"

    def typed(self, e: str) -> str:
        """`e` as an operand of arithmetic, a ufunc or maximum/minimum: a boolean there
        (a comparison) is NumPy promotion of its own, family bool_mixing."""
        if V.kind(self.dtype) == "b" or self.operand_dtype(e) != "bool":
            return e
        if self.on("bool_mixing"):
            self.use("bool_mixing")
            return e
        return self.array_leaf()

    def shape_dtype(self, e: str) -> tuple[object, ...] | None:
        env: dict[str, object] = {"np": np}
        env.update({a.name: a.value for a in self.args})
        try:
            with np.errstate(all="ignore"):
                v = np.asarray(eval(e, env))
            return (v.shape, str(v.dtype))
        except Exception:  # noqa: BLE001 - NumPy rejects it: the statement will say so
            return None

    def operand_dtype(self, e: str) -> str | None:
        """The dtype NumPy gives expression `e` on this statement's arguments, or None."""
        env: dict[str, object] = {"np": np}
        env.update({a.name: a.value for a in self.args})
        try:
            with np.errstate(all="ignore"):
                return str(np.asarray(eval(e, env)).dtype)
        except Exception:  # noqa: BLE001 - NumPy rejects it: the statement will say so
            return None

    def zero_rich(self) -> str:
        """An integer divisor with zeros and -1 (INT_MIN // -1) in it."""
        name = self.new_array()
        arr = self.args[-1].value
        assert isinstance(arr, np.ndarray)
        flat = arr.reshape(-1)
        for i in range(flat.size):
            if self.rng.random() < 0.4:
                flat[i] = self.rng.choice([0, 1] if V.kind(self.dtype) == "u" else [0, -1])
        return name


# --- statements ------------------------------------------------------------------------------

def _elementwise(b: Builder, out: str) -> Stmt:
    e = b.expr(b.rng.choice([1, 2, 3]))
    cmp = EXACT
    if b.on("transcendental") and b.rng.random() < 0.25 and V.kind(b.dtype) in "fc":
        b.use("transcendental")
        if b.rng.random() < 0.15:
            e = f"np.arctan2({e}, {b.expr(1)})" if V.kind(b.dtype) == "f" else \
                f"np.exp({e})"
        elif b.rng.random() < 0.15 and b.on("power"):
            b.use("power")
            e = f"({e}) ** {b.expr(1)}"
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
    if rng.random() < 0.5 and fn not in ("any", "all"):
        line = f"{out} = ({e}).{fn}({ax[2:]})"
    else:
        line = f"{out} = np.{fn}({e}{ax})"
    cmp = EXACT if minmax else REDUCE
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


def _inplace(b: Builder, out: str) -> Stmt:
    rng = b.rng
    if b.dtype == "bool" and not b.on("bool_arith"):
        b.dtype = "float64"
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


_UNSUPPORTED = [
    "{o} = np.cumsum({a})", "{o} = np.sort({a})", "{o} = {a}[{a} > 0]",
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
    (_unsupported, 0.3, "unsupported"),
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


def renumber(stmt: Stmt, k: int) -> Stmt:
    """`stmt` with its prefix changed to s{k}_ (to sit at position k of a new program)."""
    old = stmt.args[0].name.split("_", 1)[0] + "_" if stmt.args else None
    if old is None or old == f"s{k}_":
        return stmt
    new = f"s{k}_"

    pattern = re.compile(rf"\b{old}")

    def sub(t: str | None) -> str | None:
        return None if t is None else pattern.sub(new, t)
    args = [Arg(sub(a.name) or "", a.value, sub(a.alias_of), a.view) for a in stmt.args]
    return Stmt(stmt.families, [sub(ln) or "" for ln in stmt.lines], args,
                [sub(o) or "" for o in stmt.outputs], stmt.compare, sub(stmt.operand),
                stmt.axis, stmt.expect_error)
