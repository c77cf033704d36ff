"""The Python frontend: a NumPy-style function's AST -> sluice IR.

`trace_function(fn, specs)` walks the function's source once (`ast`, never bytecode) and
returns the Program with what it depends on (globals read, functions called) for caching.
"""

from sluice.frontend.python.pmap import MapRange, pmap
from sluice.frontend.python.signature import ArgSpec
from sluice.frontend.python.tracer import Dependencies, Traced, trace_function

__all__ = ["ArgSpec", "Dependencies", "MapRange", "Traced", "pmap", "trace_function"]
