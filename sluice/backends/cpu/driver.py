"""`generate` and `build`: the CPU backend's public entry points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sluice.backends.cpu import bounds
from sluice.backends.cpu.initialised import poison_unzeroed
from sluice.backends.cpu.module import bounds_name, entry_name, generate_module, generate_source
from sluice.backends.cpu.runner import CompiledProgram
from sluice.backends.options import options_of
from sluice.generated import GeneratedSource
from sluice.ir.program import Program
from sluice.ir.serialize import from_json
from sluice.ir.text import without_locations
from sluice.log import get_logger, stage
from sluice.runtime.blas import Blas, find_blas
from sluice.runtime.build import DEFAULT_CXX_FLAGS, build_cpp_entry, cpp_key_parts
from sluice.runtime.cache import BuildCache
from sluice.runtime.vecmath import VecMath, find_vecmath

# NumPy semantics: signed overflow wraps; `a * b + c` rounds twice (no FMA contraction).
SEMANTIC_FLAGS: tuple[str, ...] = ("-fwrapv", "-ffp-contract=off", "-fno-math-errno")
BACKEND_VERSION = "cpu-1"
_log = get_logger(__name__)


@dataclass(frozen=True)
class CpuOptions:
    """Options of the CPU backend.

    pipeline: pass pipeline run on a copy of the program first (None: none).
    flags: compiler flags replacing `-O3 -march=native -fopenmp -std=c++17`.
    cache: the build cache (default: `$SLUICE_CACHE_DIR`, else the platform's cache folder).
    verify: verify the IR after each pass.
    blas: let MatMul call the BLAS `sluice.runtime.blas` finds (float32/float64 operands in
        BLAS layouts); False keeps the backend's own matrix kernels.
    vecmath: let loops calling exp, log, sin, ... vectorize through the vector math library
        `sluice.runtime.vecmath` finds (within 4 ulp); False keeps scalar calls (within 1 ulp).
    boundscheck: check every array access of the generated code; the first one outside its
        array stops the call with an `OutOfBoundsError` naming the array, the index, the
        extent and the source line (slower; for debugging). None: `$SLUICE_BOUNDSCHECK`.
    parallel: False builds without OpenMP threads (`-fopenmp-simd` for `-fopenmp`: the SIMD
        pragmas stay, every parallel loop runs on the calling thread).
    strided: array arguments the build takes in any layout (transposed, sliced, reversed,
        Fortran order), addressed through element strides passed at each call instead of
        being C-contiguous; `sluice.layouts` asks for such a build, so no copy is made.

    With `$SLUICE_POISON_UNZEROED` set (not "0"), memory handed out without zeroing (the
    transients `initialised.py` proves are written before read) is filled with all-ones
    bytes instead; the test suite sets it so that a wrong proof shows as NaN or -1.
    """

    pipeline: str | None = "O2"
    flags: tuple[str, ...] | None = None
    cache: BuildCache | None = None
    verify: bool = False
    blas: bool = True
    vecmath: bool = True
    boundscheck: bool | None = None
    parallel: bool = True
    strided: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "strided", frozenset(self.strided))

    @property
    def bounds_checked(self) -> bool:
        """Whether generated code checks its accesses (the option, else the environment)."""
        return bounds.from_environment() if self.boundscheck is None else bool(self.boundscheck)

    @classmethod
    def of(cls, options: CpuOptions | Mapping[str, Any] | None) -> CpuOptions:
        return options_of(cls, options, "CPU")

    def compiler_flags(self) -> list[str]:
        base: Sequence[str] = self.flags if self.flags is not None else DEFAULT_CXX_FLAGS
        if not self.parallel:
            base = ["-fopenmp-simd" if f == "-fopenmp" else f for f in base]
        libs = self._libraries()
        return [*base, *SEMANTIC_FLAGS, *(f for lib in libs for f in lib.compile_flags()),
                *(["-DSL_POISON_UNZEROED"] if poison_unzeroed() else [])]

    def link_flags(self) -> list[str]:
        return [f for lib in self._libraries() for f in lib.link_flags()]

    def _libraries(self) -> list[Blas | VecMath]:
        found = (self.blas_library(), find_vecmath() if self.vecmath else None)
        return [lib for lib in found if lib is not None]

    def blas_library(self) -> Blas | None:
        return find_blas() if self.blas else None


def optimize(program: Program, options: CpuOptions) -> Program:
    """The program after the options' pipeline (a copy; the input is never changed)."""
    program.verify()  # invalid IR is reported as such, not as a code generation failure
    if options.pipeline is None:
        return program
    from sluice.passes import pipeline

    copy = from_json(program.to_json())
    pipeline(options.pipeline, verify=options.verify).run(copy)
    return copy


def generate(program: Program, options: CpuOptions | Mapping[str, Any] | None = None
             ) -> GeneratedSource:
    """The C++ source of `program` (after the options' pass pipeline)."""
    opts = CpuOptions.of(options)
    return generate_source(optimize(program, opts), opts)


_LOADED: dict[tuple[str, tuple[str, ...]], CompiledProgram] = {}


def build(program: Program, options: CpuOptions | Mapping[str, Any] | None = None
          ) -> CompiledProgram:
    """Compile `program` (cached) into a callable with `interpret`'s calling convention."""
    opts = CpuOptions.of(options)
    prog = optimize(program, opts)
    with stage(_log, f"codegen {prog.name}: C++"):
        source, sites = generate_module(prog, opts)
    flags = opts.compiler_flags()
    text = program_text(prog)
    # The program's text is in the key: programs with the same code may differ in what the
    # Python side checks (ranks, requirements, their source lines), and the loaded program
    # checks its own (a program without a text shares with no other). The cache root too: a
    # build asked for in one cache is not taken from another.
    key = (source, tuple(flags), text if text is not None else id(prog), tuple(sites),
           opts.strided, str(opts.cache.root) if opts.cache is not None else None)
    hit = _LOADED.get(key)
    if hit is not None:
        _log.info("loaded %s: built earlier in this process", prog.name)
        return hit
    entry = build_cpp_entry(source, name=prog.name, flags=flags, **_key_args(text, opts),
                            cache=opts.cache)
    fn = CompiledProgram(prog, str(entry.artifact_path), entry_name(prog), source,
                         bounds=(bounds_name(prog), sites) if sites else None,
                         strided=opts.strided)
    _LOADED[key] = fn
    return fn


def cache_parts(program: Program, options: CpuOptions | Mapping[str, Any] | None = None
                ) -> dict[str, str]:
    """The build cache key parts `build` would use (`sluice cache explain`), building nothing."""
    opts = CpuOptions.of(options)
    prog = optimize(program, opts)
    return cpp_key_parts(generate_source(prog, opts), flags=opts.compiler_flags(),
                         **_key_args(program_text(prog), opts))


def _key_args(text: str | None, opts: CpuOptions) -> dict[str, Any]:
    """The build cache's key parts besides the source: the IR without source locations
    (the binary does not depend on them, bounds-check messages are made in Python, so
    moving a function in its file keeps its build), the backend and its options."""
    extra = {"backend": BACKEND_VERSION}
    if opts.bounds_checked:
        extra["boundscheck"] = "on"
    return {"ir_text": without_locations(text) if text is not None else None,
            "extra_key": extra, "libs": opts.link_flags()}


def program_text(p: Program) -> str | None:
    """The IR text of `p`, or None where it has none (the keys still cover the source)."""
    try:
        return p.to_text()
    except Exception:  # noqa: BLE001 - the key still covers the generated source
        return None
