"""Loops that end on a test of the data — `while` loops, `for` loops with a `break` — made
countable for the reverse sweep.

The Python frontend writes `while c:` as `while True { pre; if not c { break }; post }`, and
a `for` loop with a `break` has the same shape: `for i in r { pre; if c { A; break }; post }`.
Once the number `m` of iterations that reach `post` is known, such a loop is exactly
`for it in range(m) { pre; post }` followed by the iteration that leaves it, `pre; A`
(always for a `while`; for a `for` loop only if it left early, `m` < its length, with the
loop variable at that iteration's value). The sweep reverses that like any loop. sluice
learns `m` from a counting run: a copy of the program that counts these iterations of each
such loop and returns the counts (`counting_program`), run before the joint program, which
takes them as symbols. Only loops outside other loops are counted (one count each).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import sympy

from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir.builder import GraphBuilder, ProgramBuilder
from sluice.ir.control import Assign, Block, Branch, Break, Loop, Region, State, While
from sluice.ir.data import Scalar
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Memlet, Range
from sluice.ir.program import Program
from sluice.ir.serialize import from_json, to_json
from sluice.ir.symbolic import value
from sluice.passes.autodiff.structure import jumps


@dataclass
class _Split:
    pre: list[Block]
    exit: Branch
    leaving: list[Block]  # what the exit runs before it breaks
    post: list[Block]


def _split(blk: While | Loop) -> _Split:
    """`pre`, the one branch that breaks (last, after `leaving`), `post`; else refused."""
    if isinstance(blk, While) and X.const_value(blk.cond) is not True \
            and blk.cond != sympy.true:
        raise UnsupportedError("autodiff: a while loop must be `while True` with one test "
                               "that breaks (as the Python frontend writes `while c:`)")
    blocks = blk.body.blocks
    exits = [k for k, b in enumerate(blocks) if isinstance(b, Branch) and len(b.cases) == 1
             and b.orelse is None and b.cases[0][1].blocks
             and isinstance(b.cases[0][1].blocks[-1], Break)
             and not any(_breaks(x) for x in b.cases[0][1].blocks[:-1])]
    if len(exits) != 1 or any(_breaks(b) for k, b in enumerate(blocks) if k != exits[0]):
        raise UnsupportedError("autodiff: a loop that can end in more than one place (several "
                               "`break`s, or one inside nested branches) is not supported yet")
    k = exits[0]
    return _Split(blocks[:k], blocks[k], blocks[k].cases[0][1].blocks[:-1], blocks[k + 1:])


def _breaks(b: Block) -> bool:
    return jumps(b, Break)


def _counted(region: Region) -> list[While | Loop]:
    """The loops outside other loops that end on a test, in program order."""
    out: list[While | Loop] = []
    for b in region.blocks:
        if isinstance(b, While) or (isinstance(b, Loop) and any(_breaks(x)
                                                                 for x in b.body.blocks)):
            out.append(b)
        elif isinstance(b, Branch):
            for r in b.regions():
                out += _counted(r)
    return out


def has_whiles(program: Program) -> bool:
    """Whether the program has loops that `counting_program` counts."""
    return bool(_counted(program.body))


def counting_program(program: Program) -> Program:
    """A copy of `program` that returns, instead of its results, how many iterations each
    loop that ends on a test runs to its end (int64 scalars, in program order)."""
    p = from_json(to_json(program))
    p.name = f"{program.name}_trips"
    b = ProgramBuilder(p.name)
    b.program = p
    counters = []
    for k, blk in enumerate(_counted(p.body)):
        split = _split(blk)
        name = _fresh(p, f"trips_{k}")
        b.add_data(name, DType.int64)
        counters.append(name)
        zero, step = State(f"start_{name}"), State(f"count_{name}")
        GraphBuilder(b, zero.graph).tasklet([("o", X.literal(0))], {},
                                            {"o": Memlet(name, ())}, label="count")
        GraphBuilder(b, step.graph).tasklet([("o", X.add(value("n"), X.literal(1)))],
                                            {"n": Memlet(name, ())}, {"o": Memlet(name, ())},
                                            label="count")
        blk.body.blocks = split.pre + [split.exit, step] + split.post
        _insert_before(p.body, blk, zero)
    for ret in p.returns:
        p.data[ret] = _transient(p.data[ret])
    p.returns = counters
    p.verify()
    return p


def _transient(c: Scalar) -> Scalar:
    c = copy.copy(c)
    c.transient = True
    return c


def _fresh(p: Program, base: str) -> str:
    name, k = base, 0
    while name in p.data or name in p.symbols:
        k += 1
        name = f"{base}_{k}"
    return name


def as_counted_loops(p: Program) -> list[str]:
    """Rewrite each loop of `p` that ends on a test (in place) as a `for` loop over a new
    symbol argument, followed by the iteration that leaves it; the symbols' names, in the
    order of the counts."""
    names = []
    for k, blk in enumerate(_counted(p.body)):
        split = _split(blk)
        n = _fresh(p, f"trips_{k}")
        p.symbols[n] = DType.int64
        p.args.append(n)
        names.append(n)
        m = sympy.Symbol(n, integer=True)
        body = Region(split.pre + split.post)
        last = copy.deepcopy(split.pre) + copy.deepcopy(split.leaving)
        if isinstance(blk, While):
            it = _fresh(p, f"it_{k}")
            p.symbols[it] = DType.int64
            new: list[Block] = [Loop(it, sympy.Integer(0), m, sympy.Integer(1), body), *last]
        else:
            start, step = blk.start, blk.step
            length = (Range(start, blk.stop, step) if step > 0
                      else Range(-start, -blk.stop, -step)).size()
            left = sympy.Lt(m, length)
            new = [Loop(blk.var, start, start + m * step, step, body),
                   Branch([(left, Region([Assign({blk.var: start + m * step}), *last]))])]
        _replace(p.body, blk, new)
    return names


def _insert_before(region: Region, old: Block, new: Block) -> bool:
    for k, b in enumerate(region.blocks):
        if b is old:
            region.blocks.insert(k, new)
            return True
        if isinstance(b, Branch) and any(_insert_before(r, old, new) for r in b.regions()):
            return True
    return False


def _replace(region: Region, old: Block, new: list[Block]) -> bool:
    for k, b in enumerate(region.blocks):
        if b is old:
            region.blocks[k:k + 1] = new
            return True
        if isinstance(b, Branch) and any(_replace(r, old, new) for r in b.regions()):
            return True
    return False


__all__ = ["as_counted_loops", "counting_program", "has_whiles"]
