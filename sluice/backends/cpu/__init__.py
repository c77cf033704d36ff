"""The CPU backend: IR -> C++/OpenMP -> shared library -> a callable like `interpret`.

    src = generate(program)          # C++ source text
    fn = build(program)              # compiled (cached), called like sluice.ir.interpret
    fn(*args, **kwargs)

`options` is a `CpuOptions` (or a dict of its fields): the pass pipeline to run first
(`"O2"` by default, None for none), extra compiler flags, and the build cache.
"""

from sluice.backends.cpu.driver import CpuOptions, build, generate
from sluice.backends.cpu.runner import CompiledProgram

__all__ = ["CompiledProgram", "CpuOptions", "build", "generate"]
