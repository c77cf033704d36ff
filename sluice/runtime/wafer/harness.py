"""Runs a printed CSL program the way a user would: write the files, execute `run.py`.

`run.py` falls back to the wafer simulator's `SdkRuntime` when no Cerebras SDK is
installed, and that runtime parses the printed `.csl` files, so this path tests the printer,
the parser, the host script and the simulator together.
"""

from __future__ import annotations

import os
import runpy

import numpy as np

from sluice.csl import model as m
from sluice.csl.printer import write_files


def run_printed(program: m.CslProgram, host: m.HostProgram, inputs: dict[str, np.ndarray],
                directory: str | os.PathLike) -> dict[str, np.ndarray]:
    """Prints `program` and `host` into `directory` and runs its `run.py` on `inputs`."""
    write_files(program, str(directory), host)
    namespace = runpy.run_path(os.path.join(str(directory), "run.py"), run_name="sluice_run")
    return namespace["run"](str(directory), inputs)
