"""The CPU backend: IR -> C++/OpenMP -> shared library -> a callable like `interpret`.

    src = generate(program)          # C++ source text
    fn = build(program)              # compiled (cached), called like sluice.ir.interpret
    fn(*args, **kwargs)

`options` is a `CpuOptions` (or a dict of its fields): the pass pipeline to run first
(`"O2"` by default, None for none), extra compiler flags, and the build cache.
"""

from dataclasses import fields

from sluice.backends.cpu.driver import CpuOptions, build, generate
from sluice.backends.cpu.runner import CompiledProgram

# the options `build` takes (the decorators ask for a `strided` build where one helps)
BUILD_OPTIONS = frozenset(f.name for f in fields(CpuOptions))

__all__ = ["BUILD_OPTIONS", "CompiledProgram", "CpuOptions", "build", "generate"]
