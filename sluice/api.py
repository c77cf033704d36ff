"""The decorators and the staged API: trace -> lower -> compile -> call.

    @sluice.jit
    def f(A, B): return A @ B + 1.0

    f.trace(A, B)       # -> sluice.ir.Program
    f.lower("cpu")      # -> generated source (when the backend exists)
    f.compile("cpu")    # -> callable
    f(A, B)             # compiles for the default target on first call, then cached

`@sluice.jit` specialises on the element types, ranks, size-1 dimensions and layouts of
the arguments (sizes stay symbolic) and on the values of non-array, non-number arguments.
The cache key also covers the function's source, the sources of the functions it calls and
the values of the globals it reads: changing any of them recompiles, nothing else does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from sluice.errors import ArgumentError, SluiceError, SluiceTypeError, did_you_mean
from sluice.frontend.python import ArgSpec, Traced, trace_function
from sluice.frontend.python.source import load
from sluice.ir.dtypes import DType
from sluice.ir.interpreter import interpret
from sluice.ir.program import Program
from sluice.ir.symbolic import symbol as _symbol
from sluice.types import ArrayType, ScalarType

BACKENDS = {"cpu": "sluice.backends.cpu"}
DEFAULT_TARGET = "cpu"
INTERPRET = "interpret"  # always available: the reference interpreter
BOUNDSCHECK_VARIABLE = "SLUICE_BOUNDSCHECK"  # set (not 0/off): generated code checks indices


def _backend(target: str) -> Any | None:
    """The backend module for `target`, or None when it does not exist yet."""
    if target == INTERPRET:
        return None
    mod = BACKENDS.get(target)
    if mod is None:
        raise SluiceError(f"unknown target '{target}'",
                          hint=did_you_mean(target, [*BACKENDS, INTERPRET])
                          or f"use one of {', '.join([*BACKENDS, INTERPRET])}")
    try:
        return importlib.import_module(mod)
    except ModuleNotFoundError as err:
        if err.name and mod.startswith(err.name):
            return None  # not written yet: callers fall back to the interpreter
        raise SluiceError(f"target '{target}' failed to load: {err}",
                          hint="use target 'interpret' meanwhile") from err
    except ImportError as err:
        raise SluiceError(f"target '{target}' failed to load: {err}",
                          hint="use target 'interpret' meanwhile") from err


# --- fingerprints for the cache key ------------------------------------------------------------

def _digest(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _fingerprint(v: Any) -> Any:
    inner = getattr(v, "__sluice_function__", None)
    if inner is not None:
        v = inner
    if v is None or isinstance(v, bool | int | float | complex | str | bytes):
        return ("value", type(v).__name__, repr(v))
    if isinstance(v, np.generic):
        return ("value", str(v.dtype), repr(v.item()))
    if isinstance(v, tuple):
        return ("tuple", tuple(_fingerprint(x) for x in v))
    if isinstance(v, np.ndarray):
        return ("array", str(v.dtype), v.shape, hashlib.sha256(v.tobytes()).hexdigest())
    if isinstance(v, types.ModuleType):
        return ("module", v.__name__)
    if isinstance(v, types.FunctionType):
        try:
            return ("function", v.__qualname__, load(v).digest)
        except SluiceError:
            return ("function", v.__qualname__, id(v.__code__))
    if isinstance(v, type) or callable(v):
        return ("object", getattr(v, "__qualname__", type(v).__name__), id(v))
    return ("object", type(v).__name__, id(v))


def _read_global(fn: Any, name: str) -> Any:
    code = fn.__code__
    if name in code.co_freevars and fn.__closure__:
        cell = fn.__closure__[code.co_freevars.index(name)]
        try:
            return cell.cell_contents
        except ValueError:
            return None
    return fn.__globals__.get(name, _MISSING)


_MISSING = object()


def _deps_key(fn: Any, traced: Traced) -> tuple:
    src = load(fn).digest
    globs = tuple((f.__qualname__, name, _fingerprint(_read_global(f, name)))
                  for f, name in traced.deps.globals)
    callees = tuple(_fingerprint(c) for c in traced.deps.callees)
    return (src, globs, callees)


# --- argument specifications -------------------------------------------------------------------

def _fast_key(args: tuple) -> tuple | None:
    """What decides the specialisation of these positional arguments, cheaply; None when an
    argument needs the full analysis (constants, array-likes)."""
    key = []
    for v in args:
        t = type(v)
        if t is np.ndarray:
            key.append((v.dtype, tuple(n == 1 for n in v.shape), v.flags.c_contiguous))
        elif t in (bool, int, float, complex) or isinstance(v, np.generic):
            key.append(t)
        else:
            return None
    return tuple(key)


def _spec_of_value(name: str, v: Any) -> tuple[ArgSpec, Any]:
    """The specification a @jit traces for the value `v`, and its part of the key."""
    if isinstance(v, np.ndarray):
        dt = DType.of(v.dtype)
        shape = tuple(1 if n == 1 else _symbol(f"{name}_{k}") for k, n in enumerate(v.shape))
        layout = "C" if v.flags.c_contiguous else "strided"
        return ArgSpec.array(dt, shape), ("array", dt.value, tuple(n == 1 for n in v.shape),
                                          layout)
    if isinstance(v, bool | np.bool_):
        weak = isinstance(v, bool)  # a Python bool is weak (True + True is 2), np.True_ not
        return ArgSpec.scalar(DType.bool, weak), ("scalar", "bool", "weak" if weak else "")
    if isinstance(v, np.generic):  # first: np.float64 and np.complex128 are Python's too
        dt = DType.of(v.dtype)
        return ArgSpec.scalar(dt), ("scalar", dt.value)
    if isinstance(v, int | float | complex):
        dt = DType.of(v)
        return ArgSpec.scalar(dt, weak=True), ("scalar", dt.value, "weak")
    if hasattr(v, "__cuda_array_interface__") or hasattr(v, "__array__") and not isinstance(
            v, list | tuple):
        return _spec_of_value(name, np.asarray(v))
    return ArgSpec.const(v), ("const", _fingerprint(v))


def _spec_of_annotation(fn: Any, name: str, ann: Any) -> ArgSpec:
    if isinstance(ann, ArrayType):
        return ArgSpec.array(ann.dtype, ann.shape)
    if isinstance(ann, ScalarType):
        return ArgSpec.scalar(ann.dtype)
    if ann in (float, int, bool, complex):
        return ArgSpec.scalar(DType.of(ann()), weak=True)
    fs = load(fn)
    node = next((a for a in fs.tree.args.args if a.arg == name), fs.tree)
    if ann is inspect.Parameter.empty:
        raise SluiceTypeError(f"parameter '{name}' of @sluice.program needs a type annotation",
                              fs.location(node), hint="e.g. x: sluice.float64[N] or "
                              "a: sluice.float64; or use @sluice.jit to infer types")
    raise SluiceTypeError(f"annotation {ann!r} of '{name}' is not a sluice type",
                          fs.location(node), hint="use sluice.float64[N, M], sluice.int64, ...")


# --- the decorated function ---------------------------------------------------------------------

@dataclass
class _Entry:
    traced: Traced
    deps: tuple
    runners: dict[str, Callable[..., Any]]


class SluiceFunction:
    """A function compiled by sluice (base of `program` and `jit`)."""

    def __init__(self, fn: Callable[..., Any], boundscheck: bool | None = None) -> None:
        if not isinstance(fn, types.FunctionType):
            raise SluiceError(f"@sluice decorators apply to functions, not {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self.__sluice_function__ = fn
        self.boundscheck = boundscheck
        self._sig_cache: tuple[Any, inspect.Signature] | None = None
        self._cache: dict[Any, list[_Entry]] = {}
        self._last: tuple[Any, _Entry] | None = None
        # Warm calls: argument kinds -> (entry, native callable, positions it takes).
        self._fast: dict[tuple, tuple[_Entry, Callable[..., Any], tuple[int, ...]]] = {}
        self.compilations = 0
        self.last_miss: str | None = None

    @property
    def _sig(self) -> inspect.Signature:
        fn = self.__sluice_function__
        if self._sig_cache is None or self._sig_cache[0] is not fn.__code__:
            self._sig_cache = (fn.__code__, inspect.signature(fn))
        return self._sig_cache[1]

    # specialisation ------------------------------------------------------------------------------
    def _bind(self, args: tuple, kwargs: dict) -> dict[str, Any]:
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as err:
            raise ArgumentError(f"{self.__name__}(): {err}") from None
        bound.apply_defaults()
        return dict(bound.arguments)

    def _specs(self, values: dict[str, Any] | None) -> tuple[dict[str, ArgSpec], Any]:
        raise NotImplementedError

    def _entry(self, values: dict[str, Any] | None) -> _Entry:
        specs, key = self._specs(values)
        fn = self.__sluice_function__
        for e in self._cache.get(key, []):
            if _deps_key(fn, e.traced) == e.deps:
                self._last = (key, e)
                return e
        self.last_miss = "a changed global, callee or source" if key in self._cache else (
            "first call" if not self._cache else "a new argument signature")
        traced = trace_function(fn, specs, fn.__name__)
        entry = _Entry(traced, _deps_key(fn, traced), {})
        self._cache.setdefault(key, []).insert(0, entry)
        self.compilations += 1
        self._last = (key, entry)
        return entry

    def _current(self, args: tuple, kwargs: dict) -> _Entry:
        if args or kwargs or self._last is None:
            return self._entry(self._bind(args, kwargs) if (args or kwargs) else None)
        key, e = self._last
        if _deps_key(self.__sluice_function__, e.traced) != e.deps:
            return self._entry(None)
        return e

    def _call_args(self, traced: Traced, values: dict[str, Any]) -> list[Any]:
        """Positional arguments of the Program (constants are compiled in)."""
        out = []
        params = [n for n, p in self._sig.parameters.items()]
        prog_args = list(traced.program.args)
        k = 0
        for n in params:
            if k < len(prog_args) and self._is_runtime(values[n]):
                out.append(values[n])
                k += 1
        return out

    def _is_runtime(self, v: Any) -> bool:
        return _spec_of_value("x", v)[0].kind != "const"

    # the staged API ----------------------------------------------------------------------------
    def trace(self, *args: Any, **kwargs: Any) -> Program:
        """The IR Program for these arguments (or for the annotations of a @program)."""
        return self._current(args, kwargs).traced.program

    def lower(self, target: str = DEFAULT_TARGET, *args: Any, boundscheck: bool | None = None,
              **kwargs: Any) -> str:
        """The source code `target` generates for this program (`boundscheck`: as for
        `compile`)."""
        mod = _backend(target)
        gen = getattr(mod, "generate", None) if mod is not None else None
        if gen is None:
            raise SluiceError(f"target '{target}' is not available yet: it cannot generate "
                              "source", hint="inspect the IR with .trace(...), or call the "
                              "function to run it on the reference interpreter")
        return gen(self._current(args, kwargs).traced.program,
                   *self._options(self._checked(boundscheck)))

    def compile(self, target: str = DEFAULT_TARGET, *args: Any, boundscheck: bool | None = None,
                **kwargs: Any) -> Callable[..., Any]:
        """A callable taking the same arguments as the Python function. `boundscheck`
        (default: the decorator's, else `$SLUICE_BOUNDSCHECK`) checks every array access of
        the generated code and reports the first one outside its array at its source line."""
        entry = self._current(args, kwargs)
        return self._runner(entry, target, boundscheck)

    def _checked(self, boundscheck: bool | None) -> bool:
        """The bounds-check mode in force: the call's, the decorator's, the environment's."""
        for choice in (boundscheck, self.boundscheck):
            if choice is not None:
                return bool(choice)
        return _environment_checks()

    @staticmethod
    def _options(checked: bool) -> tuple[dict[str, Any], ...]:
        """Backend options after the program: none in the common case (a backend need not
        know the option), an explicit 'off' where the environment would say on."""
        if checked:
            return ({"boundscheck": True},)
        return ({"boundscheck": False},) if _environment_checks() else ()

    def _runner(self, entry: _Entry, target: str, boundscheck: bool | None = None
                ) -> Callable[..., Any]:
        checked = self._checked(boundscheck)
        run = entry.runners.get((target, checked))
        if run is not None:
            return run
        mod = _backend(target)
        build = getattr(mod, "build", None) if mod is not None else None
        program = entry.traced.program
        if build is None:  # the interpreter checks every index anyway
            native = functools.partial(interpret, program)
        else:
            native = build(program, *self._options(checked))
        tuple_result = entry.traced.returns_tuple
        if tuple_result:
            plain = native

            def native(*a: Any) -> Any:
                out = plain(*a)
                return out if isinstance(out, tuple) else (out,)

        def run(*args: Any, **kwargs: Any) -> Any:
            values = self._bind(args, kwargs)
            return native(*self._call_args(entry.traced, values))

        run.native = native  # type: ignore[attr-defined]
        entry.runners[(target, checked)] = run
        return run

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = None if kwargs else _fast_key(args)
        hit = self._fast.get(key) if key is not None else None
        if hit is not None:
            entry, native, picks = hit
            # The dependency check keeps "a changed global or callee recompiles" exact.
            if _deps_key(self.__sluice_function__, entry.traced) == entry.deps:
                return native(*[args[i] for i in picks])
        values = self._bind(args, kwargs)
        entry = self._entry(values)
        run = self._runner(entry, DEFAULT_TARGET)
        if key is not None and len(args) == len(self._sig.parameters):
            n = len(entry.traced.program.args)
            picks = tuple(i for i, v in enumerate(args) if self._is_runtime(v))[:n]
            self._fast[key] = (entry, run.native, picks)
        return run(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<sluice.{type(self).__name__.lower()} {self.__qualname__}>"


def _environment_checks() -> bool:
    from sluice.runtime.switches import turned_on  # (importing the runtime loads sluice)

    return turned_on(BOUNDSCHECK_VARIABLE)


class ProgramFunction(SluiceFunction):
    """`@sluice.program`: argument types come from the annotations."""

    def __init__(self, fn: Callable[..., Any], boundscheck: bool | None = None) -> None:
        super().__init__(fn, boundscheck)
        self._annotated: dict[str, ArgSpec] | None = None

    def _specs(self, values: dict[str, Any] | None) -> tuple[dict[str, ArgSpec], Any]:
        if self._annotated is None:
            fn = self.__sluice_function__
            try:
                hints = inspect.get_annotations(fn, eval_str=True)
            except Exception as err:
                raise SluiceTypeError(f"cannot evaluate the annotations of '{fn.__name__}': "
                                      f"{err}") from None
            self._annotated = {
                n: _spec_of_annotation(fn, n, hints.get(n, inspect.Parameter.empty))
                for n in self._sig.parameters}
        units = _unit_symbols(self._annotated, values) if values is not None else ()
        if not units:
            return self._annotated, "annotations"
        # NumPy stretches a size-1 dimension: compile a version where those sizes are 1.
        one = {_symbol(u): sympy.Integer(1) for u in units}
        specs = {n: ArgSpec.array(s.dtype, tuple(sympy.sympify(d).xreplace(one)
                                                 for d in s.shape))
                 if s.kind == "array" else s for n, s in self._annotated.items()}
        return specs, ("annotations", units)

    def _is_runtime(self, v: Any) -> bool:
        return True


def _unit_symbols(specs: dict[str, ArgSpec], values: dict[str, Any]) -> tuple[str, ...]:
    """Size symbols that are 1 wherever an argument's dimension is exactly that symbol."""
    seen: dict[str, bool] = {}
    for n, spec in specs.items():
        shape = getattr(values.get(n), "shape", None)
        if spec.kind != "array" or shape is None or len(shape) != len(spec.shape):
            continue
        for d, size in zip(spec.shape, shape, strict=True):
            if isinstance(d, sympy.Symbol):
                seen[d.name] = seen.get(d.name, True) and size == 1
    return tuple(sorted(k for k, one in seen.items() if one))


class JitFunction(SluiceFunction):
    """`@sluice.jit`: types come from the first call's arguments."""

    def _specs(self, values: dict[str, Any] | None) -> tuple[dict[str, ArgSpec], Any]:
        if values is None:
            if self._last is None:
                raise SluiceError(f"'{self.__name__}' is a @sluice.jit function: pass example "
                                  "arguments (or call it once) so it can specialise",
                                  hint=f"{self.__name__}.trace(A, B)")
            key, e = self._last
            return self._last_specs, key
        specs, key = {}, []
        for n, v in values.items():
            spec, k = _spec_of_value(n, v)
            specs[n] = spec
            key.append((n, k))
        self._last_specs = specs
        return specs, tuple(key)


def program(fn: Callable[..., Any] | None = None, *, boundscheck: bool | None = None) -> Any:
    """Compile `fn` with argument types from its annotations. `@sluice.program(boundscheck=
    True)` checks every array access of the generated code (see `SluiceFunction.compile`)."""
    if fn is None:
        return lambda f: ProgramFunction(f, boundscheck)
    return ProgramFunction(fn, boundscheck)


def jit(fn: Callable[..., Any] | None = None, *, boundscheck: bool | None = None) -> Any:
    """Compile `fn`, specialised on the types of the arguments of each new signature.
    `@sluice.jit(boundscheck=True)` checks every array access of the generated code."""
    if fn is None:
        return lambda f: JitFunction(f, boundscheck)
    return JitFunction(fn, boundscheck)
