"""`python -m bench.layouts [--n N] [--repeat R]`: calls with arguments in other layouts.

Transposed, strided, reversed and padded-interior views passed to `@sluice.jit` functions
(read, and written in place), timed beside NumPy running the same function on the same
views: the median of R warm calls each, interleaved, and sluice's time as a ratio of NumPy's.
The CPU backend steps through such views in place (`CpuOptions.strided`); this shows what
that costs against NumPy's own strided loops.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import sluice


def total(a):
    return a.sum()


def add_into(b, a):
    b += a * 2.0


def stencil(a):
    return 0.25 * (a[1:-1, :-2] + a[1:-1, 2:] + a[:-2, 1:-1] + a[2:, 1:-1])


def cases(n: int) -> dict[str, tuple[Callable[..., Any], Callable[[], tuple]]]:
    """name -> (function, fresh arguments)."""
    rng = np.random.default_rng(0)
    big = rng.standard_normal((n, n))
    padded = np.pad(rng.standard_normal((n, n)), 8)
    return {
        "sum(A.T)": (total, lambda: (big.T,)),
        "sum(A[:, ::2])": (total, lambda: (big[:, ::2],)),
        "B.T += 2*A": (add_into, lambda: (big.copy().T, big)),
        "B[::-1] += 2*A": (add_into, lambda: (big.copy()[::-1], big)),
        "stencil(padded interior)": (stencil, lambda: (padded[8:-8, 8:-8],)),
        "stencil(A.T)": (stencil, lambda: (big.T,)),
    }


def _time(fn: Callable[..., Any], args: tuple) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="matrix size (n x n float64)")
    ap.add_argument("--repeat", type=int, default=7, help="timed calls per peer (median)")
    opts = ap.parse_args(argv)
    print(f"{'call':26} {'numpy ms':>9} {'sluice ms':>10} {'ratio':>6}")
    for name, (fn, make) in cases(opts.n).items():
        compiled = sluice.jit(fn)
        compiled(*make())  # compile (and warm) outside the timing
        mine, theirs = [], []
        for _ in range(opts.repeat):
            theirs.append(_time(fn, make()))
            mine.append(_time(compiled, make()))
        a, b = statistics.median(theirs) * 1e3, statistics.median(mine) * 1e3
        print(f"{name:26} {a:9.2f} {b:10.2f} {b / a:6.2f}")


if __name__ == "__main__":
    main()
