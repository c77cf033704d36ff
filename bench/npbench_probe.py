"""`python -m bench.npbench_probe NPBENCH_DIR [--size S] [--kernels a,b] [--timeout SECONDS]`

Issue #18's coverage measure: NPBench's own NumPy kernels (`<name>_numpy.py`, unchanged),
each compiled with `@sluice.jit` and run on the inputs NPBench's `initialize` makes, against
NumPy running the same kernel. NPBENCH_DIR is a checkout of NPBench (its `bench_info/*.json`
and `npbench/benchmarks/...`); nothing of it is copied here. Each kernel runs in a child
process with a time limit, so a crash or a hang is reported as such. Prints one line per
kernel (match, MISMATCH, FAIL with the error's first lines, TIMEOUT/CRASH) and the count.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sluice.progress import Progress


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, tuple | list):
        return (isinstance(got, tuple | list) and len(got) == len(want)
                and all(_same(w, g) for w, g in zip(want, got, strict=True)))
    w, g = np.asarray(want), np.asarray(got)
    if w.shape != g.shape:
        return False
    if w.dtype.kind in "fc":  # products and sums round in their own order
        return bool(np.allclose(g, w, rtol=1e-6, atol=1e-9, equal_nan=True))
    return bool(np.array_equal(g, w))


def probe_one(root: Path, short: str, size: str) -> str:
    """The result line of one kernel (runs in the child process)."""
    import sluice

    info = json.loads((root / "bench_info" / f"{short}.json").read_text())["benchmark"]
    folder = root / "npbench" / "benchmarks" / info["relative_path"]
    module = info["module_name"]
    params = info["parameters"][size]
    env = dict(params)
    if "init" in info:  # (kernels without one take their parameters as they are)
        init = getattr(_load(folder / f"{module}.py", module), info["init"]["func_name"])
        made = init(*[params[a] for a in info["init"]["input_args"]])
        if len(info["init"]["output_args"]) == 1:
            made = (made,)
        env.update(zip(info["init"]["output_args"], made, strict=True))
    kernel = getattr(_load(folder / f"{module}_numpy.py", f"{module}_numpy"),
                     info["func_name"])
    ref_args = [copy.deepcopy(env[a]) for a in info["input_args"]]
    our_args = [copy.deepcopy(env[a]) for a in info["input_args"]]
    with np.errstate(all="ignore"):
        want = kernel(*ref_args)
    start = time.perf_counter()
    try:
        got = sluice.jit(kernel)(*our_args)
    except sluice.SluiceError as err:
        lines = str(err).strip().splitlines()
        return f"FAIL {type(err).__name__}: {' | '.join(lines[:4])}"
    seconds = time.perf_counter() - start
    ok = got is None if want is None else _same(want, got)
    for name in info["output_args"]:
        k = info["input_args"].index(name)
        ok = ok and _same(ref_args[k], our_args[k])
    return f"{'match' if ok else 'MISMATCH'} ({seconds:.1f} s cold)"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.npbench_probe", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("npbench", type=Path, help="an NPBench checkout")
    ap.add_argument("--size", default="S", help="NPBench's parameter set (S, M, L, paper)")
    ap.add_argument("--kernels", default="", help="comma-separated short names (default all)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per kernel")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # (the child's job)
    args = ap.parse_args(argv)
    root = args.npbench.resolve()
    if args.one is not None:
        print(probe_one(root, args.one, args.size), flush=True)
        return 0
    info_dir = root / "bench_info"
    if not info_dir.is_dir():
        ap.error(f"{root} has no bench_info folder: is it an NPBench checkout?")
    names = sorted(p.stem for p in info_dir.glob("*.json"))
    if args.kernels:
        wanted = [k.strip() for k in args.kernels.split(",") if k.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            ap.error(f"unknown kernels: {', '.join(unknown)}")
        names = wanted
    matched = 0
    # (a kernel's child may work for minutes without a line: the bar's time goes on meanwhile)
    with Progress("npbench probe", total=len(names), unit="kernel") as bar, bar.clock():
        for short in names:
            bar.note(kernel=short)
            cmd = [sys.executable, "-m", "bench.npbench_probe", str(root), "--size", args.size,
                   "--one", short]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=args.timeout,
                                      cwd=Path(__file__).resolve().parent.parent)
                out = done.stdout.strip().splitlines()
                line = out[-1] if done.returncode == 0 and out else \
                    "CRASH " + " | ".join((done.stderr.strip().splitlines() or ["?"])[-3:])
            except subprocess.TimeoutExpired:
                line = f"TIMEOUT after {args.timeout:.0f} s"
            matched += line.startswith("match")
            with bar.writing():
                print(f"{short:<28} {line}", flush=True)
            bar.advance()
    print(f"{matched} of {len(names)} NPBench kernels compile unchanged and match NumPy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
