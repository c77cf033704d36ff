"""Store or checkpoint, per loop, under a memory budget: a small integer program solved by
HiGHS (`highspy`).

Each outermost loop `l` with tapes either stores them (memory `S_l`, no extra work) or runs
checkpointed with segments of `k` iterations (memory `M_l(k)`: the checkpoints plus one
segment's tapes, evaluated from the checkpointed joint program for the call's sizes; the
loop runs once more in the sweep, so its work, estimated by the bytes it overwrites, `S_l`,
is the cost). Binary `x[l, c]` picks one choice `c` per loop:

    minimise   sum cost[l, c] x[l, c] + eps * memory
    such that  base + sum memory[l, c] x[l, c] <= budget,   sum_c x[l, c] = 1 for each l

`base` is everything else the gradient holds (arguments, gradients, tapes outside loops).
An infeasible budget is refused with the smallest feasible one (every loop at its least).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sluice.errors import SluiceError

# segment lengths tried: about 30% apart, up to 2**22 iterations
LENGTHS = sorted({max(1, round(1.3 ** e)) for e in range(0, 59)})


@dataclass(frozen=True)
class Choice:
    length: int | None  # None: store the loop's tapes
    memory: int
    cost: int


def choose(base: int, options: dict[int, list[Choice]], budget: int) -> dict[int, Choice]:
    """The choice per loop that fits `budget` with the least extra work."""
    least = base + sum(min(c.memory for c in cs) for cs in options.values())
    if least > budget:
        raise SluiceError(
            f"the gradient needs at least {least:,d} bytes, more than memory_budget = "
            f"{budget:,d}", hint=f"the smallest feasible budget is {least:,d} bytes, with "
                                 "its loops checkpointed")
    import highspy

    with _quiet():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    scale = max(1, max(c.memory for cs in options.values() for c in cs))
    x: dict[tuple[int, int], object] = {}
    for loop, cs in options.items():
        for k, c in enumerate(cs):
            # (memory breaks ties between choices of equal work: a shorter tape)
            x[loop, k] = h.addBinary(obj=c.cost / scale + 1e-6 * c.memory / scale)
        h.addConstr(sum(x[loop, k] for k in range(len(cs))) == 1)
    h.addConstr(sum(c.memory / scale * x[loop, k] for loop, cs in options.items()
                    for k, c in enumerate(cs)) <= (budget - base) / scale)
    h.minimize()
    if str(h.getModelStatus()) != "HighsModelStatus.kOptimal":
        raise SluiceError(f"the store-or-checkpoint problem has no solution "
                          f"({h.getModelStatus()}) within memory_budget = {budget:,d}")
    picked = {}
    for loop, cs in options.items():
        values = h.vals([x[loop, k] for k in range(len(cs))])
        picked[loop] = cs[max(range(len(cs)), key=lambda k: values[k])]
    return picked


def loop_options(stored: dict[int, int], checkpointed: Callable[[int, int], int]
                 ) -> dict[int, list[Choice]]:
    """Per loop: storing (its tape bytes `stored[l]`) and each segment length `k`, whose
    memory `checkpointed(l, k)` gives."""
    out = {}
    for loop, s in stored.items():
        cs = [Choice(None, s, 0)]
        cs += [Choice(k, checkpointed(loop, k), s) for k in LENGTHS]
        out[loop] = cs
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """HiGHS prints its banner on stdout when it starts; sluice's output stays the user's."""
    sys.stdout.flush()
    try:
        fd = os.dup(1)
    except OSError:
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(fd, 1)
            os.close(fd)


__all__ = ["Choice", "LENGTHS", "choose", "loop_options"]
