"""The tracer: walks a function's AST once, building the IR (see the mixins it combines)."""

from __future__ import annotations

import ast
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sympy

from sluice.errors import SluiceError, UnsupportedError
from sluice.frontend.python import values as values_mod
from sluice.frontend.python.bounds import Facts
from sluice.frontend.python.branches import BranchLowering
from sluice.frontend.python.calls import CallLowering
from sluice.frontend.python.emit import Emitter
from sluice.frontend.python.expressions import ExpressionLowering, _describe
from sluice.frontend.python.gathers import GatherLowering
from sluice.frontend.python.pmap import MapLowering
from sluice.frontend.python.signature import ArgSpec
from sluice.frontend.python.source import FunctionSource, load
from sluice.frontend.python.sparse import declare_sparse
from sluice.frontend.python.statements import StatementLowering
from sluice.frontend.python.values import Rng, Sym, View
from sluice.frontend.python.viewcopies import ViewCopies, ViewCopy
from sluice.ir.dtypes import DType
from sluice.ir.program import Program
from sluice.ir.requires import Requirement, bound_by_arguments
from sluice.ir.symbolic import symbol
from sluice.ir.text import parse


@dataclass
class Frame:
    """One function being traced: its source, scope and variables with storage."""

    fs: FunctionSource
    env: dict[str, Any]
    globals: dict[str, Any]
    inlined: bool
    mutable: dict[str, Any] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    aliased: set[str] = field(default_factory=set)  # views bound in the current branch
    branch_names: set[str] = field(default_factory=set)  # names the open `if`s may alias
    poisoned: dict[str, Any] = field(default_factory=dict)  # see branches.py
    depth: int = 0  # loops and branches open in this function
    result: Any = None
    # sluice's own implementation of a NumPy function (numpy_impl/): where its errors and
    # checks point instead, the user's call
    shown_at: Any = None
    stale: dict[str, Any] = field(default_factory=dict)  # see viewcopies.py
    # per open loop: names it assigns that hold a Python value before it (None, a tuple);
    # the body is traced once, so they must keep that value (StatementLowering.pin)
    pinned: list[dict[str, Any]] = field(default_factory=list)
    # names a run-time `if` gives resizable storage when it first assigns them (resizing.py)
    resized: set[str] = field(default_factory=set)


@dataclass
class Dependencies:
    """What the traced program depends on besides the arguments (for the JIT cache key)."""

    globals: list[tuple[Any, str]] = field(default_factory=list)  # (function, global name)
    callees: list[Any] = field(default_factory=list)


@dataclass
class Traced:
    program: Program
    deps: Dependencies
    returns_tuple: bool


class Tracer(ExpressionLowering, CallLowering, StatementLowering, MapLowering, GatherLowering,
             BranchLowering, ViewCopies):
    def __init__(self, name: str) -> None:
        self.em = Emitter(name)
        self.frames: list[Frame] = []
        self.deps = Dependencies()
        self.returns: list[View] | None = None
        self.return_tuple = False
        self.had_early_return = False
        self.control_depth = 0
        self.view_copies: dict[str, ViewCopy] = {}
        self.callees: dict[ast.AST, Any] = {}  # call node -> the function it calls
        self.carried: list = []  # (frame, names, settled names) per loop being traced
        self.branches = 0  # run-time `if`s open around the statement (a loop resets it)
        self.resizable: set[str] = set()  # containers sized by symbols of their own
        self.resize_scopes: list = []  # (frame, names) per loop or `if` that may retrace
        self.size_of: dict[str, str] = {}  # size symbol of resizable storage -> its variable
        self.assigned_at: dict[str, Any] = {}
        self.hint: str | None = None
        self.in_map: dict | None = None
        self.node: ast.AST | None = None
        self.failed: tuple[FunctionSource, ast.AST] | None = None
        self.em.where = self._where
        self.em.can_add_block = lambda: self.in_map is None  # a map body holds no blocks
        self.em.conditional = lambda: self.control_depth > 0 or self.had_early_return
        self.facts: Facts = self.em.facts

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    # --- diagnostics ----------------------------------------------------------------------
    def loc(self, node: ast.AST | None):
        if not self.frames:
            return None
        f = self.frame
        return f.shown_at if f.shown_at is not None else f.fs.location(node)

    @contextmanager
    def at(self, node: ast.AST):
        outer = self.node
        self.node = node
        builder = self.em.b
        outer_loc = builder.loc
        builder.loc = self.loc(node) or outer_loc  # nodes built meanwhile point here
        try:
            yield
        except SluiceError as err:
            if err.loc is None:
                err.loc = self.loc(node)
            raise
        except Exception:
            if self.failed is None:  # the innermost construct, for the internal-error report
                self.failed = (self.frame.fs, node)
            raise
        finally:
            self.node = outer
            builder.loc = outer_loc

    def _where(self) -> str | None:
        loc = self.loc(self.node)
        return str(loc) if loc is not None and loc.line is not None else None

    def describe(self, v: Any) -> str:
        return _describe(v)

    def callee_name(self, node: ast.AST) -> str:
        """The name of the function a call calls, as the function itself spells it (an
        alias, `up = np.triu` or `from numpy import triu as up`, still reads 'triu'); for
        an array method, the method's name."""
        obj = self.callees.get(node)
        if obj is not None:
            return getattr(obj, "__name__", "")
        f = getattr(node, "func", None)
        return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")

    def name_hint(self) -> str:
        return self.hint or "tmp"

    def fresh_zeroed(self) -> bool:
        """A container allocated now is still zero when first used (no loop reuses it)."""
        return self.control_depth == 0

    # --- dependencies -----------------------------------------------------------------------
    def record_global(self, name: str, v: Any) -> None:
        key = (self.frame.fs.func, name)
        if key not in self.deps.globals:
            self.deps.globals.append(key)

    def record_callee(self, fn: Any, fs: FunctionSource) -> None:
        if fn not in self.deps.callees:
            self.deps.callees.append(fn)

    # --- functions --------------------------------------------------------------------------
    def run_function(self, fs: FunctionSource, env: dict[str, Any], inlined: bool,
                     shown_at: Any = None) -> Any:
        _check_parameters(fs)
        g = dict(fs.func.__globals__)
        code = fs.func.__code__
        for name, cell in zip(code.co_freevars, fs.func.__closure__ or (), strict=False):
            try:
                g[name] = cell.cell_contents
            except ValueError:
                pass
        frame = Frame(fs, env, g, inlined, shown_at=shown_at)
        self.frames.append(frame)
        saved_control = self.control_depth
        try:
            stopped = self.run_block(fs.tree.body)
            if not stopped and not inlined and self.returns:
                # Python returns None on this path; a compiled program has one result type.
                raise UnsupportedError(
                    f"'{fs.name}' returns a value on some paths but can reach its end without "
                    "a return (where Python returns None)", fs.location(fs.tree.body[-1]),
                    hint="end the function with a return of the same values")
        finally:
            self.frames.pop()
            self.control_depth = saved_control
        return frame.result


def _check_parameters(fs: FunctionSource) -> None:
    a = fs.tree.args
    if a.vararg is not None:
        raise UnsupportedError("'*args' parameters are not supported", fs.location(a.vararg),
                               hint="name every parameter")
    if a.kwarg is not None:
        raise UnsupportedError("'**kwargs' parameters are not supported", fs.location(a.kwarg),
                               hint="name every parameter")


def trace_function(fn: Any, specs: dict[str, ArgSpec], name: str | None = None) -> Traced:
    """Trace `fn` for arguments described by `specs` (one per parameter, in order)."""
    fs = load(fn)
    _check_parameters(fs)
    tr = Tracer(name or fs.name)
    em = tr.em
    b = em.b
    for spec in (leaf for s in specs.values() for leaf in s.leaves()):
        for d in spec.shape:
            for s in sympy.sympify(d).free_symbols:
                em.names.taken.add(s.name)
                tr.facts.sizes.add(s.name)
    env: dict[str, Any] = {}
    # Connector names count from zero in every trace: the same function must give the same
    # IR text (the build cache key) however many functions this process traced before.
    outer_count, values_mod._counter[0] = values_mod._counter[0], 0
    token = em.activate()
    try:
        for pname, spec in specs.items():
            env[pname] = _declare(tr, pname, spec)
        tr.run_function(fs, env, inlined=False)
    except SluiceError:
        raise
    except RecursionError:
        raise UnsupportedError("the program is nested too deeply to compile",
                               tr.loc(tr.node)) from None
    except Exception as err:  # a bug in sluice: still point at the user's line
        where = tr.failed[0].location(tr.failed[1]) if tr.failed is not None else None
        raise SluiceError(f"internal compiler error while compiling this: "
                          f"{type(err).__name__}: {err}", where,
                          hint="this is a sluice bug; please report it") from err
    finally:
        values_mod._counter[0] = outer_count
        em.reset(token)
    built = b.build(verify=False)
    built.requires = _call_checks(built, em.requires)
    # Print and parse once: SymPy may re-associate an expression when it is parsed back,
    # and the program must be the fixed point that its text form round-trips to.
    program = parse(built.to_text())
    return Traced(program, tr.deps, tr.return_tuple)


def _call_checks(p: Program, requires: list[Requirement]) -> list[Requirement]:
    """The assumptions a call can check: those over symbols the arguments bind."""
    bound = bound_by_arguments(p)
    return [r for r in requires if r.names <= bound]


def _declare(tr: Tracer, pname: str, spec: ArgSpec) -> Any:
    em, b = tr.em, tr.em.b
    if spec.kind == "tuple":  # members are arguments of their own: t_0, t_1, ...
        return tuple(_declare(tr, f"{pname}_{k}", m) for k, m in enumerate(spec.value))
    if spec.kind == "const":
        return tr.from_python(spec.value, None)
    if spec.kind == "sparse":
        return declare_sparse(tr, pname, spec)
    if spec.kind == "scalar" and (spec.dtype.is_integer):
        # a NumPy integer keeps its type (np.int32 arithmetic wraps at 32 bits); Python's
        # int is int64, weak
        dtype = DType.int64 if spec.weak else spec.dtype
        if pname in b.program.symbols:
            b.program.args.append(pname)
            em.names.taken.add(pname)
            return Sym(symbol(pname), dtype, spec.weak)
        name = em.names.fresh(pname)
        b.symbol(name, arg=True)
        return Sym(symbol(name), dtype, spec.weak)
    name = em.names.fresh(pname)
    if spec.kind == "scalar":
        b.arg(name, spec.dtype)
        return View(name, spec.dtype, (), (), weak=spec.weak)
    shape = tuple(sympy.sympify(d) for d in spec.shape)
    if not shape:  # a 1-element array seen as 0-d, so that writes reach the caller's array
        b.arg(name, spec.dtype, [1])
        em.arrays0d.add(name)
        return View(name, spec.dtype, (sympy.Integer(0),), ())
    b.arg(name, spec.dtype, list(shape))
    dims = tuple(Rng(sympy.Integer(0), sympy.Integer(1), d) for d in shape)
    return View(name, spec.dtype, dims, tuple(range(len(shape))))


__all__ = ["trace_function", "Traced", "ArgSpec", "load"]

Tracer._EXPR = {**ExpressionLowering._EXPR, ast.Call: CallLowering.ev_call}
