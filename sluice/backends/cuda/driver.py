"""`generate` and `build`: the CUDA backend's public entry points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sluice.backends.cpu.driver import SEMANTIC_FLAGS, optimize, program_text
from sluice.backends.cpu.initialised import poison_unzeroed
from sluice.backends.cpu.module import entry_name
from sluice.backends.cpu.runner import CompiledProgram
from sluice.backends.cuda.module import CudaModuleGen
from sluice.backends.options import options_of
from sluice.errors import SluiceError
from sluice.generated import GeneratedSource
from sluice.ir.program import Program
from sluice.ir.text import without_locations
from sluice.log import get_logger, stage
from sluice.runtime import toolchain
from sluice.runtime.build import build_cpp_entry, build_cuda
from sluice.runtime.cache import BuildCache
from sluice.runtime.switches import turned_on

BACKEND_VERSION = "cuda-1"
_log = get_logger(__name__)
EMULATE_VARIABLE = "SLUICE_CUDA_EMULATE"
# Without a GPU to ask, nvcc compiles for the H100's architecture (compile checks only).
FALLBACK_ARCH = "sm_90"
# NumPy semantics on the device as on the CPU: no fused multiply-adds, IEEE division and
# square roots, denormals kept; host code gets the CPU backend's flags.
NVCC_FLAGS: tuple[str, ...] = (
    "-std=c++17", "--expt-relaxed-constexpr", "--fmad=false", "-prec-div=true",
    "-prec-sqrt=true", "-ftz=false", "-Xcompiler", ",".join(["-fopenmp", *SEMANTIC_FLAGS]),
    "-diag-suppress=177,550", "-lgomp")
# Emulation checks what the code computes, not how fast: a light optimisation level (the
# semantic flags keep every result what -O3 gives) compiles in a fraction of the time.
EMULATION_FLAGS: tuple[str, ...] = ("-O1", "-fopenmp", "-std=c++17")


@dataclass(frozen=True)
class CudaOptions:
    """Options of the CUDA backend.

    pipeline: pass pipeline run on a copy of the program first (None: none).
    emulate: build the kernels as host code (blocks and threads as loops) with the C++
        compiler instead of nvcc: runs anywhere, computes what the GPU computes. None:
        `$SLUICE_CUDA_EMULATE` (set, not 0/off).
    arch: the GPU architecture nvcc compiles for (`sm_90`); None: the first GPU's, or
        sm_90 where there is none (the build then only checks that the code compiles).
    cache: the build cache (default: `$SLUICE_CACHE_DIR` or ~/.cache/sluice).
    verify: verify the IR after each pass.
    host_opt: nvcc's optimisation level of the host code (`-O3`). The device code is
        optimised either way; `-O0` makes a build that only checks that the code compiles
        (where no GPU will run it) several times faster.
    """

    pipeline: str | None = "O2"
    emulate: bool | None = None
    arch: str | None = None
    cache: BuildCache | None = None
    verify: bool = False
    host_opt: str = "-O3"

    @property
    def emulated(self) -> bool:
        if self.emulate is not None:
            return bool(self.emulate)
        return turned_on(EMULATE_VARIABLE)

    @classmethod
    def of(cls, options: CudaOptions | Mapping[str, Any] | None) -> CudaOptions:
        return options_of(cls, options, "CUDA")

    def target_arch(self) -> str:
        return self.arch or toolchain.gpu_arch() or FALLBACK_ARCH


def generate(program: Program, options: CudaOptions | Mapping[str, Any] | None = None
             ) -> GeneratedSource:
    """The CUDA source of `program` (after the options' pass pipeline)."""
    opts = CudaOptions.of(options)
    return CudaModuleGen(optimize(program, opts), opts).source()


def build(program: Program, options: CudaOptions | Mapping[str, Any] | None = None
          ) -> CompiledProgram:
    """Compile `program` (cached) into a callable with `interpret`'s calling convention:
    with nvcc for the GPU, or as host code where `emulate` is set."""
    opts = CudaOptions.of(options)
    prog = optimize(program, opts)
    with stage(_log, f"codegen {prog.name}: CUDA"):
        source = CudaModuleGen(prog, opts).source()
    text = program_text(prog)  # (None where the IR has no text form: the source is keyed)
    ir_text = without_locations(text) if text is not None else None
    if opts.emulated:
        path = build_emulated(source, prog.name, ir_text, opts)
    else:
        path = build_device(source, prog.name, ir_text, opts)
    return CompiledProgram(prog, str(path), entry_name(prog), source)


def build_emulated(source: str, name: str, ir_text: str | None, opts: CudaOptions) -> Path:
    """The generated CUDA file built by the C++ compiler: kernels run as host loops."""
    flags = [*EMULATION_FLAGS, *SEMANTIC_FLAGS, *_poison()]
    return build_cpp_entry(source, name=name, flags=flags, ir_text=ir_text,
                           extra_key={"backend": BACKEND_VERSION, "mode": "emulation"},
                           cache=opts.cache).artifact_path


def build_device(source: str, name: str, ir_text: str | None, opts: CudaOptions) -> Path:
    """The generated CUDA file built by nvcc for `opts.target_arch()`."""
    if toolchain.find_nvcc() is None:
        raise SluiceError("the CUDA target needs nvcc, which was not found",
                          hint="install the CUDA toolkit or set $CUDA_HOME; "
                          f"or set {EMULATE_VARIABLE}=1 to run the kernels on the CPU")
    if opts.host_opt not in ("-O0", "-O1", "-O2", "-O3"):
        raise SluiceError(f"host_opt must be one of -O0 .. -O3, got {opts.host_opt!r}")
    return build_cuda(source, name=name, arch=opts.target_arch(),
                      flags=[opts.host_opt, *NVCC_FLAGS, *_poison()], ir_text=ir_text,
                      extra_key={"backend": BACKEND_VERSION}, cache=opts.cache)


def _poison() -> list[str]:
    return ["-DSL_POISON_UNZEROED"] if poison_unzeroed() else []
