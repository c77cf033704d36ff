"""The quickstart: show an IR program, run it on the reference interpreter, check it
against NumPy. (`bash scripts/demo.sh` runs this after setting everything up.)"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import sluice.ir as ir

HERE = Path(__file__).parent


def numpy_jacobi(A: np.ndarray, B: np.ndarray, T: int) -> None:
    for _ in range(T):
        B[1:-1, 1:-1] = 0.2 * (A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1]
                               + A[:-2, 1:-1])
        A[1:-1, 1:-1] = 0.2 * (B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1]
                               + B[:-2, 1:-1])


def main() -> None:
    path = HERE / "ir" / "jacobi_2d.sir"
    prog = ir.parse(path.read_text(), filename=str(path))
    prog.verify()
    print(f"== {path.relative_to(HERE.parent)} (IR text, verified) ==")
    print(prog.to_text())

    n, steps = 256, 10
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)), rng.random((n, n))
    A_ref, B_ref = A.copy(), B.copy()

    t0 = time.perf_counter()
    ir.interpret(prog, A, B, T=steps)
    t_interp = time.perf_counter() - t0
    t0 = time.perf_counter()
    numpy_jacobi(A_ref, B_ref, steps)
    t_numpy = time.perf_counter() - t0

    err = max(np.abs(A - A_ref).max(), np.abs(B - B_ref).max())
    print(f"== jacobi_2d, N={n}, T={steps} ==")
    print(f"reference interpreter: {t_interp * 1e3:8.1f} ms")
    print(f"NumPy:                 {t_numpy * 1e3:8.1f} ms")
    print(f"max |interpreter - NumPy| = {err:.3e}  ->  {'OK' if err < 1e-12 else 'MISMATCH'}")
    if err >= 1e-12:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
