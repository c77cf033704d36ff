"""`SdkRuntime`-compatible host API over the wafer simulator (docs/CSL.md §1.10).

`SdkRuntime(compile_dir)` takes a directory of printed CSL (`layout.csl` + PE files) and
reads it back with the CSL parser, so a host script runs what the backend printed; a
`CslProgram` may be passed instead. Blocking calls run the simulator until the command is
done; a fabric that goes quiescent first raises `DeadlockError` instead of hanging.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable

import numpy as np

from sluice.csl import model as m
from sluice.csl.parser import parse_dir
from sluice.csl.validate import validate as validate_program
from sluice.errors import ArgumentError, ExecutionError, did_you_mean
from sluice.runtime.wafer import memcpy as mc
from sluice.runtime.wafer.params import ArchParams
from sluice.runtime.wafer.sim import Simulator, gc_paused


class MemcpyDataType(enum.Enum):
    MEMCPY_32BIT = 32
    MEMCPY_16BIT = 16


class MemcpyOrder(enum.Enum):
    ROW_MAJOR = 0
    COL_MAJOR = 1


class Symbol(int):
    """A host handle of an exported symbol (`get_id`)."""

    name: str

    def __new__(cls, value: int, name: str) -> Symbol:
        obj = super().__new__(cls, value)
        obj.name = name
        return obj


class Task:
    """Returned by non-blocking calls: `done()` polls, `wait()` runs until done."""

    def __init__(self, runtime: SdkRuntime, what: str, until: Callable[[], bool]) -> None:
        self._rt, self._what, self._until = runtime, what, until

    def done(self) -> bool:
        return self._until()

    def wait(self) -> None:
        self._rt.sim.run_until(self._until, self._what)


class SdkRuntime:
    """The subset of the Cerebras `SdkRuntime` API that sluice host scripts use.

    `suppress_simfab_trace`, `simfab_numthreads` and `msg_level` are accepted (and ignored)
    so that SDK host scripts run unchanged; `params`, `seed` (random task picker),
    `check_races` and `validate` are the simulator's own options.
    """

    def __init__(self, bindir: str | os.PathLike | m.CslProgram, cmaddr: str | None = None, *,
                 suppress_simfab_trace: bool = True, simfab_numthreads: int = 5,
                 msg_level: str | None = None, params: ArchParams | None = None,
                 seed: int | None = None, check_races: bool = True,
                 validate: bool = True) -> None:
        if cmaddr is not None:
            raise ArgumentError("the sluice wafer simulator cannot reach a CS system (cmaddr)")
        if isinstance(bindir, m.CslProgram):
            program = bindir
        else:
            program = parse_dir(bindir)
        if validate:
            with gc_paused():  # allocation-heavy on big layouts (see gc_paused)
                validate_program(program)
        self.program = program
        self._params, self._seed, self._races = params, seed, check_races
        self.sim: Simulator | None = None
        self._exports = {e.name: e for e in program.layout.exports}
        self._names = list(self._exports)

    # --- lifecycle
    def get_id(self, name: str) -> Symbol:
        if name not in self._exports:
            raise ArgumentError(f"no exported symbol '{name}'", hint=did_you_mean(name,
                                                                                 self._names))
        return Symbol(self._names.index(name), name)

    def load(self) -> None:
        with gc_paused():
            self.sim = Simulator(self.program, self._params, self._seed, self._races)

    def run(self) -> None:
        self._need_sim()

    def stop(self) -> None:
        sim = self._need_sim()
        sim.quiesce("stop()")

    def _need_sim(self) -> Simulator:
        if self.sim is None:
            raise ExecutionError("call load() before run(), memcpy or launch")
        return self.sim

    # --- commands
    def _submit(self, cmd: mc.Command, what: str, nonblock: bool,
                until: Callable[[], bool] | None = None) -> Task | None:
        sim = self._need_sim()
        sim.commands.append(cmd)
        task = Task(self, what, until or (lambda: cmd.done))
        if nonblock:
            return task
        task.wait()
        return None

    def _region(self, x0: int, y0: int, w: int, h: int, elems: int,
                order: MemcpyOrder) -> mc.Region:
        return mc.Region(x0, y0, w, h, elems, order == MemcpyOrder.COL_MAJOR)

    def _symbol(self, ref: int, writing: bool) -> str:
        if not isinstance(ref, Symbol):
            raise ArgumentError("copy-mode memcpy needs a symbol from get_id()")
        e = self._exports[ref.name]
        if e.kind != "data":
            raise ArgumentError(f"'{ref.name}' is a function, not data")
        if writing and not e.mutable:
            raise ExecutionError(f"the host may not write '{ref.name}': it is exported "
                                 "read-only (@export_name(..., false))")
        return ref.name

    def _color(self, ref: int, d2h: bool) -> int:
        lay = self.program.layout
        pairs = (lay.memcpy.d2h if d2h else lay.memcpy.h2d) if lay.memcpy else ()
        ids = {lay.color_id(c) for _, c in pairs}
        if int(ref) not in ids:
            kind = "MEMCPYD2H" if d2h else "MEMCPYH2D"
            raise ArgumentError(f"streaming memcpy on color {int(ref)}, which is no {kind} "
                                f"stream color (have {sorted(ids)})")
        return int(ref)

    @staticmethod
    def _check_array(a: np.ndarray, what: str) -> np.ndarray:
        a = np.asarray(a)
        if a.dtype.itemsize != 4:
            raise ArgumentError(f"{what}: host arrays must have a 32-bit dtype, not {a.dtype}",
                                hint="pack 16-bit data into uint32 words")
        return a.ravel()

    def memcpy_h2d(self, dest: int, src: np.ndarray, px: int, py: int, w: int, h: int,
                   elem_per_pe: int, *, streaming: bool = False,
                   data_type: MemcpyDataType = MemcpyDataType.MEMCPY_32BIT,
                   order: MemcpyOrder = MemcpyOrder.ROW_MAJOR,
                   nonblock: bool = False) -> Task | None:
        sim = self._need_sim()
        data = self._check_array(src, "memcpy_h2d")
        region = self._region(px, py, w, h, elem_per_pe, order)
        region.check(sim, data.size, "memcpy_h2d")
        if streaming:
            cmd: mc.Command = mc.StreamH2D(self._color(dest, False), data.copy(), region)
        else:
            cmd = mc.CopyH2D(self._symbol(dest, True), data.copy(), region, data_type.value)
        return self._submit(cmd, cmd.describe(), nonblock)

    def memcpy_d2h(self, dest: np.ndarray, src: int, px: int, py: int, w: int, h: int,
                   elem_per_pe: int, *, streaming: bool = False,
                   data_type: MemcpyDataType = MemcpyDataType.MEMCPY_32BIT,
                   order: MemcpyOrder = MemcpyOrder.ROW_MAJOR,
                   nonblock: bool = False) -> Task | None:
        sim = self._need_sim()
        if not isinstance(dest, np.ndarray) or not dest.flags.c_contiguous:
            raise ArgumentError("memcpy_d2h needs a contiguous NumPy array to fill")
        out = self._check_array(dest, "memcpy_d2h")
        region = self._region(px, py, w, h, elem_per_pe, order)
        region.check(sim, out.size, "memcpy_d2h")
        if streaming:
            cmd: mc.Command = mc.StreamD2H(self._color(src, True), out, region)
        else:
            cmd = mc.CopyD2H(self._symbol(src, False), out, region, data_type.value)
        return self._submit(cmd, cmd.describe(), nonblock)

    def launch(self, symbol: str, *args: object, nonblock: bool = False) -> Task | None:
        """Runs exported function `symbol` on every PE exporting it; blocking waits until
        each has called `sys_mod.unblock_cmd_stream()`."""
        if symbol not in self._exports or self._exports[symbol].kind != "fn":
            raise ArgumentError(f"no exported function '{symbol}'")
        if args:
            raise ArgumentError(f"'{symbol}' takes no arguments, got {len(args)}")
        sim = self._need_sim()
        cmd = mc.LaunchRpc(symbol)
        return self._submit(cmd, f"launch('{symbol}')", nonblock,
                            lambda: cmd.done and sim.cmd_blocked_by is None)

    def call(self, symbol: str, args: list[int] | tuple[int, ...] = (),
             nonblock: bool = False) -> Task | None:
        """The untyped RPC form: same as `launch` for argument-less functions."""
        return self.launch(symbol, *args, nonblock=nonblock)
