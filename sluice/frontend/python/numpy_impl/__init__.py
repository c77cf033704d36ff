"""NumPy functions that sluice implements in the Python it compiles.

Each module here is ordinary NumPy code, written in the subset the frontend traces. A rule
(`rules/solvers.py`) checks the user's call as NumPy does, converts the operands to NumPy's
result type and traces the implementation in place, so every backend runs it without a
library node of its own. Errors point at the user's call, not into these files.

`require(ok, message)` is the one intrinsic: NumPy raises `LinAlgError(message)` unless
`ok`; traced, it is a run-time check that stops the program with `message`. So each
implementation also runs as plain NumPy (tests compare both).
"""

from sluice.frontend.python.numpy_impl.intrinsics import require

__all__ = ["require"]
