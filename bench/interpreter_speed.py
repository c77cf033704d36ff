"""How fast the reference interpreter runs maps with simple bodies at 256x256.

    python -m bench.interpreter_speed [--n 256] [--repeat 3]

Prints, per corpus program, the median interpretation time next to NumPy's for the same
computation, and checks that both agree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import sluice.ir as ir

CORPUS = Path(__file__).parents[1] / "tests" / "ir" / "corpus"


def _jacobi(A: np.ndarray, B: np.ndarray, steps: int) -> np.ndarray:
    for _ in range(steps):
        B[1:-1, 1:-1] = 0.2 * (A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1]
                               + A[:-2, 1:-1])
        A[1:-1, 1:-1] = 0.2 * (B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1]
                               + B[:-2, 1:-1])
    return A


def _cases(n: int, rng: np.random.Generator):
    A, B, C = (rng.random((n, n)) for _ in range(3))
    yield ("gemm_maps", (1.5, 0.5, C.copy(), A, B), {},
           lambda: 1.5 * A @ B + 0.5 * C, lambda out, args: args[2])
    yield ("jacobi_2d", (A.copy(), B.copy()), {"T": 10},
           lambda: _jacobi(A.copy(), B.copy(), 10), lambda out, args: args[0])
    yield ("sum_wcr", (A,), {}, lambda: A.sum(), lambda out, args: out)
    yield ("select_leaky_relu", (A.reshape(-1) - 0.5,), {},
           lambda: np.where(A.reshape(-1) > 0.5, A.reshape(-1) - 0.5,
                            0.01 * (A.reshape(-1) - 0.5)), lambda out, args: out)
    yield ("nested_triangular_maps", (A,), {}, lambda: np.tril(A), lambda out, args: out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args(argv)
    print(f"{'program':26} {'interpret ms':>13} {'numpy ms':>10}  check")
    for name, args, kwargs, numpy_fn, pick in _cases(opts.n, np.random.default_rng(0)):
        prog = ir.parse((CORPUS / f"{name}.sir").read_text())
        times, out = [], None
        for _ in range(opts.repeat):
            fresh = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
            t = time.perf_counter()
            out = ir.interpret(prog, *fresh, **kwargs)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        want = numpy_fn()
        np_ms = (time.perf_counter() - t) * 1e3
        check = "ok" if np.allclose(pick(out, fresh), want, rtol=1e-10) else "WRONG"
        print(f"{name:26} {statistics.median(times) * 1e3:13.1f} {np_ms:10.2f}  {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
