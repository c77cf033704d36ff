"""Source text in, checked callable out: the one call a code generator needs.

    fn = compile_cpp(source, "saxpy", [ArgSpec.array("x", "float32", ["N"]), ...], name="saxpy")
    fn(x, y, 2.0)

Building goes through the build cache (`build.py`); loading and argument checking through
`native.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sluice.runtime.build import build_cpp, build_cuda
from sluice.runtime.cache import BuildCache
from sluice.runtime.native import ArgSpec, NativeFunction, load


def compile_cpp(
    source: str,
    entry: str,
    specs: Sequence[ArgSpec],
    *,
    name: str | None = None,
    symbols: Sequence[str] | None = None,
    restype: Any = None,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    cache: BuildCache | None = None,
) -> NativeFunction:
    """Compile C++ `source` (cached) and load its `extern "C"` function `entry`."""
    path = build_cpp(source, name=name or entry, flags=flags, ir_text=ir_text,
                     extra_key=extra_key, cache=cache)
    return load(path, entry, specs, symbols=symbols, restype=restype)


def compile_cuda(
    source: str,
    entry: str,
    specs: Sequence[ArgSpec],
    *,
    name: str | None = None,
    symbols: Sequence[str] | None = None,
    restype: Any = None,
    arch: str | None = None,
    flags: Sequence[str] | None = None,
    ir_text: str | None = None,
    extra_key: Mapping[str, str] | None = None,
    cache: BuildCache | None = None,
) -> NativeFunction:
    """Compile CUDA `source` with nvcc (cached) and load its host entry function `entry`.

    The entry receives host pointers; the generated code owns the device transfers.
    """
    path = build_cuda(source, name=name or entry, arch=arch, flags=flags, ir_text=ir_text,
                      extra_key=extra_key, cache=cache)
    return load(path, entry, specs, symbols=symbols, restype=restype)
