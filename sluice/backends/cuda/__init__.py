"""The CUDA backend: IR -> CUDA C++ -> nvcc -> a callable like `interpret`.

    src = generate(program)                    # CUDA source text
    fn = build(program)                        # built with nvcc (cached)
    fn = build(program, {"emulate": True})     # the same kernels as host code, no GPU needed
    fn(*args, **kwargs)

Maps whose iterations are independent become kernels; the rest of the program is the CPU
backend's host code over managed memory (see module.py and kernels.py).
"""

from dataclasses import fields

from sluice.backends.cuda.driver import CudaOptions, build, generate

BUILD_OPTIONS = frozenset(f.name for f in fields(CudaOptions))

__all__ = ["BUILD_OPTIONS", "CudaOptions", "build", "generate"]
