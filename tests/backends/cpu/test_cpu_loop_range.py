"""Loops run exactly len(range(start, stop, step)) times, even where `i += step` would pass
INT64_MAX (or INT64_MIN) and wrap: the generated loop used to spin forever there."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

import sluice.ir as ir
from sluice.backends.cpu import build

I64_MAX, I64_MIN = 2**63 - 1, -(2**63)

CASES = [
    (0, 10, 3), (10, 0, -3), (5, 5, 1), (7, 3, 2),
    (I64_MAX - 7, I64_MAX, 4),
    (I64_MIN + 7, I64_MIN, -4),
    (0, I64_MAX, 2**62),
    (I64_MIN, I64_MAX, I64_MAX),
    (I64_MAX, I64_MIN, I64_MIN),
]


def _counter(start: int, stop: int, step: int) -> ir.Program:
    return ir.parse(f"""program count(A) {{
  symbol t: int64
  data A: float64[1]
  for t in range({start}, {stop}, {step}) {{
    state s {{
      %0 = access A
      %1 = tasklet "inc" (a) -> (o) {{
        o = a + 1.0
      }}
      %2 = access A
      %0 -> %1.a : A[0]
      %1.o -> %2 : A[0]
    }}
  }}
}}
""")


def _run(fn, queue) -> None:
    a = np.zeros(1)
    fn(a)
    queue.put(float(a[0]))


@pytest.mark.parametrize(("start", "stop", "step"), CASES)
def test_loop_trip_count_is_pythons(start, stop, step):
    fn = build(_counter(start, stop, step), {"pipeline": None})
    # In a child process, so that a loop that never ends fails the test instead of hanging.
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_run, args=(fn, queue))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"range({start}, {stop}, {step}) never ended")
    assert queue.get(timeout=5) == len(range(start, stop, step))
