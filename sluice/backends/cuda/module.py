"""A Program -> one CUDA translation unit: the CPU backend's host code, with kernels.

The host code is the CPU backend's (`ModuleGen`): control flow, scalar tasklets, library
nodes and copies run on the host over managed memory, maps become kernels where they can
(`kernels.py`). Every array lives in managed memory: transients (none on the stack, which
kernels cannot address) and the arguments, which the entry function copies in before the
call and back after it.
"""

from __future__ import annotations

import sympy

from sluice.backends.cpu.cexpr import c_int
from sluice.backends.cpu.ctypes_map import ctype
from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.backends.cpu.module import ModuleGen, Staging, _entry
from sluice.backends.cpu.prelude import prelude as cpu_prelude
from sluice.backends.cpu.signature import Param
from sluice.backends.cuda import kernels
from sluice.backends.cuda.prelude import gpu_prelude
from sluice.ir.data import CSR
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import LibraryNode, Map
from sluice.ir.program import Program

CUDA_FAILURE = "catch (const sl::CudaFailure& e) { return -e.code; }"


class CudaModuleGen(ModuleGen):
    stack_max = 0  # kernels cannot address the host's stack
    target = "cuda"
    language = "cuda"
    target = "cuda"
    language = "cuda"

    def __init__(self, program: Program, options: object | None = None) -> None:
        super().__init__(program, options)
        self.kernels: list[str] = []
        self.in_kernel = False  # generating a kernel's body: nested maps are its loops

    def emit_map(self, fn: FnCtx, m: Map, scope: Scope, parent: DataflowGraph) -> None:
        kernels.emit_map(fn, m, scope, parent)

    def emit_library(self, fn: FnCtx, g: DataflowGraph, n: LibraryNode, scope: Scope) -> None:
        kernels.emit_library(fn, g, n, scope)

    def definitions(self) -> list[str]:
        return [*self.kernels, *super().definitions()]

    def entry(self) -> str:
        return _entry(self.program, staging=_staging(self.program), catches=[CUDA_FAILURE])

    def prelude(self, code: str) -> str:
        return gpu_prelude(cpu_prelude(code))


def _staging(p: Program) -> Staging:
    """Each array argument's device copy: filled before the call, copied back after."""
    symbols = {s: ident(s) for s in p.symbols}

    def stage(prm: Param, pointers: list[str]) -> tuple[list[str], list[str], list[str]]:
        c = p.data[prm.name]
        if isinstance(c, CSR):
            sizes = [c.rows + 1, c.nnz, c.nnz]
            dtypes = [c.component(part).dtype for part in CSR.COMPONENTS]
            writes = False
        else:
            sizes, dtypes, writes = [sympy.Mul(*c.shape)], [c.dtype], True
        pre, passed, post = [], [], []
        for ptr, size, dt in zip(pointers, sizes, dtypes, strict=True):
            dev = f"sl_dev_{ptr}"
            pre.append(f"sl::Device<{ctype(dt)}> {dev}({ptr}, {c_int(size, symbols)});")
            passed.append(f"{dev}.p")
            if writes:
                post.append(f"{dev}.back({ptr});")
        return pre, passed, post

    return stage
