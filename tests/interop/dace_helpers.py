"""Running exported SDFGs in DaCe for the interop tests: a private build folder, the
compiler flags exact NumPy semantics need, and one compiled SDFG per program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sluice.ir as ir
from sluice.interop.sdfg_export import DACE_CXX_ARGS, to_sdfg


def networkx_compat() -> None:
    """DaCe 1.0.2 reads `immediate_dominators(G, start)[start]`, which networkx 3.6 stopped
    returning (start has no immediate dominator there). Restore the old answer, only where
    the installed networkx needs it (the `dace` extra pins networkx<3.6)."""
    import networkx as nx

    g = nx.DiGraph([(0, 1)])
    if 0 in nx.immediate_dominators(g, 0):
        return
    new = nx.immediate_dominators

    def old(graph: Any, start: Any) -> dict:
        return {start: start, **new(graph, start)}

    nx.immediate_dominators = old
    nx.algorithms.dominance.immediate_dominators = old


def dace_or_skip() -> Any:
    return pytest.importorskip(
        "dace", reason="DaCe is not installed (pip install sluice[dace]; it needs NumPy 1.x)")


class Builds:
    """Compiled SDFGs by program name, built once into `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.done: dict[str, Any] = {}

    def compiled(self, program: ir.Program) -> Any:
        if program.name not in self.done:
            sdfg = to_sdfg(program)
            sdfg.build_folder = str(self.folder / program.name)
            self.done[program.name] = sdfg.compile()
        return self.done[program.name]


def configure(dace: Any, folder: Path) -> None:
    """DaCe writes builds (and failing SDFGs) under `folder` and compiles as sluice needs."""
    dace.config.Config.set("default_build_folder", value=str(folder))
    dace.config.Config.set("compiler", "cpu", "args", value=DACE_CXX_ARGS)
    dace.config.Config.set("compiler", "build_type", value="Release")
    dace.config.Config.set("cache", value="unique")
