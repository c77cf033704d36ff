"""NPBench-style NumPy kernels, one module per kernel.

Every module defines ``NAME``, ``SIZES`` (``"test"``, ``"S"``, ``"M"`` -> keyword arguments of
``init``), ``OUTPUTS`` (indices of the arguments mutated in place), ``init(**size)`` returning a
fresh argument tuple, ``kernel_numpy(*args)`` and ``kernel_reference(*args)`` (explicit loops,
only meant for the tiny ``"test"`` size). ``kernel_numpy`` follows NPBench's formulation of
the kernel (its loops and NumPy constructs); where an earlier version was restructured by hand
(vectorised, loops reordered, harder constructs avoided) the module keeps it, with the same
signature and outputs, as ``kernel_restructured``.
"""

import importlib

ALL = [
    "gemm",
    "atax",
    "bicg",
    "mvt",
    "gesummv",
    "syrk",
    "syr2k",
    "k2mm",
    "k3mm",
    "doitgen",
    "jacobi_1d",
    "jacobi_2d",
    "heat_3d",
    "fdtd_2d",
    "seidel_2d",
    "adi",
    "lu",
    "cholesky",
    "trisolv",
    "durbin",
    "floyd_warshall",
    "softmax",
    "mlp",
    "conv2d_bias",
    "go_fast",
    "azimint_naive",
    "crc16",
    "nbody",
    "spmv",
    "hdiff",
    "vadv",
    "gemver",
    "covariance",
    "correlation",
    "symm",
    "trmm",
    "arc_distance",
    "azimint_hist",
    "compute",
    "cavity_flow",
    "channel_flow",
    "cholesky2",
    "contour_integral",
    "covariance2",
    "deriche",
    "gramschmidt",
    "lenet",
    "ludcmp",
    "mandelbrot1",
    "mandelbrot2",
    "nussinov",
    "resnet",
    "scattering_self_energies",
    "stockham_fft",
]


def load(name):
    """Import and return the kernel module ``bench.kernels.<name>``."""
    if name not in ALL:
        raise KeyError(f"unknown kernel {name!r}; known: {', '.join(ALL)}")
    return importlib.import_module(f"{__name__}.{name}")
