"""sluice: a compiler toolkit for data-centric programs."""

from sluice.errors import SluiceError

__version__ = "0.1.0"


def load(path, params=None):
    """Load a `.sptl` spatial kernel with its compile-time parameters bound:
    `k = sluice.load("gemv.sptl", params={"PX": 4, ...}); outs = k(**host_arrays)`."""
    from sluice.frontend.spada.kernel import load as load_kernel

    return load_kernel(path, params)


__all__ = ["SluiceError", "__version__", "load"]
