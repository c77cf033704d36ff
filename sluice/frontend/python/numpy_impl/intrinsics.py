"""The intrinsic of the NumPy implementations (see the package's docstring)."""

from __future__ import annotations

from typing import Any

import numpy as np


def require(ok: Any, message: str) -> None:
    """Stop with `message` (NumPy's LinAlgError) unless `ok` holds."""
    if not ok:
        raise np.linalg.LinAlgError(message)
