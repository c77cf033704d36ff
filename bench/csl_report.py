"""What the CSL path costs and achieves, for the `.sptl` examples.

    python -m bench.csl_report [--skip-cycles]

1. lines of `.sptl` (without comments and blank lines) against lines of generated CSL;
2. simulated cycles against the link-bound ideal for the pipelined reduction
   (N + W - 1: N elements stream through W - 1 hops, one wavelet per link per cycle) and for
   GEMV (N + PY - 1 for the multicast of x, plus M + PX - 1 for the pipelined row reduction);
3. simulator speed in simulated PE-cycles per second on a 32x32 grid.
Every simulated result is checked against the example's NumPy reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from sluice.backends.csl import compile_kernel, simulate
from sluice.spatial import load

EXAMPLES = Path(__file__).parents[1] / "examples" / "spada"
sys.path.insert(0, str(EXAMPLES))
from references import REFERENCES  # noqa: E402


def _source_lines(name: str) -> int:
    text = (EXAMPLES / f"{name}.sptl").read_text()
    return sum(1 for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("//"))


def _simulate(name: str, params: dict[str, int]) -> tuple[int, float, bool]:
    k = load(EXAMPLES / f"{name}.sptl", params)
    art = compile_kernel(k.lowered)
    inputs = REFERENCES[name].make_inputs(params, np.random.default_rng(0))
    t = time.perf_counter()
    got, stats = simulate(art, inputs)
    wall = time.perf_counter() - t
    want = REFERENCES[name].reference(inputs, params)
    ok = all(np.allclose(got[o], want[o], rtol=1e-3, atol=1e-3) for o in want)
    return int(stats["cycles"]), wall, ok


def lines_table() -> None:
    print(f"{'example':18} {'params':40} {'sptl':>5} {'csl':>6} {'ratio':>6} {'variants':>8}")
    for name, ex in sorted(REFERENCES.items()):
        params = ex.param_sets[1]
        art = compile_kernel(load(EXAMPLES / f"{name}.sptl", params).lowered)
        src, csl = _source_lines(name), int(art.stats["csl_lines"])
        print(f"{name:18} {str(params):40} {src:5} {csl:6} {csl / src:6.1f} "
              f"{art.stats['variants']:>8}")


def cycles_table() -> None:
    cases = [
        ("reduce_pipelined", {"W": 8, "N": 256}, lambda p: p["N"] + p["W"] - 1),
        ("reduce_pipelined", {"W": 16, "N": 1024}, lambda p: p["N"] + p["W"] - 1),
        ("gemv", {"PX": 4, "PY": 4, "M": 64, "N": 64},
         lambda p: p["N"] + p["PY"] - 1 + p["M"] + p["PX"] - 1),
        ("gemv", {"PX": 8, "PY": 8, "M": 32, "N": 32},
         lambda p: p["N"] + p["PY"] - 1 + p["M"] + p["PX"] - 1),
    ]
    print(f"\n{'example':18} {'params':40} {'cycles':>7} {'ideal':>6} {'ratio':>6}  check")
    for name, params, ideal in cases:
        cycles, _, ok = _simulate(name, params)
        print(f"{name:18} {str(params):40} {cycles:7} {ideal(params):6} "
              f"{cycles / ideal(params):6.2f}  {'ok' if ok else 'WRONG'}")


def speed() -> None:
    params = {"W": 32, "H": 32, "N": 8}
    cycles, wall, ok = _simulate("laplace2d", params)
    pe_cycles = cycles * params["W"] * params["H"]
    print(f"\nlaplace2d {params}: {cycles} cycles, {wall:.2f} s wall, "
          f"{pe_cycles / wall:,.0f} PE-cycles/s  {'ok' if ok else 'WRONG'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-cycles", action="store_true", help="only the lines table")
    opts = ap.parse_args(argv)
    lines_table()
    if not opts.skip_cycles:
        cycles_table()
        speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
