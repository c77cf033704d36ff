"""Lowering rules keyed by the NumPy function (or array method, attribute, builtin) they
implement; importing this package fills the tables."""

from sluice.frontend.python.rules import (
    creation,
    elementwise,
    grids,
    histograms,
    linalg,
    pybuiltins,
    reductions,
    shaping,
    solvers,
    statistics,
)
from sluice.frontend.python.rules.table import ATTRIBUTES, BUILTINS, FUNCTIONS, METHODS

__all__ = ["ATTRIBUTES", "BUILTINS", "FUNCTIONS", "METHODS", "creation", "elementwise",
           "grids", "histograms", "linalg", "pybuiltins", "reductions", "shaping", "solvers",
           "statistics"]
