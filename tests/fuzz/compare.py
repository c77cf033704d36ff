"""Comparing sluice's results with NumPy's: bit for bit, within a few ulp (transcendental
functions, whose last bit libm and libmvec do not promise), or within reassociation bounds
(sum/prod/mean, whose order DECISIONS.md leaves to the backend), or within a tolerance of
the type (linear solvers: LAPACK's blocked algorithms round otherwise)."""

from __future__ import annotations

import numpy as np

ULPS = 8  # DECISIONS.md: vector math within 8 ulp of NumPy


def _parts(a: np.ndarray) -> list[np.ndarray]:
    return [a.real, a.imag] if a.dtype.kind == "c" else [a]


def describe(a: object) -> str:
    arr = np.asarray(a)
    with np.printoptions(precision=17, threshold=40):
        return f"{arr.dtype}{list(arr.shape)} {arr!r}"


def same_kind(expected: object, got: object) -> str | None:
    """Why shapes or dtypes differ, or None."""
    e, g = np.asarray(expected), np.asarray(got)
    if e.dtype != g.dtype:
        return f"dtype {g.dtype}, NumPy gives {e.dtype}"
    if e.shape != g.shape:
        return f"shape {g.shape}, NumPy gives {e.shape}"
    return None


def exact(expected: object, got: object, zero_sign: bool = True) -> str | None:
    """None when equal bit for bit up to NaN payloads; otherwise what differs.
    `zero_sign=False` is for max/min reductions: which of tied -0.0 and 0.0 wins depends
    on the order of the reduction, which DECISIONS.md leaves to the backend."""
    why = same_kind(expected, got)
    if why:
        return why
    e, g = np.asarray(expected), np.asarray(got)
    for pe, pg in zip(_parts(e), _parts(g), strict=True):
        if pe.dtype.kind == "f":
            signs = np.signbit(pe) == np.signbit(pg) if zero_sign else True
            bad = ~((pe == pg) & signs | np.isnan(pe) & np.isnan(pg))
        else:
            bad = pe != pg
        if np.any(bad):
            return f"{int(np.sum(bad))} of {bad.size} elements differ"
    return None


def _ulp_distance(e: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Distance in units of the last place between finite floats of one dtype."""
    ints = {2: np.int16, 4: np.int32, 8: np.int64}[e.dtype.itemsize]

    def ordered(x: np.ndarray) -> np.ndarray:
        i = x.view(ints).astype(np.float64)
        return np.where(i < 0, -(i - np.iinfo(ints).min), i)
    return np.abs(ordered(e) - ordered(g))


def within_ulps(expected: object, got: object, ulps: int = ULPS) -> str | None:
    why = same_kind(expected, got)
    if why:
        return why
    e, g = np.asarray(expected), np.asarray(got)
    if e.dtype.kind not in "fc":
        return exact(e, g)
    for pe, pg in zip(_parts(e), _parts(g), strict=True):
        pe, pg = np.ascontiguousarray(pe), np.ascontiguousarray(pg)
        nan = np.isnan(pe) | np.isnan(pg)
        finite = np.isfinite(pe) & np.isfinite(pg)
        bad = np.isnan(pe) != np.isnan(pg)
        bad |= ~nan & ~finite & (pe != pg)
        bad |= finite & (_ulp_distance(pe, pg) > ulps)
        if np.any(bad):
            return f"{int(np.sum(bad))} of {bad.size} elements differ by more than {ulps} ulp"
    return None


def within_reassociation(expected: object, got: object, operand: np.ndarray | None,
                         axis: object, op: str) -> str | None:
    """Reductions: equal up to the rounding any summation order may produce. The bound is
    n * eps * sum(|x|) for sums (and its mean), n * eps * |result| for products."""
    why = same_kind(expected, got)
    if why:
        return why
    e, g = np.asarray(expected), np.asarray(got)
    if e.dtype.kind not in "fc" or operand is None:
        return exact(e, g)
    x = np.asarray(operand)
    n = x.size if axis is None else x.shape[axis] if x.ndim else 1
    eps = float(np.finfo(e.dtype).eps)
    with np.errstate(all="ignore"):
        mag = np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
        scale = np.sum(mag, axis=axis) if op != "prod" else np.abs(e.astype(np.complex128))
        if op == "mean":
            scale = scale / max(n, 1)
        tol = 4.0 * max(n, 1) * eps * np.asarray(scale, dtype=np.float64) + 1e-300
    for pe, pg in zip(_parts(e), _parts(g), strict=True):
        pe, pg = pe.astype(np.float64), pg.astype(np.float64)
        nan = np.isnan(pe) & np.isnan(pg)
        same_inf = np.isinf(pe) & (pe == pg)
        with np.errstate(all="ignore"):
            close = np.abs(pe - pg) <= tol
        # where the bound itself overflows the order decides (inf or not): not a bug
        bad = ~(nan | same_inf | close | ~np.isfinite(tol))
        if np.any(bad):
            return f"{int(np.sum(bad))} of {bad.size} elements beyond reassociation bounds"
    return None


# Linear solvers on well-conditioned matrices: a few hundred roundings of the type.
SOLVER_TOLERANCE = {"float32": 1e-4, "complex64": 1e-4, "float64": 1e-11, "complex128": 1e-11}


def solver_close(expected: object, got: object) -> str | None:
    """Same type and shape, values within `SOLVER_TOLERANCE` (relative, or absolute against
    the largest magnitude)."""
    why = same_kind(expected, got)
    if why:
        return why
    e, g = np.asarray(expected), np.asarray(got)
    tol = SOLVER_TOLERANCE.get(str(e.dtype), 0.0)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    bad = ~np.isclose(g, e, rtol=tol, atol=tol * max(scale, 1.0), equal_nan=True)
    if np.any(bad):
        return f"{int(np.sum(bad))} of {bad.size} elements differ by more than {tol:g} (relative)"
    return None
