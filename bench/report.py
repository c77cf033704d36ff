"""Render benchmark results: the ratio table, geometric means, footer, and the JSON record.

A cell shows the median in ms and the speed-up over NumPy (`numpy_ms / peer_ms`, so > 1 is
faster than NumPy); "WRONG" when the outputs disagree with NumPy, "fail" when it raised,
"n/a" when the peer is missing or has no variant of the kernel. The "sluice-restructured"
column (sluice on a module's hand-restructured `kernel_restructured`, where it keeps one) gets
a footer line comparing it with "sluice" on the same kernels.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bench.harness import Measurement


def speedups(results: Sequence[Measurement]) -> dict[tuple[str, str], float]:
    """(kernel, peer) -> NumPy median / peer median, for correct measurements only."""
    numpy = {m.kernel: m.median_s for m in results if m.peer == "numpy" and m.status == "ok"}
    out = {}
    for m in results:
        base = numpy.get(m.kernel)
        if m.status == "ok" and m.median_s and base:
            out[(m.kernel, m.peer)] = base / m.median_s
    return out


def geomean(values: Sequence[float]) -> float | None:
    vals = [v for v in values if v > 0]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else None


def _order(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _cell(m: Measurement | None, ratio: float | None) -> str:
    if m is None:
        return "-"
    if m.status in ("n/a", "fail"):
        return m.status
    if m.status == "WRONG":
        return "WRONG"
    text = f"{m.median_s * 1e3:.3f}"
    return f"{text} ({ratio:.2f}x)" if ratio is not None and m.peer != "numpy" else text


def _seconds(value: Any) -> str:
    if isinstance(value, float):
        return f"{value * 1e6:.2f} us" if value < 1e-3 else f"{value * 1e3:.2f} ms"
    return str(value)


def render(
    results: Sequence[Measurement],
    *,
    size: str,
    repeat: int,
    overheads: Mapping[str, Any] | None = None,
    startup: Mapping[str, float] | None = None,
) -> str:
    """The table printed by `python -m bench`."""
    kernels = _order([m.kernel for m in results])
    peers = _order([m.peer for m in results])
    by_key = {(m.kernel, m.peer): m for m in results}
    ratio = speedups(results)

    header = ["kernel"] + [f"{p} ms" + ("" if p == "numpy" else " (x)") for p in peers]
    rows = [[k] + [_cell(by_key.get((k, p)), ratio.get((k, p))) for p in peers]
            for k in kernels]
    means = []
    for p in peers:
        g = geomean([ratio[(k, p)] for k in kernels if (k, p) in ratio])
        means.append("" if p == "numpy" or g is None else f"{g:.2f}x")
    rows.append(["geomean"] + means)

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    title = f"size {size}, median of {repeat} interleaved round(s); (x) = speed-up over NumPy"
    out = [title, line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[:-1]]
    out += ["  ".join("-" * w for w in widths), line(rows[-1]), ""]

    for peer, seconds in (startup or {}).items():
        out.append(f"{peer} start-up, once per process (imports, parser tables, compiler "
                   f"probes, a trivial build): {seconds:.2f} s")
    cold = [m for m in results if m.peer == "sluice" and m.cold_s is not None]
    if cold:
        out.append("sluice cold call (trace, O2, C++ compile into an empty build cache, first "
                   "run): " + ", ".join(f"{m.kernel} {m.cold_s:.2f} s" for m in cold))
    paired = [k for k in kernels
              if (k, "sluice") in ratio and (k, "sluice-restructured") in ratio]
    if paired:
        plain = geomean([ratio[(k, "sluice")] for k in paired])
        hand = geomean([ratio[(k, "sluice-restructured")] for k in paired])
        out.append(f"sluice on kernel_numpy (NPBench's formulation) vs kernel_restructured, "
                   f"geomean over the {len(paired)} kernel(s) with both: {plain:.2f}x vs "
                   f"{hand:.2f}x")
    if overheads:
        out.append("warm call overhead, trivial 2-array program: "
                   + ", ".join(f"{k} {_seconds(v)}" for k, v in overheads.items()))

    notes = _order([f"{m.peer} on {m.kernel}: {m.status}: {m.reason}"
                    for m in results if m.status in ("fail", "WRONG") and m.reason])
    unavailable = _order([f"{m.peer}: {m.reason}" for m in results
                          if m.status == "n/a" and m.reason])
    if unavailable:
        out.append("n/a: " + "; ".join(unavailable))
    out += notes
    return "\n".join(out).rstrip() + "\n"


def to_json(
    results: Sequence[Measurement],
    *,
    size: str,
    repeat: int,
    overheads: Mapping[str, Any] | None = None,
    startup: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Raw numbers for `--json`: every measurement, the speed-ups, the environment."""
    ratio = speedups(results)
    peers = _order([m.peer for m in results])
    kernels = _order([m.kernel for m in results])
    return {
        "size": size,
        "repeat": repeat,
        "startup_s": dict(startup or {}),
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.platform(),
        },
        "results": [
            {
                "kernel": m.kernel,
                "peer": m.peer,
                "status": m.status,
                "median_s": m.median_s,
                "cold_s": m.cold_s,
                "times_s": m.times_s,
                "speedup_vs_numpy": ratio.get((m.kernel, m.peer)),
                "reason": m.reason,
            }
            for m in results
        ],
        "geomean_speedup": {
            p: geomean([ratio[(k, p)] for k in kernels if (k, p) in ratio])
            for p in peers if p != "numpy"
        },
        "call_overhead_s": dict(overheads or {}),
    }
