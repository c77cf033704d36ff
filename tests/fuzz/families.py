"""Construct families: the switches of the program generator.

Each generated statement records the families it uses, so a failure names them and a family
that fails today can be left out of CI (and switched back on when fixed, see KNOWN.md)."""

from __future__ import annotations

# name -> what it generates
FAMILIES: dict[str, str] = {
    "arith": "+ - * / on float arrays",
    "nested_arith": "arithmetic inside arithmetic: (a + b) * c, a - (b + c), -(a * b)",
    "repeated_operand": "the same array twice in one expression: a - a, (a + b) - a",
    "const_operand": ("numeric constants as operands of arithmetic and of "
                      "maximum/minimum/clip: a * 0.0, a + -0.0, np.minimum(a, 100)"),
    "int_arith": "+ - * on integer arrays (wrap-around)",
    "int_div": "// and % on integers, zero divisors included",
    "float_div": "// and % on floats",
    "power": "** on floats (outermost, ulp tolerance) and integers",
    "bitwise": "& | ^ ~ << >> on integers and booleans, np.logical_xor",
    "bool_arith": "arithmetic on boolean arrays (+, *, -, unary -)",
    "compare": "comparisons, logical_*, np.where",
    "exact_ufunc": "abs, negative, square, sqrt, floor, ceil, sign",
    "transcendental": "exp, log, sin, ... arctan2 as the outermost call (8 ulp tolerance)",
    "minmax": "np.maximum/minimum/clip",
    "fminmax": "np.fmax/fmin (NaN-ignoring)",
    "promotion": "operands of different dtypes in one expression",
    "scalars": "Python and NumPy scalar arguments in expressions",
    "python_arith": ("Python's arithmetic on two Python-number arguments: zero divisors, "
                     "negative exponents, results beyond int64, float overflow"),
    "complex": "complex64/complex128 arrays",
    "float32": "float32 arrays",
    "small_int": "int8/int16/int32/uint* arrays",
    "astype": ".astype(dtype) casts",
    "broadcast": "operands of broadcast-compatible shapes",
    "empty": "arrays with a zero-length dimension",
    "reduction": "sum/prod/mean (reassociation tolerance), initial=",
    "reduce_minmax": "max/min/any/all reductions (exact), initial=",
    "slice_const": "constant slice bounds, steps and out-of-range bounds",
    "slice_runtime": "slice bounds from integer arguments, out-of-range ones included",
    "branch": "if/else on a run-time value",
    "branch_mixed": "if/else arms that give a variable different shapes or dtypes",
    "bool_mixing": "booleans (comparisons) as operands of arithmetic, ufuncs, maximum",
    "loop": "for loops over range with constant and run-time trip counts",
    "loop_carried": ("a scalar carried through a loop (Python number, NumPy scalar or array "
                     "element; its type may change on the first iteration) then used with "
                     "an array"),
    "loop_runtime_index": "o[i] = o[i - 1] ... for i up to a run-time bound (may pass the end)",
    "inplace": "+= and slice assignment into an argument",
    "shaping": ("reshape/ravel/flatten (-1, run-time sizes that may not divide; then a write "
                "into the array and a read of the reshaped one), transpose, triu/tril, "
                "arange and linspace with run-time bounds, argmax/argmin"),
    "rearrange": ("np.flip, np.concatenate / hstack / vstack / stack, ufunc.outer, np.repeat, "
                  "np.mgrid, unpacking arrays into names, np.eye / "
                  "identity with run-time sizes, NumPy functions called under another name"),
    "iterate": "for loops over arrays, enumerate(array) and zip(arrays)",
    "python_seq": ("for loops over tuples and lists of arrays and numbers (unrolled), "
                   "enumerate/zip of them, .item() / .item(k)"),
    "ufunc_out": "ufunc keyword arguments: out= (positional too), where= with out=, dtype=",
    "mask": ("boolean masks: x[m] = v, x[m] = f(x[m], y[m]), x[m] += v, reductions of x[m] "
             "(empty selections included)"),
    "call_return": ("calls of module-level functions that return inside ifs (values, or a "
                    "bare return that skips a write to the array argument)"),
    "solver": ("np.linalg.inv/solve/cholesky of well-conditioned matrices, stacks and "
               "empty ones (a tolerance of the type)"),
    "histogram": ("np.histogram of float and integer data: bins, range=, weights= of every "
                  "real type, density=, empty and constant data, NaN (an error)"),
    "resize": ("arrays whose shape changes at run time: z = z[m] in a loop (stopping when "
               "empty), other shapes on the paths of an if, an integer variable that changes "
               "after arrays were made with it, gathers and scatters through N-D and selected "
               "index arrays"),
    "arg_layout": ("array arguments passed as Fortran-order, transposed, strided or reversed "
                   "views (written ones too), and 0-d array arguments"),
    "scatter_at": ("np.add.at / maximum.at / minimum.at / multiply.at / subtract.at through "
                   "repeated, negative and out-of-range indices; np.bincount with weights"),
    "alias": "the same array passed twice, overlapping slices",
    "shape_mismatch": "operands whose shapes NumPy rejects at call time",
    "unsupported": "constructs sluice does not support (must be a SluiceError)",
}

ALL = frozenset(FAMILIES)

# Families that fail on the current code (see KNOWN.md): CI leaves them out until fixed.
FAILING_TODAY: frozenset[str] = frozenset({
})

CI = ALL - FAILING_TODAY


def parse(spec: str | None) -> frozenset[str]:
    """'all', 'ci', or a comma list, with '-name' removing a family: 'ci,-complex'."""
    if not spec:
        return CI
    out: set[str] = set()
    for part in spec.split(","):
        part = part.strip()
        if part in ("all", "ci"):
            out |= ALL if part == "all" else CI
        elif part.startswith("-"):
            out.discard(part[1:])
        elif part in FAMILIES:
            out.add(part)
        else:
            raise ValueError(f"unknown family {part!r}; known: {', '.join(sorted(FAMILIES))}")
    return frozenset(out)
