"""A loaded `.sptl` kernel: parse -> bind -> check -> lower, then call it with host arrays.

    k = load("gemv.sptl", params={"PX": 4, "PY": 4, "M": 2, "N": 2})
    outs = k(A=A, x_in=x, y_in=y, alpha=1.0, beta=0.5)   # {"y_out": array (1, PY, M)}

A stream-array argument `stream<T, N>[a, b]` is a host array of shape (a, b, N); scalars are
Python numbers; writeonly streams come back in a dict.

The frontend runs a kernel on the reference interpreter only: compiling it for and running
it on a target (CSL and the wafer simulator) is the API's job (DESIGN.md §2: a frontend
imports no backend), done by `sluice.spatial.SpatialKernel`, what `sluice.load` returns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sluice import display
from sluice.errors import ArgumentError, ExecutionError, SluiceError, did_you_mean
from sluice.frontend.spada.check import CheckResult, check
from sluice.frontend.spada.expand import bind
from sluice.frontend.spada.hostargs import bidirectional_args, host_rank
from sluice.frontend.spada.lower import LoweredKernel, lower
from sluice.frontend.spada.parser import parse_file, parse_source
from sluice.ir import Program
from sluice.ir.interpreter import StreamValue, interpret
from sluice.sourcefile import read_source
from sluice.tracebacks import user_api


class SpadaKernel:
    """A bound, checked and lowered spatial kernel that runs on the interpreter."""

    targets: tuple[str, ...] = ("interpret",)  # what `__call__(target=...)` accepts

    def __init__(self, source: str, filename: str | None, params: Mapping[str, Any]) -> None:
        self.filename = filename
        self.params = dict(params)
        self.ast = parse_source(source, filename)
        self.bound = bind(self.ast, self.params)
        self.checked: CheckResult = check(self.bound)
        name = self.ast.name or (Path(filename).stem if filename else "kernel")
        self.lowered: LoweredKernel = lower(self.checked.kernel, name)

    @property
    def program(self) -> Program:
        """The IR of the kernel (shows itself in Jupyter)."""
        return self.lowered.program

    @property
    def grid(self) -> tuple[int, int]:
        return self.lowered.grid

    def _user_name(self, name: str) -> str:
        """The argument an output belongs to: a bidirectional argument's output half (E11g)
        comes back under the argument's own name."""
        back = {out: arg for arg, out in bidirectional_args(self.ast).items()}
        return back.get(name, name)

    def _host_shape(self, name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The host's view of a stream argument the frontend holds as (a, b, N): (N,) for a
        single stream, (n, N) for a line of them (E6)."""
        name = self._user_name(name)
        rank = next((host_rank(a) for a in self.ast.args if a.name == name), 2)
        if rank == 0:
            return shape[2:]
        if rank == 1:
            return (shape[0] * shape[1], *shape[2:])
        return shape

    def to_frontend_shapes(self, host_args: Mapping[str, Any]) -> dict[str, Any]:
        """Host inputs reshaped to the (a, b, N) arrays the lowered kernel reads."""
        out = dict(host_args)
        for h in self.lowered.host_streams:
            if h.readonly and h.name in out and self._host_shape(h.name, h.shape) != h.shape:
                arr = np.asarray(out[h.name])
                if arr.shape == self._host_shape(h.name, h.shape):
                    out[h.name] = arr.reshape(h.shape)
        return out

    def to_host_shapes(self, outs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs of the lowered kernel reshaped to the arguments' declared ranks."""
        shapes = {h.name: h.shape for h in self.lowered.host_streams}
        return {self._user_name(k): v.reshape(self._host_shape(k, shapes[k])) if k in shapes
                else v for k, v in outs.items()}

    @property
    def inputs(self) -> dict[str, tuple[int, ...]]:
        """Host inputs and their shapes (scalars: ())."""
        out = {h.name: self._host_shape(h.name, h.shape)
               for h in self.lowered.host_streams if h.readonly}
        out.update({n: () for n in self.lowered.scalars})
        return out

    @property
    def outputs(self) -> dict[str, tuple[int, ...]]:
        return {self._user_name(h.name): self._host_shape(h.name, h.shape)
                for h in self.lowered.host_streams if not h.readonly}

    @user_api
    def __call__(self, target: str = "interpret", **host_args: Any) -> dict[str, np.ndarray]:
        if target != "interpret":
            raise SluiceError(f"target '{target}' is not available for this spatial kernel",
                              hint="use target='interpret'; kernels from sluice.load also "
                              "run on target='csl'")
        return self.run_interpreter(**host_args)

    def _check_args(self, host_args: Mapping[str, Any]) -> None:
        known = set(self.inputs)
        for k in host_args:
            if k not in known:
                hint = did_you_mean(k, known) or (
                    f"'{k}' is an output" if k in self.outputs
                    else f"inputs: {', '.join(sorted(known))}")
                raise ArgumentError(f"kernel has no input '{k}'", hint=hint)
        for k in known:
            if k not in host_args:
                raise ArgumentError(f"missing input '{k}'",
                                    hint=f"shape {self.inputs[k]}" if self.inputs[k] else None)

    @user_api
    def run_interpreter(self, **host_args: Any) -> dict[str, np.ndarray]:
        """Run the lowered IR on the reference interpreter."""
        self._check_args(host_args)
        host_args = self.to_frontend_shapes(host_args)
        args: dict[str, Any] = {}
        streams: dict[str, StreamValue] = {}
        for h in self.lowered.host_streams:
            sv = StreamValue(h.shape[:2], h.dtype.numpy)
            if h.readonly:
                arr = np.asarray(host_args[h.name])
                if arr.shape != h.shape:
                    raise ArgumentError(f"input '{h.name}' has shape {arr.shape}, expected "
                                        f"{self._host_shape(h.name, h.shape)}",
                                        hint="(a, b, N) for stream<T, N>[a, b], (n, N) for "
                                        "stream<T, N>[n], (N,) for stream<T, N>")
                arr = arr.astype(h.dtype.numpy, copy=False)
                for i in range(h.shape[0]):
                    for j in range(h.shape[1]):
                        sv.queues[(i, j)] = deque(arr[i, j].tolist())
            streams[h.name] = sv
            args[h.name] = sv
        for name in self.lowered.scalars:
            args[name] = host_args[name]
        interpret(self.program, **args)
        outs: dict[str, np.ndarray] = {}
        for h in self.lowered.host_streams:
            sv = streams[h.name]
            if h.readonly:
                left = {k: len(q) for k, q in sv.queues.items() if q}
                if left:
                    pe, n = next(iter(sorted(left.items())))
                    raise ExecutionError(f"input '{h.name}[{pe[0]}, {pe[1]}]' still holds {n} "
                                         "unread elements after the kernel finished")
                continue
            out = np.zeros(h.shape, dtype=h.dtype.numpy)
            for i in range(h.shape[0]):
                for j in range(h.shape[1]):
                    q = sv.queues.get((i, j), deque())
                    if len(q) != h.shape[2]:
                        raise ExecutionError(
                            f"output '{h.name}[{i}, {j}]' received {len(q)} of {h.shape[2]} "
                            "elements", hint="every PE that owns an output stream must send "
                            "exactly its length")
                    out[i, j] = list(q)
            outs[h.name] = out
        return self.to_host_shapes(outs)

    def __repr__(self) -> str:
        w, h = self.grid
        return display.one_line(f"<{type(self).__name__} '{self.program.name}' on {w}x{h} PEs, "
                                f"params {self.params}>", 200)

    def _repr_html_(self) -> str:
        w, h = self.grid
        about: dict[str, object] = {
            "source": self.filename or "(text)",
            "parameters": ", ".join(f"{k} = {v}" for k, v in self.params.items()) or "none",
            "PE grid": f"{w} x {h}",
            "phases": len(self.bound.phases),
        }
        rows: list[list[object]] = [
            [h.name, "input" if h.readonly else "output", f"stream<{h.dtype.value}>",
             f"{h.shape} (a, b, N)"] for h in self.lowered.host_streams]
        rows += [[n, "input", f"scalar {dt.value}", "()"] for n, dt in self.lowered.scalars.items()]
        targets = " or ".join(f"'{t}'" for t in self.targets)
        compile_ = "  k.compile('csl');" if "csl" in self.targets else ""
        usage = display.code(f"k({', '.join(f'{n}=...' for n in self.inputs)}, "
                             f"target={targets});{compile_}  k.program")
        return display.card(f"spatial kernel {self.program.name}", [
            display.facts(about), display.table(["argument", "direction", "type", "shape"], rows),
            usage], subtitle=f"on {w} x {h} PEs")


@user_api
def load(path: str | Path, params: Mapping[str, Any] | None = None) -> SpadaKernel:
    """Load a `.sptl` kernel with its compile-time parameters bound (interpreter only;
    `sluice.load` gives one that also runs on CSL)."""
    path = Path(path)
    return SpadaKernel(read_source(path), str(path), params or {})


@user_api
def loads(source: str, params: Mapping[str, Any] | None = None,
          filename: str | None = None) -> SpadaKernel:
    """Like `load`, from source text."""
    return SpadaKernel(source, filename, params or {})


__all__ = ["SpadaKernel", "load", "loads", "parse_file"]
