"""How far each `.sptl` file under a folder gets: parse, check, interpret, CSL, simulate.

    python -m bench.spada_samples DIR [--param NAME=V ...] [--seed S]

For every `*.sptl` under DIR it prints one line per file: the last stage reached and, if a
stage failed, the first error (class and message, one line). Parameters come from
`--param`, else from a `// spada-precondition: N>=3` header (at least the bound), else from
defaults by position (5, 2, 3, ...; then 2, 5, 6, ...; then all 4: the first binding that
checks). Inputs are random. Where the interpreter and the simulator both run, their outputs
are compared: exactly for integer data, to float tolerance otherwise. A summary line counts
the files that passed each stage.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from pathlib import Path

import numpy as np

STAGES = ("parse", "check", "interpret", "compile", "simulate", "agree")
# Parameter values by position, tried in turn until one binding checks: distinct small values
# so that `N-START` (first set) or `STOP-START` (second set) stays positive.
_DEFAULTS = ((5, 2, 3, 4, 6, 7, 8), (2, 5, 6, 7, 8, 3, 4), (4, 4, 4, 4, 4, 4, 4))
_PRECOND = re.compile(r"//\s*spada-precondition:(.*)")


def _bounds(text: str) -> dict[str, int]:
    """Lower bounds from a precondition header (`NAME>=INT` terms)."""
    out: dict[str, int] = {}
    for m in _PRECOND.finditer(text):
        for term in m.group(1).split():
            name, _, value = term.partition(">=")
            if value.strip().lstrip("-").isdigit():
                out[name.strip()] = int(value)
    return out


def _params(names: list[str], text: str, given: dict[str, int], which: int = 0) -> dict[str, int]:
    bounds = _bounds(text)
    values = _DEFAULTS[which]
    out = {}
    for i, n in enumerate(names):
        default = values[i % len(values)]
        out[n] = given.get(n, max(default, bounds.get(n, default)))
    return out


def _checked_kernel(text: str, path: Path, names: list[str], given: dict[str, int]):
    """The kernel bound with the first default set that checks (the first error if none)."""
    from sluice.frontend.spada import parse_source
    from sluice.spatial import SpatialKernel

    try:  # (absent in older sluice, which this tool may measure too)
        from sluice.frontend.spada.hostargs import streaming_args
    except ImportError:
        streaming_args = None
    # streaming inputs whose count the kernel leaves to the host get 3 elements per PE
    loose = streaming_args(parse_source(text, str(path))) if streaming_args else []
    first: Exception | None = None
    for which in range(len(_DEFAULTS) if names else 1):
        for lengths in ({}, dict.fromkeys(loose, 3)) if loose else ({},):
            try:
                params = _params(names, text, given, which) | lengths
                return SpatialKernel(text, str(path), params)
            except Exception as e:  # noqa: BLE001 - try the next binding
                first = first or e
    assert first is not None
    raise first


def _random_input(shape: tuple[int, ...], dtype: np.dtype, rng: np.random.Generator):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = max(info.min, -100), min(info.max, 100)
        return rng.integers(lo, hi + 1, size=shape).astype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(shape).astype(dtype)


def _one_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}"[:200]


def _agree(a: dict, b: dict) -> str | None:
    if set(a) != set(b):
        return f"outputs differ in names: {sorted(a)} vs {sorted(b)}"
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        if x.shape != y.shape:
            return f"{k}: shapes {x.shape} vs {y.shape}"
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            if not np.array_equal(x, y):
                return f"{k}: integer outputs differ"
        elif not np.allclose(x, y, rtol=1e-4, atol=1e-5, equal_nan=True):
            return f"{k}: max difference {np.nanmax(np.abs(x - y))}"
    return None


def run_one(
    path: Path, given: dict[str, int], seed: int, verbose: bool = False
) -> tuple[str, str | None]:
    """The last stage `path` passed ('' if none) and the first error, one line."""
    from sluice.frontend.spada import parse_source

    text = path.read_text()
    reached = ""
    try:
        kernel = parse_source(text, str(path))
        reached = "parse"
        k = _checked_kernel(text, path, [p.name for p in kernel.params], given)
        reached = "check"
        rng = np.random.default_rng(seed)
        inputs: dict = {}
        for name, shape in k.inputs.items():
            if shape == ():
                inputs[name] = float(rng.standard_normal())
            else:
                h = next(h for h in k.lowered.host_streams if h.name == name)
                inputs[name] = _random_input(shape, np.dtype(h.dtype.numpy), rng)
        got_i = k(**inputs)
        reached = "interpret"
        k.compile("csl")
        reached = "compile"
        got_s = k(target="csl", **inputs)
        reached = "simulate"
        bad = _agree(got_i, got_s)
        if bad is not None:
            return reached, f"Mismatch: {bad}"
        return "agree", None
    except Exception as e:  # noqa: BLE001 - a report tool: every failure is one line
        if verbose:
            traceback.print_exc()
        return reached, _one_line(e)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.spada_samples",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("dir", type=Path)
    ap.add_argument("--param", action="append", default=[], metavar="NAME=V")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-v", "--verbose", action="store_true", help="print tracebacks")
    a = ap.parse_args(argv)
    given = {}
    for p in a.param:
        name, _, value = p.partition("=")
        given[name] = int(value)
    files = sorted(a.dir.rglob("*.sptl"))
    counts = dict.fromkeys(STAGES, 0)
    for f in files:
        reached, err = run_one(f, given, a.seed, a.verbose)
        for s in STAGES[: STAGES.index(reached) + 1] if reached else ():
            counts[s] += 1
        rel = f.relative_to(a.dir)
        print(f"{str(rel):55s} {reached or '-':9s} {err or 'ok'}")
    print(f"{len(files)} files: " + ", ".join(f"{s} {counts[s]}" for s in STAGES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
