"""The Python side of a compiled program: argument checks, symbol binding, return buffers.

A `CompiledProgram` is called like `sluice.ir.interpret(program, *args, **kwargs)`. Everything
that depends only on the signature is planned once at load time, so a warm call with the
common case (positional arguments, exact dtypes, C-contiguous arrays) costs a few microseconds:
type and flag checks, binding symbols from shapes, allocating zeroed return arrays and one
ctypes call. Anything unusual — keywords, conversions, a symbol that needs solving, an error —
goes through the thorough path, which either raises a precise `ArgumentError` or calls.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from sluice.backends.cpu.bounds import RECORD_WORDS, Site
from sluice.backends.cpu.bounds import STATUS as bounds_status
from sluice.backends.cpu.bounds import error as bounds_error
from sluice.backends.cpu.control import CHECK_STATUS, checks
from sluice.backends.cpu.fastpath import MISS, make_fast_path
from sluice.backends.cpu.initialised import return_allocators
from sluice.backends.cpu.signature import control_symbols, signature, used_names
from sluice.errors import (
    INT64_HINT,
    INT64_OVERFLOW,
    ArgumentError,
    DeadlockError,
    ExecutionError,
)
from sluice.ir.data import CSR, Scalar
from sluice.ir.interpreter import bind_symbols, csr_parts, match_arguments
from sluice.ir.program import Program
from sluice.ir.requires import CHECK_HINT, check_no_overlap, written_containers
from sluice.ir.requires import check as check_requirements
from sluice.ir.symbolic import compile_numpy, free_names
from sluice.layouts import strides_fit

_SCALAR_CTYPES = {
    "bool": ctypes.c_bool, "int8": ctypes.c_int8, "int16": ctypes.c_int16,
    "int32": ctypes.c_int32, "int64": ctypes.c_int64, "uint8": ctypes.c_uint8,
    "uint16": ctypes.c_uint16, "uint32": ctypes.c_uint32, "uint64": ctypes.c_uint64,
    "float16": ctypes.c_float, "float32": ctypes.c_float, "float64": ctypes.c_double,
    "complex64": ctypes.c_void_p, "complex128": ctypes.c_void_p,
}
_share = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def _lambda(expr: sympy.Expr) -> Callable[[dict], int]:
    """`env -> int(expr)`, compiled once (SymPy stays out of the call path)."""
    names = sorted(free_names(expr))
    f = compile_numpy(expr, names)
    return lambda env: int(f(*(env[n] for n in names)))


def _address(a: np.ndarray) -> int:
    if a.flags.writeable and a.size:
        return _addressof(_share(a))
    return a.ctypes.data


class CompiledProgram:
    """A loaded native program with the interpreter's calling convention."""

    def __init__(self, program: Program, library_path: str, entry: str, source: str,
                 bounds: tuple[str, Sequence[Site]] | None = None,
                 strided: frozenset[str] = frozenset()) -> None:
        """`bounds`: for a bounds-checked build, the function that reads a violation's
        record and the checked sites (numbered as in the code); `strided`: the array
        arguments the build takes in any layout (their element strides are passed too)."""
        self.program = program
        self.strided = frozenset(strided)
        self.source = source
        self.path = library_path
        self._lib = ctypes.CDLL(library_path)
        self._cfunc = getattr(self._lib, entry)
        self._bounds = None
        if bounds is not None:
            record = getattr(self._lib, bounds[0])
            record.argtypes, record.restype = [ctypes.c_void_p], None
            self._bounds = (record, list(bounds[1]))
        self._sig = signature(program, self.strided)
        self._written = written_containers(program)
        self._needed = (used_names(program) & set(program.symbols)) - set(
            control_symbols(program))
        argtypes: list[Any] = []
        for prm in self._sig:
            if prm.kind in ("symbol", "stride"):
                argtypes.append(ctypes.c_int64)
            elif prm.kind == "csr":
                argtypes += [ctypes.c_void_p] * 3
            elif prm.kind == "array" or prm.role == "ret":
                argtypes.append(ctypes.c_void_p)
            else:
                argtypes.append(_SCALAR_CTYPES[program.data[prm.name].dtype.value])
        self._cfunc.argtypes = argtypes
        self._cfunc.restype = ctypes.c_int
        self._plan()

    # --- planning ------------------------------------------------------------------------
    def _plan(self) -> None:
        p = self.program
        self._nargs = len(p.args)
        self._returns = []
        allocs = return_allocators(p)
        for r, alloc in zip(p.returns, allocs, strict=True):
            c = p.data[r]
            self._returns.append((c.dtype.numpy, [(_lambda(d) if not d.is_Integer
                                                   else int(d)) for d in c.shape], alloc))
        # Order of the C arguments: positions of args, then returns, then symbols.
        self._order: list[tuple[str, Any]] = []
        index = {a: i for i, a in enumerate(p.args)}
        for prm in self._sig:
            if prm.role == "arg":
                self._order.append(("arg", index[prm.name]) if prm.kind != "symbol"
                                   else ("sym", prm.name))
            elif prm.role == "ret":
                self._order.append(("ret", p.returns.index(prm.name)))
            elif prm.role == "stride":
                self._order.append(("stride", (index[prm.name], prm.axis)))
            else:
                self._order.append(("sym", prm.name))
        self._fast = make_fast_path(p, self._sig, self._written, self._needed, self._cfunc,
                                    self._fail, [alloc for _, _, alloc in self._returns],
                                    self.strided)

    # --- calling -------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            if not kwargs and len(args) == self._nargs and self._fast is not None:
                out = self._fast(*args)
                if out is not MISS:
                    return out
            return self._run(*self._checked(args, kwargs))
        except OverflowError:  # a size or symbol beyond int64 (checked after the fact: free)
            raise ExecutionError(f"'{self.program.name}': {INT64_OVERFLOW}",
                                 hint=INT64_HINT) from None

    def _run(self, ptr: dict[int, Any], env: dict[str, int]) -> Any:
        rets = []
        for (dt, dims, alloc), name in zip(self._returns, self.program.returns, strict=True):
            shape = tuple(d if isinstance(d, int) else d(env) for d in dims)
            if any(d < 0 for d in shape):
                raise ArgumentError(f"'{self.program.name}': result '{name}' would have the "
                                    f"negative shape {shape} for these arguments "
                                    f"({', '.join(f'{k} = {v}' for k, v in sorted(env.items()))})")
            rets.append(alloc(shape, dt))
        cargs: list[Any] = []
        for kind, key in self._order:
            if kind == "arg":
                v = ptr[key]
                if isinstance(v, tuple):
                    cargs += v
                else:
                    cargs.append(v)
            elif kind == "ret":
                cargs.append(rets[key].ctypes.data)
            elif kind == "stride":
                cargs.append(ptr["strides"][key])
            else:
                cargs.append(env.get(key, 0))
        rc = self._cfunc(*cargs)
        if rc:
            self._fail(rc)
        if not rets:
            return None
        outs = [r[()] if r.ndim == 0 else r for r in rets]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _fail(self, rc: int) -> None:
        if rc < 0:  # a GPU backend's entry: -(the CUDA error code)
            raise ExecutionError(f"'{self.program.name}' failed on the GPU: {cuda_error(-rc)}",
                                 hint="`sluice doctor` shows the GPU and driver it found; "
                                 "SLUICE_CUDA_EMULATE=1 runs the same kernels on the CPU")
        if rc == 1:
            raise DeadlockError(f"'{self.program.name}' read an empty stream with nothing left "
                                "to produce it",
                                hint="check that every stream read has a matching write")
        if rc == bounds_status and self._bounds is not None:
            record, sites = self._bounds
            out = np.zeros(RECORD_WORDS, dtype=np.int64)
            record(out.ctypes.data)
            raise bounds_error(self.program.name, sites, out.tolist())
        if rc == 3:
            raise ExecutionError(f"'{self.program.name}' copied between views of different "
                                 "sizes, or multiplied matrices whose inner sizes differ",
                                 hint="check the shapes of reshapes, slice assignments and "
                                 "matrix products against the arguments' shapes")
        found = checks(self.program)
        if CHECK_STATUS <= rc < CHECK_STATUS + len(found):
            r = found[rc - CHECK_STATUS].requirement
            raise ExecutionError(f"'{self.program.name}': {r.why}: {r.broken()} for the "
                                 "values computed while it ran", r.location(),
                                 hint=CHECK_HINT)
        raise ExecutionError(f"'{self.program.name}' ran out of memory")

    # --- the thorough path -----------------------------------------------------------------
    def _checked(self, args: tuple, kwargs: dict[str, Any]) -> tuple[dict, dict]:
        p = self.program
        given = match_arguments(p, args, kwargs)
        symbols: dict[str, int] = {}
        shapes: dict[str, tuple[int, ...]] = {}
        ptr: dict[int, Any] = {}
        index = {a: i for i, a in enumerate(p.args)}
        for name, v in given.items():
            if name not in p.data:
                if isinstance(v, bool) or not isinstance(v, int | np.integer):
                    raise ArgumentError(f"symbol '{name}' must be an integer, got {v!r}")
                symbols[name] = int(v)
                continue
            c = p.data[name]
            i = index[name]
            if isinstance(c, CSR):
                parts = csr_parts(name, v, c)
                ptr[i] = tuple(parts[k].ctypes.data for k in CSR.COMPONENTS)
                ptr.setdefault("keep", []).append(parts)
                shapes[name] = tuple(x for x in parts["shape"] if x is not None)
                shapes[f"{name}.data"] = parts["data"].shape
                continue
            if isinstance(c, Scalar):
                ptr[i] = _scalar(name, v, c.dtype.numpy, ptr)
                continue
            ptr[i] = self._array(name, v, c.dtype.numpy, len(c.shape))
            shapes[name] = v.shape
            if name in self.strided:
                for axis, st in enumerate(v.strides):
                    ptr.setdefault("strides", {})[(i, axis)] = st // v.itemsize
        symbols = bind_symbols(p, shapes, symbols)
        unbound = sorted(self._needed - symbols.keys())
        if unbound:
            raise ArgumentError(f"the value of symbol '{unbound[0]}' of '{p.name}' is not "
                                "determined by the arguments",
                                hint=f"pass {unbound[0]}=... as a keyword argument")
        env = {k: int(v) for k, v in symbols.items()}
        check_requirements(p, env)
        check_no_overlap(p, given, self._written)
        return ptr, env

    def _array(self, name: str, v: Any, dt: np.dtype, ndim: int) -> int:
        if not isinstance(v, np.ndarray):
            raise ArgumentError(f"argument '{name}' must be a NumPy array of {dt}",
                                hint=f"pass np.asarray(..., dtype=np.{dt})")
        if v.dtype != dt:
            raise ArgumentError(f"argument '{name}' has dtype {v.dtype}, expected {dt}",
                                hint=f"pass {name}.astype(np.{dt})")
        if v.ndim != ndim:
            raise ArgumentError(f"argument '{name}' has {v.ndim} dimensions, expected {ndim}")
        if name in self.strided:
            if not strides_fit(v, name in self._written):
                raise ArgumentError(f"argument '{name}' has strides {v.strides} that this "
                                    "build cannot step through (not whole elements, or "
                                    "elements that overlap)",
                                    hint=f"pass np.ascontiguousarray({name})")
        elif not v.flags.c_contiguous:
            raise ArgumentError(f"argument '{name}' is not C-contiguous (strides {v.strides})",
                                hint=f"pass np.ascontiguousarray({name})")
        if not v.flags.aligned:
            raise ArgumentError(f"argument '{name}' is not aligned", hint=f"pass {name}.copy()")
        if name in self._written and not v.flags.writeable:
            raise ArgumentError(f"argument '{name}' is written by '{self.program.name}' but is "
                                "read-only", hint=f"pass a writable copy: {name}.copy()")
        return v.ctypes.data


def _scalar(name: str, v: Any, dt: np.dtype, keep: dict) -> Any:
    try:
        arr = np.array(v, dtype=dt)
    except (TypeError, ValueError) as err:
        raise ArgumentError(f"argument '{name}' must be a {dt} scalar, got {v!r}",
                            hint=str(err)) from None
    if arr.ndim != 0:
        raise ArgumentError(f"argument '{name}' must be a scalar, got shape {arr.shape}")
    if dt.kind == "c":
        buf = np.ascontiguousarray(arr.reshape(1))
        keep.setdefault("keep", []).append(buf)
        return buf.ctypes.data
    return arr.item()


__all__ = ["CompiledProgram"]


# The CUDA runtime's codes a user may meet (cudaError_t), for the message.
_CUDA_ERRORS = {2: "out of GPU memory (cudaErrorMemoryAllocation)",
                35: "the driver is older than the CUDA runtime (cudaErrorInsufficientDriver)",
                100: "no CUDA-capable GPU was found (cudaErrorNoDevice)",
                209: "the code was not built for this GPU (cudaErrorNoKernelImageForDevice)",
                700: "a kernel accessed memory out of bounds (cudaErrorIllegalAddress)"}


def cuda_error(code: int) -> str:
    return _CUDA_ERRORS.get(code, f"CUDA error {code}")
