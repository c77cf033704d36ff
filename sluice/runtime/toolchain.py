"""Discovery of the external toolchain, each finding with the reason behind it.

Everything here is cached per process: probing a compiler costs a fork or a compile, and the
answer does not change while Python runs. `doctor_report()` renders the findings for
`sluice doctor`, the report users paste into bug reports.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sluice.runtime import blas, vecmath

_PROBE_TIMEOUT_S = 60


@dataclass(frozen=True)
class Tool:
    """One finding: whether `name` is usable and why (version, path, or what is missing)."""

    name: str
    found: bool
    detail: str


def _run(cmd: list[str], timeout: float = _PROBE_TIMEOUT_S) -> subprocess.CompletedProcess | None:
    """Run a probe; None when the program cannot be started or hangs."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


@functools.cache
def find_cxx() -> str | None:
    """The C++ compiler: `$CXX`, else g++/c++/clang++ on PATH, else `$CC` as a last resort."""
    # CC usually names a C driver; it can compile .cpp files but may not link libstdc++,
    # so it only comes after every real C++ driver.
    candidates = [os.environ.get("CXX"), "g++", "c++", "clang++", os.environ.get("CC")]
    for cand in candidates:
        if not cand:
            continue
        path = shutil.which(cand)
        if path:
            return path
    return None


@functools.cache
def cxx_version(cxx: str) -> str:
    """First line of `cxx --version`; part of every cache key, so a compiler update rebuilds."""
    proc = _run([cxx, "--version"])
    if proc is None or proc.returncode != 0:
        return "unknown"
    return _first_line(proc.stdout) or "unknown"


def _try_compile(cxx: str, source: str, flags: list[str], run: bool) -> tuple[bool, str]:
    """Compile `source` with `flags` (and run it when `run`); (ok, reason-if-not)."""
    with tempfile.TemporaryDirectory(prefix="sluice-probe-") as tmp:
        src = Path(tmp) / "probe.cpp"
        exe = Path(tmp) / "probe"
        src.write_text(source)
        proc = _run([cxx, *flags, str(src), "-o", str(exe)])
        if proc is None:
            return False, f"{cxx} did not run"
        if proc.returncode != 0:
            return False, _first_line(proc.stderr) or f"exit status {proc.returncode}"
        if not run:
            return True, ""
        out = _run([str(exe)])
        if out is None or out.returncode != 0:
            return False, "test program failed to run"
        return True, out.stdout.strip()


_OMP_PROBE = """
#include <omp.h>
#include <cstdio>
int main() {
    int n = 0;
    #pragma omp parallel reduction(+ : n)
    n += 1;
    std::printf("%d\\n", n);
    return n >= 1 ? 0 : 1;
}
"""


@functools.cache
def openmp_support(cxx: str) -> tuple[bool, str]:
    """Whether `-fopenmp` compiles, links and runs; detail is the thread count or the reason."""
    ok, detail = _try_compile(cxx, _OMP_PROBE, ["-fopenmp"], run=True)
    return ok, (f"{detail} threads" if ok else detail)


@functools.cache
def march_native_support(cxx: str) -> tuple[bool, str]:
    """Whether `-march=native` is accepted (some clang/ARM and cross compilers refuse it)."""
    return _try_compile(cxx, "int main() { return 0; }\n", ["-march=native"], run=False)


# GCC 12 emits masked `vmovsh` forms for float16 selects that binutils refuses ("unsupported
# masking for `vmovsh'") when -march=native turns on AVX512-FP16 (e.g. on Rocket Lake and
# Sapphire Rapids): such builds then fail to assemble.
_FP16_PROBE = """
#include <cstdint>
void select(_Float16* __restrict a, const _Float16* __restrict b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = b[i] > (_Float16)1 ? b[i] : (_Float16)0;
}
int main() { return 0; }
"""


@functools.cache
def native_fp16_broken(cxx: str) -> bool:
    """Whether `-O3 -march=native` float16 code fails to build here while the same code
    without AVX512-FP16 instructions builds (then `-mno-avx512fp16` is added)."""
    native = ["-O3", "-march=native", "-std=c++17"]
    if _try_compile(cxx, _FP16_PROBE, native, run=False)[0]:
        return False
    return _try_compile(cxx, _FP16_PROBE, [*native, "-mno-avx512fp16"], run=False)[0]


@functools.cache
def cpu_name() -> str:
    """Architecture and CPU model: what `-march=native` code is specialised for."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model", "cpu model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.machine()} {model or platform.processor()}".strip()


@functools.cache
def find_nvcc() -> str | None:
    """nvcc from `$CUDA_HOME`/`$CUDA_PATH`, PATH, or the usual install prefix."""
    for env in ("CUDA_HOME", "CUDA_PATH"):
        root = os.environ.get(env)
        if root and (Path(root) / "bin" / "nvcc").is_file():
            return str(Path(root) / "bin" / "nvcc")
    path = shutil.which("nvcc")
    if path:
        return path
    default = Path("/usr/local/cuda/bin/nvcc")
    return str(default) if default.is_file() else None


@functools.cache
def nvcc_version(nvcc: str) -> str:
    """The `release X.Y, VX.Y.Z` line of `nvcc --version`."""
    proc = _run([nvcc, "--version"])
    if proc is None or proc.returncode != 0:
        return "unknown"
    for line in proc.stdout.splitlines():
        if "release" in line:
            return line.strip()
    return _first_line(proc.stdout) or "unknown"


@functools.cache
def gpus() -> tuple[str, ...]:
    """Names of the NVIDIA GPUs `nvidia-smi -L` lists; empty without a driver or device."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    proc = _run([smi, "-L"], timeout=20)
    if proc is None or proc.returncode != 0:
        return ()
    return tuple(line.strip() for line in proc.stdout.splitlines() if line.startswith("GPU"))


@functools.cache
def gpu_arch() -> str | None:
    """The first GPU's architecture as nvcc names it (`sm_90`), or None without a GPU."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    proc = _run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"], timeout=20)
    if proc is None or proc.returncode != 0:
        return None
    first = _first_line(proc.stdout).strip()
    major, _, minor = first.partition(".")
    return f"sm_{major}{minor}" if major.isdigit() and minor.isdigit() else None


def discover() -> list[Tool]:
    """Probe every tool sluice can use; never raises."""
    tools = [Tool("python", True, f"{platform.python_version()} ({sys.executable})")]

    cxx = find_cxx()
    if cxx is None:
        tools.append(Tool("c++ compiler", False, "none of $CXX, g++, c++, clang++, $CC found"))
    else:
        tools.append(Tool("c++ compiler", True, f"{cxx}: {cxx_version(cxx)}"))
        omp_ok, omp_detail = openmp_support(cxx)
        tools.append(Tool("openmp", omp_ok, omp_detail if omp_ok else f"-fopenmp: {omp_detail}"))
        nat_ok, nat_detail = march_native_support(cxx)
        tools.append(Tool("-march=native", nat_ok, "accepted" if nat_ok else nat_detail))

    ok, detail = blas.describe()
    tools.append(Tool("blas", ok, detail))
    ok, detail = vecmath.describe()
    tools.append(Tool("vector math", ok, detail))

    nvcc = find_nvcc()
    tools.append(
        Tool("nvcc", True, f"{nvcc}: {nvcc_version(nvcc)}")
        if nvcc
        else Tool("nvcc", False, "not on PATH, $CUDA_HOME or /usr/local/cuda")
    )
    found_gpus = gpus()
    arch = gpu_arch() if found_gpus else None
    tools.append(
        Tool("gpu", True, "; ".join(found_gpus) + (f" (compute capability {arch})" if arch else ""))
        if found_gpus
        else Tool("gpu", False, "nvidia-smi missing or lists no GPU")
    )

    dot = shutil.which("dot")
    if dot:
        proc = _run([dot, "-V"])
        version = _first_line(proc.stderr) if proc else ""
        tools.append(Tool("graphviz dot", True, f"{dot}: {version}".rstrip(": ")))
    else:
        tools.append(Tool("graphviz dot", False, "not on PATH (pictures fall back to text)"))

    for env in ("CSLC", "CS_PYTHON"):
        value = os.environ.get(env)
        if value and (shutil.which(value) or Path(value).exists()):
            tools.append(Tool(f"cerebras {env.lower()}", True, value))
        elif value:
            tools.append(Tool(f"cerebras {env.lower()}", False, f"${env}={value} does not exist"))
        else:
            tools.append(Tool(f"cerebras {env.lower()}", False, f"${env} not set (simulator only)"))
    return tools


def doctor_report(tools: list[Tool] | None = None) -> str:
    """A plain-text table of the toolchain for `sluice doctor`."""
    from sluice.version import __version__

    tools = discover() if tools is None else tools
    width = max(len(t.name) for t in tools)
    lines = [f"sluice {__version__} on {platform.platform()}"]
    for t in tools:
        mark = "ok " if t.found else "-- "
        lines.append(f"  {mark} {t.name.ljust(width)}  {t.detail}")
    return "\n".join(lines)
