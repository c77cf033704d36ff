"""`continue` removed from loop bodies before the sweep, which reverses structured blocks.

`for ...: A; if c: B; continue; C` is `for ...: A; if c: B else: C`: the blocks after a
branch that may continue move into each of its cases that does not (the others drop their
`continue`), recursively, so a continue nested in branches is handled too. The blocks are
copied into each case: the result is larger, never different.
"""

from __future__ import annotations

import copy

from sluice.ir.control import Block, Branch, Break, Continue, Loop, Region, While
from sluice.ir.memlet import Range
from sluice.ir.symbolic import Expr


def without_continue(region: Region) -> None:
    """Rewrite every loop body in `region` (in place) so that no `continue` remains."""
    for blk in region.blocks:
        if isinstance(blk, Loop | While):
            _tail(blk.body)
            without_continue(blk.body)
        else:
            for r in blk.regions():
                without_continue(r)


def jumps(blk: Block, kind: type[Break | Continue]) -> bool:
    """A `break` or `continue` (`kind`) of the enclosing loop in `blk`, not of a nested
    loop."""
    if isinstance(blk, kind):
        return True
    if isinstance(blk, Loop | While):
        return False
    return any(jumps(b, kind) for r in blk.regions() for b in r.blocks)


def _tail(region: Region) -> None:
    """`region` ends a loop body: what follows a continue in it never runs after it."""
    for k, blk in enumerate(region.blocks):
        if isinstance(blk, Continue):
            del region.blocks[k:]
            return
        if isinstance(blk, Branch) and jumps(blk, Continue):
            rest = region.blocks[k + 1:]
            del region.blocks[k + 1:]
            if blk.orelse is None:
                blk.orelse = Region()
            for r in blk.regions():
                r.blocks.extend(copy.deepcopy(rest))
                _tail(r)
            return


def loop_trips(blk: Loop) -> Expr:
    """How many iterations a loop with a nonzero constant step runs (an expression)."""
    step = blk.step
    rng = Range(blk.start, blk.stop, step) if step > 0 else \
        Range(-blk.start, -blk.stop, -step)
    return rng.size()


__all__ = ["jumps", "loop_trips", "without_continue"]
