"""A table of every element-wise operation and reduction the Python frontend supports, to
compare sluice with NumPy 2 on every dtype and dtype pair (weak Python scalars included).

`program(...)` writes one function per dtype (or pair) that returns all the expressions
NumPy accepts for it, as a real source file (the frontend reads functions' source); the
expressions NumPy refuses are returned separately, each must make sluice refuse too.
Inputs are small arrays with special values: NaN, infinities, -0.0, integer extremes, zero
divisors. Negative integer exponents are left out (NumPy raises on them at run time).
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import warnings
from pathlib import Path

import numpy as np

INTEGERS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
DTYPES = ["bool", *INTEGERS, *FLOATS, *COMPLEX]

UNARY = ["np.exp(a)", "np.log(a)", "np.sqrt(a)", "np.sin(a)", "np.cos(a)", "np.tan(a)",
         "np.arcsin(a)", "np.arccos(a)", "np.arctan(a)", "np.sinh(a)", "np.cosh(a)",
         "np.tanh(a)", "np.abs(a)", "np.absolute(a)", "abs(a)", "np.negative(a)", "-a",
         "np.positive(a)", "+a", "np.square(a)", "np.floor(a)", "np.ceil(a)", "np.sign(a)",
         "~a", "np.logical_not(a)", "a.astype(np.float64)", "a.astype(np.int32)",
         "a.astype(bool)"]

# Means, variances and deviations sum in floating point, where the order of a sum of huge
# integers matters (sums regroup, docs/DECISIONS.md): they see `r`, the input less its
# integer extremes.
REDUCTIONS = ["np.sum(a)", "np.prod(a)", "np.max(a)", "np.min(a)", "np.mean(r)",
              "np.argmax(a)", "np.argmin(a)", "np.any(a)", "np.all(a)", "np.std(r)",
              "np.var(r)", "a.sum()", "r.mean()", "np.amax(a)", "np.amin(a)",
              "m.sum(axis=0)", "m.prod(axis=1)", "m.max(axis=0)", "m.min(axis=1)",
              "np.mean(mr, axis=0)", "np.var(mr, axis=1)", "np.std(mr, axis=0)",
              "np.argmax(m, axis=1)", "np.any(m, axis=0)", "np.all(m, axis=1)",
              "m.sum(axis=1, keepdims=True)"]

BINARY = ["a + b", "a - b", "a * b", "a / b", "a // b", "a % b", "a ** p", "a & b", "a | b",
          "a ^ b", "a << s", "a >> s", "a < b", "a <= b", "a > b", "a >= b", "a == b",
          "a != b", "np.add(a, b)", "np.subtract(a, b)", "np.multiply(a, b)",
          "np.divide(a, b)", "np.true_divide(a, b)", "np.floor_divide(a, b)", "np.mod(a, b)",
          "np.remainder(a, b)", "np.power(a, p)", "np.bitwise_and(a, b)",
          "np.bitwise_or(a, b)", "np.bitwise_xor(a, b)", "np.less(a, b)", "np.equal(a, b)",
          "np.maximum(a, b)", "np.minimum(a, b)", "np.fmax(a, b)", "np.fmin(a, b)",
          "np.arctan2(a, b)", "np.logical_and(a, b)", "np.logical_or(a, b)",
          "np.logical_xor(a, b)", "np.where(a > b, a, b)", "np.clip(a, b, p)",
          "ma @ mb", "np.outer(a, b)"]

# Python scalars against an array: NumPy 2 treats them as weak.
WEAK = ["a + 3", "3 + a", "a - 1", "a * 2", "a * -2", "a + 300", "a - 200", "a * 2.5",
        "2.5 - a", "a / 3", "a // 2", "a % 3", "a ** 2", "a + True", "a * True", "a & 1",
        "a | True", "a << 1", "a < 3", "a == 2.5", "a < -1", "a > 1e10", "a + 0.1",
        "a + 1j", "np.maximum(a, 2)", "np.fmin(a, 0.5)", "np.where(a > 1, a, 0)",
        "np.where(a > 1, 0.5, a)", "np.clip(a, 1, 4)", "a + 2**40", "max(a[0], 2)",
        "min(a[1], 2.5)", "a[0] + 1", "a[0] * 2.5", "float(a[0])", "int(a[1] > 0)"]

# Which zero these return for -0.0 against 0.0 depends on NumPy's SIMD code path, as IEEE
# 754 allows; their zeros' signs are not compared.
SIGNLESS_ZEROS = ("np.maximum", "np.minimum", "np.fmax", "np.fmin", "np.clip", "max(",
                  "min(", "np.max", "np.min", "np.amax", "np.amin", "m.max", "m.min")

N = 9  # elements per input; reductions over axes see them as 3 x 3


def values(dtype: str, seed: int) -> np.ndarray:
    """`N` values of `dtype`, special ones first, the rest random."""
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    if dt.kind == "b":
        return rng.random(N) > 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        special = [info.max, info.min, 0, 1]
        rest = rng.integers(max(info.min, -9), min(info.max, 9), N - len(special),
                            endpoint=True)
        return np.array([*special, *rest], dtype=dt)[rng.permutation(N)]
    # Complex infinities and NaNs are left out: C++'s complex division and power treat
    # them differently from NumPy (a known gap, see the report of issue #13).
    special = [np.nan, np.inf, -np.inf, -0.0, 0.0] if dt.kind == "f" else [-0.0, 0.0]
    rest = (rng.random(N - len(special)) - 0.3) * 8
    out = np.array([*special, *rest], dtype=dt)[rng.permutation(N)]
    if dt.kind == "c":
        out = out + 1j * np.array(rng.random(N) * 3, dtype=dt)
    return out


def exponents(dtype: str, seed: int) -> np.ndarray:
    """Exponents for `a ** p`: small and, for integers, nonnegative."""
    v = values(dtype, seed)
    if v.dtype.kind in "iu":
        return (np.abs(v.astype(np.int64) % 4)).astype(v.dtype)
    return v


def shifts(dtype: str, seed: int) -> np.ndarray:
    """Shift counts inside the type's width (larger ones are left to another table)."""
    v = values(dtype, seed)
    if v.dtype.kind in "iu":
        return (np.abs(v.astype(np.int64)) % (8 * v.dtype.itemsize)).astype(v.dtype)
    return v


def arguments(da: str, db: str | None = None) -> dict[str, np.ndarray]:
    a = values(da, 1)
    r = np.clip(a, -100, 100).astype(a.dtype) if a.dtype.kind in "iu" else a
    args = {"a": a, "m": a.reshape(3, 3), "r": r, "mr": r.reshape(3, 3)}
    if db is not None:
        b = values(db, 2)
        # Complex matrix products with infinities and NaNs differ between BLAS builds (which
        # of inf and NaN a row ends in); their operands are finite.
        ma, mb = a.reshape(3, 3), b.reshape(3, 3)
        if "c" in (a.dtype.kind, b.dtype.kind):
            ma, mb = (np.where(np.isfinite(x), x, 0).astype(x.dtype) for x in (ma, mb))
        args.update(b=b, p=exponents(db, 3), s=shifts(db, 4), ma=ma, mb=mb)
    return args


def cross_table(da: str) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
    """(parameters, expressions, arguments) of one function applying every binary
    operation to `da` and each other dtype of CROSS (operands renamed per dtype)."""
    params, exprs, args = ["a"], [], {"a": values(da, 1)}
    args["ma"] = args["a"].reshape(3, 3)
    params.append("ma")
    for db in CROSS:
        if db == da:
            continue
        pair = arguments(da, db)
        for v in ("b", "p", "s", "mb"):
            params.append(f"{v}_{db}")
            args[f"{v}_{db}"] = pair[v]
        exprs += [re.sub(r"\b(b|p|s|mb)\b", rf"\1_{db}", e) for e in BINARY]
    return params, exprs, args


def numpy_eval(expr: str, args: dict[str, np.ndarray]):
    """NumPy's result, or the exception NumPy raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return eval(expr, {"np": np}, dict(args))  # noqa: S307 - the table's own text
        except Exception as e:  # noqa: BLE001 - any refusal by NumPy is the expectation
            return e


def split(exprs: list[str], args: dict) -> tuple[list[str], list[str]]:
    """(expressions NumPy evaluates, expressions NumPy refuses)."""
    ok, refused = [], []
    for e in exprs:
        (refused if isinstance(numpy_eval(e, args), Exception) else ok).append(e)
    return ok, refused


def write_module(path: Path, functions: dict[str, tuple[list[str], list[str]]]):
    """A module of functions `name(params) -> tuple of exprs`, imported from `path`."""
    lines = ["import numpy as np", ""]
    for name, (params, exprs) in functions.items():
        lines += [f"def {name}({', '.join(params)}):",
                  f"    return ({', '.join(exprs)},)", "", ""]
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# Dtype pairs: every dtype with itself, and every pair of these, which cross each kind
# boundary (bool/int, signed/unsigned, int/float, float widths, real/complex).
CROSS = ["bool", "int8", "int64", "uint64", "float32", "float64", "complex64"]


def pairs() -> list[tuple[str, str]]:
    same = [(d, d) for d in DTYPES]
    return same + [(a, b) for a, b in itertools.product(CROSS, CROSS) if a != b]


def describe_mismatch(expr: str, expected, got) -> str | None:
    """Why `got` is not NumPy's `expected` (dtype, shape, values, signs of zeros), or None."""
    e, g = np.asarray(expected), np.asarray(got)
    if e.dtype != g.dtype:
        return f"{expr}: dtype {g.dtype}, NumPy {e.dtype}"
    if e.shape != g.shape:
        return f"{expr}: shape {g.shape}, NumPy {e.shape}"
    if e.dtype.kind not in "fc":
        return None if np.array_equal(e, g) else f"{expr}: {g!r}, NumPy {e!r}"
    if e.dtype.kind == "c":
        # Known gap: C++'s complex arithmetic differs from NumPy's where a complex result
        # is infinite or NaN, or a part is a signed zero (division by zero, inf * 0): only
        # finite complex results are compared.
        finite = np.isfinite(e)
        e, g = e[finite], g[finite]
        expr = f"{expr} (finite elements)"
    # Within a few units in the last place: compiled math functions are not NumPy's.
    rtol = {2: 2e-3, 4: 4e-6, 8: 4e-6 if e.dtype.kind == "c" else 1e-13, 16: 1e-13}
    if not np.allclose(g, e, rtol=rtol[e.dtype.itemsize], atol=0, equal_nan=True):
        return f"{expr}: {g!r}, NumPy {e!r}"
    if expr.startswith(SIGNLESS_ZEROS) or e.dtype.kind == "c":
        return None
    zero = np.real(e) == 0
    if not np.array_equal(np.signbit(np.real(g)[zero]), np.signbit(np.real(e)[zero])):
        return f"{expr}: signs of zeros {g!r}, NumPy {e!r}"
    return None


def clear_refusal(err: Exception) -> bool:
    """A refusal the standard allows where sluice cannot do what NumPy does: a type error
    or an unsupported construct, never an internal error or a raw exception."""
    from sluice.errors import SluiceTypeError, UnsupportedError

    return isinstance(err, SluiceTypeError | UnsupportedError)


def _traced(tmp: Path, name: str, params: list[str], exprs: list[str], args: dict,
            target: str = "interpret"):
    """(jit function or the exception raised) for a function returning `exprs`, traced
    and, for a compiled target, lowered to source (cheap: refusals show before a build)."""
    import sluice

    mod = write_module(tmp / f"{name}.py", {name: (params, exprs)})
    fn = sluice.jit(getattr(mod, name))
    try:
        fn.trace(*[args[p] for p in params])
        if target != "interpret":
            fn.lower(target)
    except Exception as err:  # noqa: BLE001 - the caller sorts refusals from problems
        return err
    return fn


def run_table(target: str, tmp: Path, name: str, params: list[str], exprs: list[str],
              args: dict) -> tuple[list[str], list[str]]:
    """Compile one function returning all of `exprs` for `target` and compare with NumPy:
    (problems, expressions refused clearly). Expressions that do not trace or lower are
    found by lowering each alone (cheap); a function that then fails to build or run is
    split into one function per expression to name the culprits."""
    fn = _traced(tmp, name, params, exprs, args, target)
    problems: list[str] = []
    refused: list[str] = []
    if isinstance(fn, Exception):
        if len(exprs) == 1:
            return ([], exprs) if clear_refusal(fn) else ([f"{exprs[0]}: {fn!r}"], [])
        kept = _sift(tmp, name, params, exprs, args, target, problems, refused)
        if not kept:
            return problems, refused
        p, r = run_table(target, tmp, f"{name}_k", params, kept, args)
        return problems + p, refused + r
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn.compile(target)(*[np.copy(args[p]) for p in params])
    except Exception as err:  # noqa: BLE001 - narrowed down below
        if len(exprs) == 1:
            return ([], exprs) if clear_refusal(err) else ([f"{exprs[0]}: {err!r}"], [])
        for k, e in enumerate(exprs):
            p, r = run_table(target, tmp, f"{name}_c{k}", params, [e], args)
            problems += p
            refused += r
        if not problems and not refused:
            problems.append(f"{name}: {type(err).__name__}: {err}")
        return problems, refused
    for e, g in zip(exprs, got, strict=True):
        why = describe_mismatch(e, numpy_eval(e, args), g)
        if why:
            problems.append(why)
    return problems, refused


def _sift(tmp: Path, name: str, params: list[str], exprs: list[str], args: dict,
          target: str, problems: list[str], refused: list[str]) -> list[str]:
    """The expressions of `exprs` that trace and lower, found by halving the ones that do
    not (a table has a few refusals among hundreds: a few dozen traces instead of one per
    expression); the others go to `refused` (clear refusals) or `problems`."""
    if len(exprs) == 1:
        one = _traced(tmp, name, params, exprs, args, target)
        if not isinstance(one, Exception):
            return exprs
        if clear_refusal(one):
            refused.append(exprs[0])
        else:
            problems.append(f"{exprs[0]}: {type(one).__name__}: {one}")
        return []
    kept: list[str] = []
    half = len(exprs) // 2
    for k, part in enumerate((exprs[:half], exprs[half:])):
        sub = f"{name}_{k}"
        if len(part) > 1 and not isinstance(_traced(tmp, sub, params, part, args, target),
                                            Exception):
            kept += part
        else:
            kept += _sift(tmp, sub, params, part, args, target, problems, refused)
    return kept


def refusals(tmp: Path, name: str, params: list[str], exprs: list[str],
             args: dict) -> list[str]:
    """The expressions among `exprs` (each refused by NumPy) that sluice compiles anyway,
    or refuses with something other than a SluiceError."""
    import sluice
    from sluice.errors import SluiceError

    if not exprs:
        return []
    mod = write_module(tmp / f"{name}.py", {f"{name}_{k}": (params, [e])
                                            for k, e in enumerate(exprs)})
    problems = []
    for k, e in enumerate(exprs):
        try:
            sluice.jit(getattr(mod, f"{name}_{k}")).trace(*[args[p] for p in params])
            problems.append(f"{e}: NumPy refuses ({numpy_eval(e, args)}), sluice compiles it")
        except SluiceError:
            pass
        except Exception as err:  # noqa: BLE001 - a raw exception is the problem reported
            problems.append(f"{e}: {type(err).__name__} instead of a SluiceError: {err}")
    return problems
