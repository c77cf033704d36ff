"""Measure kernels across peers: cold call, median of timed warm calls, output agreement.

A kernel module (`bench/kernels/<name>.py`) defines `NAME`, `SIZES = {"S": {...}, "M": {...}}`,
`init(**size) -> tuple` (fresh, deterministic NumPy inputs), `kernel_numpy(*args)` and
optionally `OUTPUTS` (indices of arguments mutated in place). Its outputs are the mutated
arguments in `OUTPUTS` order followed by its return value(s). Optional per-peer variants:
`kernel_numba`, `kernel_dace` (same convention) and `kernel_jax`, which returns those outputs
instead of mutating. `kernel_numpy` is written the way NPBench writes it; a module whose
earlier kernel_numpy was restructured by hand keeps that one as `kernel_restructured` (same
convention), which only the "sluice-restructured" peer runs.

Per kernel: each peer makes one warm-up call on fresh inputs (its time, compilation
included, is the "cold" time; its outputs are checked against NumPy's). Then come `repeat`
rounds in which every peer makes one timed call, each on fresh inputs created outside the
timed region, and the median per peer is reported. Interleaving the peers, rather than
timing one peer's calls back to back, keeps a drifting machine from favouring one of them.
"""

from __future__ import annotations

import importlib
import importlib.util
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bench.peers import NotApplicable, Peer, kernel_outputs
from sluice.progress import Progress

KERNELS_DIR = Path(__file__).resolve().parent / "kernels"
_REQUIRED = ("SIZES", "init", "kernel_numpy")


@dataclass
class Measurement:
    """One kernel on one peer. `status`: ok, WRONG, fail or n/a; `reason` says why if not ok."""

    kernel: str
    peer: str
    status: str
    median_s: float | None = None
    cold_s: float | None = None
    times_s: list[float] = field(default_factory=list)
    reason: str = ""


def _package_name(directory: Path) -> str | None:
    """The dotted name of the package at `directory` (made importable), or None."""
    if not (directory / "__init__.py").is_file():
        return None
    parts: list[str] = []
    root = directory
    while (root / "__init__.py").is_file():
        parts.insert(0, root.name)
        root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return ".".join(parts)


def _import_kernel(directory: Path, stem: str) -> ModuleType:
    """Import `<directory>/<stem>.py`, inside its package when it is one (relative imports)."""
    package = _package_name(directory)
    if package is not None:
        return importlib.import_module(f"{package}.{stem}")
    spec = importlib.util.spec_from_file_location(f"_bench_kernel_{stem}", directory / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernel_names(directory: Path = KERNELS_DIR) -> list[str]:
    """Kernel module names: the package's `ALL` list if it has one, else every public module."""
    package = _package_name(directory)
    if package is not None:
        names = getattr(importlib.import_module(package), "ALL", None)
        if names:
            return list(names)
    return sorted(p.stem for p in directory.glob("*.py") if not p.stem.startswith("_"))


def load_kernels(
    directory: Path = KERNELS_DIR, names: Sequence[str] | None = None
) -> tuple[list[ModuleType], list[str]]:
    """The kernel modules to run, and warnings for modules that are not kernels or not found."""
    available = kernel_names(directory)
    warnings = []
    if names:
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ValueError(
                f"unknown kernel(s) {', '.join(unknown)} in {directory}; "
                f"known: {', '.join(available) or 'none'}"
            )
        available = list(names)
    modules = []
    for stem in available:
        try:
            module = _import_kernel(directory, stem)
        except Exception as exc:
            warnings.append(f"{stem}: import failed: {type(exc).__name__}: {exc}")
            continue
        missing = [a for a in _REQUIRED if not hasattr(module, a)]
        if missing:
            if names:  # asked for explicitly: say why it is skipped
                warnings.append(f"{stem}: not a kernel module (missing {', '.join(missing)})")
            continue
        modules.append(module)
    return modules, warnings


def kernel_name(module: ModuleType) -> str:
    return getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1])


def tolerance(dtype: np.dtype) -> float | None:
    """Relative tolerance for agreement with NumPy; None means exact."""
    if dtype.kind in "fc":
        return {2: 1e-2, 4: 1e-4}.get(dtype.itemsize if dtype.kind == "f" else dtype.itemsize // 2,
                                      1e-6)
    return None


def compare(reference: Sequence[Any], got: Sequence[Any]) -> str:
    """'' when `got` agrees with NumPy's `reference` outputs, else what differs."""
    if len(reference) != len(got):
        return f"{len(got)} outputs, expected {len(reference)}"
    for i, (ref, out) in enumerate(zip(reference, got, strict=True)):
        ref, out = np.asarray(ref), np.asarray(out)
        if ref.shape != out.shape:
            return f"output {i}: shape {out.shape}, expected {ref.shape}"
        rtol = tolerance(ref.dtype)
        if rtol is None:
            if not np.array_equal(ref, out):
                return f"output {i}: {np.count_nonzero(ref != out)} values differ"
            continue
        # atol scaled to the data: sums with cancellation are judged against their magnitude.
        scale = float(np.max(np.abs(ref[np.isfinite(ref)]), initial=0.0))
        atol = rtol * scale
        if not np.allclose(out, ref, rtol=rtol, atol=atol, equal_nan=True):
            err = np.max(np.abs(out - ref)) if ref.size else 0.0
            return f"output {i}: max abs error {err:.3g} (rtol {rtol:g}, scale {scale:.3g})"
    return ""


def _snapshot(outputs: Sequence[Any]) -> list[Any]:
    return [np.array(o, copy=True) for o in outputs]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def warm_up(
    module: ModuleType, peer: Peer, size: str, reference: Sequence[Any] | None
) -> tuple[Measurement, Callable[..., Any] | None]:
    """Compile and make the first (cold) call, timed, and check its outputs against
    `reference` (NumPy's). The callable comes back only when it can be timed further."""
    name = kernel_name(module)
    why = peer.missing()
    if why is not None:
        return Measurement(name, peer.name, "n/a", reason=why), None
    try:
        args = peer.prepare(module.init(**module.SIZES[size]))
        t0 = time.perf_counter()
        fn = peer.compile(module)
        result = peer.finish(fn(*args))
        cold = time.perf_counter() - t0
        outputs = _snapshot(peer.outputs(module, args, result))
    except NotApplicable as exc:
        return Measurement(name, peer.name, "n/a", reason=str(exc)), None
    except Exception as exc:
        return Measurement(name, peer.name, "fail", reason=_first_line(exc)), None
    reason = compare(reference, outputs) if reference is not None else ""
    return Measurement(name, peer.name, "WRONG" if reason else "ok", cold_s=cold,
                       reason=reason), fn


SETTLE_S = 0.15  # longer than OpenBLAS's worker threads spin after a call (about 0.1 s)


def time_rounds(
    module: ModuleType,
    timed: Sequence[tuple[Peer, Measurement, Callable[..., Any]]],
    size: str,
    repeat: int,
    settle_s: float = SETTLE_S,
) -> None:
    """`repeat` rounds of one timed call per peer, each on fresh inputs made outside the
    timed region; fills in each Measurement's times and median.

    Rounds interleave the peers, and each round starts one peer later than the last, so a
    slow spell of a shared machine falls on every peer alike. Before its timed call a peer
    runs untimed calls for `settle_s`: the thread pools of the peer before it (OpenBLAS
    workers spin for about 0.1 s after each call) must go idle first, or they take cores
    from the call being timed. Sleeping instead would let the cores drop into idle states.
    """
    params = module.SIZES[size]
    live = list(timed)

    def call(peer: Peer, fn: Callable[..., Any]) -> float:
        args = peer.prepare(module.init(**params))
        t0 = time.perf_counter()
        peer.finish(fn(*args))
        return time.perf_counter() - t0

    for r in range(repeat):
        shift = r % len(live) if live else 0
        for entry in live[shift:] + live[:shift]:
            peer, m, fn = entry
            try:
                start = time.perf_counter()
                while time.perf_counter() - start < settle_s:
                    call(peer, fn)
                m.times_s.append(call(peer, fn))
            except Exception as exc:
                m.status, m.reason, m.times_s = "fail", _first_line(exc), []
                live.remove(entry)
    for _, m, _ in timed:
        m.median_s = statistics.median(m.times_s) if m.times_s else None


def measure(
    module: ModuleType,
    peer: Peer,
    size: str,
    repeat: int,
    reference: Sequence[Any] | None,
) -> Measurement:
    """One peer alone: cold call, agreement check against `reference`, `repeat` timed calls."""
    m, fn = warm_up(module, peer, size, reference)
    if fn is not None:
        time_rounds(module, [(peer, m, fn)], size, repeat, settle_s=0.0)
    return m


def numpy_reference(module: ModuleType, size: str) -> list[Any]:
    """NumPy's outputs on fresh inputs: the oracle every peer is compared with."""
    args = module.init(**module.SIZES[size])
    return _snapshot(kernel_outputs(module, args, module.kernel_numpy(*args)))


def run_suite(
    modules: Sequence[ModuleType],
    peers: Sequence[Peer],
    size: str,
    repeat: int,
    progress: Callable[[str], None] | None = None,
    settle_s: float = SETTLE_S,
) -> list[Measurement]:
    """Measure every kernel on every peer; a kernel without `size` or whose NumPy run fails is
    reported as a failure on every peer rather than stopping the suite. On a terminal a bar
    counts the kernels done (`sluice.progress`)."""
    results = []
    for peer in peers:
        if peer.missing() is None:
            peer.startup_s = peer.start()
    with Progress("bench", total=len(modules), unit="kernel") as bar:
        for done, module in enumerate(modules):
            bar.note(kernel=kernel_name(module))
            bar.moved_to(done)
            results += _run_kernel(module, peers, size, repeat, _above(bar, progress), settle_s)
        bar.moved_to(len(modules))
    return results


def _above(bar: Progress, progress: Callable[[str], None] | None
           ) -> Callable[[str], None] | None:
    """`progress`, printing its lines above the bar."""
    if progress is None:
        return None

    def say(msg: str) -> None:
        with bar.writing():
            progress(msg)

    return say


def _run_kernel(module: ModuleType, peers: Sequence[Peer], size: str, repeat: int,
                progress: Callable[[str], None] | None, settle_s: float) -> list[Measurement]:
    """One kernel on every peer (`run_suite`)."""
    name = kernel_name(module)
    if size not in module.SIZES:
        return [Measurement(name, p.name, "n/a", reason=f"no size {size!r}") for p in peers]
    try:
        reference = numpy_reference(module, size)
    except Exception as exc:
        if progress:
            progress(f"{name}: NumPy reference failed:\n{traceback.format_exc()}")
        return [Measurement(name, p.name, "fail", reason=f"reference: {_first_line(exc)}")
                for p in peers]
    timed, measured = [], []
    for peer in peers:
        m, fn = warm_up(module, peer, size, reference)
        measured.append(m)
        if fn is not None:
            timed.append((peer, m, fn))
    time_rounds(module, timed, size, repeat, settle_s)
    if progress:
        for m in measured:
            shown = f"{m.median_s * 1e3:.3f} ms" if m.median_s is not None else ""
            progress(f"{name:<16} {m.peer:<7} {m.status:<5} {shown} {m.reason}".rstrip())
    return measured


_TRIVIAL_SRC = r"""
#include <cstdint>
extern "C" void trivial(double *x, double *y, int64_t N) { (void)x; (void)y; (void)N; }
"""


def _time_calls(fn: Callable[..., Any], args: tuple, calls: int) -> float:
    """Best-of-5 mean seconds per call: the floor of the overhead, not scheduler noise."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


def call_overheads(calls: int = 2000) -> dict[str, Any]:
    """Warm-call overhead of a trivial two-array program: via `sluice.jit` and via the runtime.

    Values are seconds per call, or a string saying why it was not measured.
    """
    out: dict[str, Any] = {}
    x, y = np.zeros(16), np.zeros(16)
    try:
        import sluice

        jit = getattr(sluice, "jit", None)
        if not callable(jit):
            out["sluice.jit"] = "n/a: sluice.jit is not available yet"
        else:
            def trivial(x, y):
                y[:] = x

            fn = jit(trivial)
            fn(x, y)
            out["sluice.jit"] = _time_calls(fn, (x, y), calls)
    except Exception as exc:
        out["sluice.jit"] = f"fail: {_first_line(exc)}"
    try:
        from sluice.runtime import ArgSpec, compile_cpp

        fn = compile_cpp(_TRIVIAL_SRC, "trivial",
                         [ArgSpec.array("x", np.float64, ["N"]),
                          ArgSpec.array("y", np.float64, ["N"], writable=True)])
        out["runtime"] = _time_calls(fn, (x, y), calls)
    except Exception as exc:
        out["runtime"] = f"fail: {_first_line(exc)}"
    return out
