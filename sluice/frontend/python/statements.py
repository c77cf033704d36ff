"""Statement lowering: assignments, augmented assignments, control flow, returns.

Python variables are bindings to traced values. A variable (re)assigned inside a loop or a
branch whose condition is only known at run time gets *storage* for the construct: a fresh
integer symbol (updated by `assign` blocks) for integers, a container otherwise.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import (
    carried,
    iteration,
    kept_sizes,
    masks,
    ops,
    resizing,
    setitem,
)
from sluice.frontend.python.branches import BranchLowering, same_binding
from sluice.frontend.python.emit import clipped_size, differ, runtime_size
from sluice.frontend.python.values import (
    Elem,
    Masked,
    Py,
    Rng,
    Sym,
    View,
    is_array,
    is_element,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import free_names
from sluice.ir.symbolic import value as value_symbol

UNSUPPORTED_STMT: dict[type, tuple[str, str]] = {
    ast.ClassDef: ("class definitions are not supported", "define classes outside the "
                   "compiled function and pass arrays and numbers in"),
    ast.Try: ("try/except is not supported", "check conditions with if/else instead"),
    ast.With: ("'with' blocks are not supported", "remove the context manager"),
    ast.AsyncWith: ("'async with' is not supported", "write an ordinary function"),
    ast.AsyncFor: ("'async for' is not supported", "use 'for i in range(...)'"),
    ast.Global: ("'global' declarations are not supported",
                 "compiled functions may read globals but not assign them; return values"),
    ast.Nonlocal: ("'nonlocal' declarations are not supported", "return values instead"),
    ast.FunctionDef: ("nested function definitions are not supported",
                      "define the helper at module level; calls to it are compiled too"),
    ast.AsyncFunctionDef: ("nested async functions are not supported",
                           "define helpers at module level"),
    ast.Delete: ("'del' is not supported", "let the variable go out of use"),
    ast.Raise: ("'raise' is not supported", "check inputs before calling"),
    ast.Assert: ("'assert' is not supported", "check inputs before calling"),
    ast.Import: ("imports inside compiled functions are not supported",
                 "import at module level"),
    ast.ImportFrom: ("imports inside compiled functions are not supported",
                     "import at module level"),
    ast.Match: ("'match' is not supported", "use if/elif/else"),
}
if hasattr(ast, "TryStar"):
    UNSUPPORTED_STMT[ast.TryStar] = UNSUPPORTED_STMT[ast.Try]

STOP = True  # returned by a statement after which the rest of the block is unreachable
_ROWS = itertools.count()  # names of the rows of unrolled loops (not Python identifiers)


def assigned_names(stmts: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """Names assigned (plainly) and names only augmented-assigned in `stmts`."""
    plain: set[str] = set()
    aug: set[str] = set()

    def targets(t: ast.AST) -> None:
        if isinstance(t, ast.Name):
            plain.add(t.id)
        elif isinstance(t, ast.Tuple | ast.List):
            for e in t.elts:
                targets(e)

    for s in stmts:
        for n in ast.walk(s):
            if isinstance(n, ast.Assign):
                for t in n.targets:
                    targets(t)
            elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                plain.add(n.target.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                aug.add(n.target.id)
            elif isinstance(n, ast.For):
                targets(n.target)
    return plain, aug - plain


class StatementLowering:
    """Mixin of the Tracer: `run_block(stmts)` lowers a statement list."""

    def run_block(self, stmts: list[ast.stmt]) -> bool:
        for s in stmts:
            if self.st(s):
                return STOP
        return False

    def st(self, node: ast.stmt) -> bool:
        handler = self._STMT.get(type(node))
        if handler is None:
            msg, hint = UNSUPPORTED_STMT.get(
                type(node), (f"'{type(node).__name__}' statements are not supported", None))
            raise UnsupportedError(msg, self.loc(node), hint=hint)
        with self.at(node):
            stop = bool(handler(self, node))
            if not self.in_map:  # broadcasts of sizes that no store consumed (`.shape`)
                self.em.flush_checks()
            return stop

    # --- assignments --------------------------------------------------------------------
    def st_assign(self, node: ast.Assign) -> None:
        t0 = node.targets[0]
        self.hint = t0.id if isinstance(t0, ast.Name) else None
        try:
            val = self.ev(node.value)
        finally:
            self.hint = None
        if isinstance(node.value, ast.Name) and isinstance(val, View) and \
                node.value.id in self.frame.mutable:
            val = self.snapshot(val)  # the variable's storage changes later; keep the value
        for t in node.targets:
            self.assign_target(t, val)

    def st_annassign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign_target(node.target, self.ev(node.value))

    def assign_target(self, t: ast.AST, val: Any) -> None:
        if isinstance(t, ast.Name):
            self.bind(t.id, val, t)
        elif isinstance(t, ast.Tuple | ast.List):
            if not isinstance(val, tuple):
                val = iteration.unpack(self, val, len(t.elts), t)
            if len(val) != len(t.elts):
                raise SluiceError(f"cannot unpack {len(val)} values into {len(t.elts)} targets",
                                  self.loc(t))
            written = self.written_by(t)
            # (an assignment that changes a size reallocates what is sized by it: values
            # still to be bound are made before the first one is)
            resized = any(self.changes_sizes(n.id) for n in ast.walk(t)
                          if isinstance(n, ast.Name))
            vals = [self.snapshot(v) if resized or self.reads_any(v, written) else v
                    for v in val]
            for e, v in zip(t.elts, vals, strict=True):
                self.assign_target(e, v)
        elif isinstance(t, ast.Subscript):
            base = self.ev(t.value)
            self.check_indexable_target(base, t)
            view, gathers = self.subscript_parts(base, t)
            self.before_write(view, t)
            if isinstance(gathers, masks.MaskIndex):
                return masks.store(self, view, gathers.mask, val, t)
            if gathers:
                return self.scatter(view, gathers, val, t)
            self.write(view, val, t)
        elif isinstance(t, ast.Starred):
            raise UnsupportedError("starred assignment is not supported", self.loc(t))
        elif isinstance(t, ast.Attribute) and t.attr == "shape" and isinstance(t.value,
                                                                               ast.Name):
            self.set_shape(t.value.id, val, t)
        else:
            raise UnsupportedError(f"cannot assign to {type(t).__name__}", self.loc(t),
                                   hint="of attributes, only an array's shape may be set "
                                   "(x.shape = ...)")

    def set_shape(self, name: str, shape: Any, node: ast.Attribute) -> None:
        """`x.shape = s`: NumPy changes the shape of the array object itself, which needs
        no copy of a contiguous array; x is rebound to the reshaped array. Other names or
        views of the same array would see the change in NumPy, so those are refused."""
        from sluice.frontend.python.rules.linalg import _reshape

        cur = self.lookup(name, node.value)
        f = self.frame
        if not isinstance(cur, View) or not self.contiguous(cur):
            raise UnsupportedError(
                f"the shape of '{name}' cannot be set in place: it is not a contiguous "
                "array (NumPy raises AttributeError)", self.loc(node),
                hint=f"write {name} = {name}.reshape(...), which copies where it must")
        if name in f.mutable or any(same_binding(o, cur) for k, o in f.env.items()
                                    if k != name):
            raise UnsupportedError(
                f"setting the shape of '{name}' in place is supported only for an array no "
                "other name refers to, outside loops and run-time branches that assign it",
                self.loc(node), hint=f"write {name} = {name}.reshape(...)")
        self.bind(name, _reshape(self, node, cur, shape), node)

    def contiguous(self, v: View) -> bool:
        """`v` is one C-contiguous block of its array: fixed indices, then one range of
        step 1, then whole dimensions."""
        if None in v.axes or list(v.axes) != sorted(v.axes):
            return False
        shape = self.em.b.program.data[v.data].shape
        ranged = [k for k, d in enumerate(v.dims) if isinstance(d, Rng)]
        if not ranged:
            return True
        first = ranged[0]
        return v.dims[first].step == 1 and all(
            isinstance(d, Rng) and d.start == 0 and d.step == 1 and d.size == shape[k]
            for k, d in enumerate(v.dims) if k > first)

    def write(self, view: View, val: Any, node: ast.AST) -> None:
        if self.in_map:
            return self.map_write(view, val, node)
        if isinstance(val, tuple | Py):
            raise SluiceTypeError("only numbers and arrays can be stored in arrays",
                                  self.loc(node))
        val = masks.array(self, val)  # v[:k] = x[m]: the selected elements, as an array
        try:  # NumPy converts a scalar stored in an integer array with int()
            setitem.check_scalar_store(val, view.dtype, self.em.arrays0d)
        except SluiceTypeError as e:
            raise SluiceTypeError(e.message, self.loc(node), hint=e.hint) from None
        self.em.store(to_elem(val), view)

    def written_by(self, t: ast.AST) -> set[str]:
        """Containers and symbols that assigning to target `t` overwrites."""
        out: set[str] = set()
        for n in ast.walk(t):
            if isinstance(n, ast.Name) and n.id in self.frame.mutable:
                st = self.frame.mutable[n.id]
                out.add(st.name if isinstance(st, sympy.Symbol) else st.data)
            elif isinstance(n, ast.Subscript):
                v = self.ev(n.value)
                if isinstance(v, View):
                    out.add(v.data)
        return out

    def reads_any(self, v: Any, names: set[str]) -> bool:
        if isinstance(v, View):
            return v.data in names
        if isinstance(v, Elem):
            return any(d in names for d, _ in v.reads.values()) or bool(
                free_names(v.expr) & names)
        if isinstance(v, Sym):
            return bool(free_names(v.expr) & names)
        if isinstance(v, tuple):
            return any(self.reads_any(x, names) for x in v)
        return False

    def changes_sizes(self, name: str) -> bool:
        """Assigning `name` sets a symbol that sizes may read: an integer variable, or the
        sizes of an array that changes shape."""
        st = self.frame.mutable.get(name)
        return isinstance(st, sympy.Symbol) or (isinstance(st, View)
                                                 and resizing.resizable(self, st.data))

    def snapshot(self, v: Any) -> Any:
        """A copy of `v` that later writes to variables do not change."""
        if isinstance(v, Masked):
            return masks.compressed(self, v)
        if isinstance(v, Sym):
            if not free_names(v.expr):
                return v
            if v.dtype.is_integer:
                s = self.em.symbol(self.hint or "t")
                self.em.b.assign(**{s.name: v.expr})
                return Sym(s, v.dtype, v.weak)
        if isinstance(v, Sym | View | Elem):
            t = self.em.temp(v.dtype, v.shape, self.hint or "tmp")
            self.em.store(to_elem(v), t)
            return dataclasses.replace(t, weak=getattr(v, "weak", False))
        return v

    def pinned_values(self, body: list[ast.stmt]) -> dict[str, Any]:
        """Names `body` (a loop's) assigns that hold a Python value before the loop: None, a
        tuple, a module or function. Those values are used while tracing, and the body is
        traced once for every iteration, so the loop may not bind them to anything else."""
        plain, aug = assigned_names(body)
        env = self.frame.env
        return {n: env[n] for n in sorted(plain | aug) if isinstance(env.get(n), tuple | Py)}

    def check_pinned(self, name: str, val: Any, node: ast.AST) -> None:
        for pinned in self.frame.pinned:
            if name in pinned and not same_binding(val, pinned[name]):
                was = pinned[name]
                was_text = ("None" if isinstance(was, Py) and was.obj is None
                            else self.describe(was))
                raise UnsupportedError(
                    f"'{name}' is {was_text} before this loop and "
                    f"{self.describe(val)} here: which one a later iteration or the code "
                    "after the loop sees would depend on the iterations run", self.loc(node),
                    hint=f"give '{name}' a value of the same kind before the loop (for "
                    "example an array: np.zeros_like(...)), or use another name inside it")

    def bind(self, name: str, val: Any, node: ast.AST) -> None:
        f = self.frame
        if f.pinned:
            self.check_pinned(name, val, node)
        f.poisoned.pop(name, None)
        f.stale.pop(name, None)
        if self.branch_bind(name, val, node):
            return None
        if name in f.mutable:
            return self.write_storage(name, val, node)
        if name in f.pending:
            f.pending.discard(name)
            f.mutable[name] = self.new_storage(name, val, node)
            return None
        if self.in_map:
            f.env[name] = val
            return None
        if isinstance(val, Elem):
            view_of = val.view_of
            val = dataclasses.replace(self.em.materialize(val, name), weak=val.weak)
            if view_of is not None:  # NumPy's .real/.imag are views (viewcopies.py)
                val = self.note_view_copy(val, *view_of)
        elif is_element(val):
            val = self.snapshot(val)
        elif isinstance(val, Masked):
            val = masks.materialized(self, val)
        elif isinstance(val, View) and val.owned:
            for k, other in f.env.items():
                if k != name and isinstance(other, View) and other.data == val.data:
                    val = dataclasses.replace(val, owned=False)
                    f.env[k] = dataclasses.replace(other, owned=False)
        elif isinstance(val, Sym) and free_names(val.expr) & self.mutable_symbols():
            val = self.snapshot(val)
        f.env[name] = val
        return None

    def mutable_symbols(self) -> set[str]:
        """Symbols that assignments change: integer variables, and the sizes of arrays that
        change shape (resizing.py)."""
        out = {s.name for f in self.frames for s in f.mutable.values()
               if isinstance(s, sympy.Symbol)}
        data = self.em.b.program.data
        for name in self.resizable:
            out |= {str(d) for d in data[name].shape}
        return out

    # --- storage for variables changed in loops and branches ---------------------------------
    def new_storage(self, name: str, val: Any, node: ast.AST) -> Any:
        val = masks.array(self, val)
        if isinstance(val, tuple | Py):
            raise UnsupportedError(f"'{name}' holds {self.describe(val)}; such variables cannot "
                                   "change inside loops or run-time branches", self.loc(node),
                                   hint="assign it before the loop or branch")
        if not val.shape and val.dtype == DType.int64 and ops.weak_of(val):
            # Integer symbols hold Python ints. (An np.int64 or np.int8 element, or an
            # np.uint64 argument's symbol, would come back as a Python int and lose NumPy's
            # promotion: storage of its own type keeps the type, below.)
            if isinstance(val, Sym):
                s = self.em.symbol(name)
                self.em.b.assign(**{s.name: val.expr})
                return s
            return self.bind_symbol(val, name)
        weak = getattr(val, "weak", False)
        if name in self.frame.resized:
            st = resizing.storage(self, name, val.dtype, len(val.shape), weak)
            resizing.write(self, name, st, val, node)
            return st
        if isinstance(val, View) and val.owned and val.whole:
            shared = any(isinstance(o, View) and o.data == val.data
                         for o in self.frame.env.values())
            if not shared:
                return dataclasses.replace(val, owned=False)
        t = self.em.temp(val.dtype, val.shape, name)
        self.em.store(to_elem(val), t)
        return dataclasses.replace(t, owned=False, weak=weak)

    def write_storage(self, name: str, val: Any, node: ast.AST) -> None:
        st = self.frame.mutable[name]
        if not isinstance(st, sympy.Symbol):
            val = masks.array(self, val)
        carried.check_write(self, name, st, val)
        if isinstance(st, sympy.Symbol):
            # (a bool stays a bool in Python: `s = True` where `s` held an int would
            # come back as 1, so it is refused below)
            if isinstance(val, Sym | View | Elem) and not val.shape and val.dtype.is_integer \
                    and ops.weak_of(val):
                kept_sizes.keep_sizes(self, [st], node)
                if isinstance(val, Sym):
                    self.em.b.assign(**{st.name: ops.as_number(val.expr, val.dtype,
                                                               DType.int64)})
                else:
                    cell = self.em.cell(val, name)
                    self.em.b.assign(**{st.name: value_symbol(cell.data)})
                return
            if self.branches:
                raise SluiceTypeError(
                    f"'{name}' is an integer on one path through this run-time 'if' and "
                    f"{self.describe(val)} here", self.loc(node),
                    hint=f"give '{name}' one type on every path, e.g. with int(...)")
            raise SluiceTypeError(
                f"'{name}' is an integer before this loop but is assigned "
                f"{self.describe(val)} inside it", self.loc(node),
                hint=f"initialise it with the final type, e.g. {name} = 0.0")
        if isinstance(val, tuple | Py):
            raise UnsupportedError(f"'{name}' cannot change to {self.describe(val)} here",
                                   self.loc(node))
        resizable = resizing.resizable(self, st.data)
        if not resizable and (len(val.shape) != len(st.shape) or any(
                differ(a, b) or (a != b and any(d == 1 or runtime_size(d) or clipped_size(d)
                                                for d in (a, b)))
                for a, b in zip(val.shape, st.shape, strict=True))):
            refusal = UnsupportedError(
                f"'{name}' changes shape from {tuple(st.shape)} to {tuple(val.shape)} inside a "
                "loop or branch", self.loc(node), hint="use a new variable name")
            if len(val.shape) == len(st.shape) and resizing.owner(self, name):
                raise resizing.Resize(self.frame, name, refusal)
            raise refusal
        if self.branches and val.dtype != st.dtype:
            # Every path must give one type: a Python int on one path and a Python float on
            # the other would come back as 1.0 where Python returns 1, and a Python number
            # where another path stores a NumPy scalar keeps its own type (1e-310 is no
            # float32).
            raise SluiceTypeError(
                f"'{name}' is {st.dtype} on one path through this run-time 'if' and "
                f"{val.dtype} here", self.loc(node),
                hint=f"give '{name}' one type on every path, e.g. with "
                     + ("float(...) or int(...)" if getattr(val, "weak", False)
                        else ".astype(...)"))
        if not np.can_cast(val.dtype.numpy, st.dtype.numpy, "same_kind"):
            raise SluiceTypeError(
                f"'{name}' is {st.dtype} before this loop or branch but is assigned "
                f"{val.dtype} inside it", self.loc(node),
                hint=f"initialise it with the final type (e.g. {name} = 0.0)")
        if resizable:
            return resizing.write(self, name, st, val, node)
        self.em.store(to_elem(val), st)

    def promote_for(self, stmts: list[ast.stmt]) -> set[str]:
        """Give storage to the bound variables a loop or branch (re)assigns; returns their
        names."""
        plain, aug = assigned_names(stmts)
        f = self.frame
        promoted = set()
        for name in sorted(plain | aug):
            if name in f.mutable or name not in f.env:
                continue
            v = f.env[name]
            if name in aug and is_array(v):
                continue  # updated in place
            if isinstance(v, tuple | Py):
                continue
            del f.env[name]
            f.mutable[name] = self.new_storage(name, v, None)
            promoted.add(name)
        return promoted

    # --- augmented assignment --------------------------------------------------------------
    def st_augassign(self, node: ast.AugAssign) -> None:
        rhs = self.ev(node.value)
        t = node.target
        if isinstance(t, ast.Name):
            cur = self.lookup(t.id, t)
            new = self.apply_op(node, cur, rhs)
            if (isinstance(cur, View) and not self.in_map
                    and (cur.shape or setitem.is_array0d(cur, self.em.arrays0d))):
                self.check_inplace(cur, new, node)
                self.before_write(cur, node)
                self.em.store(to_elem(new), cur)
            else:
                self.bind(t.id, new, t)
        elif isinstance(t, ast.Subscript):
            base = self.ev(t.value)
            self.check_indexable_target(base, t)
            view, gathers = self.subscript_parts(base, t)
            self.before_write(view, t)
            if isinstance(gathers, masks.MaskIndex):  # x[m] += v is x[m] = x[m] + v
                new = self.apply_op(node, masks.select(self, view, gathers.mask, t), rhs)
                self.check_inplace(view, new, node)
                return masks.store(self, view, gathers.mask, new, t)
            if gathers:  # x[idx] += v is x[idx] = x[idx] + v: a repeated index adds once
                cur = self.gather(view, gathers, t)
                new = self.apply_op(node, cur, rhs)
                self.check_inplace(cur, new, node)
                return self.scatter(view, gathers, new, t)
            if self.in_map:
                return self.map_augwrite(view, type(node.op), rhs, node)
            new = self.apply_op(node, view, rhs)
            if view.shape or setitem.is_array0d(view, self.em.arrays0d):
                self.check_inplace(view, new, node)  # (an element is stored like `x[i] = v`)
            self.write(view, new, t)
        else:
            raise UnsupportedError(f"cannot assign to {type(t).__name__}", self.loc(t))
        return None

    def check_indexable_target(self, base: Any, t: ast.AST) -> None:
        if isinstance(base, Elem) and base.view_of is not None:
            raise UnsupportedError("writing into the real or imaginary part of an array is "
                                   "not supported", self.loc(t),
                                   hint="assign whole complex numbers: z[i] = re + 1j * im")
        if not isinstance(base, View) or not (base.shape or base.data in self.em.arrays0d):
            raise UnsupportedError("only arrays can be assigned by index", self.loc(t))

    def apply_op(self, node: ast.AugAssign, cur: Any, rhs: Any) -> Any:
        if isinstance(node.op, ast.MatMult):
            return self.call_rule(np.matmul, [cur, rhs], {}, node)
        if type(node.op) not in ops.BINARY:
            raise UnsupportedError(f"operator {type(node.op).__name__} is not supported",
                                   self.loc(node))
        return ops.binary(type(node.op), self.operand(cur, node.target),
                          self.operand(rhs, node.value))

    def check_inplace(self, cur: View, new: Any, node: ast.AST) -> None:
        if not np.can_cast(new.dtype.numpy, cur.dtype.numpy, "same_kind"):
            raise SluiceTypeError(f"cannot update a {cur.dtype} array in place with a "
                                  f"{new.dtype} result", self.loc(node),
                                  hint="NumPy refuses this too; use a new array")

    # --- simple statements -------------------------------------------------------------------
    def st_expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring
        self.ev(node.value)

    def st_pass(self, node: ast.Pass) -> None:
        return None

    def st_break(self, node: ast.Break) -> bool:
        self.em.b.break_()
        return STOP

    def st_continue(self, node: ast.Continue) -> bool:
        self.em.b.continue_()
        return STOP

    def st_return(self, node: ast.Return) -> bool:
        val = self.ev(node.value) if node.value is not None else None
        if isinstance(val, Py) and val.obj is None:
            val = None  # `return None` is a bare return
        f = self.frame
        if f.inlined:
            if f.depth > 0:
                # (returns inside branches were rewritten away: returns.py)
                raise UnsupportedError("'return' inside a loop of a called function is not "
                                       "supported", self.loc(node),
                                       hint="assign the result to a variable, 'break', and "
                                       "return it after the loop")
            f.result = val
            return STOP
        self.write_returns(val, node, final=f.depth == 0)
        if f.depth > 0:
            self.em.b.return_()
        return STOP

    # --- control flow -------------------------------------------------------------------------
    def condition(self, v: Any, node: ast.AST) -> Any:
        """A condition expression for a block: symbolic, or a boolean scalar container."""
        if isinstance(v, tuple | Py):
            if isinstance(v, Py) and v.obj is None:
                return sympy.false
            raise SluiceTypeError(f"{self.describe(v)} cannot be a condition", self.loc(node))
        if is_array(v):
            raise SluiceTypeError("the truth value of an array is ambiguous", self.loc(node),
                                  hint="use np.any(...) / np.all(...) or compare one element")
        if isinstance(v, Sym):
            return ops.as_boolean(v.expr, v.dtype)
        cell = self.em.cell(ops.cast(v, DType.bool), "cond")
        return value_symbol(cell.data)

    def st_for(self, node: ast.For) -> None:
        if node.orelse:
            raise UnsupportedError("for-else is not supported", self.loc(node),
                                   hint="use a flag variable set before break")
        if self.is_pmap(node.iter):
            return self.st_pmap(node)
        it = node.iter
        fn = self.ev(it.func) if isinstance(it, ast.Call) else None
        rows = None if isinstance(fn, Py) and fn.obj is range else \
            iteration.python_rows(self, node)
        if rows is not None:
            return self.unrolled_loop(node, rows)
        if not (isinstance(fn, Py) and fn.obj is range):
            loop = iteration.desugar(self, node)
            return self.counted_loop(node, loop.counter, "i", sympy.Integer(0), loop.count,
                                     sympy.Integer(1), loop.binds + node.body)
        if it.keywords or not 1 <= len(it.args) <= 3:
            raise SluiceError("range() takes 1 to 3 positional arguments", self.loc(it))
        bounds = [self.index_expr(self.ev(a), a) for a in it.args]
        if len(bounds) == 1:
            bounds = [sympy.Integer(0), bounds[0]]
        start, stop = bounds[0], bounds[1]
        step = bounds[2] if len(bounds) == 3 else sympy.Integer(1)
        if not step.is_number or step == 0:
            raise UnsupportedError("range() steps must be nonzero constants",
                                   self.loc(it.args[2]))
        if not isinstance(node.target, ast.Name):
            raise UnsupportedError("the loop variable must be a single name",
                                   self.loc(node.target))
        name = node.target.id
        return self.counted_loop(node, name, name, start, stop, step, node.body)

    def unrolled_loop(self, node: ast.For, rows: list[Any]) -> bool:
        """A loop over a Python sequence: its body once per element, in order."""
        jump = iteration.loop_exits(node.body)
        if jump is not None:
            word = {ast.Break: "break", ast.Continue: "continue"}.get(type(jump), "return")
            raise UnsupportedError(f"'{word}' in a loop over a tuple or list is not supported",
                                   self.loc(jump), hint="such a loop is unrolled when "
                                   "traced; use an if around the rest of the body, or loop "
                                   "over range(len(...)) of an array")
        for row in rows:
            name = f"#row{next(_ROWS)}"
            self.frame.env[name] = row
            bind = ast.copy_location(ast.Assign(targets=[node.target], value=ast.copy_location(
                ast.Name(id=name, ctx=ast.Load()), node.iter)), node.target)
            ast.fix_missing_locations(bind)
            if self.run_block([bind, *node.body]):
                return STOP
        return False

    def counted_loop(self, node: ast.For, name: str, hint: str, start: Any, stop: Any,
                     step: Any, body: list[ast.stmt]) -> None:
        """`for name in range(start, stop, step): body`; `hint` names the loop symbol."""
        if all(b.is_Integer for b in (start, stop, step)) and \
                not range(int(start), int(stop), int(step)):
            return None  # the body never runs: its variables keep their values and types
        pinned = self.pinned_values(body)
        owned = self.promote_for(body)
        f = self.frame

        def trace() -> None:
            var = self.em.symbol(hint)
            f.depth += 1
            self.control_depth += 1
            # While the body runs, the variable lies in its range (slice bounds use this).
            self.facts.ranges[var.name] = (start, stop - 1) if step > 0 else (stop + 1, start)
            outer = self.enter_loop()
            f.pinned.append(pinned)
            try:
                with self.em.b.loop(var.name, start, stop, step):
                    if name in f.mutable:
                        self.write_storage(name, Sym(var, DType.int64), node.target)
                    else:
                        f.env[name] = Sym(var, DType.int64)
                    self.run_block(body)
            finally:
                f.depth -= 1
                self.control_depth -= 1
                del self.facts.ranges[var.name]
                f.pinned.pop()
                self.leave_loop(outer)

        carried.trace_loop(self, owned, trace,
                           runs=sympy.Lt(start, stop) if step > 0 else sympy.Gt(start, stop))
        return None

    def st_while(self, node: ast.While) -> bool | None:
        if node.orelse:
            raise UnsupportedError("while-else is not supported", self.loc(node),
                                   hint="use a flag variable set before break")
        pinned = self.pinned_values(node.body)
        owned = self.promote_for(node.body)  # first: the condition may read what the body changes
        const = self.constant_condition(node.test)
        if const is False:
            return None  # the body never runs
        reads = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        if const is True and not _can_leave(node.body) and not reads & pinned.keys():
            raise UnsupportedError("this loop never ends: its condition is always true and "
                                   "its body has no 'break' or 'return'", self.loc(node.test),
                                   hint="give the loop a condition that changes, or a break")
        f = self.frame

        def trace() -> None:
            f.depth += 1
            self.control_depth += 1
            outer = self.enter_loop()
            f.pinned.append(pinned)
            try:
                with self.em.b.while_(sympy.true) as blk:
                    before = len(self.em.b.region.blocks)
                    c = self.condition(self.ev(node.test), node.test)
                    if c is sympy.false:
                        self.em.b.break_()
                    elif c is not sympy.true:
                        if len(self.em.b.region.blocks) == before:
                            blk.cond = c
                        else:
                            with self.em.b.if_(X.not_(c)):
                                self.em.b.break_()
                    self.run_block(node.body)
            finally:
                f.depth -= 1
                self.control_depth -= 1
                f.pinned.pop()
                self.leave_loop(outer)

        carried.trace_loop(self, owned, trace)
        # `while True:` without a break leaves only by returning: what follows is unreachable
        return STOP if const is True and not _can_leave(node.body, returns=False) else None

    def constant_condition(self, test: ast.expr) -> bool | None:
        """The truth of a condition known while tracing (`while 0.0:`), else None. Only
        conditions that emit nothing when evaluated (no calls, no subscripts) are tried."""
        if any(isinstance(n, ast.Call | ast.Subscript | ast.NamedExpr) for n in ast.walk(test)):
            return None
        c = self.condition(self.ev(test), test)
        return bool(c) if c is sympy.true or c is sympy.false else None

    # --- returns ---------------------------------------------------------------------------
    def claimable(self, v: Any) -> bool:
        """A whole temporary that nothing else refers to can become the return container."""
        if not isinstance(v, View) or not v.whole or not v.shape:
            return False
        prog = self.em.b.program
        c = prog.data[v.data]
        return c.transient and v.data not in prog.returns and _refs(self.frame, v.data) <= 1

    def check_return_shape(self, v: Any, node: ast.AST) -> None:
        """The caller allocates returned arrays, so their sizes must follow from the
        arguments, not from values the function computes (a slice bound read from data)."""
        prog = self.em.b.program
        known = self.facts.sizes | set(prog.args)
        for d in v.shape:
            late = sorted(free_names(d) - known)
            changing = [self.size_of[n] for n in late if n in self.size_of]
            if changing:
                raise UnsupportedError(
                    f"this returns '{changing[0]}', whose shape changes while the function "
                    "runs, so its size is not known when the call starts", self.loc(node),
                    hint="write the result into an array argument (out[:len(x)] = x), or "
                    "return a reduction of it")
            if late:
                raise UnsupportedError(
                    f"the size of this returned array, {d}, depends on '{late[0]}', which is "
                    "only known while the function runs", self.loc(node),
                    hint="write the result into an array argument, or return a reduction of it")

    def write_returns(self, val: Any, node: ast.AST, final: bool) -> None:
        vals = list(val) if isinstance(val, tuple) else ([] if val is None else [val])
        for v in vals:
            if not isinstance(v, Sym | View | Elem):
                raise UnsupportedError(f"cannot return {self.describe(v)}", self.loc(node),
                                       hint="return arrays, numbers or a flat tuple of them"
                                       + ("; np.where(mask, x, ...) keeps the shape"
                                          if isinstance(v, Masked) else ""))
            self.check_return_shape(v, node)
        b = self.em.b
        if self.returns is None:
            self.returns = []
            self.return_tuple = isinstance(val, tuple)
            claim = final and not self.had_early_return
            for k, v in enumerate(vals):
                if claim and self.claimable(v):
                    b.program.data[v.data].transient = False
                    b.program.returns.append(v.data)
                    self.returns.append(v)
                    continue
                dtype = v.dtype
                name = self.em.names.fresh("result" if len(vals) == 1 else f"result{k}")
                b.returns(name, dtype, list(v.shape) if v.shape else None)
                r = View(name, dtype, *_whole(v.shape))
                self.em.store(to_elem(v), r)
                self.returns.append(r)
            if not final:
                self.had_early_return = True
            return
        if len(vals) != len(self.returns):
            raise UnsupportedError("all return statements must return the same number of "
                                   "values", self.loc(node))
        for v, r in zip(vals, self.returns, strict=True):
            if len(v.shape) != len(r.shape):
                raise UnsupportedError("all return statements must return values of the same "
                                       "rank", self.loc(node))
            self.em.store(to_elem(v), r)
        if not final:
            self.had_early_return = True


def _can_leave(body: list[ast.stmt], returns: bool = True) -> bool:
    """The loop body has a 'break' of this loop (not of a nested one), or a 'return'."""
    for stmt in body:
        if returns and any(isinstance(n, ast.Return) for n in ast.walk(stmt)):
            return True
        if isinstance(stmt, ast.Break):
            return True
        if isinstance(stmt, ast.If) and (_can_leave(stmt.body, returns)
                                         or _can_leave(stmt.orelse, returns)):
            return True
    return False


def _refs(f: Any, data: str) -> int:
    return sum(1 for v in [*f.env.values(), *f.mutable.values()]
               if isinstance(v, View) and v.data == data)


def _whole(shape: tuple) -> tuple:
    from sluice.frontend.python.values import Rng

    dims = tuple(Rng(sympy.Integer(0), sympy.Integer(1), d) for d in shape)
    return dims, tuple(range(len(shape)))


StatementLowering._STMT = {
    ast.Assign: StatementLowering.st_assign,
    ast.AnnAssign: StatementLowering.st_annassign,
    ast.AugAssign: StatementLowering.st_augassign,
    ast.Expr: StatementLowering.st_expr,
    ast.Pass: StatementLowering.st_pass,
    ast.Break: StatementLowering.st_break,
    ast.Continue: StatementLowering.st_continue,
    ast.Return: StatementLowering.st_return,
    ast.If: BranchLowering.st_if,
    ast.For: StatementLowering.st_for,
    ast.While: StatementLowering.st_while,
}
