"""Type annotations for the `kernel_dace` variants (not a kernel itself: not in `ALL`).

DaCe is optional: only the DaCe peer's environment has it. Without it these names are inert
placeholders, so the kernel modules still import (their `kernel_dace` just cannot run).
"""

try:
    import dace
except ImportError:  # the main environment: no DaCe
    dace = None


class _Placeholder:
    """Stands in for a DaCe type: `float64[N, M]` and the like evaluate to None."""

    def __getitem__(self, shape):
        return None


if dace is not None:
    float64 = dace.float64
    int64 = dace.int64
    int32 = dace.int32
    uint8 = dace.uint8
    compiletime = dace.compiletime
else:
    float64 = int64 = int32 = uint8 = _Placeholder()
    compiletime = None


class _Size:
    """Stands in for a DaCe symbol: arithmetic on it (`N + 1`) gives another stand-in."""

    def _same(self, *_):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __floordiv__ = _same


def symbols(names):
    """DaCe size symbols, one per whitespace-separated name (stand-ins without DaCe)."""
    names = names.split()
    if dace is None:
        return tuple(_Size() for _ in names)
    return tuple(dace.symbol(n) for n in names)
