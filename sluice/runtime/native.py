"""Load a compiled shared library with ctypes and call it with NumPy arrays, without copies.

The C entry function takes, in this order: one pointer per array argument (in signature
order), then the scalar arguments by value (complex128 by pointer to two doubles), then one
`int64_t` per symbol (in `NativeFunction.symbols` order)::

    void saxpy(float *x, float *y, float a, int64_t N);

Every call checks each argument against its `ArgSpec` — dtype, rank, shape consistency across
arguments (symbols such as `N` are bound from the first shape that names them), C-contiguity,
alignment and writability — and raises `ArgumentError` naming the argument, what was expected,
what was given, and how to fix it.

Warm calls matter (a JIT program pays this on every call), so checking is split in two: a fast
path with per-signature plans precomputed at load time that only *accepts* the common case
(exact dtype object, contiguous, shapes consistent), and a thorough path that runs when the
fast path declines — it either raises the precise error or converts and calls.
"""

from __future__ import annotations

import ctypes
import keyword
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any, Literal

import numpy as np

from sluice.errors import ArgumentError, ToolchainError, did_you_mean

Dim = int | str | Callable[[Mapping[str, int]], int]

# Scalars passed by value, and the Python types the fast path accepts without conversion.
_SCALAR_CTYPES: dict[str, Any] = {
    "float32": ctypes.c_float,
    "float64": ctypes.c_double,
    "int32": ctypes.c_int32,
    "int64": ctypes.c_int64,
    "bool": ctypes.c_bool,
    "complex128": ctypes.c_void_p,  # by pointer to {double re, im}
}
_FAST_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "float32": (float, int),
    "float64": (float, int),
    "int32": (int,),
    "int64": (int,),
    "bool": (bool,),
    "complex128": (),  # needs a buffer: always the thorough path
}
# ctypes silently wraps out-of-range ints, so both paths check the range.
_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_NO_RANGE = (float("-inf"), float("inf"))


@dataclass(frozen=True)
class ArgSpec:
    """One argument of a compiled entry function.

    `shape` entries are ints (fixed extent), strings (a symbol bound from the arguments) or
    callables `f(symbols) -> int` for derived extents such as `N + 1`, evaluated once all
    plain symbols are bound.
    """

    name: str
    kind: Literal["array", "scalar"]
    dtype: np.dtype
    shape: tuple[Dim, ...] = ()
    writable: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or keyword.iskeyword(self.name):
            raise ValueError(f"argument name {self.name!r} is not a Python identifier")
        if self.kind not in ("array", "scalar"):
            raise ValueError(f"argument {self.name!r}: kind must be 'array' or 'scalar'")
        object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "shape", tuple(self.shape))
        if self.kind == "scalar":
            if self.shape:
                raise ValueError(f"scalar argument {self.name!r} cannot have a shape")
            if self.dtype.name not in _SCALAR_CTYPES:
                raise ValueError(
                    f"scalar argument {self.name!r}: dtype {self.dtype} unsupported "
                    f"(use one of {', '.join(_SCALAR_CTYPES)})"
                )
        for d in self.shape:
            if isinstance(d, bool) or not (isinstance(d, int | str) or callable(d)):
                raise ValueError(f"argument {self.name!r}: bad shape entry {d!r}")

    @classmethod
    def array(
        cls, name: str, dtype: Any, shape: Sequence[Dim], *, writable: bool = False
    ) -> ArgSpec:
        return cls(name, "array", np.dtype(dtype), tuple(shape), writable)

    @classmethod
    def scalar(cls, name: str, dtype: Any) -> ArgSpec:
        return cls(name, "scalar", np.dtype(dtype))

    def describe(self) -> str:
        """`x: float64[N, 3]` or `a: float32`."""
        if self.kind == "scalar":
            return f"{self.name}: {self.dtype.name}"
        return f"{self.name}: {self.dtype.name}[{', '.join(_dim_text(d) for d in self.shape)}]"


def _dim_text(d: Dim) -> str:
    if isinstance(d, int | str):
        return str(d)
    return getattr(d, "__name__", "expr")


def _shape_text(shape: Sequence[Dim]) -> str:
    inner = ", ".join(_dim_text(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


@dataclass(frozen=True)
class _ArrayPlan:
    """Precomputed checks of one array argument, used by the fast path."""

    index: int
    dtype: np.dtype
    ndim: int
    writable: bool
    fixed: tuple[tuple[int, int], ...]  # (axis, extent)
    binds: tuple[tuple[int, int], ...]  # (axis, symbol slot): first use of the symbol
    checks: tuple[tuple[int, int], ...]  # (axis, symbol slot): later uses
    derived: tuple[tuple[int, Callable], ...]  # (axis, callable)


class NativeFunction:
    """A C entry point with a checked, zero-copy NumPy calling convention."""

    def __init__(
        self,
        library: ctypes.CDLL,
        entry: str,
        specs: Sequence[ArgSpec],
        *,
        symbols: Sequence[str] | None = None,
        restype: Any = None,
        path: str | None = None,
    ) -> None:
        self.entry = entry
        self.specs = tuple(specs)
        self.path = path
        self._lib = library  # keeps the library mapped while this function lives
        try:
            self._cfunc = getattr(library, entry)
        except AttributeError:
            raise ToolchainError(
                f"entry function '{entry}' not found in {path or library}",
                hint="declare it extern \"C\" so its name is not mangled",
            ) from None

        names = [s.name for s in self.specs]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate argument names: {sorted(dupes)}")
        shape_syms = tuple(dict.fromkeys(  # first appearance order
            d for s in self.specs for d in s.shape if isinstance(d, str)))
        if symbols is None:
            self.symbols: tuple[str, ...] = shape_syms
        else:
            missing = sorted(set(shape_syms) - set(symbols))
            if missing or len(set(symbols)) != len(symbols):
                raise ValueError(f"`symbols` {list(symbols)} must list each symbol once, "
                                 f"including {missing or 'all of the shapes'}")
            self.symbols = tuple(symbols)
        clash = set(self.symbols) & set(names)
        if clash:
            raise ValueError(f"names used both as symbol and argument: {sorted(clash)}")

        self._slot = {s: i for i, s in enumerate(self.symbols)}
        self._names = tuple(names)
        self._index = {n: i for i, n in enumerate(names)}
        self._arrays = [i for i, s in enumerate(self.specs) if s.kind == "array"]
        self._scalars = [i for i, s in enumerate(self.specs) if s.kind == "scalar"]
        self._plans = self._make_plans()
        # Symbols no shape determines must be passed by keyword on each call.
        self._free = tuple(s for s in self.symbols if s not in shape_syms)
        self._has_derived = any(p.derived for p in self._plans)
        self._fast_scalars = tuple(
            (i, _FAST_SCALAR_TYPES[name], *_INT_RANGE.get(name, _NO_RANGE))
            for i in self._scalars
            for name in [self.specs[i].dtype.name]
        )

        argtypes = [ctypes.c_void_p] * len(self._arrays)
        argtypes += [_SCALAR_CTYPES[self.specs[i].dtype.name] for i in self._scalars]
        argtypes += [ctypes.c_int64] * len(self.symbols)
        self._cfunc.argtypes = argtypes
        self._cfunc.restype = _restype(restype)
        self._nparams = len(self.specs)

    def _make_plans(self) -> list[_ArrayPlan]:
        seen: set[int] = set()
        plans = []
        for i in self._arrays:
            spec = self.specs[i]
            fixed, binds, checks, derived = [], [], [], []
            for axis, d in enumerate(spec.shape):
                if isinstance(d, int):
                    fixed.append((axis, d))
                elif isinstance(d, str):
                    slot = self._slot[d]
                    (checks if slot in seen else binds).append((axis, slot))
                    seen.add(slot)
                else:
                    derived.append((axis, d))
            plans.append(_ArrayPlan(i, spec.dtype, len(spec.shape), spec.writable, tuple(fixed),
                                    tuple(binds), tuple(checks), tuple(derived)))
        return plans

    @property
    def signature(self) -> str:
        """`entry(x: float64[N], a: float64)` for messages and reprs."""
        params = [s.describe() for s in self.specs]
        params += [f"{s}: int64 (by keyword)" for s in self._free]
        return f"{self.entry}({', '.join(params)})"

    def __repr__(self) -> str:
        return f"<NativeFunction {self.signature}>"

    # -- calling ------------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs and len(args) + len(kwargs) == self._nparams and not self._free:
            # All remaining arguments by keyword: reorder them and stay on the fast path.
            try:
                args = args + tuple(kwargs[n] for n in self._names[len(args):])
                kwargs = {}
            except KeyError:
                pass  # a misspelled or duplicated name: `_checked` explains it
        if not kwargs and not self._free and len(args) == self._nparams:
            cargs = self._fast(args)
            if cargs is not None:
                return self._cfunc(*cargs)
        return self._cfunc(*self._checked(args, kwargs))

    def _fast(self, args: tuple) -> list | None:
        """C arguments for the common case, or None to let `_checked` decide (never raises)."""
        vals = [0] * len(self.symbols)
        ptrs = []
        for p in self._plans:
            a = args[p.index]
            if type(a) is not np.ndarray or a.dtype is not p.dtype or a.ndim != p.ndim:
                return None
            flags = a.flags
            if not (flags.c_contiguous and flags.aligned) or (p.writable and not flags.writeable):
                return None
            shape = a.shape
            for axis, extent in p.fixed:
                if shape[axis] != extent:
                    return None
            for axis, slot in p.binds:
                vals[slot] = shape[axis]
            for axis, slot in p.checks:
                if shape[axis] != vals[slot]:
                    return None
            # `ndarray.ctypes.data` costs ~1.4 us; sharing the buffer costs ~0.3 us but needs
            # a writable, non-empty buffer (the ctypes object dies at once; `a` keeps the memory).
            ptrs.append(_addressof(_share(a)) if flags.writeable and a.size else a.ctypes.data)
        if self._has_derived:
            env = dict(zip(self.symbols, vals, strict=True))
            for p in self._plans:
                shape = args[p.index].shape
                for axis, fn in p.derived:
                    if shape[axis] != fn(env):
                        return None
        for i, types, lo, hi in self._fast_scalars:
            v = args[i]
            if type(v) not in types or not lo <= v <= hi:
                return None
            ptrs.append(v)
        ptrs.extend(vals)
        return ptrs

    def _checked(self, args: tuple, kwargs: Mapping[str, Any]) -> list:
        """Bind, check and convert every argument; raises `ArgumentError` on the first problem."""
        bound, given_syms = self._bind(args, kwargs)
        env: dict[str, int] = {}
        origin: dict[str, str] = {}
        for name, value in given_syms.items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ArgumentError(
                    f"symbol '{name}' must be an integer, got {type(value).__name__} {value!r}",
                    hint=f"call {self.signature}",
                )
            env[name] = int(value)
            origin[name] = "its keyword"

        ptrs: list[Any] = []
        for i in self._arrays:
            spec = self.specs[i]
            a = bound[i]
            self._check_array(spec, a, env, origin)
            ptrs.append(a.ctypes.data)
        for i in self._arrays:
            self._check_derived(self.specs[i], bound[i], env)
        for i in self._scalars:
            ptrs.append(_convert_scalar(self.specs[i], bound[i]))
        missing = [s for s in self.symbols if s not in env]
        if missing:
            raise ArgumentError(
                f"symbol{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                "not determined by any array shape",
                hint=f"pass {', '.join(f'{m}=...' for m in missing)} by keyword",
            )
        ptrs.extend(env[s] for s in self.symbols)
        return ptrs

    def _bind(self, args: tuple, kwargs: Mapping[str, Any]) -> tuple[list, dict[str, Any]]:
        if len(args) > self._nparams:
            raise ArgumentError(
                f"{self.entry}() takes {self._nparams} argument(s), got {len(args)}",
                hint=f"call {self.signature}",
            )
        bound: list[Any] = list(args) + [_MISSING] * (self._nparams - len(args))
        syms: dict[str, Any] = {}
        for name, value in kwargs.items():
            if name in self._index:
                if bound[self._index[name]] is not _MISSING:
                    raise ArgumentError(f"argument '{name}' given twice",
                                        hint=f"call {self.signature}")
                bound[self._index[name]] = value
            elif name in self._slot:
                syms[name] = value
            else:
                hint = did_you_mean(name, [*self._index, *self.symbols])
                raise ArgumentError(f"{self.entry}() got an unexpected argument '{name}'",
                                    hint=hint or f"call {self.signature}")
        missing = [s.name for s, v in zip(self.specs, bound, strict=True) if v is _MISSING]
        if missing:
            raise ArgumentError(
                f"{self.entry}() missing argument(s): {', '.join(map(repr, missing))}",
                hint=f"call {self.signature}",
            )
        return bound, syms

    def _check_array(
        self, spec: ArgSpec, a: Any, env: dict[str, int], origin: dict[str, str]
    ) -> None:
        n = spec.name
        want = f"a {spec.dtype.name} array of shape {_shape_text(spec.shape)}"
        if not isinstance(a, np.ndarray):
            hint = f"pass np.asarray({n}, dtype=np.{spec.dtype.name})"
            if hasattr(a, "__cuda_array_interface__"):
                hint = f"this entry runs on the host; pass a NumPy array ({n}.get() for CuPy)"
            raise ArgumentError(f"argument '{n}': expected {want}, got {_what(a)}", hint=hint)
        if a.dtype != spec.dtype:
            raise ArgumentError(
                f"argument '{n}': expected dtype {spec.dtype.name}, got {a.dtype.name}"
                + (f" ({a.dtype.str})" if a.dtype.name == spec.dtype.name else ""),
                hint=f"convert with {n}.astype(np.{spec.dtype.name})",
            )
        if a.ndim != len(spec.shape):
            raise ArgumentError(
                f"argument '{n}': expected {len(spec.shape)} dimension(s) "
                f"{_shape_text(spec.shape)}, got {a.ndim} (shape {a.shape})",
                hint="reshape it or check the argument order",
            )
        for axis, (d, got) in enumerate(zip(spec.shape, a.shape, strict=True)):
            if isinstance(d, int) and got != d:
                raise ArgumentError(
                    f"argument '{n}': axis {axis} must be {d}, got {got} (shape {a.shape})"
                )
            if isinstance(d, str):
                if d not in env:
                    env[d] = got
                    origin[d] = f"'{n}' axis {axis}"
                elif env[d] != got:
                    raise ArgumentError(
                        f"argument '{n}': axis {axis} is {d} = {env[d]} (from {origin[d]}), "
                        f"got {got} (shape {a.shape})",
                        hint=f"every argument that declares {d} must agree on its value",
                    )
        flags = a.flags
        if not flags.c_contiguous:
            raise ArgumentError(
                f"argument '{n}' is not C-contiguous (shape {a.shape}, strides {a.strides})",
                hint=f"pass np.ascontiguousarray({n})",
            )
        if not flags.aligned:
            raise ArgumentError(
                f"argument '{n}' is not aligned to its {a.itemsize}-byte elements",
                hint=f"pass an aligned copy: {n}.copy()",
            )
        if spec.writable and not flags.writeable:
            raise ArgumentError(
                f"argument '{n}' is written by {self.entry}() but is read-only",
                hint=f"pass a writable array, e.g. {n}.copy()",
            )

    def _check_derived(self, spec: ArgSpec, a: np.ndarray, env: dict[str, int]) -> None:
        for axis, d in enumerate(spec.shape):
            if isinstance(d, int | str):
                continue
            try:
                want = int(d(env))
            except KeyError as exc:
                raise ArgumentError(
                    f"argument '{spec.name}': axis {axis} depends on symbol {exc} "
                    "which is not bound yet",
                    hint=f"pass {exc.args[0]}=... by keyword",
                ) from None
            if a.shape[axis] != want:
                bound = ", ".join(f"{k}={v}" for k, v in env.items())
                raise ArgumentError(
                    f"argument '{spec.name}': axis {axis} must be {want} "
                    f"({_dim_text(d)} with {bound}), got {a.shape[axis]} (shape {a.shape})"
                )


_MISSING = object()
_share = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def _what(value: Any) -> str:
    if isinstance(value, np.generic):
        return f"NumPy scalar {value.dtype.name}"
    return type(value).__name__


def _convert_scalar(spec: ArgSpec, v: Any) -> Any:
    """The ctypes-ready value of a scalar argument, or `ArgumentError`."""
    name, kind = spec.name, spec.dtype.name
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    bad = ArgumentError(
        f"argument '{name}': expected a {kind} scalar, got {_what(v)} {v!r:.40}",
        hint=f"pass a Python number, e.g. np.{kind}({name})" if kind != "bool"
        else f"pass True or False, e.g. bool({name})",
    )
    if kind == "bool":
        if not isinstance(v, bool | np.bool_):
            raise bad
        return bool(v)
    if kind in _INT_RANGE:
        if isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer):
            raise bad
        lo, hi = _INT_RANGE[kind]
        if not lo <= int(v) <= hi:
            raise ArgumentError(f"argument '{name}': {int(v)} does not fit in {kind}",
                                hint=f"the range of {kind} is [{lo}, {hi}]")
        return int(v)
    if kind == "complex128":
        if isinstance(v, bool | np.bool_) or not isinstance(v, complex | float | int | np.number):
            raise bad
        c = complex(v)
        # A fresh buffer per call; ctypes keeps it alive for the duration of the call.
        return ctypes.cast((ctypes.c_double * 2)(c.real, c.imag), ctypes.c_void_p)
    if isinstance(v, bool | np.bool_) or not isinstance(v, float | int | np.floating | np.integer):
        raise bad
    return float(v)


def _restype(restype: Any) -> Any:
    if restype is None:
        return None
    name = np.dtype(restype).name
    if name not in _SCALAR_CTYPES or name == "complex128":
        raise ValueError(f"unsupported return type {name}")
    return _SCALAR_CTYPES[name]


def load(
    path: str | PathLike,
    entry: str,
    specs: Sequence[ArgSpec],
    *,
    symbols: Sequence[str] | None = None,
    restype: Any = None,
) -> NativeFunction:
    """Load `entry` from the shared library at `path` as a checked `NativeFunction`."""
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise ToolchainError(f"cannot load {path}: {exc}",
                             hint="rebuild it; see `sluice doctor`") from None
    return NativeFunction(lib, entry, specs, symbols=symbols, restype=restype, path=str(path))
