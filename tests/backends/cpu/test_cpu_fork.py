"""A compiled function still runs in a process forked after it ran in parallel.

libgomp's worker pool does not survive fork(); without the prelude's fork guard the child's
first parallel region waited forever for the parent's workers.
"""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

import sluice

N = 1 << 20  # far above the parallel thresholds, so the loop runs on a thread team


@sluice.jit
def _scale(a):
    return a * 2.0 + 1.0


@sluice.jit
def _matmul(a, b):
    return a @ b


M = np.arange(256.0 * 256.0).reshape(256, 256) / 65536.0


def _child(queue) -> None:
    queue.put((float(_scale(np.ones(N)).sum()), float(_matmul(M, M).sum())))


def test_forked_child_runs_a_parallel_function_after_the_parent_did():
    from sluice.runtime.toolchain import find_cxx, openmp_support

    cxx = find_cxx()
    if cxx is None or not openmp_support(cxx)[0]:
        pytest.skip("no C++ compiler with OpenMP: nothing runs in parallel")
    assert float(_scale(np.ones(N)).sum()) == 3.0 * N  # the parent's thread pool now exists
    product = float(_matmul(M, M).sum())
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the forked child hung in its first parallel region")
    assert child.exitcode == 0
    scaled, multiplied = queue.get(timeout=5)
    assert scaled == 3.0 * N
    assert multiplied == pytest.approx(product, rel=1e-12)
    # The parent keeps its threads.
    assert float(_scale(np.ones(N)).sum()) == 3.0 * N
