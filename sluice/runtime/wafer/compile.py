"""Task bodies compiled once per PE program into Python closures.

Every PE running a program shares its compiled code: each CSL expression becomes a
callable `(pe, locs) -> value` and each statement a callable `(pe, locs, types)`, so a
cycle no longer walks the model and dispatches on node types. The closures do what
`Pe.eval` and the statement interpreter did, step for step: the same casts, wrap-around,
float32 rounding, statement counts and cycle costs, and the same errors at the same
moment (at run time, never while compiling).

A statement that may wait on the fabric (a synchronous DSD op, a call, or a loop or
branch holding one) returns a generator; the others run to completion and return None.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from sluice.csl import model as m
from sluice.errors import ExecutionError
from sluice.runtime.wafer.values import binop, cast, scalar

if TYPE_CHECKING:
    from sluice.runtime.wafer.pe import Pe

ExprFn = Callable[["Pe", dict], object]
StmtFn = Callable[["Pe", dict, dict], object]
Code = tuple[tuple[bool, StmtFn], ...]  # (waits on the fabric, statement) per statement

# Operators that cannot divide by zero, as plain functions (binop's own results).
_PLAIN_OPS: dict[str, Callable[[object, object], object]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
    "and": lambda a, b: bool(a) and bool(b),
    "or": lambda a, b: bool(a) or bool(b),
}


def _too_many(pe: Pe) -> ExecutionError:
    return ExecutionError(
        f"{pe.where}: task {pe.running_name} runs more than "
        f"{pe.step_limit} statements; is a loop endless?",
        node=pe.where,
    )


def run_block(pe: Pe, code: Code, locs: dict, types: dict) -> Generator[bool, None, None]:
    """Runs compiled statements as a task body (a generator, as the scheduler steps it)."""
    for waits, fn in code:
        pe.steps += 1
        if pe.steps > pe.step_limit:
            raise _too_many(pe)
        pe.cost += pe.stmt_cost
        if waits:
            yield from fn(pe, locs, types)
        else:
            fn(pe, locs, types)


def _run_plain(pe: Pe, code: Code, locs: dict, types: dict) -> None:
    """Runs compiled statements none of which waits (no generator needed)."""
    for _, fn in code:
        pe.steps += 1
        if pe.steps > pe.step_limit:
            raise _too_many(pe)
        pe.cost += pe.stmt_cost
        fn(pe, locs, types)


class ProgramCode:
    """The compiled bodies of one PE program (built lazily, one body at a time)."""

    def __init__(self, program: m.PeProgram) -> None:
        self.program = program
        self.scalar_fields = {f.name for f in program.fields if f.length is None}
        self.params = {p.name for p in program.params}
        self.dsd_names = {d.name for d in program.dsds}
        self.int_arrays = {f.name for f in program.fields if f.dtype not in ("f16", "f32")}
        self.float_arrays = {f.name for f in program.fields if f.dtype in ("f16", "f32")}
        self._blocks: dict[int, tuple[tuple, Code, bool]] = {}

    def block(self, stmts: tuple[m.Stmt, ...]) -> tuple[Code, bool]:
        """`stmts` compiled, and whether none of them waits on the fabric."""
        hit = self._blocks.get(id(stmts))
        if hit is None:
            code = tuple(self.stmt(s) for s in stmts)
            hit = (stmts, code, not any(w for w, _ in code))  # (stmts kept: ids stay unique)
            self._blocks[id(stmts)] = hit
        return hit[1], hit[2]

    # --- expressions
    def expr(self, e: m.Expr) -> ExprFn:
        t = type(e)
        if t is m.Lit:
            v = e.value
            return lambda pe, locs: v
        if t is m.Name:
            return self._name(e.id)
        if t is m.Index:
            return self._index(e.array, self.expr(e.index))
        if t is m.BinOp:
            plain = _PLAIN_OPS.get(e.op)
            if plain is not None and type(e.rhs) is m.Lit:  # (`x == 0`: one call fewer)
                fa, b = self.expr(e.lhs), e.rhs.value
                return lambda pe, locs: plain(fa(pe, locs), b)
            return self._binop(e.op, self.expr(e.lhs), self.expr(e.rhs))
        if t is m.UnOp:
            f = self.expr(e.operand)
            if e.op == "-":
                return lambda pe, locs: -f(pe, locs)
            return lambda pe, locs: not f(pe, locs)
        if t is m.Cast:
            f, dtype = self.expr(e.value), e.dtype
            return lambda pe, locs: cast(f(pe, locs), dtype)

        def bad(pe: Pe, locs: dict) -> object:
            raise ExecutionError(f"{pe.where}: cannot evaluate {e!r}")

        return bad

    def _name(self, n: str) -> ExprFn:
        # Pe.eval's order: locals, then scalar fields, then params (both fixed per program).
        if n in self.scalar_fields:
            if n in self.int_arrays:
                return lambda pe, locs: locs[n] if n in locs else int(pe.mem[n][0])
            return lambda pe, locs: locs[n] if n in locs else scalar(pe.mem[n][0])
        if n in self.params:
            return lambda pe, locs: locs[n] if n in locs else pe.env[n]

        def local(pe: Pe, locs: dict) -> object:
            if n in locs:
                return locs[n]
            raise ExecutionError(f"{pe.where}: unknown name {n}", node=pe.where)

        return local

    def _index(self, name: str, fi: ExprFn) -> ExprFn:
        conv = (
            int
            if name in self.int_arrays
            else ((lambda x: x) if name in self.float_arrays else scalar)
        )

        def read(pe: Pe, locs: dict) -> object:
            arr = pe.mem[name]
            i = int(fi(pe, locs))
            if not 0 <= i < arr.shape[0]:
                raise ExecutionError(
                    f"{pe.where}: index {i} out of bounds for {name}[{arr.shape[0]}]",
                    node=pe.where,
                )
            return conv(arr[i])

        return read

    def _binop(self, op: str, fa: ExprFn, fb: ExprFn) -> ExprFn:
        plain = _PLAIN_OPS.get(op)
        if plain is not None:
            return lambda pe, locs: plain(fa(pe, locs), fb(pe, locs))

        def divide(pe: Pe, locs: dict) -> object:
            try:
                return binop(op, fa(pe, locs), fb(pe, locs))
            except ZeroDivisionError as err:
                raise ExecutionError(f"{pe.where}: {err}", node=pe.where) from None

        return divide

    # --- statements
    def stmt(self, s: m.Stmt) -> tuple[bool, StmtFn]:
        """`s` compiled: (whether it may wait on the fabric, its callable)."""
        t = type(s)
        if t is m.Assign:
            return False, self._assign(s)
        if t is m.DsdOp:
            return self._dsd_op(s)
        if t is m.For:
            return self._for(s)
        if t is m.While:
            return self._while(s)
        if t is m.If:
            return self._if(s)
        if t is m.LocalVar:
            return False, self._local(s)
        if t in (m.Activate, m.Block, m.Unblock):
            return False, self._task_flag(s)
        if t is m.IncrementDsdOffset:
            return False, self._increment(s)
        if t is m.SetDsdBaseAddr:
            return False, self._base_addr(s)
        if t is m.SetDsdLength:
            return False, self._length(s)
        if t is m.UnblockCmdStream:
            return False, lambda pe, locs, types: pe.sim.unblock_cmd_stream(pe)
        if t is m.CallFn:
            return True, self._call(s)

        def bad(pe: Pe, locs: dict, types: dict) -> None:
            raise ExecutionError(f"{pe.where}: cannot execute {s!r}")

        return False, bad

    def _assign(self, s: m.Assign) -> StmtFn:
        tgt, op = s.target, s.op
        fv = self.expr(s.value)
        fop = None if op == "=" else op[0]
        if isinstance(tgt, m.Name):
            name = tgt.id
            scalar_field = name in self.scalar_fields
            read = self._index(name, lambda pe, locs: 0)

            def to_name(pe: Pe, locs: dict, types: dict) -> None:
                value = fv(pe, locs)
                if name in locs:
                    if fop is not None:
                        value = binop(fop, locs[name], value)
                    locs[name] = cast(value, types.get(name, "i32"))
                    return
                if not scalar_field:
                    raise ExecutionError(f"{pe.where}: cannot assign to {name}", node=pe.where)
                if fop is not None:  # (a scalar field's one element needs no bounds check)
                    value = binop(fop, read(pe, locs), value)
                if pe.inflight:  # (races need an async op in flight)
                    pe.check_access([], [(name, 0, 0)])
                pe.mem[name][0] = value

            return to_name
        name, fi = tgt.array, self.expr(tgt.index)

        def to_element(pe: Pe, locs: dict, types: dict) -> None:
            value = fv(pe, locs)
            i = int(fi(pe, locs))
            arr = pe.mem[name]
            if not 0 <= i < arr.shape[0]:
                raise ExecutionError(
                    f"{pe.where}: index {i} out of bounds for {name}[{arr.shape[0]}]",
                    node=pe.where,
                )
            if fop is not None:
                value = binop(fop, scalar(arr[i]), value)
            if pe.inflight:  # (races need an async op in flight)
                pe.check_access([], [(name, i, i)])
            arr[i] = value

        return to_element

    def _dsd_op(self, s: m.DsdOp) -> tuple[bool, StmtFn]:
        # A Name naming a DSD is a DSD operand (Pe.prepare's rule); the rest are values.
        operands = tuple(
            (e.id, None) if type(e) is m.Name and e.id in self.dsd_names else (None, self.expr(e))
            for e in s.operands
        )
        if s.is_async:
            return False, lambda pe, locs, types: pe.start_async(pe.prepare(s, locs, operands))
        mem_dsds = {d.name for d in self.program.dsds if isinstance(d, m.Mem1dDsd)}
        if all(name is None or name in mem_dsds for name, _ in operands):
            # memory only (a DSD's kind never changes): it cannot wait on the fabric

            def at_once(pe: Pe, locs: dict, types: dict) -> None:
                prep = pe.prepare(s, locs, operands)
                if pe.inflight:  # (races need an async op in flight)
                    pe.check_access(prep.reads, prep.writes)
                pe.run_mem_op(prep)

            return False, at_once

        def sync(pe: Pe, locs: dict, types: dict) -> Generator[bool, None, None]:
            prep = pe.prepare(s, locs, operands)
            if pe.inflight:  # (races need an async op in flight)
                pe.check_access(prep.reads, prep.writes)
            yield from pe.run_op(prep, None)

        return True, sync

    def _for(self, s: m.For) -> tuple[bool, StmtFn]:
        f0, f1, f2 = self.expr(s.start), self.expr(s.stop), self.expr(s.step)
        var, dtype = s.var, s.dtype
        code, plain = self.block(s.body)
        if plain:

            def loop(pe: Pe, locs: dict, types: dict) -> None:
                start, stop, step = f0(pe, locs), f1(pe, locs), f2(pe, locs)
                types[var] = dtype
                for i in range(int(start), int(stop), int(step)):
                    locs[var] = i
                    _run_plain(pe, code, locs, types)

            return False, loop

        def waiting_loop(pe: Pe, locs: dict, types: dict) -> Generator[bool, None, None]:
            start, stop, step = f0(pe, locs), f1(pe, locs), f2(pe, locs)
            types[var] = dtype
            for i in range(int(start), int(stop), int(step)):
                locs[var] = i
                yield from run_block(pe, code, locs, types)

        return True, waiting_loop

    def _while(self, s: m.While) -> tuple[bool, StmtFn]:
        fc = self.expr(s.cond)
        update = self._assign(s.update) if s.update is not None else None
        code, plain = self.block(s.body)
        if plain:

            def loop(pe: Pe, locs: dict, types: dict) -> None:
                while fc(pe, locs):
                    _run_plain(pe, code, locs, types)
                    if update is not None:
                        update(pe, locs, types)

            return False, loop

        def waiting_loop(pe: Pe, locs: dict, types: dict) -> Generator[bool, None, None]:
            while fc(pe, locs):
                yield from run_block(pe, code, locs, types)
                if update is not None:
                    update(pe, locs, types)

        return True, waiting_loop

    def _if(self, s: m.If) -> tuple[bool, StmtFn]:
        fc = self.expr(s.cond)
        then, then_plain = self.block(s.then)
        orelse, else_plain = self.block(s.orelse)
        if then_plain and else_plain:

            def branch(pe: Pe, locs: dict, types: dict) -> None:
                _run_plain(pe, then if fc(pe, locs) else orelse, locs, types)

            return False, branch

        def waiting_branch(pe: Pe, locs: dict, types: dict) -> Generator[bool, None, None]:
            yield from run_block(pe, then if fc(pe, locs) else orelse, locs, types)

        return True, waiting_branch

    def _local(self, s: m.LocalVar) -> StmtFn:
        name, dtype, fv = s.name, s.dtype, self.expr(s.value)

        def local(pe: Pe, locs: dict, types: dict) -> None:
            types[name] = dtype
            locs[name] = cast(fv(pe, locs), dtype)

        return local

    def _task_flag(self, s: m.Activate | m.Block | m.Unblock) -> StmtFn:
        name = s.task
        if type(s) is m.Activate:

            def activate(pe: Pe, locs: dict, types: dict) -> None:
                pe._task(name).active = True

            return activate
        blocked = type(s) is m.Block

        def block(pe: Pe, locs: dict, types: dict) -> None:
            pe._task(name).blocked = blocked

        return block

    def _increment(self, s: m.IncrementDsdOffset) -> StmtFn:
        name, fa = s.dsd, self.expr(s.amount)

        def increment(pe: Pe, locs: dict, types: dict) -> None:
            d = pe._mem_dsd(name)
            d.offset += int(fa(pe, locs))

        return increment

    def _base_addr(self, s: m.SetDsdBaseAddr) -> StmtFn:
        name, array = s.dsd, s.array

        def base_addr(pe: Pe, locs: dict, types: dict) -> None:
            d = pe._mem_dsd(name)
            if array not in pe.mem:
                raise ExecutionError(f"{pe.where}: unknown array {array}")
            d.array, d.offset = array, 0

        return base_addr

    def _length(self, s: m.SetDsdLength) -> StmtFn:
        name, fl = s.dsd, self.expr(s.length)

        def length(pe: Pe, locs: dict, types: dict) -> None:
            pe._dsd_named(name).extent = int(fl(pe, locs))

        return length

    def _call(self, s: m.CallFn) -> StmtFn:
        # The callee is compiled on first call (a function may call itself).
        name = s.name

        def call(pe: Pe, locs: dict, types: dict) -> Generator[bool, None, None]:
            fn = self.program.function(name)
            if fn is None:
                raise ExecutionError(f"{pe.where}: call of unknown function {name}")
            code, _ = self.block(fn.body)
            yield from run_block(pe, code, {}, {})

        return call
