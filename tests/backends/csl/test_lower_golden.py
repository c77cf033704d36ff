"""Printed CSL of four small compiled kernels is pinned; regenerate with
SLUICE_UPDATE_GOLDEN=1 after a deliberate change of the lowering."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sluice.backends.csl import compile_kernel
from sluice.csl.printer import print_stream
from tests.backends.csl.lowering_util import kernel

GOLDEN = Path(__file__).with_name("golden")
CASES = {
    "lower_axpy_2x1x4": ("axpy", {"W": 2, "H": 1, "N": 4}),
    "lower_reduce_row_3x2": ("reduce_row", {"W": 3, "N": 2}),
    "lower_reduce_pipelined_3x4": ("reduce_pipelined", {"W": 3, "N": 4}),
    "lower_bcast_multicast_3x1x2": ("bcast_multicast", {"W": 3, "H": 1, "N": 2}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    name, params = CASES[case]
    art = compile_kernel(kernel(name, params).lowered)
    text = print_stream(art.program, art.host)
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("SLUICE_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with SLUICE_UPDATE_GOLDEN=1"
    assert text == path.read_text()
