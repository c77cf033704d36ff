"""Array arguments in any memory layout for the decorators' calls.

Compiled programs index their arrays row-major and densely. A transposed, sliced
(`a[::2]`), Fortran-order or misaligned argument is copied into a C-contiguous buffer
before the call and, where the program writes it, copied back after, so the caller sees
NumPy's in-place effect on the very view it passed. Sharing between arguments is checked on
the arrays the caller passed (the copies share nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sluice.errors import ArgumentError
from sluice.ir.program import Program
from sluice.ir.requires import check_no_overlap, written_containers


def plain(v: np.ndarray) -> bool:
    """Whether `v` can be handed to compiled code as it is."""
    return bool(v.flags.c_contiguous and v.flags.aligned)


def any_layout(program: Program, native: Callable[..., Any]) -> Callable[..., Any]:
    """`native` (called with `program`'s positional arguments), taking arrays of any layout."""
    written: set[str] | None = None

    def call(*args: Any) -> Any:
        nonlocal written
        odd = [k for k, v in enumerate(args) if isinstance(v, np.ndarray) and not plain(v)]
        if not odd:
            return native(*args)
        if written is None:
            written = written_containers(program)
        names = program.args[:len(args)]
        check_no_overlap(program, dict(zip(names, args, strict=True)), written)
        passed = list(args)
        for k in odd:
            if names[k] in written and not args[k].flags.writeable:
                raise ArgumentError(f"argument '{names[k]}' is written by '{program.name}' "
                                    "but is read-only",
                                    hint=f"pass a writable copy: {names[k]}.copy()")
            passed[k] = np.ascontiguousarray(args[k])
            if passed[k] is args[k]:  # (contiguous but misaligned)
                passed[k] = args[k].copy()
        try:
            return native(*passed)
        finally:  # (a call that stops part way leaves its writes so far, as in place)
            for k in odd:
                if names[k] in written:
                    args[k][...] = passed[k]

    return call
