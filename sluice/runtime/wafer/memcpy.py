"""Host commands the memcpy engine executes in order: copy-mode and streaming transfers, and
RPC launches. Every command waits while an RPC holds the command stream (until each of its
PEs calls `sys_mod.unblock_cmd_stream()`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sluice.errors import ArgumentError, ExecutionError

if TYPE_CHECKING:
    from sluice.runtime.wafer.pe import Pe
    from sluice.runtime.wafer.sim import Simulator

_BYTES_VIEW = {4: np.uint32, 2: np.uint16}


@dataclass
class Region:
    """The PE rectangle of a transfer and the host array's (h, w, elems) view of it."""

    x0: int
    y0: int
    w: int
    h: int
    elems: int
    col_major: bool

    def check(self, sim: Simulator, n: int, what: str) -> None:
        if self.w <= 0 or self.h <= 0 or self.elems <= 0:
            raise ArgumentError(f"{what}: empty region {self.w}x{self.h}x{self.elems}")
        if self.x0 < 0 or self.y0 < 0 or self.x0 + self.w > sim.width or \
                self.y0 + self.h > sim.height:
            raise ArgumentError(f"{what}: region ({self.x0},{self.y0}) {self.w}x{self.h} leaves "
                                f"the {sim.width}x{sim.height} rectangle")
        if n != self.w * self.h * self.elems:
            raise ArgumentError(f"{what}: array has {n} elements, region needs "
                                f"{self.w * self.h * self.elems}")

    def cube(self, flat: np.ndarray) -> np.ndarray:
        return flat.reshape((self.h, self.w, self.elems), order="F" if self.col_major else "C")

    def flatten(self, cube: np.ndarray) -> np.ndarray:
        return cube.ravel(order="F" if self.col_major else "C")

    def pes(self, sim: Simulator) -> list[tuple[int, int, Pe]]:
        out = []
        for j in range(self.h):
            for i in range(self.w):
                pe = sim.pes[(self.y0 + j) * sim.width + self.x0 + i]
                if pe is None:
                    raise ExecutionError(f"memcpy: PE({self.x0 + i},{self.y0 + j}) has no "
                                         "program", node=f"PE({self.x0 + i},{self.y0 + j})")
                out.append((j, i, pe))
        return out


def _field_of(pe: Pe, symbol: str, elems: int, bits: int) -> np.ndarray:
    if symbol not in pe.program.exports:
        raise ExecutionError(f"{pe.where}: '{symbol}' is not exported by {pe.program.filename}",
                             node=pe.where)
    arr = pe.mem[symbol]
    if arr.shape[0] < elems:
        raise ExecutionError(f"{pe.where}: memcpy of {elems} elements into {symbol}"
                             f"[{arr.shape[0]}]", node=pe.where)
    if arr.dtype.itemsize * 8 != bits:
        raise ExecutionError(f"{pe.where}: {bits}-bit memcpy into {symbol} of type "
                             f"{arr.dtype}", node=pe.where,
                             hint="use MemcpyDataType.MEMCPY_16BIT for 16-bit arrays")
    return arr


@dataclass
class Command:
    done: bool = field(default=False, init=False)
    streaming = False

    def step(self, sim: Simulator) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


@dataclass
class CopyH2D(Command):
    symbol: str
    data: np.ndarray  # 32-bit words
    region: Region
    bits: int

    def step(self, sim: Simulator) -> bool:
        cube = self.region.cube(self.data.view(np.uint32))
        for j, i, pe in self.region.pes(sim):
            arr = _field_of(pe, self.symbol, self.region.elems, self.bits)
            words = cube[j, i, :]
            if self.bits == 16:
                words = (words & 0xFFFF).astype(np.uint16)
            pe.check_access([], [(self.symbol, 0, self.region.elems - 1)], who="memcpy_h2d")
            arr.view(_BYTES_VIEW[arr.dtype.itemsize])[: self.region.elems] = words
        _charge(sim, self.region)
        self.done = True
        return True

    def describe(self) -> str:
        return f"memcpy_h2d into '{self.symbol}'"


@dataclass
class CopyD2H(Command):
    symbol: str
    out: np.ndarray
    region: Region
    bits: int

    def step(self, sim: Simulator) -> bool:
        r = self.region
        cube = np.zeros((r.h, r.w, r.elems), dtype=np.uint32)
        for j, i, pe in r.pes(sim):
            arr = _field_of(pe, self.symbol, r.elems, self.bits)
            pe.check_access([(self.symbol, 0, r.elems - 1)], [], who="memcpy_d2h")
            cube[j, i, :] = arr.view(_BYTES_VIEW[arr.dtype.itemsize])[: r.elems]
        self.out.view(np.uint32)[:] = r.flatten(cube)
        _charge(sim, r)
        self.done = True
        return True

    def describe(self) -> str:
        return f"memcpy_d2h from '{self.symbol}'"


def _charge(sim: Simulator, r: Region) -> None:
    """Copy mode moves data through the west/east edges: about elems per PE of a row, times
    the row width, at the memcpy bandwidth."""
    words = r.w * r.elems
    sim.memcpy_busy_until = sim.now + math.ceil(words / sim.params.memcpy_words_per_cycle)


@dataclass
class LaunchRpc(Command):
    fn: str

    def step(self, sim: Simulator) -> bool:
        sim.start_rpc(self.fn)
        self.done = True
        return True

    def describe(self) -> str:
        return f"launch of '{self.fn}'"


@dataclass
class StreamH2D(Command):
    """Pushes each PE's elements, one per cycle, into its input queue for `color`."""

    streaming = True

    color: int
    data: np.ndarray
    region: Region
    _todo: list = field(default_factory=list, init=False)
    _started: bool = field(default=False, init=False)

    def step(self, sim: Simulator) -> bool:
        if not self._started:
            cube = self.region.cube(self.data)
            self._todo = [[pe.index, list(cube[j, i, :]), 0] for j, i, pe in self.region.pes(sim)]
            self._started = True
        progress = False
        for item in self._todo:
            p, vals, k = item
            if k < len(vals) and sim.in_room(p, self.color):
                sim.push_in(p, self.color, vals[k])
                item[2] = k + 1
                progress = True
        self._todo = [t for t in self._todo if t[2] < len(t[1])]
        self.done = not self._todo
        return progress

    def describe(self) -> str:
        return f"streaming memcpy_h2d on color {self.color}"

    def progress_note(self) -> str:
        left = sum(len(v) - k for _, v, k in self._todo)
        return f"{left} element(s) not yet accepted by {len(self._todo)} PE(s)"


@dataclass
class StreamD2H(Command):
    """Collects each PE's wavelets on `color` into the host array."""

    streaming = True

    color: int
    out: np.ndarray
    region: Region
    _cube: np.ndarray | None = field(default=None, init=False)
    _todo: list = field(default_factory=list, init=False)

    def step(self, sim: Simulator) -> bool:
        r = self.region
        if self._cube is None:
            self._cube = np.zeros((r.h, r.w, r.elems), dtype=self.out.dtype)
            self._todo = [[j, i, pe.index, 0] for j, i, pe in r.pes(sim)]
        progress = False
        for item in self._todo:
            j, i, p, k = item
            q = sim.d2h_buf.get((p, self.color))
            if q:
                self._cube[j, i, k] = q.popleft()
                sim.room_freed(p)
                item[3] = k + 1
                progress = True
        self._todo = [t for t in self._todo if t[3] < r.elems]
        if not self._todo:
            self.out[:] = r.flatten(self._cube)
            self.done = True
        return progress

    def describe(self) -> str:
        return f"streaming memcpy_d2h on color {self.color}"

    def progress_note(self) -> str:
        left = sum(self.region.elems - t[3] for t in self._todo)
        return f"{left} element(s) never sent by {len(self._todo)} PE(s)"
