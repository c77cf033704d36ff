"""sluice: a compiler toolkit for data-centric programs."""

from sluice.errors import SluiceError

__version__ = "0.1.0"

__all__ = ["SluiceError", "__version__"]
