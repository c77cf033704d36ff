"""A kernel whose fields and arguments are spelled like the names the SpaDA lowering makes
up: the spatial map's parameters `x`, `y`, the PE coordinates `pe_x`, `pe_y`, and their
first suffixed variants (shared by the interpreter and the CSL tests)."""

from __future__ import annotations

import numpy as np

NAME_CLASH = """
kernel @clash<W, H, N>(stream<f32, N>[W, H] readonly x,
                       stream<f32, N>[W, H] writeonly y) {
    place i16 i, i16 j in [0:W, 0:H] {
        f32[N] pe_x
        f32[N] pe_y
        f32 x_2
    }
    compute i16 pe_x_2, i16 y_2 in [0:W, 0:H] {
        completion c = receive(pe_x, x[pe_x_2, y_2])
        await c
        x_2 = f32(10 * y_2)
        await map i16 k in [0:N] {
            pe_y[k] = pe_x[k] * 2.0 + pe_x_2 + x_2
        }
        send(pe_y, y[pe_x_2, y_2])
    }
}
"""

USER_NAMES = frozenset({"x", "y", "pe_x", "pe_y", "x_2", "pe_x_2", "y_2"})


def clash_reference(x: np.ndarray) -> np.ndarray:
    """y[i, j, k] = 2 x[i, j, k] + i + 10 j."""
    w, h, _ = x.shape
    i, j = np.meshgrid(np.arange(w), np.arange(h), indexing="ij")
    return x * 2 + i[..., None] + 10 * j[..., None]
