"""Reverse mode on the IR: the joint forward + backward program of one output.

`differentiate(program, output, wrt)` returns a program that takes the forward arguments,
the trip count of each `while` loop (see `whiles.py`) and a seed (the adjoint of `output`,
1.0 for a gradient), runs the forward body, then the reverse sweep, and returns the forward
program's return values (as they were when the forward body ended) and then the gradient of
each `wrt` argument.

Branches replay the case the forward pass recorded; assigned symbols get their earlier
values back where the sweep passes their assignment (both kept per loop iteration).

The sweep visits the forward blocks backwards: a state's operations in reverse dataflow
order (each through its rule in `rules.py`), a loop as a loop over the same values in
reverse order. Forward values that the backward rules read stay where the forward program
left them, except those a later state overwrites: before such a state the forward pass
saves the container into a tape (one slot per iteration of the enclosing loops), and the
sweep copies it back when it reaches the state — an undo log, so every rule sees the
values its operation saw. The gradient of an overwritten value is cleared where the
overwrite is mirrored, so contributions of a later version never leak into an earlier one.
This is DaCe AD's store-all strategy; recomputation and a memory budget come later.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy

from sluice.errors import SluiceError, UnsupportedError
from sluice.ir import exact as X
from sluice.ir.builder import ProgramBuilder
from sluice.ir.control import Assign, Branch, Check, Loop, Region, Return, State
from sluice.ir.data import Array, Scalar
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet, Range, full_subset
from sluice.ir.program import Program
from sluice.ir.serialize import from_json, to_json
from sluice.ir.symbolic import Expr, FloorDiv, Select, free_names, value
from sluice.passes.autodiff.activity import active_containers
from sluice.passes.autodiff.ops import Op, state_ops
from sluice.passes.autodiff.rules import backward_rule, clear, view_shape
from sluice.passes.autodiff.structure import loop_trips, without_continue
from sluice.passes.autodiff.tapes import (
    Reader,
    Slot,
    at_reads,
    backward_readers,
    places,
    read_later,
    redirect,
    whole_slot,
)
from sluice.passes.autodiff.whiles import as_counted_loops


@dataclass
class _Tape:
    saved: Memlet  # the part of a forward container that a state overwrites
    slot: Memlet  # where it is kept: a tape with one slot per iteration of enclosing loops
    after: bool  # restored after the state's operations (the state reads its own write)


@dataclass
class _LoopInfo:
    var: str
    start: Expr  # the first value of the iterations that have tape slots
    step: Expr
    trips: Expr  # how many there are
    span: tuple[Expr, Expr] | None = None  # (first value, trips) of all iterations, if more

    def values(self) -> tuple[Expr, Expr]:
        """First and last value the loop variable takes (for sizes that depend on it)."""
        start, trips = self.span or (self.start, self.trips)
        return start, start + (trips - 1) * self.step


@dataclass
class _Checkpoint:
    """A loop run in segments of `every` iterations: the forward pass saves the data the
    loop writes before each segment; the sweep restores it, runs the segment again with its
    tapes (`taped`) and reverses it. Tapes then hold one segment, not the whole loop."""

    loop: _LoopInfo  # with tape slots for one segment
    segment: str  # the segment loop's variable
    count: Expr  # segments
    length: Expr  # iterations in the current segment
    saves: list[tuple[Memlet, Memlet]]  # (data, its slot in the checkpoint tape)
    symbols: list[tuple[str, Memlet]]
    taped: Region


@dataclass
class Sweep:
    """What the rules need while the backward pass is built."""

    program: Program
    b: ProgramBuilder
    active: set[str]
    grads: dict[str, str] = field(default_factory=dict)

    def grad(self, data: str) -> str:
        return self.grads[data]

    def fresh(self, base: str) -> str:
        """`base`, or `base_1`, `base_2`, ... if a container or symbol has the name."""
        taken = set(self.program.data) | set(self.program.symbols) | set(self.program.args)
        name, k = base, 0
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        return name

    def fresh_params(self, n: int) -> list[str]:
        """Names for the parameters of a new map (scoped to it: not program symbols)."""
        taken = set(self.program.data) | set(self.program.symbols)
        out, k = [], 0
        while len(out) < n:
            if f"_j{k}" not in taken:
                out.append(f"_j{k}")
            k += 1
        return out

    def temp(self, prefix: str, dtype: DType, shape: Sequence[Expr]) -> str:
        name = self.fresh(prefix)
        self.b.transient(name, dtype, list(shape) if shape else None)
        return name


def differentiate(program: Program, output: str, wrt: Sequence[str],
                  name: str | None = None,
                  checkpoint: bool | Collection[int] = False) -> Program:
    """The joint program `(args..., seed) -> (*forward returns, *grads of wrt)`.

    `checkpoint` (True: all, or the indices among the outermost loops, in program order):
    those loops run in segments whose length is an argument `ckpt_every...` (before the
    seed), and only one segment's tapes are kept at a time. The result's `tape_loops`
    (metadata, not printed) maps each tape to the index of its outermost loop."""
    p = from_json(to_json(program))
    p.name = name or f"{program.name}_grad"
    _check_request(p, output, wrt)
    as_counted_loops(p)  # (while loops take their trip counts as arguments)
    without_continue(p.body)
    for ret in p.returns:  # the joint program returns values of its own
        p.data[ret] = dataclasses.replace(p.data[ret], transient=True)
    ops = {id(s): state_ops(s) for s in p.body.states()}
    active = active_containers(p, (op for v in ops.values() for op in v), wrt, output)
    b = ProgramBuilder(p.name)
    b.program = p
    b._regions = [p.body]
    sweep = Sweep(p, b, active)
    for d in sorted(active | set(wrt), key=list(p.data).index):
        c = p.data[d]
        gname = sweep.fresh(f"grad_{d}")
        sweep.grads[d] = gname
        shape = list(c.shape) if isinstance(c, Array) else None
        if d in wrt:
            b.add_data(gname, c.dtype, shape)
        else:
            b.transient(gname, c.dtype, shape)
    planner = _TapePlanner(sweep, ops, backward_readers(p, ops, active), checkpoint)
    p.tape_loops = planner.tape_loops  # type: ignore[attr-defined]
    forward = planner.forward(p.body, [])
    if planner.symbol_tapes:  # (an assigned symbol has a value to save before its first one)
        forward.blocks.insert(0, Assign({n: sympy.Integer(0) for n in
                                         sorted(_assigned_symbols(p.body))}))
    forward_blocks = Region(list(forward.blocks))
    values = [_like(b, sweep.fresh(f"value_{r}"), p.data[r]) for r in p.returns]
    seed_name = _like(b, sweep.fresh("seed"), p.data[output])
    p.args.append(seed_name)
    p.body = forward
    with _into(b, p.body):
        for r, v in zip(p.returns, values, strict=True):
            with b.state(f"forward_{r}") as s:
                s.copy(_whole(p, r), _whole(p, v))
        if output in active:
            with b.state("seed") as s:
                s.copy(_whole(p, seed_name), dataclasses.replace(
                    _whole(p, sweep.grad(output)), wcr="+"))
        _Reverser(sweep, ops, planner).region(forward_blocks, [])
    p.returns = values + [sweep.grads[w] for w in wrt]
    p.verify()
    return p


def _check_request(p: Program, output: str, wrt: Sequence[str]) -> None:
    if output not in p.data:
        raise SluiceError(f"autodiff: the program has no container '{output}' to "
                          "differentiate")
    if not p.data[output].dtype.is_float:
        raise SluiceError(f"autodiff: the output '{output}' is {p.data[output].dtype}; only "
                          "floating-point outputs have gradients")
    for w in wrt:
        c = p.data.get(w)
        if c is None or w not in p.args:
            raise SluiceError(f"autodiff: '{w}' is not an argument of the program")
        if not c.dtype.is_float or not isinstance(c, Array | Scalar):
            raise SluiceError(f"autodiff: cannot differentiate with respect to '{w}' of type "
                              f"{c.dtype}: only floating-point arguments have gradients",
                              hint="integer and boolean data is not differentiated")


def _like(b: ProgramBuilder, name: str, c: Array | Scalar) -> str:
    """Declare `name` (not transient) with the type and shape of `c`."""
    b.add_data(name, c.dtype, list(c.shape) if isinstance(c, Array) else None)
    return name


def _whole(p: Program, data: str) -> Memlet:
    c = p.data[data]
    return Memlet(data, full_subset(c.shape) if isinstance(c, Array) else ())


@contextmanager
def _into(b: ProgramBuilder, region: Region) -> Iterator[None]:
    b._regions.append(region)
    try:
        yield
    finally:
        b._regions.pop()


# --- the forward pass with tapes ----------------------------------------------------------------
class _TapePlanner:
    """Rebuilds the forward blocks, saving a container before a state that overwrites it
    where a backward rule that runs after that state's reversal reads it; remembers the
    tapes per state for the sweep."""

    def __init__(self, sweep: Sweep, ops: dict[int, list[Op]],
                 readers: dict[str, list[Reader]],
                 checkpoint: bool | Collection[int] = False) -> None:
        self.sweep, self.ops, self.readers = sweep, ops, readers
        self.needed = set(readers)
        self.places = places(sweep.program.body)
        self.at_reads = at_reads(sweep.program, ops, readers,
                                 lambda state_ops, w, d: _reads_of(state_ops, w, d)[1])
        self.read_slots: dict[int, dict[str, Slot]] = {}  # by state: the snapshots it reads
        self.checkpoint = checkpoint
        self.outermost = -1  # index of the latest outermost loop (tapes inside belong to it)
        self.tape_loops: dict[str, int] = {}
        self.checkpoints: dict[int, _Checkpoint] = {}  # by the segment loop
        self.tapes: dict[int, list[_Tape]] = {}
        self.loops: dict[int, _LoopInfo] = {}  # by the rebuilt loop block
        self.decisions: dict[int, Memlet] = {}  # by the rebuilt branch: its recorded case
        self.symbol_tapes: dict[int, list[tuple[str, Memlet]]] = {}  # by assignment block
        self._writers = _write_counts(ops)
        self._assigned = _assigned_symbols(sweep.program.body)
        self._read_so_far: set[str] = set()
        # containers whose backward readers read a per-iteration copy instead (see _snapshot)
        self.snapshots: dict[str, Slot] = {}

    def forward(self, region: Region, loops: list[_LoopInfo]) -> Region:
        """`region`'s blocks with the saves before them (loops rebuilt around theirs)."""
        out = Region()
        for blk in region.blocks:
            if isinstance(blk, State):
                self._save_reads(blk, loops, out)
                self._save(blk, loops, out)
                out.blocks.append(blk)
                self._snapshot(blk, loops, out)
                for op in self.ops[id(blk)]:
                    self._read_so_far |= op.read_names
            elif isinstance(blk, Loop) and not loops:
                self.outermost += 1
                if self.checkpoint is True or (self.checkpoint is not False
                                               and self.outermost in self.checkpoint):
                    self._checkpointed(blk, out)
                else:
                    self._loop(blk, loops, out)
            elif isinstance(blk, Loop):
                self._loop(blk, loops, out)
            elif isinstance(blk, Branch):
                record = self._record(blk, loops, out)
                new = Branch([(c, self.forward(r, loops)) for c, r in blk.cases],
                             self.forward(blk.orelse, loops) if blk.orelse else None)
                out.blocks.append(new)
                self.decisions[id(new)] = record
            elif isinstance(blk, Assign):
                self.symbol_tapes[id(blk)] = self._save_symbols(blk, loops, out)
                out.blocks.append(blk)
            elif isinstance(blk, Check):
                out.blocks.append(blk)
            elif isinstance(blk, Return) and not loops and blk is region.blocks[-1]:
                continue  # the sweep runs after the forward body
            else:
                raise UnsupportedError(f"autodiff: {blk.describe()} is not supported yet "
                                       "(loops with fixed bounds and straight-line code are)")
        return out

    def _loop(self, blk: Loop, loops: list[_LoopInfo], out: Region) -> None:
        info = self._loop_info(blk, loops)
        body = self.forward(blk.body, loops + [info])
        out.blocks.append(dataclasses.replace(blk, body=body))
        self.loops[id(out.blocks[-1])] = info

    def _checkpointed(self, blk: Loop, out: Region) -> None:
        """The loop as segments, with a checkpoint of what it writes before each."""
        sw, p = self.sweep, self.sweep.program
        full = self._loop_info(blk, [])
        every = sw.fresh("ckpt_every")
        p.symbols[every] = DType.int64
        p.args.append(every)
        seg = sw.fresh(f"segment_{blk.var}")
        p.symbols[seg] = DType.int64
        k, j = sympy.Symbol(every, integer=True), sympy.Symbol(seg, integer=True)
        count = FloorDiv(full.trips + k - 1, k)
        length = sympy.Min(k, full.trips - k * j)
        info = _LoopInfo(blk.var, blk.start + blk.step * k * j, blk.step, k,
                         span=(full.start, full.trips))
        plain = copy.deepcopy(blk.body)  # the first run keeps no tapes
        taped = self.forward(blk.body, [info])
        saves, symbols = [], []
        for d in sorted({n for st in blk.body.states() for op in self.ops[id(st)]
                         for n in op.written_names}):
            c = p.data[d]
            if any(blk.var in free_names(n) for n in c.shape):
                raise UnsupportedError(f"autodiff: '{d}' changes size with the loop variable "
                                       f"'{blk.var}'; its loop cannot be checkpointed yet")
            tape = sw.fresh(f"ckpt_{d}")
            sw.b.transient(tape, c.dtype, [count, *c.shape])
            self.tape_loops[tape] = self.outermost
            whole = _whole(p, d)
            saves.append((whole, Memlet(tape, (Index(j),) + tuple(whole.subset))))
        for n in sorted(_assigned_symbols(blk.body)):
            tape = sw.fresh(f"ckpt_{n}")
            sw.b.transient(tape, DType.int64, [count])
            self.tape_loops[tape] = self.outermost
            symbols.append((n, Memlet(tape, (Index(j),))))
        body = Region()
        with _into(sw.b, body), sw.b.state("save_checkpoint") as s:
            for whole, slot in saves:
                s.copy(whole, slot)
            for n, slot in symbols:
                s.tasklet([("o", sympy.Symbol(n, integer=True))], {}, {"o": slot},
                          label="save_symbol")
        body.blocks.append(Loop(blk.var, info.start, info.start + blk.step * length, blk.step,
                                plain))
        outer = Loop(seg, sympy.Integer(0), count, sympy.Integer(1), body)
        out.blocks.append(outer)
        self.checkpoints[id(outer)] = _Checkpoint(info, seg, count, length, saves, symbols,
                                                  taped)

    def _save_symbols(self, blk: Assign, loops: list[_LoopInfo], out: Region
                      ) -> list[tuple[str, Memlet]]:
        """Before symbols are assigned, keep their old values (the sweep gives them back
        where it passes the assignment, for the blocks before it)."""
        saved = []
        with _into(self.sweep.b, out), self.sweep.b.state("save_symbols") as s:
            for n in blk.assignments:
                slot = self._tape(n, loops, (), DType.int64)
                s.tasklet([("o", sympy.Symbol(n, integer=True))], {}, {"o": slot},
                          label="save_symbol")
                saved.append((n, slot))
        return saved

    def _record(self, blk: Branch, loops: list[_LoopInfo], out: Region) -> Memlet:
        """Before a branch, record which case it takes (its conditions may read data that
        changes before the sweep comes back): 0, 1, ... or len(cases) for none."""
        p = self.sweep.program
        slot = self._tape("case", loops, (), DType.int64)
        which: Expr = X.literal(len(blk.cases))
        for k in reversed(range(len(blk.cases))):
            which = Select(blk.cases[k][0], X.literal(k), which)
        names = sorted(n for n in free_names(which) if n in p.data)
        with _into(self.sweep.b, out), self.sweep.b.state("record_case") as s:
            s.tasklet([("o", which)], {n: _whole(p, n) for n in names}, {"o": slot},
                      label="record_case")
        return slot

    def _loop_info(self, blk: Loop, loops: list[_LoopInfo]) -> _LoopInfo:
        p = self.sweep.program
        bounds = (blk.start, blk.stop, blk.step)
        names = set().union(*(free_names(e) for e in bounds))
        if names - set(p.symbols) or names & self._assigned:
            raise UnsupportedError(f"autodiff: {blk.describe()} has bounds computed while "
                                   "the program runs; only loops over sizes, constants and "
                                   "enclosing loop variables are reversed yet")
        step = blk.step
        if not step.is_number or step == 0:
            raise UnsupportedError(f"autodiff: {blk.describe()} has a step that is not a "
                                   "nonzero constant")
        trips = loop_trips(blk)
        if not trips.is_number:
            trips = sympy.Max(trips, 0)
        return _LoopInfo(blk.var, blk.start, step, trips)

    def _save(self, st: State, loops: list[_LoopInfo], out: Region) -> None:
        ops = self.ops[id(st)]
        writers: dict[str, Op] = {}
        for op in ops:
            for d in op.written_names:
                if d in writers:
                    raise UnsupportedError(f"autodiff: state '{st.name}' writes '{d}' twice; "
                                           "not supported yet")
                writers[d] = op
        tapes = []
        for d, w in writers.items():
            if d in self.at_reads or self._varies(d, loops) or \
                    not read_later(self.readers.get(d, []), self.places[id(st)]):
                continue
            old, new = _reads_of(ops, w, d)
            if old and new:
                raise UnsupportedError(f"autodiff: state '{st.name}' reads '{d}' both before "
                                       "and after overwriting it; not supported yet")
            c = self.sweep.program.data[d]
            first_write = (c.transient and self._writers.get(d, 0) == 1 and not loops
                           and not old and d not in self._read_so_far)
            if first_write:
                continue
            saved = next(Memlet(m.data, m.subset) for _, m, _ in w.writes if m.data == d)
            tape = _Tape(saved, self._tape(d, loops, saved.subset), after=new)
            tapes.append(tape)
            with _into(self.sweep.b, out), self.sweep.b.state(f"save_{d}") as s:
                s.copy(tape.saved, tape.slot)
        self.tapes[id(st)] = tapes

    def _save_reads(self, st: State, loops: list[_LoopInfo], out: Region) -> None:
        """Before a state whose rules read containers kept at their reads, copy what they
        read into this iteration's slot (see tapes.py)."""
        slots = {}
        for d in sorted(self.at_reads):
            r = next((r for r in self.readers[d] if r.state == id(st)), None)
            if r is None or r.state not in self.at_reads[d]:
                continue
            saved, = r.subsets
            slots[d] = Slot(saved, self._tape(d, loops, saved))
            with _into(self.sweep.b, out), self.sweep.b.state(f"save_{d}") as s:
                s.copy(Memlet(d, saved), slots[d].slot)
        if slots:
            self.read_slots[id(st)] = slots

    def writers(self, data: str) -> int:
        """How many operations of the program write `data`."""
        return self._writers.get(data, 0)

    def _tape(self, d: str, loops: list[_LoopInfo], subset: tuple,
              dtype: DType | None = None) -> Memlet:
        """A new tape for the part `subset` of `d`, as large as its largest version in any
        iteration, and its slot for the current iteration."""
        dtype = dtype or self.sweep.program.data[d].dtype
        sizes = view_shape(subset)
        shape = [_widest(lp.trips, loops[:k]) for k, lp in enumerate(loops)] + \
            [_widest(n, loops) for n in sizes]
        tape = self.sweep.fresh(f"tape_{d}")
        self.sweep.b.transient(tape, dtype, shape or None)
        if loops:
            self.tape_loops[tape] = self.outermost
        return Memlet(tape, tuple(Index(_iteration(lp)) for lp in loops)
                      + tuple(Range(0, n) for n in sizes))

    def _varies(self, d: str, loops: list[_LoopInfo]) -> bool:
        """`d`'s size depends on an enclosing loop variable: each iteration has a container
        of its own size, whose contents the next iteration does not keep."""
        c = self.sweep.program.data[d]
        names = set().union(*(free_names(n) for n in c.shape)) if c.shape else set()
        return bool(names & {lp.var for lp in loops})

    def _snapshot(self, st: State, loops: list[_LoopInfo], out: Region) -> None:
        """Copy each needed container whose size varies with the loop, right after the state
        that computes it, into a slot per iteration; backward readers read that slot. It
        must be computed once per iteration before anything reads it (as the temporaries
        of an expression are)."""
        for op in self.ops[id(st)]:
            for d in op.written_names & self.needed:
                if not self._varies(d, loops):
                    continue
                if self._writers.get(d, 0) != 1 or d in self._read_so_far \
                        or _reads_of(self.ops[id(st)], op, d)[0]:
                    raise UnsupportedError(f"autodiff: '{d}', whose size changes from one "
                                           "iteration to the next, is written more than once "
                                           "or read before it is written; not supported yet")
                whole = _whole(self.sweep.program, d)
                self.snapshots[d] = whole_slot(self._tape(d, loops, whole.subset),
                                               self.sweep.program.data[d].shape)
                with _into(self.sweep.b, out), self.sweep.b.state(f"save_{d}") as s:
                    s.copy(whole, self.snapshots[d].slot)


def _widest(d: Expr, loops: list[_LoopInfo]) -> Expr:
    """The largest value of the size `d` over the enclosing loops (a container whose size
    depends on a loop variable gets a tape slot as large as its largest version)."""
    if isinstance(d, sympy.Min | sympy.Max):  # (an upper bound is enough for a tape)
        return type(d)(*(_widest(a, loops) for a in d.args))
    for lp in reversed(loops):
        v = sympy.Symbol(lp.var, integer=True)
        if v not in d.free_symbols:
            continue
        poly = sympy.Poly(d, v) if d.is_polynomial(v) else None
        if poly is None or poly.degree() > 1:
            raise UnsupportedError(f"autodiff: a container of size {d}, which is not affine "
                                   f"in the loop variable '{lp.var}', cannot be taped yet")
        first, last = lp.values()
        d = sympy.Max(d.subs(v, first), d.subs(v, last))
    return d


def _iteration(lp: _LoopInfo) -> Expr:
    """The iteration number of the loop's current value."""
    v = sympy.Symbol(lp.var, integer=True)
    if lp.step == 1:
        return v - lp.start
    if lp.step > 0:
        return FloorDiv(v - lp.start, lp.step)
    return FloorDiv(lp.start - v, -lp.step)


def _reads_of(ops: list[Op], writer: Op, data: str) -> tuple[bool, bool]:
    """Whether operations of the state read `data` before `writer` overwrites it (old)
    and after (new, from an access node the writer wrote)."""
    written = {a for _, m, a in writer.writes if m.data == data}
    old = new = False
    for op in ops:
        for _, m, a in op.reads:
            if m.data != data:
                continue
            if a in written:
                new = True
            else:
                old = True
    return old, new


def _write_counts(ops: dict[int, list[Op]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in ops.values():
        for op in v:
            for d in op.written_names:
                counts[d] = counts.get(d, 0) + 1
    return counts


def _assigned_symbols(region: Region) -> set[str]:
    out: set[str] = set()
    for blk in region.walk():
        if isinstance(blk, Assign):
            out |= set(blk.assignments)
    return out


# --- the reverse sweep --------------------------------------------------------------------------
class _Reverser:
    def __init__(self, sweep: Sweep, ops: dict[int, list[Op]], planner: _TapePlanner) -> None:
        self.sweep, self.ops, self.planner = sweep, ops, planner

    def region(self, region: Region, loops: list[_LoopInfo]) -> None:
        b = self.sweep.b
        for blk in reversed(region.blocks):
            if isinstance(blk, State) and id(blk) in self.ops:  # (not a save of a tape)
                self.state(blk, bool(loops))
            elif isinstance(blk, Loop) and id(blk) in self.planner.checkpoints:
                self.checkpointed(self.planner.checkpoints[id(blk)])
            elif isinstance(blk, Loop):
                lp = self.planner.loops[id(blk)]
                last = lp.start + (lp.trips - 1) * lp.step
                with b.loop(lp.var, last, lp.start - lp.step, -lp.step):
                    self.region(blk.body, loops + [lp])
            elif isinstance(blk, Branch):
                self.branch(blk, loops)
            elif isinstance(blk, Assign) and id(blk) in self.planner.symbol_tapes:
                self.unassign(blk)

    def unassign(self, blk: Assign) -> None:
        """Give the symbols of an assignment their values from before it."""
        self._restore_symbols(self.planner.symbol_tapes[id(blk)])

    def _restore_symbols(self, saved: list[tuple[str, Memlet]]) -> None:
        """Assign symbols the values kept in tape slots (read into cells first: an
        assignment reads scalar containers, not tapes)."""
        b, p = self.sweep.b, self.sweep.program
        values = {}
        for n, slot in saved:
            cell = self.sweep.fresh(f"old_{n}")
            b.transient(cell, DType.int64)
            with b.state(f"restore_{n}") as s:
                s.copy(slot, _whole(p, cell))
            values[n] = value(cell)
        b.assign(**values)

    def checkpointed(self, cp: _Checkpoint) -> None:
        """Per segment, last first: restore its checkpoint, run it again keeping tapes,
        reverse it."""
        b, lp = self.sweep.b, cp.loop
        with b.loop(cp.segment, cp.count - 1, -1, -1):
            with b.state("restore_checkpoint") as s:
                for whole, slot in cp.saves:
                    s.copy(slot, whole)
            if cp.symbols:
                self._restore_symbols(cp.symbols)
            with b.loop(lp.var, lp.start, lp.start + lp.step * cp.length, lp.step):
                b.region.blocks.extend(cp.taped.blocks)
            last = lp.start + (cp.length - 1) * lp.step
            with b.loop(lp.var, last, lp.start - lp.step, -lp.step):
                self.region(cp.taped, [lp])

    def branch(self, blk: Branch, loops: list[_LoopInfo]) -> None:
        """The recorded case's region, reversed."""
        b, p = self.sweep.b, self.sweep.program
        which = self.sweep.fresh("case")
        b.transient(which, DType.int64)
        with b.state("replay_case") as s:
            s.copy(self.planner.decisions[id(blk)], _whole(p, which))
        regions = [r for _, r in blk.cases] + ([blk.orelse] if blk.orelse else [])
        for k, r in enumerate(regions):
            with (b.if_ if k == 0 else b.elif_)(X.compare(X.Eq2, value(which), X.literal(k))):
                self.region(r, loops)

    def state(self, st: State, in_loop: bool) -> None:
        tapes = self.planner.tapes.get(id(st), [])
        for t in tapes:
            if not t.after:
                self._restore(t)
        slots = {**self.planner.snapshots, **self.planner.read_slots.get(id(st), {})}
        for op in reversed(self.ops[id(st)]):
            self.operation(op, in_loop, slots)
        for t in tapes:
            if t.after:
                self._restore(t)

    def _restore(self, t: _Tape) -> None:
        with self.sweep.b.state(f"restore_{t.saved.data}") as s:
            s.copy(t.slot, t.saved)

    def operation(self, op: Op, in_loop: bool, slots: dict[str, Slot]) -> None:
        sweep = self.sweep
        outs = [(m, a) for _, m, a in op.writes if m.data in sweep.active]
        if not outs:
            return
        for m, _ in outs:
            if m.wcr not in (None, "+"):
                raise UnsupportedError(f"autodiff: {op.describe()} combines into "
                                       f"'{m.data}' with '{m.wcr}'; only '+' has a backward "
                                       "rule yet")
        in_place = {m.data for m, _ in outs} & op.read_names
        seeds: dict[str, str] = {}
        for m, _ in outs:
            if m.data in in_place:  # the rule adds into the gradient it reads: copy it first
                c = sweep.program.data[m.data]
                copy = sweep.temp(f"seed_{m.data}", c.dtype,
                                  list(c.shape) if isinstance(c, Array) else [])
                with sweep.b.state() as s:  # (only the part written: rules read no more)
                    s.copy(Memlet(sweep.grad(m.data), m.subset), Memlet(copy, m.subset))
                if m.wcr is None:
                    clear(sweep, Memlet(sweep.grad(m.data), m.subset))
                seeds[m.data] = copy
            else:
                seeds[m.data] = sweep.grad(m.data)
        emitted = len(sweep.b.region.blocks)
        backward_rule(op)(sweep, op, seeds)
        if slots:  # (the rule reads kept copies of what the sweep does not restore)
            for blk in sweep.b.region.blocks[emitted:]:
                redirect(blk.graph, slots)
        for m, _ in outs:
            if m.data not in in_place and m.wcr is None and not self._only_write(m.data,
                                                                                 in_loop):
                clear(sweep, Memlet(sweep.grad(m.data), m.subset))

    def _only_write(self, data: str, in_loop: bool) -> bool:
        """The one write of a temporary, outside loops: no earlier version of it has a
        gradient to keep apart (what earlier readers add to its gradient reaches nothing),
        so clearing it would be wasted work."""
        c = self.sweep.program.data[data]
        return c.transient and not in_loop and self.planner.writers(data) == 1


__all__ = ["Sweep", "differentiate"]
