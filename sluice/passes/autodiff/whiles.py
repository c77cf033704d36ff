"""`while` loops with data-dependent trip counts, made countable for the reverse sweep.

The Python frontend writes `while c:` as `while True { pre; if not c { break }; post }`.
Once the number `n` of iterations that reach `post` is known, that loop is exactly
`for it in range(n) { pre; post }` followed by one more `pre` (the test that ends it), which
the sweep reverses like any loop. sluice learns `n` from a counting run: a copy of the
program that counts the iterations of each such loop and returns the counts
(`counting_program`), run before the joint program, which takes them as symbols.
Only loops outside other loops are counted (one count each).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import sympy

from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir.builder import GraphBuilder, ProgramBuilder
from sluice.ir.control import Block, Branch, Break, Loop, Region, State, While
from sluice.ir.data import Scalar
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Memlet
from sluice.ir.program import Program
from sluice.ir.serialize import from_json, to_json
from sluice.ir.symbolic import value


@dataclass
class _Split:
    pre: list[Block]
    post: list[Block]


def _split(blk: While) -> _Split:
    """`pre`, then the `if not c: break`, then `post`; anything else is refused."""
    if X.const_value(blk.cond) is not True and blk.cond != sympy.true:
        raise UnsupportedError("autodiff: a while loop must be `while True` with one test "
                               "that breaks (as the Python frontend writes `while c:`)")
    blocks = blk.body.blocks
    exits = [k for k, b in enumerate(blocks) if isinstance(b, Branch) and len(b.cases) == 1
             and b.orelse is None and [type(x) for x in b.cases[0][1].blocks] == [Break]]
    if len(exits) != 1 or any(isinstance(b, Break) or _breaks(b) for k, b in
                              enumerate(blocks) if k != exits[0]):
        raise UnsupportedError("autodiff: a while loop with a `break` of its own or more than "
                               "one exit is not supported yet")
    k = exits[0]
    return _Split(blocks[:k], blocks[k + 1:])


def _breaks(b: Block) -> bool:
    return any(isinstance(x, Break) for r in b.regions() for x in r.walk()
               if not isinstance(b, Loop | While))


def _whiles(region: Region) -> list[While]:
    """The while loops outside other loops, in program order."""
    out: list[While] = []
    for b in region.blocks:
        if isinstance(b, While):
            out.append(b)
        elif isinstance(b, Branch):
            for r in b.regions():
                out += _whiles(r)
    return out


def has_whiles(program: Program) -> bool:
    return any(isinstance(b, While) for b in program.body.walk())


def counting_program(program: Program) -> Program:
    """A copy of `program` that returns, instead of its results, how many iterations each
    while loop runs to its end (int64 scalars, in program order)."""
    p = from_json(to_json(program))
    p.name = f"{program.name}_trips"
    b = ProgramBuilder(p.name)
    b.program = p
    counters = []
    for k, blk in enumerate(_whiles(p.body)):
        split = _split(blk)
        name = _fresh(p, f"trips_{k}")
        b.add_data(name, DType.int64)
        counters.append(name)
        step = State(f"count_{name}")
        _increment(b, step, name)
        blk.body.blocks = split.pre + [blk.body.blocks[len(split.pre)]] + [step] + split.post
    for ret in p.returns:
        p.data[ret] = _transient(p.data[ret])
    p.returns = counters
    p.verify()
    return p


def _increment(b: ProgramBuilder, st: State, name: str) -> None:
    gb = GraphBuilder(b, st.graph)
    gb.tasklet([("o", X.add(value("n"), X.literal(1)))], {"n": Memlet(name, ())},
               {"o": Memlet(name, ())}, label="count")


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
    """Rewrite each counted while loop of `p` (in place) as a `for` loop over a new symbol
    argument, followed by its last test; the symbols' names, in the order of the counts."""
    names = []
    for k, blk in enumerate(_whiles(p.body)):
        split = _split(blk)
        n = _fresh(p, f"trips_{k}")
        p.symbols[n] = DType.int64
        p.args.append(n)
        names.append(n)
        it = _fresh(p, f"it_{k}")
        p.symbols[it] = DType.int64
        loop = Loop(it, sympy.Integer(0), sympy.Symbol(n, integer=True), sympy.Integer(1),
                    Region(split.pre + split.post))
        _replace(p.body, blk, [loop] + copy.deepcopy(split.pre))
    return names


def _replace(region: Region, old: Block, new: list[Block]) -> bool:
    for k, b in enumerate(region.blocks):
        if b is old:
            region.blocks[k:k + 1] = new
            return True
        if isinstance(b, Branch) and any(_replace(r, old, new) for r in b.regions()):
            return True
    return False


__all__ = ["as_counted_loops", "counting_program", "has_whiles"]
