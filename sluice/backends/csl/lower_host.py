"""Host streams as memcpy buffers: which PE owns which stream element, the copy-mode
`memcpy_h2d`/`memcpy_d2h` steps, and packing host arrays into the (h, w, elems) layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sluice.csl import model as m
from sluice.errors import ArgumentError, UnsupportedError

PE = tuple[int, int]


@dataclass(frozen=True)
class HostIo:
    """A host stream's memcpy plan: one region when the owners form a translated block,
    else one transfer per element."""

    name: str
    buf: str
    shape: tuple[int, int, int]
    readonly: bool
    owners: tuple[tuple[PE, PE], ...]  # (element, PE)
    offset: PE | None  # owners are element + offset for every element

    def steps(self) -> list[m.HostStep]:
        n = self.shape[2]
        if self.offset is not None:
            a, b = self.shape[:2]
            ox, oy = self.offset
            if self.readonly:
                return [m.H2D(self.buf, self.name, ox, oy, a, b, n)]
            return [m.D2H(self.name, self.buf, ox, oy, a, b, n)]
        out: list[m.HostStep] = []
        for (i, j), (x, y) in self.owners:
            key = f"{self.name}@{i}_{j}"
            out.append(m.H2D(self.buf, key, x, y, 1, 1, n) if self.readonly
                       else m.D2H(key, self.buf, x, y, 1, 1, n))
        return out

    def pack(self, arr: np.ndarray) -> dict[str, np.ndarray]:
        arr = np.asarray(arr, dtype=np.float32)
        if arr.shape != self.shape:
            raise ArgumentError(f"input '{self.name}' has shape {arr.shape}, expected "
                                f"{self.shape}", hint="(a, b, N) for stream<T, N>[a, b]")
        if self.offset is not None:
            return {self.name: np.ascontiguousarray(arr.transpose(1, 0, 2)).ravel()}
        return {f"{self.name}@{i}_{j}": np.ascontiguousarray(arr[i, j])
                for (i, j), _ in self.owners}

    def unpack(self, outs: dict[str, np.ndarray]) -> np.ndarray:
        a, b, n = self.shape
        res = np.zeros(self.shape, np.float32)
        if self.offset is not None:
            res[:] = outs[self.name].view(np.float32).reshape(b, a, n).transpose(1, 0, 2)
        else:
            for (i, j), _ in self.owners:
                res[i, j] = outs[f"{self.name}@{i}_{j}"].view(np.float32)
        return res


def plan(name: str, buf: str, shape: tuple[int, int, int], readonly: bool,
         owners: dict[PE, set[PE]]) -> HostIo:
    own: list[tuple[PE, PE]] = []
    for elem, pes in sorted(owners.items()):
        if len(pes) > 1:
            raise UnsupportedError(f"element {elem} of host stream '{name}' is used by "
                                   f"{len(pes)} PEs", hint="give each PE its own element")
        own.append((elem, next(iter(pes))))
    offsets = {(p[0] - e[0], p[1] - e[1]) for e, p in own}
    full = len(own) == shape[0] * shape[1]
    offset = next(iter(offsets)) if full and len(offsets) == 1 else None
    return HostIo(name, buf, shape, readonly, tuple(own), offset)


def scalar_steps(names: list[str], width: int, height: int) -> list[m.HostStep]:
    return [m.H2D(n, n, 0, 0, width, height, 1) for n in names]


def pack_scalar(value: object, width: int, height: int) -> np.ndarray:
    return np.full(width * height, value, dtype=np.float32)
