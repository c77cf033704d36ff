"""Compile generated C++ or CUDA source into a shared library, through the build cache.

`build_cpp(source, name=...)` and `build_cuda(source, name=...)` return the path of a `.so`
inside a cache entry. The key covers the source text, the IR text (when given), the target,
the compiler and its version, and the final flags, so any change rebuilds and
`BuildCache.explain` can say which part changed.

A failed compile raises `ToolchainError` with the first error lines and the path of the
source, which is kept under `<cache>/failed/` for the user to inspect or compile by hand.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from sluice.cachedir import private_subfolder, trusted_root
from sluice.errors import CacheError, ToolchainError
from sluice.log import get_logger, stage
from sluice.progress import elapsed
from sluice.runtime import toolchain
from sluice.runtime.cache import BuildCache, Entry, text_hash

DEFAULT_CXX_FLAGS: tuple[str, ...] = ("-O3", "-march=native", "-fopenmp", "-std=c++17")
DEFAULT_NVCC_FLAGS: tuple[str, ...] = ("-O3", "-std=c++17")
_COMPILE_TIMEOUT_S = 900
_MAX_ERROR_LINES = 12
_NAME_RE = re.compile(r"[^A-Za-z0-9_]+")
_log = get_logger(__name__)


def _safe_name(name: str) -> str:
    """A file-name-safe version of a program name (names only label files inside an entry)."""
    return _NAME_RE.sub("_", name).strip("_") or "program"


def cxx_flags(flags: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """The flags to use and notes on what was dropped because this toolchain lacks it."""
    cxx = toolchain.find_cxx()
    wanted = list(DEFAULT_CXX_FLAGS if flags is None else flags)
    notes: list[str] = []
    if cxx is None:
        return wanted, notes
    if "-march=native" in wanted and not toolchain.march_native_support(cxx)[0]:
        wanted.remove("-march=native")
        notes.append("-march=native unsupported; dropped")
    elif "-march=native" in wanted and toolchain.native_fp16_broken(cxx):
        wanted.append("-mno-avx512fp16")
        notes.append("AVX512-FP16 code of this compiler does not assemble; -mno-avx512fp16 added")
    if "-fopenmp" in wanted and not toolchain.openmp_support(cxx)[0]:
        # `#pragma omp` is ignored without -fopenmp, so generated loops run serially.
        wanted.remove("-fopenmp")
        notes.append("OpenMP unavailable; building serial code")
    return wanted, notes


def _error_excerpt(stderr: str) -> str:
    """The first error lines of a compiler's output (warnings before them are skipped)."""
    lines = stderr.strip().splitlines()
    first = next((i for i, ln in enumerate(lines) if "error" in ln.lower()), 0)
    excerpt = lines[first : first + _MAX_ERROR_LINES]
    more = len(lines) - first - len(excerpt)
    if more > 0:
        excerpt.append(f"... ({more} more lines)")
    return "\n".join("    " + ln for ln in excerpt)


def _keep_failed_source(cache: BuildCache, name: str, suffix: str, source: str) -> str:
    """`kept at PATH`, or why the source of a failed build could not be kept (a full or
    unwritable cache must not hide the compiler's error)."""
    try:
        failed = private_subfolder(trusted_root(cache.root), "failed")
        path = failed / f"{name}-{text_hash(source)[:12]}{suffix}"
        path.write_text(source)
    except (OSError, CacheError) as e:
        return f"not kept ({getattr(e, 'strerror', None) or getattr(e, 'message', e)})"
    return f"kept at {path}"


def _compile(
    cmd: list[str], src: Path, *, cache: BuildCache, name: str, source: str, tool: str
) -> None:
    try:
        what = f"compile {name} with {tool}"
        # (-O3 builds of large programs and nvcc take seconds: a bar says what is running)
        with stage(_log, what), elapsed(what):
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=_COMPILE_TIMEOUT_S, check=False
            )
    except subprocess.TimeoutExpired as exc:
        kept = _keep_failed_source(cache, name, src.suffix, source)
        raise ToolchainError(
            f"{tool} timed out after {_COMPILE_TIMEOUT_S} s compiling '{name}'",
            hint=f"the source is {kept}",
        ) from exc
    except OSError as exc:
        raise ToolchainError(f"could not run {cmd[0]}: {exc}",
                             hint="see `sluice doctor`") from exc
    if proc.returncode != 0:
        kept = _keep_failed_source(cache, name, src.suffix, source)
        raise ToolchainError(
            f"{tool} failed to compile '{name}' (exit status {proc.returncode}):\n"
            f"{_error_excerpt(proc.stderr or proc.stdout)}",
            hint=f"the source is {kept}; the command was: "
            f"{shlex.join(_by_hand(cmd, src, kept.removeprefix('kept at ')))}",
        )


def _by_hand(cmd: list[str], src: Path, kept: str) -> list[str]:
    """`cmd` compiling the kept copy of the source into the current directory."""
    out = [str(kept) if a == str(src) else a for a in cmd]
    if "-o" in out:
        k = out.index("-o") + 1
        out[k] = Path(out[k]).name
    return out


def cpp_key_parts(
    source: str,
    *,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    libs: Sequence[str] = (),
) -> dict[str, str]:
    """The cache key parts `build_cpp` uses (for `BuildCache.explain`/`lookup` without building)."""
    cxx = toolchain.find_cxx() or "none"
    used, _ = cxx_flags(flags)
    parts = {
        "source": text_hash(source),
        "ir": text_hash(ir_text) if ir_text is not None else "",
        "target": "cpu",
        "compiler": cxx,
        "compiler_version": toolchain.cxx_version(cxx) if cxx != "none" else "",
        "flags": shlex.join(used),
        # -march=native code can crash on another CPU sharing this cache (NFS homes).
        "host": toolchain.cpu_name() if "-march=native" in used else "",
    }
    if libs:
        parts["libs"] = shlex.join(libs)
    return {**parts, **(extra_key or {})}


def cuda_key_parts(
    source: str,
    *,
    arch: str | None = None,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The cache key parts `build_cuda` uses."""
    nvcc = toolchain.find_nvcc() or "none"
    parts = {
        "source": text_hash(source),
        "ir": text_hash(ir_text) if ir_text is not None else "",
        "target": "cuda",
        "compiler": nvcc,
        "compiler_version": toolchain.nvcc_version(nvcc) if nvcc != "none" else "",
        "flags": shlex.join(_nvcc_flags(arch, flags)),
    }
    return {**parts, **(extra_key or {})}


def _nvcc_flags(arch: str | None, flags: Sequence[str] | None) -> list[str]:
    used = list(DEFAULT_NVCC_FLAGS if flags is None else flags)
    return used + [f"-arch={arch}"] if arch else used


def build_cpp(
    source: str,
    *,
    name: str,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    cache: BuildCache | None = None,
) -> Path:
    """Compile C++ `source` into a shared library; returns the cached `.so` path."""
    return build_cpp_entry(
        source, name=name, flags=flags, ir_text=ir_text, extra_key=extra_key, cache=cache
    ).artifact_path


def build_cpp_entry(
    source: str,
    *,
    name: str,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    cache: BuildCache | None = None,
    libs: Sequence[str] = (),
) -> Entry:
    """Like `build_cpp`, returning the whole cache entry (manifest data included).

    `libs` are linker arguments placed after the source (`-L`, `-l`, `-Wl,...`); they are
    part of the cache key.
    """
    cxx = toolchain.find_cxx()
    if cxx is None:
        raise ToolchainError(
            "no C++ compiler found", hint="install g++ or clang++, or set $CXX; see `sluice doctor`"
        )
    cache = cache or BuildCache()
    used, _notes = cxx_flags(flags)
    safe = _safe_name(name)
    artifact = f"lib{safe}.so"
    parts = cpp_key_parts(source, flags=flags, ir_text=ir_text, extra_key=extra_key, libs=libs)

    def build(tmp: Path) -> None:
        src = tmp / f"{safe}.cpp"
        src.write_text(source)
        cmd = [cxx, *used, "-shared", "-fPIC", "-o", str(tmp / artifact), str(src), *libs]
        _compile(cmd, src, cache=cache, name=safe, source=source, tool=Path(cxx).name)

    return cache.get_or_build(parts, build, artifact=artifact, program=name, target="cpu")


def build_cuda(
    source: str,
    *,
    name: str,
    arch: str | None = None,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    cache: BuildCache | None = None,
) -> Path:
    """Compile CUDA `source` with nvcc into a shared library; needs nvcc, not a GPU.

    `arch` is passed as `-arch=<arch>` (e.g. "sm_80"); None leaves nvcc's default.
    """
    nvcc = toolchain.find_nvcc()
    if nvcc is None:
        raise ToolchainError(
            "nvcc not found", hint="install the CUDA toolkit or set $CUDA_HOME; see `sluice doctor`"
        )
    cache = cache or BuildCache()
    used = _nvcc_flags(arch, flags)
    safe = _safe_name(name)
    artifact = f"lib{safe}.so"
    parts = cuda_key_parts(source, arch=arch, flags=flags, ir_text=ir_text, extra_key=extra_key)

    def build(tmp: Path) -> None:
        src = tmp / f"{safe}.cu"
        src.write_text(source)
        cmd = [nvcc, *used, "-Xcompiler", "-fPIC", "-shared",
               str(src), "-o", str(tmp / artifact)]
        _compile(cmd, src, cache=cache, name=safe, source=source, tool="nvcc")

    entry = cache.get_or_build(parts, build, artifact=artifact, program=name, target="cuda")
    return entry.artifact_path
