"""The emission state shared by the code generator's modules.

`Writer` collects indented lines; `FnCtx` is one C++ function being generated for one
Program (its identifiers, temporaries and the writer); `Scope` is what an expression or a
write needs to know about where it sits: map parameters and their NumPy types, which
parameters run in parallel, whether the enclosing map is *batched* (the interpreter runs
such maps all points at once, which decides how a write-conflict resolution casts), and
which scalars are currently redirected to an OpenMP reduction variable.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import sympy

from sluice.backends.cpu import bounds
from sluice.backends.cpu.cexpr import CVal, c_int
from sluice.backends.cpu.ctypes_map import WEAK_INT, VType, strong
from sluice.errors import SourceLocation
from sluice.ir.data import CSR, Array, Container, Scalar
from sluice.ir.program import Program

CXX_KEYWORDS = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t
class compl const constexpr const_cast continue decltype default delete do double dynamic_cast
else enum explicit export extern false float for friend goto if inline int long mutable
namespace new noexcept not not_eq nullptr operator or or_eq private protected public register
reinterpret_cast return short signed sizeof static static_assert static_cast struct switch
template this thread_local throw true try typedef typeid typename union unsigned using virtual
void volatile wchar_t while xor xor_eq std sl main errno NAN INFINITY assert
""".split()) | frozenset(keyword.kwlist)

_BAD = re.compile(r"[^A-Za-z0-9_]")


def ident(name: str) -> str:
    """A C++ identifier for an IR name (`A.indptr` -> `A_indptr`); keeps names readable."""
    s = _BAD.sub("_", name)
    if s in CXX_KEYWORDS or s.startswith(("v_", "sl_", "_")) or s[:1].isdigit():
        s = "d_" + s
    return s


def stride_name(array: str, axis: int) -> str:
    """The C++ parameter holding array argument `array`'s element stride along `axis`."""
    return f"sl_stride{axis}_{ident(array)}"


STRONG_I64 = strong("int64")


class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, text: str = "") -> None:
        self.lines.append(("  " * self.depth + text) if text else "")

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self(f"{head} {{" if head else "{")
        self.depth += 1
        yield
        self.depth -= 1
        self("}")

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Scope:
    params: dict[str, VType] = field(default_factory=dict)  # map params and loop variables
    parallel: frozenset[str] = frozenset()  # params iterated by OpenMP threads
    proven: frozenset[str] = frozenset()  # parallel params whose iterations never meet
    in_parallel: bool = False
    repeated: bool = False  # inside a loop: code here may run many times per call
    batched: bool = False
    # scalar -> its reduction variable; array -> the local accumulating its current element
    redirect: dict[str, str] = field(default_factory=dict)
    cnames: dict[str, str] = field(default_factory=dict)  # generated loop variables

    def with_temps(self, names: list[str]) -> Scope:
        """This scope plus generated int64 loop variables usable in index expressions."""
        return self.child(params={**self.params, **{n: STRONG_I64 for n in names}},
                          cnames={**self.cnames, **{n: n for n in names}})

    def child(self, **kw) -> Scope:
        return replace(self, **kw)


def omp_nest(w: Writer, scope: Scope, pragma: str, size: str, minimum: int,
             nest: Callable[[str | None], None]) -> None:
    """A loop nest that OpenMP threads share when it has more than `minimum` iterations:
    `nest(line)` writes the nest with `line` (the pragma, or None) before its first loop.
    Where the code repeats, the choice is a plain `if` between two copies of the nest: an
    OpenMP region that its `if` clause keeps on one thread still costs about 0.5 µs to
    enter (GOMP_parallel), paid on every iteration of the loop around a small map."""
    if not scope.repeated:
        nest(f"{pragma} if({size} > {minimum})")
        return
    with w.block(f"if ({size} > {minimum})"):
        nest(pragma)
    with w.block("else"):
        nest(None)


class FnCtx:
    """One generated function: the Program it implements and its identifiers."""

    def __init__(self, program: Program, writer: Writer, module: object) -> None:
        self.program = program
        self.w = writer
        self.module = module  # the ModuleGen, for callees and options
        self._tmp = 0
        self.uses_return = False
        self.dynamic: dict[str, tuple] = {}  # transients sized by changing symbols
        self.aliases: dict[str, str] = {}  # transient -> container whose storage it uses
        # bounds-checked builds: the node being generated, and whether a check that may have
        # failed was emitted since the last point that throws (see bounds.py)
        self.where: tuple[SourceLocation | None, str] = (None, f"program '{program.name}'")
        self.pending = False
        # array arguments with run-time strides (`CpuOptions.strided`; top level only)
        self.strided: frozenset[str] = frozenset()
        self._stride_names: dict[str, str] = {}

    def take_strided(self, names: frozenset[str]) -> None:
        self.strided = names
        self._stride_names = {
            n: n for a in names for n in (stride_name(a, k)
                                         for k in range(len(self.container(a).shape)))}

    def tmp(self, prefix: str = "t") -> str:
        self._tmp += 1
        return f"sl_{prefix}{self._tmp}"

    def container(self, name: str) -> Container:
        return self.program.container(name)

    def cname(self, name: str) -> str:
        return ident(name)

    # --- expressions ----------------------------------------------------------------
    def int_names(self, scope: Scope) -> dict[str, str]:
        names = {s: ident(s) for s in self.program.symbols}
        names.update(self._stride_names)
        names.update({p: scope.cnames.get(p, ident(p)) for p in scope.params})
        return names

    def idx(self, expr: object, scope: Scope) -> str:
        """An integer expression over symbols and parameters, as int64 C++."""
        text = c_int(expr, self.int_names(scope))
        # A conditional (a slice bound known at run time) binds looser than the `<` or `+`
        # its callers put around it.
        return f"({text})" if "?" in text else text

    def env(self, scope: Scope) -> dict[str, CVal]:
        """Names a tasklet or condition can read besides its connectors."""
        env = {s: CVal(ident(s), WEAK_INT) for s in self.program.symbols}
        env.update({p: CVal(scope.cnames.get(p, ident(p)), t) for p, t in scope.params.items()})
        return env

    # --- addressing -----------------------------------------------------------------
    def strides(self, name: str) -> list[sympy.Expr]:
        """Element strides of `name`: row-major from its shape, or the run-time strides of
        an array argument the build takes in any layout."""
        shape = self.container(name).shape
        if name in self.strided:
            return [sympy.Symbol(stride_name(name, k), integer=True) for k in range(len(shape))]
        out, acc = [], sympy.Integer(1)
        for d in reversed(shape):
            out.append(acc)
            acc = acc * d
        return list(reversed(out))

    def element(self, name: str, indices: list[object], scope: Scope) -> str:
        """The lvalue of one element `name[indices]` (row-major flattening)."""
        c = self.container(name)
        if isinstance(c, Scalar) or name in scope.redirect:  # reduction variables, accumulators
            return scope.redirect.get(name, ident(name))
        if isinstance(c, CSR):
            raise ValueError("a CSR matrix has no elements; use its components")
        flat = sympy.Integer(0)
        for i, s in zip(indices, self.strides(name), strict=True):
            flat = flat + sympy.sympify(i) * s
        if isinstance(c, Array) and not c.shape:
            flat = sympy.Integer(0)
        elif bounds.enabled(self):
            return bounds.element(self, name, indices, scope)
        return f"{ident(name)}[{self.idx(flat, scope)}]"
