"""Array arguments in any memory layout for the decorators' calls.

Compiled programs index their arrays row-major and densely, unless the backend builds a
variant that takes some arguments in any layout (`strided`: the CPU backend's
`CpuOptions.strided`, which addresses them through element strides passed at each call).
A transposed, sliced (`a[::2]`), reversed or Fortran-order argument goes to such a build
without a copy, one build per set of arguments that come that way. Where no such build
exists (the interpreter), or an argument cannot be stepped through in place (misaligned,
strides that are not whole elements, a written array whose elements overlap), it is copied
into a C-contiguous buffer before the call and, where the program writes it, copied back
after, so the caller sees NumPy's in-place effect on the very view it passed. Sharing
between arguments is checked on the arrays the caller passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sluice.errors import ArgumentError
from sluice.ir.data import Array
from sluice.ir.program import Program
from sluice.ir.requires import check_no_overlap, written_containers

# names of the arguments taken in any layout -> the build that takes them so
StridedBuilds = Callable[[frozenset[str]], Callable[..., Any]]


def plain(v: np.ndarray) -> bool:
    """Whether `v` can be handed to compiled code as it is."""
    return bool(v.flags.c_contiguous and v.flags.aligned)


def strides_fit(v: np.ndarray, written: bool) -> bool:
    """Whether compiled code can step through `v` in place: aligned, every stride a whole
    number of elements, and — where the program writes `v` — no two indices at one
    address (a written broadcast view is copied, as NumPy's own ufuncs would buffer it)."""
    if not v.flags.aligned or any(s % v.itemsize for s in v.strides):
        return False
    return not written or not _self_overlapping(v)


def _self_overlapping(v: np.ndarray) -> bool:
    """Whether two indices of `v` may share an address. Exact for nested strides (each
    axis steps over the whole block of the axes with smaller strides: every view NumPy's
    slicing, transposing and reversing makes); others are taken as overlapping."""
    if v.size <= 1:
        return False
    span = v.itemsize
    for n, s in sorted(((n, abs(s)) for n, s in zip(v.shape, v.strides, strict=True)
                        if n > 1), key=lambda t: t[1]):
        if s < span:
            return True
        span += s * (n - 1)
    return False


def any_layout(program: Program, native: Callable[..., Any],
               strided: StridedBuilds | None = None) -> Callable[..., Any]:
    """`native` (called with `program`'s positional arguments), taking arrays of any layout:
    through `strided(names)` without copies where a backend builds such variants."""
    written: set[str] | None = None
    builds: dict[frozenset[str], Callable[..., Any]] = {}

    def call(*args: Any) -> Any:
        nonlocal written
        odd = [k for k, v in enumerate(args) if isinstance(v, np.ndarray) and not plain(v)]
        if not odd:
            return native(*args)
        if written is None:
            written = written_containers(program)
        names = program.args[:len(args)]
        check_no_overlap(program, dict(zip(names, args, strict=True)), written)
        for k in odd:
            if names[k] in written and not args[k].flags.writeable:
                raise ArgumentError(f"argument '{names[k]}' is written by '{program.name}' "
                                    "but is read-only",
                                    hint=f"pass a writable copy: {names[k]}.copy()")
        run = native
        if strided is not None:
            direct = frozenset(names[k] for k in odd if _has_rank(program, names[k],
                                                                  args[k].ndim)
                               and strides_fit(args[k], names[k] in written))
            if direct:
                run = builds.get(direct)
                if run is None:
                    run = builds[direct] = strided(direct)
                odd = [k for k in odd if names[k] not in direct]
        return _copied(run, args, odd, names, written)

    return call


def _has_rank(program: Program, name: str, ndim: int) -> bool:
    """Whether `name` is an array of `ndim` > 0 dimensions (else the call's checks speak)."""
    c = program.data.get(name)
    return ndim > 0 and isinstance(c, Array) and len(c.shape) == ndim


def _copied(run: Callable[..., Any], args: tuple, odd: list[int], names: list[str],
            written: set[str]) -> Any:
    """`run(*args)` with the arguments at `odd` copied into C-contiguous buffers (and the
    written ones copied back, also when the call stops part way, as in place)."""
    if not odd:
        return run(*args)
    passed = list(args)
    for k in odd:
        passed[k] = np.ascontiguousarray(args[k])
        if passed[k] is args[k]:  # (contiguous but misaligned)
            passed[k] = args[k].copy()
    try:
        return run(*passed)
    finally:
        for k in odd:
            if names[k] in written:
                args[k][...] = passed[k]
