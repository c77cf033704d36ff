"""Runtime: toolchain discovery, build cache, native build/load/call, wafer simulator.

The code generators call `compile_cpp` / `compile_cuda` with generated source and `ArgSpec`s
and get back a checked `NativeFunction`.
"""

from sluice.runtime.build import build_cpp, build_cuda
from sluice.runtime.cache import BuildCache, Entry, cache_key
from sluice.runtime.compiled import compile_cpp, compile_cuda
from sluice.runtime.native import ArgSpec, NativeFunction, load
from sluice.runtime.toolchain import Tool, discover, doctor_report

__all__ = [
    "ArgSpec",
    "BuildCache",
    "Entry",
    "NativeFunction",
    "Tool",
    "build_cpp",
    "build_cuda",
    "cache_key",
    "compile_cpp",
    "compile_cuda",
    "discover",
    "doctor_report",
    "load",
]
