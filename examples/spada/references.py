"""NumPy references for the `.sptl` examples in this folder.

`REFERENCES[name]` is an `Example(param_sets, reference, make_inputs)`:
* `param_sets`: parameter bindings the kernel is tested with;
* `reference(inputs, params)`: the expected outputs, a dict from each writeonly stream-array
  argument to a host array of shape (a, b, N) ((n, N) for `stream<T, N>[n]`, (N,) for
  `stream<T, N>`);
* `make_inputs(params, rng)`: host inputs, a dict from each readonly stream-array argument
  to an (a, b, N) float32 array and from each scalar argument to a Python float.

Host layout: the stream of PE (x, y) of a `stream<T, N>[a, b]` argument is `arr[x, y, :]`;
2D tiles travel row-major.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Arrays = dict[str, np.ndarray | float]


class Example(NamedTuple):
    param_sets: list[dict[str, int]]
    reference: Callable[[Arrays, dict[str, int]], dict[str, np.ndarray]]
    make_inputs: Callable[[dict[str, int], np.random.Generator], Arrays]


def _rand(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _shift(u: np.ndarray, axis: int, by: int) -> np.ndarray:
    """u moved `by` cells along `axis`, zero-filled (out[i] = u[i - by])."""
    out = np.zeros_like(u)
    n = u.shape[axis]
    src = [slice(None)] * u.ndim
    dst = [slice(None)] * u.ndim
    if by > 0:
        src[axis], dst[axis] = slice(0, n - by), slice(by, n)
    else:
        src[axis], dst[axis] = slice(-by, n), slice(0, n + by)
    out[tuple(dst)] = u[tuple(src)]
    return out


def _neighbour_sum(u: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    return sum(_shift(u, a, s) for a in axes for s in (1, -1))


# ---- element-wise ------------------------------------------------------------------------

def _axpy(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    return {"y_out": np.float32(i["alpha"]) * i["x_in"] + i["y_in"]}


def _piecewise(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    u, hi = i["u"], np.float32(i["hi"])
    v = np.where(u > hi, hi, np.where(u > 0, u, np.float32(0.125) * u))
    e = np.maximum(v[..., :1], v[..., -1:])  # the first end when they tie: the same value
    x, y = np.meshgrid(np.arange(p["W"]), np.arange(p["H"]), indexing="ij")
    return {"v": v, "ends": np.where((x >= y)[..., None], e, -e)}


def _piecewise_in(p, rng) -> Arrays:
    return {"u": _rand(rng, p["W"], p["H"], p["N"]), "hi": 0.75}


def _axpy_in(p, rng) -> Arrays:
    return {"x_in": _rand(rng, p["W"], p["H"], p["N"]),
            "y_in": _rand(rng, p["W"], p["H"], p["N"]), "alpha": 1.5}


def _scale2d(i, p):
    return {"b_out": np.float32(i["s"]) * i["a_in"]}


def _scale2d_in(p, rng):
    return {"a_in": _rand(rng, p["W"], p["H"], p["M"] * p["N"]), "s": -0.5}


# ---- reductions and broadcasts -----------------------------------------------------------

def _total(i, p):
    return {"total": np.full((1, 1, 1), i["values"].sum(dtype=np.float64), np.float32)}


def _row_in(p, rng):
    return {"values": _rand(rng, p["W"], 1, p["N"])}


def _grid_in(p, rng):
    return {"values": _rand(rng, p["W"], p["H"], p["N"])}


def _pipelined(i, p):
    return {"sums": i["values"].sum(axis=0, keepdims=True)}


def _tree_in(p, rng):
    return {"values": _rand(rng, 1 << p["L"], 1, p["N"])}


def _allreduce(i, p):
    t = i["values"].sum(dtype=np.float64)
    return {"totals": np.full((p["W"], p["H"], 1), t, np.float32)}


def _bcast_chain(i, p):
    return {"dst": np.repeat(i["src"], p["W"], axis=0)}


def _bcast_chain_in(p, rng):
    return {"src": _rand(rng, 1, 1, p["N"])}


def _bcast_mc(i, p):
    return {"dst": np.repeat(i["src"], p["W"], axis=0)}


def _bcast_mc_in(p, rng):
    return {"src": _rand(rng, 1, p["H"], p["N"])}


# ---- stencils ----------------------------------------------------------------------------

def _laplace(i, p):
    u = i["u_in"]
    return {"lap_out": 4 * u - _neighbour_sum(u, (0, 1))}


def _laplace_in(p, rng):
    return {"u_in": _rand(rng, p["W"], p["H"], p["N"])}


def _stencil3d(i, p):
    u = i["u_in"]
    return {"out": 6 * u - _neighbour_sum(u, (0, 1, 2))}


def _stencil3d_in(p, rng):
    return {"u_in": _rand(rng, p["W"], p["H"], p["K"])}


def _vadv(i, p):
    u = i["u_in"].astype(np.float64)
    c, a, k = float(i["c"]), float(i["a"]), p["K"]
    west = np.concatenate([u[:1], u[:-1]], axis=0)  # column 0 uses itself
    rhs = u + c * (west - u)
    mat = (np.diag(np.full(k, 1 + 2 * a)) + np.diag(np.full(k - 1, -a), 1)
           + np.diag(np.full(k - 1, -a), -1))
    sol = np.linalg.solve(mat, rhs.reshape(-1, k).T).T.reshape(u.shape)
    return {"u_out": sol.astype(np.float32)}


def _vadv_in(p, rng):
    return {"u_in": _rand(rng, p["W"], p["H"], p["K"]), "c": 0.3, "a": 0.2}


# ---- dense linear algebra ----------------------------------------------------------------

def _gemv(i, p):
    px, py, m, n = p["PX"], p["PY"], p["M"], p["N"]
    a = i["A"].reshape(px, py, m, n).astype(np.float64)
    x = i["x_in"][:, 0, :].astype(np.float64)  # (PX, N)
    ax = np.einsum("pqmn,pn->qm", a, x)  # sum over block columns p -> (PY, M)
    y = np.float64(i["alpha"]) * ax + np.float64(i["beta"]) * i["y_in"][0]
    return {"y_out": y[None].astype(np.float32)}


def _gemv_in(p, rng):
    return {"A": _rand(rng, p["PX"], p["PY"], p["M"] * p["N"]),
            "x_in": _rand(rng, p["PX"], 1, p["N"]),
            "y_in": _rand(rng, 1, p["PY"], p["M"]), "alpha": 2.0, "beta": -1.0}


def _gemm(i, p):
    n, t = p["P"], p["T"]
    a = i["A"].reshape(n, n, t, t).astype(np.float64)  # a[x, y] = block (row y, col x)
    b = i["B"].reshape(n, n, t, t).astype(np.float64)
    c = np.einsum("kyil,xklj->xyij", a, b)  # C(y, x) = sum_k A(y, k) B(k, x)
    return {"C": c.reshape(n, n, t * t).astype(np.float32)}


def _gemm_in(p, rng):
    n, t = p["P"], p["T"]
    return {"A": _rand(rng, n, n, t * t), "B": _rand(rng, n, n, t * t)}


# ---- SpaDA language extensions (docs/SPADA-EXTENSIONS.md) --------------------------------

def _special(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Random float32 data with NaN, +-inf and -0.0 sprinkled in."""
    u = _rand(rng, *shape)
    flat = u.reshape(-1)
    picks = rng.choice(flat.size, size=min(4, flat.size // 2), replace=False)
    flat[picks] = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)[:len(picks)]
    return u


def _versioned(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    u = i["in"]
    west = np.zeros_like(u)
    west[1:] = u[:-1]
    return {"out": west + u * np.float32(2.0)}


def _versioned_in(p: dict[str, int], rng: np.random.Generator) -> Arrays:
    return {"in": _special(rng, p["W"], 1, p["N"])}


def _bcast_up(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    a, h, s = i["a"], p["H"], p["S"]
    b = a.copy()
    b[:, : h - s] = a[:, : h - s] + a[:, h - 1 : h]
    return {"b": b}


def _bcast_up_in(p: dict[str, int], rng: np.random.Generator) -> Arrays:
    return {"a": _special(rng, p["W"], p["H"], p["N"])}


def _host_ranks(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    row = i["row"]
    xs = np.arange(1, p["W"], dtype=np.float32)[:, None]
    return {"first": row[0] * i["seed"], "inner": row[1:] + xs}


def _host_ranks_in(p: dict[str, int], rng: np.random.Generator) -> Arrays:
    return {"row": _special(rng, p["W"], p["N"]), "seed": _rand(rng, p["N"])}


def _stream_add(i: Arrays, p: dict[str, int]) -> dict[str, np.ndarray]:
    return {"c": i["a"] - i["b"]}


def _stream_add_in(p: dict[str, int], rng: np.random.Generator) -> Arrays:
    return {"a": _special(rng, p["W"], p["H"], p["N"]), "b": _rand(rng, p["W"], p["H"], p["N"])}


REFERENCES: dict[str, Example] = {
    "axpy": Example([{"W": 1, "H": 1, "N": 4}, {"W": 2, "H": 3, "N": 8},
                     {"W": 4, "H": 4, "N": 16}], _axpy, _axpy_in),
    "piecewise": Example([{"W": 1, "H": 1, "N": 3}, {"W": 3, "H": 2, "N": 5},
                          {"W": 4, "H": 4, "N": 8}], _piecewise, _piecewise_in),
    "scale2d": Example([{"W": 1, "H": 1, "M": 2, "N": 2}, {"W": 2, "H": 2, "M": 3, "N": 4},
                        {"W": 3, "H": 2, "M": 4, "N": 1}], _scale2d, _scale2d_in),
    "reduce_row": Example([{"W": 1, "N": 3}, {"W": 4, "N": 8}, {"W": 7, "N": 2}],
                          _total, _row_in),
    "reduce_grid": Example([{"W": 1, "H": 1, "N": 2}, {"W": 3, "H": 2, "N": 4},
                            {"W": 4, "H": 5, "N": 3}], _total, _grid_in),
    "reduce_pipelined": Example([{"W": 2, "N": 4}, {"W": 5, "N": 8}, {"W": 8, "N": 3}],
                                _pipelined, _row_in),
    "reduce_tree": Example([{"L": 0, "N": 3}, {"L": 2, "N": 4}, {"L": 3, "N": 2}],
                           _total, _tree_in),
    "allreduce": Example([{"W": 1, "H": 1, "N": 2}, {"W": 3, "H": 2, "N": 3},
                          {"W": 4, "H": 4, "N": 1}], _allreduce, _grid_in),
    "bcast_chain": Example([{"W": 1, "N": 4}, {"W": 3, "N": 5}, {"W": 6, "N": 2}],
                           _bcast_chain, _bcast_chain_in),
    "bcast_multicast": Example([{"W": 2, "H": 1, "N": 3}, {"W": 4, "H": 3, "N": 4},
                                {"W": 5, "H": 2, "N": 1}], _bcast_mc, _bcast_mc_in),
    "laplace2d": Example([{"W": 1, "H": 1, "N": 2}, {"W": 3, "H": 3, "N": 4},
                          {"W": 5, "H": 2, "N": 1}], _laplace, _laplace_in),
    "stencil3d": Example([{"W": 2, "H": 2, "K": 3}, {"W": 3, "H": 4, "K": 6},
                          {"W": 1, "H": 3, "K": 2}], _stencil3d, _stencil3d_in),
    "vadv": Example([{"W": 1, "H": 1, "K": 3}, {"W": 3, "H": 2, "K": 6},
                     {"W": 4, "H": 4, "K": 2}], _vadv, _vadv_in),
    "gemv": Example([{"PX": 1, "PY": 2, "M": 2, "N": 3}, {"PX": 3, "PY": 2, "M": 4, "N": 2},
                     {"PX": 4, "PY": 4, "M": 3, "N": 3}], _gemv, _gemv_in),
    "gemm": Example([{"P": 1, "T": 2}, {"P": 2, "T": 3}, {"P": 3, "T": 2}], _gemm, _gemm_in),
    "versioned": Example([{"W": 1, "N": 3}, {"W": 3, "N": 4}, {"W": 5, "N": 2}],
                         _versioned, _versioned_in),
    "bcast_up": Example([{"W": 2, "H": 3, "S": 1, "N": 3}, {"W": 1, "H": 4, "S": 2, "N": 2},
                         {"W": 3, "H": 5, "S": 3, "N": 1}], _bcast_up, _bcast_up_in),
    "host_ranks": Example([{"W": 2, "N": 3}, {"W": 4, "N": 2}, {"W": 6, "N": 1}],
                          _host_ranks, _host_ranks_in),
    "stream_add": Example([{"W": 1, "H": 1, "N": 3}, {"W": 2, "H": 3, "N": 4},
                           {"W": 4, "H": 2, "N": 1}], _stream_add, _stream_add_in),
}


# ---- language extensions (docs SPADA-EXTENSIONS.md) -------------------------------------

def _histogram(i, p):
    k = p["K"]
    u, w = i["samples"], i["weights"]
    bins = (u * np.float32(k)).astype(np.int32)  # truncation, as the kernel's i32(...)
    counts = np.zeros_like(w)
    for x in range(u.shape[0]):
        counts[x, 0] = np.bincount(bins[x, 0], minlength=k).astype(np.float32)
    weighted = np.take_along_axis(w, bins, axis=2) * u
    return {"counts": counts, "weighted": weighted}


def _histogram_in(p, rng):
    w_, n, k = p["W"], p["N"], p["K"]
    # samples from [0, 1), away from bin edges (tests/frontend/spada add NaN and inf)
    u = ((rng.integers(0, k, (w_, 1, n)) + rng.uniform(0.1, 0.9, (w_, 1, n))) / k)
    w = _rand(rng, w_, 1, k)
    w.flat[0] = -0.0
    return {"samples": u.astype(np.float32), "weights": w}


def _moments(i, p):
    u = i["samples"].astype(np.float64)
    mean = u.mean(axis=2)
    var = (u * u).mean(axis=2) - mean * mean
    return {"stats": np.stack([mean, var], axis=2).astype(np.float32)}


def _moments_in(p, rng):
    u = _rand(rng, p["W"], p["H"], p["N"])
    u.flat[0] = -0.0
    return {"samples": u}


def _collective_grid(i, p):
    v = i["values"]
    total = v.astype(np.float64).sum(axis=(0, 1)).astype(np.float32)
    return {"sums": np.broadcast_to(total, v.shape).copy(),
            "peak": v.max(axis=(0, 1))[None, None]}


def _collective_snake(i, p):
    v = i["values"]
    return {"lowest": v.min(axis=(0, 1))[None, None],
            "total": np.float32(v.astype(np.float64).sum()).reshape(1, 1, 1)}


def _grid_values(p, rng):
    v = _rand(rng, p["W"], p["H"], p["N"])
    v.flat[0] = -0.0
    return {"values": v}


REFERENCES.update({
    # an interior root needs 8 incoming queues over the phases: more than WSE-3's 6
    # (tests/backends/csl compile param_sets[1] for WSE-3 too), so that set has an edge root
    "collective_grid": Example([{"W": 1, "H": 1, "N": 2, "RX": 0, "RY": 0},
                                {"W": 3, "H": 4, "N": 3, "RX": 0, "RY": 2},
                                {"W": 4, "H": 3, "N": 5, "RX": 2, "RY": 1}],
                               _collective_grid, _grid_values),
    "collective_snake": Example([{"W": 1, "H": 3, "N": 2, "RX": 0, "RY": 2},
                                 {"W": 3, "H": 3, "N": 4, "RX": 0, "RY": 0},
                                 {"W": 4, "H": 3, "N": 3, "RX": 3, "RY": 2}],
                                _collective_snake, _grid_values),
    "moments": Example([{"W": 1, "H": 1, "N": 1}, {"W": 2, "H": 3, "N": 5},
                        {"W": 3, "H": 2, "N": 8}], _moments, _moments_in),
    "histogram": Example([{"W": 1, "N": 4, "K": 2}, {"W": 3, "N": 9, "K": 4},
                          {"W": 2, "N": 16, "K": 5}], _histogram, _histogram_in),
})
