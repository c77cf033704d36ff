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
Threads calling with one new signature trace and build it once.

`$SLUICE_DISABLE_JIT` (set when a function is decorated) makes calls run the Python function
itself; each stage logs its time under the `sluice` logger (`SLUICE_LOG=info`, `sluice.log`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from sluice.compiled_function import CompiledFunction
from sluice.decorator_options import DecoratorOptions, build_cache
from sluice.errors import ArgumentError, SluiceError, SluiceTypeError, did_you_mean
from sluice.frontend.python import ArgSpec, Traced, trace_function
from sluice.frontend.python.source import load
from sluice.frontend.python.sparse_args import is_scipy_sparse, sparse_spec, sparse_values
from sluice.generated import GeneratedSource
from sluice.ir.dtypes import DType
from sluice.ir.interpreter import interpret
from sluice.ir.program import Program
from sluice.ir.symbolic import symbol as _symbol
from sluice.layouts import any_layout, plain
from sluice.log import get_logger, stage
from sluice.tracebacks import user_api
from sluice.types import ArrayType, ScalarType

BACKENDS = {"cpu": "sluice.backends.cpu", "cuda": "sluice.backends.cuda"}
DEFAULT_TARGET = "cpu"
INTERPRET = "interpret"  # always available: the reference interpreter
BOUNDSCHECK_VARIABLE = "SLUICE_BOUNDSCHECK"  # set (not 0/off): generated code checks indices
DISABLE_JIT_VARIABLE = "SLUICE_DISABLE_JIT"  # set (not 0/off): decorated functions run as Python
_log = get_logger(__name__)


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


def _fingerprint(v: Any, depth: int = 0) -> Any:
    """What the compiled code may depend on in `v`: its value for numbers, strings, arrays and
    containers, its source for functions, and for other objects (classes too) the data they
    hold, so that mutating an object whose attribute the function reads recompiles."""
    inner = getattr(v, "__sluice_function__", None)
    if inner is not None:
        v = inner
    if v is None or isinstance(v, bool | int | float | complex | str | bytes):
        return ("value", type(v).__name__, repr(v))
    if isinstance(v, np.generic):
        return ("value", str(v.dtype), repr(v.item()))
    if isinstance(v, np.ndarray):
        return ("array", str(v.dtype), v.shape, hashlib.sha256(v.tobytes()).hexdigest())
    if isinstance(v, types.ModuleType):
        return ("module", v.__name__)
    if isinstance(v, types.FunctionType):
        try:
            return ("function", v.__qualname__, load(v).digest)
        except SluiceError:
            return ("function", v.__qualname__, id(v.__code__))
    if depth >= _FINGERPRINT_DEPTH:  # (deeper data is identified, not read)
        return ("deep", type(v).__name__, id(v))
    if isinstance(v, tuple | list):
        return (type(v).__name__, tuple(_fingerprint(x, depth + 1) for x in v))
    if isinstance(v, dict):
        return ("dict", tuple((_fingerprint(k, depth + 1), _fingerprint(x, depth + 1))
                              for k, x in v.items()))
    if isinstance(v, set | frozenset):
        return ("set", tuple(sorted(repr(_fingerprint(x, depth + 1)) for x in v)))
    name = getattr(v, "__qualname__", type(v).__name__)
    return ("object", name, id(v), _data_of(v, depth))


_FINGERPRINT_DEPTH = 6


def _data_of(v: Any, depth: int) -> tuple:
    """The data attributes of an object or class (methods, properties and classes aside)."""
    try:
        try:
            attrs = dict(vars(v))
        except TypeError:  # no __dict__: __slots__ or a built-in object
            slots = getattr(type(v), "__slots__", ())
            attrs = {n: getattr(v, n) for n in ((slots,) if isinstance(slots, str) else slots)
                     if hasattr(v, n)}
        return tuple((k, _fingerprint(x, depth + 1)) for k, x in attrs.items()
                     if not (k.startswith("__") or callable(x)
                             or isinstance(x, property | staticmethod | classmethod)))
    except Exception:  # noqa: BLE001 - an object that will not be read: known by identity
        return ("opaque",)


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
            if not v.ndim:  # passed as a 1-element array (`_runtime_values`)
                return None
            key.append((v.dtype, tuple(n == 1 for n in v.shape), plain(v)))
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
        # (no layout: `layouts.any_layout` hands every layout to the same code)
        return ArgSpec.array(dt, shape), ("array", dt.value, tuple(n == 1 for n in v.shape))
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
    if is_scipy_sparse(v):
        spec = sparse_spec(name, v)
        return spec, ("sparse", *spec.value[:2], spec.dtype.value)
    if isinstance(v, tuple) and _holds_array(v):
        parts = [_spec_of_value(f"{name}_{k}", x) for k, x in enumerate(v)]
        return (ArgSpec.tuple_of(tuple(p[0] for p in parts)),
                ("tuple", tuple(p[1] for p in parts)))
    return ArgSpec.const(v), ("const", _fingerprint(v))


def _static_spec(v: Any) -> tuple[ArgSpec, Any]:
    """A parameter named in `static_argnames`: its value is compiled in."""
    return ArgSpec.const(v), ("static", _fingerprint(v))


def _holds_array(v: tuple) -> bool:
    """Whether a tuple argument carries arrays (then each array and number in it is an
    argument of the program; a tuple of numbers alone, like a shape, is compiled in)."""
    return any(_holds_array(x) if isinstance(x, tuple) else
               _spec_of_value("x", x)[0].kind == "array" for x in v)


def _runtime_values(v: Any) -> list[Any]:
    """The program arguments a Python argument becomes: itself, nothing (a constant) or a
    tuple's members."""
    spec = _spec_of_value("x", v)[0]
    if spec.kind == "tuple":
        return [leaf for x in v for leaf in _runtime_values(x)]
    if spec.kind == "array" and not spec.shape:  # (see tracer._declare)
        return [np.asarray(v).reshape(1)]
    if spec.kind == "sparse":
        return sparse_values(v)
    return [] if spec.kind == "const" else [v]


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
    # Held while a runner is built: threads calling a cold function build it once.
    building: threading.Lock = field(default_factory=threading.Lock, repr=False)


class SluiceFunction:
    """A function compiled by sluice (base of `program` and `jit`)."""

    def __init__(self, fn: Callable[..., Any], options: Mapping[str, Any] | None = None
                 ) -> None:
        if not isinstance(fn, types.FunctionType):
            raise SluiceError(f"@sluice decorators apply to functions, not {type(fn).__name__}")
        functools.update_wrapper(self, fn)
        self.__sluice_function__ = fn
        params = list(inspect.signature(fn).parameters)
        self.options = DecoratorOptions.of(self.decorator, options or {}, params,
                                           (*BACKENDS, INTERPRET))
        self.static = self.options.static(params)
        self._sig_cache: tuple[Any, inspect.Signature] | None = None
        self._cache: dict[Any, list[_Entry]] = {}
        self._last: tuple[Any, _Entry] | None = None
        # Warm calls: argument kinds -> (entry, native callable, positions it takes).
        self._fast: dict[tuple, tuple[_Entry, Callable[..., Any], tuple[int, ...]]] = {}
        self.compilations = 0
        self.last_miss: str | None = None
        # `$SLUICE_DISABLE_JIT` at decoration: calls run the Python function itself (to debug
        # it with print and pdb); the staged API still traces and compiles.
        self.python_only = _switched_on(DISABLE_JIT_VARIABLE)
        # One lock per specialisation key: threads that call with the same new signature
        # trace it once; other signatures trace meanwhile.
        self._tracing: dict[Any, threading.Lock] = {}
        self._tracing_guard = threading.Lock()

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

    def _cached(self, key: Any) -> _Entry | None:
        fn = self.__sluice_function__
        for e in self._cache.get(key, []):
            if _deps_key(fn, e.traced) == e.deps:
                self._last = (key, e)
                return e
        return None

    def _entry(self, values: dict[str, Any] | None) -> _Entry:
        specs, key = self._specs(values)
        found = self._cached(key)
        if found is not None:
            return found
        with self._tracing_guard:
            lock = self._tracing.setdefault(key, threading.Lock())
        with lock:
            found = self._cached(key)  # another thread may have traced it while we waited
            return found if found is not None else self._trace(specs, key)

    def _trace(self, specs: dict[str, ArgSpec], key: Any) -> _Entry:
        fn = self.__sluice_function__
        self.last_miss = "a changed global, callee or source" if key in self._cache else (
            "first call" if not self._cache else "a new argument signature")
        with stage(_log, f"trace {fn.__qualname__} ({self.last_miss})"):
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
        n_args = len(traced.program.args)
        out = [v for n in self._sig.parameters for v in self._runtime(n, values[n])]
        return out[:n_args]

    def _runtime(self, name: str, v: Any) -> list[Any]:
        """The program arguments the value `v` of parameter `name` becomes."""
        return [] if name in self.static else _runtime_values(v)

    # the staged API ----------------------------------------------------------------------------
    @user_api
    def trace(self, *args: Any, **kwargs: Any) -> Program:
        """The IR Program for these arguments (or for the annotations of a @program)."""
        return self._current(args, kwargs).traced.program

    @user_api
    def lower(self, target: str | None = None, *args: Any, boundscheck: bool | None = None,
              **kwargs: Any) -> GeneratedSource:
        """The source code `target` generates for this program (`boundscheck`: as for
        `compile`): a `str` that Jupyter shows with the program first."""
        target = target or self.options.target
        mod = _backend(target)
        gen = getattr(mod, "generate", None) if mod is not None else None
        if gen is None:
            raise SluiceError(f"target '{target}' is not available yet: it cannot generate "
                              "source", hint="inspect the IR with .trace(...), or call the "
                              "function to run it on the reference interpreter")
        program = self._current(args, kwargs).traced.program
        text = gen(program, *self._options(self._checked(boundscheck), mod))
        if isinstance(text, GeneratedSource):
            return text
        return GeneratedSource(text, target=target, name=program.name)

    @user_api
    def compile(self, target: str | None = None, *args: Any, boundscheck: bool | None = None,
                **kwargs: Any) -> CompiledFunction:
        """A callable taking the same arguments as the Python function. `boundscheck`
        (default: the decorator's, else `$SLUICE_BOUNDSCHECK`) checks every array access of
        the generated code and reports the first one outside its array at its source line."""
        entry = self._current(args, kwargs)
        return self._runner(entry, target or self.options.target, boundscheck)

    def _checked(self, boundscheck: bool | None) -> bool:
        """The bounds-check mode in force: the call's, the decorator's, the environment's."""
        for choice in (boundscheck, self.options.boundscheck):
            if choice is not None:
                return bool(choice)
        return _environment_checks()

    def _options(self, checked: bool, mod: Any = None) -> tuple[dict[str, Any], ...]:
        """Backend options after the program: none in the common case (a backend need not
        know the options), else those that differ from the backend's defaults (bounds
        checks off is explicit where the environment would say on). Options backend `mod`
        does not take are left out, except bounds checks asked for, which it cannot give."""
        out: dict[str, Any] = {}
        if checked or _environment_checks():
            out["boundscheck"] = checked
        if not self.options.parallel:
            out["parallel"] = False
        if self.options.reorder:
            out["pipeline"] = "O3"
        if self.options.cache is not True:
            out["cache"] = build_cache(self.options.cache)
        known = getattr(mod, "BUILD_OPTIONS", None)
        if known is not None:
            if checked and "boundscheck" not in known:
                raise SluiceError(f"this target cannot check indices ('{self.__name__}' was "
                                  "asked for bounds checks)",
                                  hint="check on target 'cpu' or 'interpret', then run here")
            out = {k: v for k, v in out.items() if k in known}
        return (out,) if out else ()

    def _runner(self, entry: _Entry, target: str, boundscheck: bool | None = None
                ) -> CompiledFunction:
        checked = self._checked(boundscheck)
        run = entry.runners.get((target, checked))
        if run is not None:
            return run
        with entry.building:
            run = entry.runners.get((target, checked))  # built while we waited
            if run is not None:
                return run
            with stage(_log, f"ready {self.__qualname__} for {target}"):
                return self._build(entry, target, checked)

    def _build(self, entry: _Entry, target: str, checked: bool) -> CompiledFunction:
        mod = _backend(target)
        build = getattr(mod, "build", None) if mod is not None else None
        program = entry.traced.program
        options = self._options(checked, mod)
        as_tuple = _tuple_result if entry.traced.returns_tuple else _same
        strided = None
        if build is None:  # the interpreter checks every index anyway
            native = functools.partial(interpret, program)
        else:
            native = build(program, *options)
            if "strided" in getattr(mod, "BUILD_OPTIONS", ()):
                # arguments in any layout reach a build that steps through them (no copy)
                def strided(names: frozenset[str]) -> Callable[..., Any]:
                    extra = options[0] if options else {}
                    return as_tuple(build(program, {**extra, "strided": names}))
        native = as_tuple(native)
        adapted = any_layout(program, native, strided)

        def run(*args: Any, **kwargs: Any) -> Any:
            values = self._bind(args, kwargs)
            return adapted(*self._call_args(entry.traced, values))

        compiled = CompiledFunction(self.__qualname__, target, checked, program, run, native,
                                    adapted)
        entry.runners[(target, checked)] = compiled
        return compiled

    @user_api
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.python_only:
            return self.__sluice_function__(*args, **kwargs)
        key = None if kwargs or self.static else _fast_key(args)
        hit = self._fast.get(key) if key is not None else None
        if hit is not None:
            entry, native, picks = hit
            # The dependency check keeps "a changed global or callee recompiles" exact.
            if _deps_key(self.__sluice_function__, entry.traced) == entry.deps:
                return native(*[args[i] for i in picks])
        values = self._bind(args, kwargs)
        entry = self._entry(values)
        run = self._runner(entry, self.options.target)
        if key is not None and len(args) == len(self._sig.parameters):
            n = len(entry.traced.program.args)
            params = zip(self._sig.parameters, args, strict=True)
            picks = tuple(i for i, (p, v) in enumerate(params) if self._runtime(p, v))[:n]
            every_plain = all(k[2] for k in key if isinstance(k, tuple))
            self._fast[key] = (entry, run.native if every_plain else run.any_layout, picks)
        return run(*args, **kwargs)

    def __repr__(self) -> str:
        from sluice.function_display import function_repr

        return function_repr(self)

    def _repr_html_(self) -> str:
        from sluice.function_display import function_html

        return function_html(self)


def _tuple_result(native: Callable[..., Any]) -> Callable[..., Any]:
    """`native`, always returning a tuple (a function returning a tuple of one value)."""
    def run(*a: Any) -> Any:
        out = native(*a)
        return out if isinstance(out, tuple) else (out,)

    run.__wrapped__ = native  # type: ignore[attr-defined]
    return run


def _same(native: Callable[..., Any]) -> Callable[..., Any]:
    return native


def _environment_checks() -> bool:
    return _switched_on(BOUNDSCHECK_VARIABLE)


def _switched_on(variable: str) -> bool:
    from sluice.runtime.switches import turned_on  # (importing the runtime loads sluice)

    return turned_on(variable)


class ProgramFunction(SluiceFunction):
    """`@sluice.program`: argument types come from the annotations."""

    decorator = "program"

    def __init__(self, fn: Callable[..., Any], options: Mapping[str, Any] | None = None
                 ) -> None:
        super().__init__(fn, options)
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

    def _runtime(self, name: str, v: Any) -> list[Any]:
        spec = self._annotated.get(name) if self._annotated is not None else None
        if spec is not None and spec.kind == "array" and not spec.shape:
            if np.ndim(v) != 0:
                raise ArgumentError(f"argument '{name}' must be a 0-d array, got shape "
                                    f"{np.shape(v)}")
            return [np.asarray(v).reshape(1)]  # (see tracer._declare)
        return [v]


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

    decorator = "jit"

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
            spec, k = _static_spec(v) if n in self.static else _spec_of_value(n, v)
            specs[n] = spec
            key.append((n, k))
        self._last_specs = specs
        return specs, tuple(key)


@user_api
def program(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Compile `fn` with argument types from its annotations. Options (`target`,
    `boundscheck`, `parallel`, `cache`): see `sluice.decorator_options`."""
    if fn is None:
        return user_api(lambda f: ProgramFunction(f, options))
    return ProgramFunction(fn, options)


@user_api
def jit(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Compile `fn`, specialised on the types of the arguments of each new signature.
    Options (`target`, `boundscheck`, `parallel`, `cache`, `static_argnames`,
    `static_argnums`): see `sluice.decorator_options`."""
    if fn is None:
        return user_api(lambda f: JitFunction(f, options))
    return JitFunction(fn, options)
