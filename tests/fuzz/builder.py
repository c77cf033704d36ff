"""Building one statement: its arguments (values rich in special cases) and random
expressions over them, using only the construct families it is given and recording the
ones it uses."""

from __future__ import annotations

import random
import warnings

import numpy as np

from tests.fuzz import values as V
from tests.fuzz.program import LAYOUTS, Arg

# Python numbers for `python_arith`: zeros, signs, the edges of int64 and of doubles.
_PY_INTS = [0, 1, -1, 2, -3, 7, 2**31, -2**31, 2**62, -2**62, 2**63 - 1, -2**63, 3037000500]
_PY_FLOATS = [0.0, -0.0, 1.5, -2.0, 1e308, -1e308, float("inf"), float("nan"), 5e-324, -8.0]
_PY_EXPONENTS = [0, 1, 2, 3, -1, -2, 31, 62, 63, 64]  # small: Python computes them exactly
_PY_SHIFTS = [0, 1, 8, 62, 63, 64, 100, -1]


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

    def fused_safe(self, view: str) -> str:
        """`view` (a reversed view: np.flip, a negative step), copied where it holds
        complex64 values. NumPy's complex64 multiply loop fuses (ac - bd, ad + bc) with FMA
        for operands with non-negative strides and rounds each product otherwise, so its
        product of a reversed view differs from its product of the same values in a fresh
        array; sluice computes the fused form (DECISIONS.md, "Complex arithmetic")."""
        return f"{view}.copy()" if self.dtype == "complex64" else view

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
        layout = None
        if shape and self.on("arg_layout") and self.rng.random() < 0.2:
            self.use("arg_layout")
            # (reversed complex64: NumPy's own rounding differs, see fused_safe)
            layout = self.rng.choice(sorted(k for k in LAYOUTS if k != "reversed"
                                            or dtype != "complex64"))
        self.args.append(Arg(name, V.array(self.rng, dtype, shape, self.moderate), layout=layout))
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
        if self.on("arg_layout") and rng.random() < 0.04:
            self.use("arg_layout")
            shape = ()  # a 0-d array argument (broadcasts against anything)
        elif self.on("broadcast") and rng.random() < 0.25:
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
        if rng.random() < 0.08:  # a NumPy type called on a Python number: int()'s rules
            dt = self.dtype if rng.random() < 0.6 else self.pick_dtype()
            self.note_dtype(dt)
            v = (rng.randint(-130, 300) if V.kind(dt) in "iu" and rng.random() < 0.6
                 else V.scalar(rng, "float64", self.moderate))
            return f"np.{np.dtype(dt).type.__name__}({self.new_scalar(v)})"
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
        # constants anywhere under arithmetic still fold (a * np.floor(0.0) is a * 0)
        saved, guard = self.in_arith, self.const_guard
        self.in_arith, self.const_guard = False, guard or saved
        try:
            return self.expr(depth)
        finally:
            self.in_arith, self.const_guard = saved, guard

    def _arith_family(self) -> str:
        return {"f": "arith", "c": "arith", "i": "int_arith", "u": "int_arith",
                "b": "bool_arith"}[V.kind(self.dtype)]

    def _options(self, nested_ok: bool) -> list[str]:
        """The node kinds the enabled families allow for this statement's dtype."""
        k = V.kind(self.dtype)
        options = []
        arith = self._arith_family()
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
        if self.on("astype") and self.rng.random() < 0.3:
            options.append("astype")
        if k in "iu" and self.on("power") and nested_ok:
            options.append("ipow")
        if self.on("python_arith") and k != "c":
            options.append("pyarith")
        return options

    def _expr(self, depth: int, outer: bool) -> str:
        if depth <= 0 or self.rng.random() < 0.25:
            return self.leaf()
        nested_ok = not outer or self.on("nested_arith")
        options = self._options(nested_ok)
        if not options:
            return self.leaf()
        pick = self.rng.choice(options)
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
        node = getattr(self, f"_node_{pick}")
        return node(a, depth, nested_ok)

    def _node_arith(self, a: str, depth: int, nested_ok: bool) -> str:
        rng, k, arith = self.rng, V.kind(self.dtype), self._arith_family()
        self.use(arith if arith != "bool_arith" or self.on(arith) else "compare")
        ops = ["+", "-", "*", "/"] if self.on(arith) else ["&", "|"]
        if k == "b" and self.on(arith):
            ops = ["+", "*", "-"]
        if k in "iu" and "/" in ops and rng.random() < 0.5:
            ops.remove("/")
        if rng.random() < 0.1 and self.on(arith):
            return f"(-{a})"
        return f"({a} {rng.choice(ops)} {self.typed(self._arith_operand(depth - 1))})"

    def _node_div(self, a: str, depth: int, nested_ok: bool) -> str:
        rng, k = self.rng, V.kind(self.dtype)
        self.use("int_div" if k in "iu" else "float_div")
        b = self.zero_rich() if k in "iu" and rng.random() < 0.5 else self.expr(depth - 1)
        return f"({a} {rng.choice(['//', '%'])} {b})"

    def _node_bit(self, a: str, depth: int, nested_ok: bool) -> str:
        rng, k = self.rng, V.kind(self.dtype)
        self.use("bitwise")
        if rng.random() < 0.15:
            return f"(~{a})"
        if k in "iu" and rng.random() < 0.3:
            return f"({a} {rng.choice(['<<', '>>'])} {rng.choice([0, 1, 3, 7, 31])})"
        return f"({a} {rng.choice(['&', '|', '^'])} {self.expr(depth - 1)})"

    def _node_cmp(self, a: str, depth: int, nested_ok: bool) -> str:
        rng, k = self.rng, V.kind(self.dtype)
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
            saved, self.const_guard = self.const_guard, True  # np.logical_and(x, 0.0)
            try:
                return f"np.{fn}({c}, {self.expr(depth - 1)})"
            finally:
                self.const_guard = saved
        return c

    def _node_ufunc(self, a: str, depth: int, nested_ok: bool) -> str:
        k = V.kind(self.dtype)
        self.use("exact_ufunc")
        # negative, positive, square and sqrt are SymPy arithmetic (-x, x, x**2, x**0.5)
        fns = ["abs", "sign"] + (["negative", "positive", "square"] if nested_ok else [])
        if k == "f":
            fns += ["floor", "ceil"] + (["sqrt"] if nested_ok else [])
        if k == "b":
            fns = ["logical_not", "abs"]
        if self.on("bool_mixing"):  # booleans from numbers
            fns += ["isnan", "isinf", "isfinite"]
        fn = self.rng.choice(fns)
        if fn.startswith("is"):
            self.use("bool_mixing")
        return f"np.{fn}({a})"

    def _node_minmax(self, a: str, depth: int, nested_ok: bool) -> str:
        rng = self.rng
        self.use("minmax")
        saved, self.const_guard = self.const_guard, True
        try:
            if rng.random() < 0.2:
                return f"np.clip({a}, {self.leaf()}, {self.leaf()})"
            fn = rng.choice(["maximum", "minimum"] + (["fmax", "fmin"] if self.on(
                "fminmax") else []))
            call = f"np.{fn}({a}, {self.typed(self.expr(depth - 1))})"
            if not fn.startswith("fm"):
                return call
            self.use("fminmax")
            # NumPy's fmax/fmin of tied -0.0 and 0.0 give either zero (its scalar loop keeps
            # the first, its SIMD loops the second, varying with length and dtype): `+ 0`
            # makes every zero +0.0 so the sign cannot reach the result (DECISIONS.md)
            return f"({call} + 0)" if self.operand_dtype(call) in V.FLOAT_DTYPES else call
        finally:
            self.const_guard = saved

    def _node_astype(self, a: str, depth: int, nested_ok: bool) -> str:
        self.use("astype")
        if f"{self.p}a" not in a:  # Python numbers have no .astype (an error of its own)
            a = self.array_leaf()
        dt = self.pick_dtype()
        self.note_dtype(dt)
        return f"({a}).astype(np.{dt})"

    def _node_ipow(self, a: str, depth: int, nested_ok: bool) -> str:
        self.use("power")
        # (a real float ** 3 is pow(), a transcendental call: the vector math library may
        # compute it within 4 ulp (DECISIONS.md), so it comes outermost with that tolerance
        # from the power family's float statements, not here; seed 790025)
        real = V.kind(self.dtype) == "f" or V.kind(self.operand_dtype(a) or "b") == "f"
        exps = ['2', '0', '1'] if real else ['2', '3', '0', '1']
        return f"({a} ** {self.rng.choice(exps)})"

    def _node_pyarith(self, a: str, depth: int, nested_ok: bool) -> str:
        """`a + (x op y)` for Python numbers x, y: Python raises (ZeroDivisionError,
        OverflowError), changes type (2 ** -1) or leaves int64 where compiled code must
        stop rather than give NumPy's inf or a wrapped int."""
        self.use("python_arith")
        rng = self.rng
        if rng.random() < 0.25:  # unary operators and abs() of Python bools and ints
            x = self.new_scalar(rng.choice([True, False, 0, -1, 7, -2**63, 2**63 - 1]))
            fn = rng.choice(["~{}", "+{}", "-{}", "abs({})", "int({})", "bool({})"])
            return f"({a} * {fn.format(x)})"
        ints = V.kind(self.dtype) in "iub" or rng.random() < 0.5
        op = rng.choice(["+", "-", "*", "/", "//", "%", "**"] + (["<<", ">>"] if ints else []))
        pool = _PY_INTS + [True, False] if ints else _PY_FLOATS  # (bools are ints here)
        x = self.new_scalar(rng.choice(pool))
        right = {"**": _PY_EXPONENTS, "<<": _PY_SHIFTS, ">>": _PY_SHIFTS}.get(op, pool)
        if op == "**" and not ints:
            right = _PY_FLOATS[:8] + [0.5, 1 / 3, -1.5, 2.0]
        y = self.new_scalar(rng.choice(right))
        return f"({a} + ({x} {op} {y}))"

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
        """The shape and dtype NumPy gives expression `e` on this statement's arguments, or
        None where NumPy raises (the statement will then say so)."""
        env: dict[str, object] = {"np": np}
        env.update({a.name: a.value for a in self.args})
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v = np.asarray(eval(e, env))
            return (v.shape, str(v.dtype))
        except Exception:  # noqa: BLE001 - any NumPy error
            return None

    def operand_dtype(self, e: str) -> str | None:
        sd = self.shape_dtype(e)
        return None if sd is None else str(sd[1])

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
