"""The quickstart (`bash scripts/demo.sh` runs it after setting everything up):

1. a NumPy-style Jacobi stencil, compiled by `@sluice.jit` to C++/OpenMP, against NumPy;
2. the same computation written by hand as IR text, on the reference interpreter;
3. a `.sptl` spatial kernel (GEMV on a 4x4 PE grid) compiled to CSL and run on the wafer
   simulator, against NumPy.
Each part checks its result and the script fails if any is wrong.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import sluice
import sluice.ir as ir

HERE = Path(__file__).parent


def jacobi_numpy(A: np.ndarray, B: np.ndarray, T: int) -> None:
    for _ in range(T):
        B[1:-1, 1:-1] = 0.2 * (A[1:-1, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:] + A[2:, 1:-1]
                               + A[:-2, 1:-1])
        A[1:-1, 1:-1] = 0.2 * (B[1:-1, 1:-1] + B[1:-1, :-2] + B[1:-1, 2:] + B[2:, 1:-1]
                               + B[:-2, 1:-1])


jacobi_sluice = sluice.jit(jacobi_numpy)


def _best(fn, *args, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        fresh = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        t = time.perf_counter()
        fn(*fresh)
        times.append(time.perf_counter() - t)
    return min(times)


def part_jit(n: int = 512, steps: int = 20) -> bool:
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)), rng.random((n, n))
    A1, B1, A2, B2 = A.copy(), B.copy(), A.copy(), B.copy()
    t = time.perf_counter()
    jacobi_sluice(A1, B1, steps)  # first call: trace, optimise, compile, run
    cold = time.perf_counter() - t
    jacobi_numpy(A2, B2, steps)
    err = max(np.abs(A1 - A2).max(), np.abs(B1 - B2).max())
    t_sl, t_np = _best(jacobi_sluice, A, B, steps), _best(jacobi_numpy, A, B, steps)
    print(f"== 1. @sluice.jit jacobi_2d, N={n}, T={steps} (C++/OpenMP) ==")
    print(f"first call (trace + compile + run): {cold:.2f} s")
    print(f"sluice {t_sl * 1e3:7.2f} ms   NumPy {t_np * 1e3:7.2f} ms   "
          f"speed-up {t_np / t_sl:5.1f}x   max error {err:.1e}")
    return err < 1e-12


def part_ir() -> bool:
    path = HERE / "ir" / "jacobi_2d.sir"
    prog = ir.parse(path.read_text(), filename=str(path))
    prog.verify()
    rng = np.random.default_rng(1)
    A, B = rng.random((64, 64)), rng.random((64, 64))
    A2, B2 = A.copy(), B.copy()
    ir.interpret(prog, A, B, T=5)
    jacobi_numpy(A2, B2, 5)
    err = max(np.abs(A - A2).max(), np.abs(B - B2).max())
    print(f"\n== 2. {path.relative_to(HERE.parent)} on the reference interpreter ==")
    print("\n".join(prog.to_text().splitlines()[:12]) + "\n  ...")
    print(f"max |interpreter - NumPy| = {err:.1e}")
    return err < 1e-12


def part_spatial() -> bool:
    params = {"PX": 4, "PY": 4, "M": 8, "N": 8}
    k = sluice.load(HERE / "spada" / "gemv.sptl", params)
    sys.path.insert(0, str(HERE / "spada"))
    from references import REFERENCES

    ex = REFERENCES["gemv"]
    inputs = ex.make_inputs(params, np.random.default_rng(2))
    artifacts = k.compile("csl")
    from sluice.backends.csl import simulate

    got, stats = simulate(artifacts, inputs)
    want = ex.reference(inputs, params)["y_out"]
    err = float(np.abs(got["y_out"] - want).max())
    print(f"\n== 3. examples/spada/gemv.sptl {params} -> CSL -> wafer simulator ==")
    print(f"{artifacts.stats['csl_lines']} lines of CSL in {artifacts.stats['variants']} PE "
          f"variants, {artifacts.stats['colors']} colors; {stats['cycles']} simulated cycles")
    print(f"y_out[0, 0] = {np.array2string(got['y_out'][0, 0], precision=4)}")
    print(f"max |simulated - NumPy| = {err:.1e}")
    return err < 1e-4


def main() -> int:
    results = [part_jit(), part_ir(), part_spatial()]
    print("\nall results match NumPy" if all(results) else "\nMISMATCH")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
