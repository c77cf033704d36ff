"""The Cerebras fabrics sluice targets, in PEs (width x height): facts shared by the `.sptl`
frontend, which refuses placements no wafer holds, and the CSL backend, which checks the
chosen architecture (docs: CSL.md)."""

from __future__ import annotations

FABRIC_SIZE: dict[str, tuple[int, int]] = {"wse2": (757, 996), "wse3": (762, 1172)}

# The widest and tallest fabric of any architecture: a subgrid beyond it fits no wafer.
LARGEST_FABRIC: tuple[int, int] = (max(w for w, _ in FABRIC_SIZE.values()),
                                   max(h for _, h in FABRIC_SIZE.values()))
