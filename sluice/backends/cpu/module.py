"""A Program (and the programs it calls) -> one C++ translation unit.

Every program becomes a `static void` function with the signature of `signature.py`;
the top-level program also gets an `extern "C"` entry that copies scalar arguments (a
program may write them; the caller's values stay unchanged, as in the interpreter), turns
a deadlocked stream read into status 1 and an allocation failure into status 2.
Containers a program allocates are zeroed (small constant-size arrays on the stack, others
on the heap), except heap transients `initialised.py` proves are written before any read;
a transient that is a whole reshaped copy no one can tell from a view (`aliases.py`) uses
the storage of its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy

from sluice.backends.cpu import bounds
from sluice.backends.cpu.aliases import reshape_aliases
from sluice.backends.cpu.control import CHECK_STATUS, emit_region
from sluice.backends.cpu.ctypes_map import ctype
from sluice.backends.cpu.dataflow import emit_map
from sluice.backends.cpu.emit import FnCtx, Scope, Writer, ident, stride_name
from sluice.backends.cpu.initialised import written_before_read
from sluice.backends.cpu.library import emit_library
from sluice.backends.cpu.prelude import prelude
from sluice.backends.cpu.signature import Param, control_symbols, input_symbols, signature
from sluice.errors import UnsupportedError
from sluice.generated import GeneratedSource
from sluice.ir.data import CSR, Array, Scalar, Stream
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import LibraryNode, Map
from sluice.ir.program import Program
from sluice.safetext import comment

STACK_MAX_ELEMENTS = 256


def function_name(p: Program) -> str:
    return f"sl_prog_{ident(p.name)}"


def entry_name(p: Program) -> str:
    return f"sluice_{ident(p.name)}"


def c_params(p: Program, strided: frozenset[str] = frozenset()) -> list[str]:
    out = []
    for prm in signature(p, strided):
        out += _c_param(p, prm)
    return out


def _c_param(p: Program, prm: Param) -> list[str]:
    n = ident(prm.name)
    if prm.kind == "symbol":
        return [f"int64_t {n}"]
    if prm.kind == "stride":
        return [f"const int64_t {stride_name(prm.name, prm.axis)}"]
    c = p.data[prm.name]
    if prm.kind == "csr":
        assert isinstance(c, CSR)
        it, dt = ctype(c.index_dtype), ctype(c.dtype, prm.name)
        return [f"const {it}* {ident(prm.name + '.indptr')}",
                f"const {it}* {ident(prm.name + '.indices')}",
                f"const {dt}* {ident(prm.name + '.data')}"]
    t = ctype(c.dtype, f"container '{prm.name}'")
    return [f"{t}& {n}"] if prm.kind == "scalar" else [f"{t}* {n}"]


class ModuleGen:
    """Generates the functions of one program and its callees.

    Another backend that emits this C++ as its host code (CUDA) subclasses it and overrides
    the hooks: `stack_max`, `emit_map`, `emit_library`, `entry` and `prelude`.
    """

    stack_max = STACK_MAX_ELEMENTS  # constant-size transients up to this many elements live
    # on the stack
    target = "cpu"
    language = "cpp"  # (the Pygments lexer that highlights it)

    def __init__(self, program: Program, options: object | None = None) -> None:
        self.program = program
        self.options = options
        self.functions: dict[str, str] = {}  # name -> definition, callees first
        self._active: set[str] = set()
        self.sites: dict[bounds.Site, int] = {}  # bounds-checked accesses, numbered
        # array arguments of the top-level program taken in any layout (run-time strides)
        self.strided: frozenset[str] = frozenset(getattr(options, "strided", ()) or ())

    def site(self, s: bounds.Site) -> int:
        return self.sites.setdefault(s, len(self.sites))

    def callee_function(self, caller: Program, name: str) -> tuple[Program, str]:
        callee = caller.callees.get(name) or self.program.callees.get(name)
        if callee is None:
            raise UnsupportedError(f"call of unknown program '{name}'")
        fname = function_name(callee)
        if fname in self._active:
            raise UnsupportedError(f"program '{name}' calls itself; recursion is unsupported")
        if fname not in self.functions:
            self.functions[fname] = self.function(callee)
        return callee, fname

    def function(self, p: Program) -> str:
        self._active.add(function_name(p))
        w = Writer()
        fn = FnCtx(p, w, self)
        strided = self.strided if p is self.program else frozenset()
        fn.take_strided(strided)
        w(f"// program '{comment(p.name)}'")
        if strided:
            w(f"// strided arguments: {comment(', '.join(sorted(strided)))}")
        w(f"static void {function_name(p)}({', '.join(c_params(p, strided))}) {{")
        w.depth += 1
        _declare_locals(fn)
        emit_region(fn, p.body, Scope())
        if fn.uses_return:
            w("sl_return:;")
        w.depth -= 1
        w("}")
        self._active.discard(function_name(p))
        return w.text()

    def emit_map(self, fn: FnCtx, m: Map, scope: Scope, parent: DataflowGraph) -> None:
        """One map of a state's graph (the CPU: loops, OpenMP-parallel where planned)."""
        emit_map(fn, m, scope, parent)

    def emit_library(self, fn: FnCtx, g: DataflowGraph, n: LibraryNode, scope: Scope) -> None:
        """One library node (the CPU: loop nests and BLAS calls)."""
        emit_library(fn, g, n, scope)

    def entry(self) -> str:
        """The `extern "C"` function the runtime calls."""
        return _entry(self.program, bool(self.sites), self.strided)

    def prelude(self, code: str) -> str:
        return prelude(code)

    def definitions(self) -> list[str]:
        """What the module defines before the program's function: its callees."""
        return list(self.functions.values())

    def source(self) -> GeneratedSource:
        """The prelude, then the program's functions and entry (Jupyter shows them first)."""
        main = self.function(self.program)
        code = "\n\n".join([*self.definitions(), main, self.entry()])
        return GeneratedSource.of_parts(self.prelude(code), code + "\n", target=self.target,
                                        language=self.language, name=self.program.name)


def _declare_locals(fn: FnCtx) -> None:
    p, w = fn.program, fn.w
    passed = {prm.name for prm in signature(p)}
    fixed = set(input_symbols(p))
    unzeroed = written_before_read(p)
    for s in control_symbols(p):
        t = "double" if p.symbols.get(s) is not None and p.symbols[s].is_float else "int64_t"
        w(f"{t} {ident(s)} = 0;")
    moving = {name for name, c in p.data.items()
              if name not in passed and isinstance(c, Array) and c.free_symbols() - fixed}
    # (an array argument in any layout is not a run of elements a reshape could share)
    fn.aliases = reshape_aliases(p, moving | fn.strided)
    for name, c in p.data.items():
        if name in passed or name in fn.aliases:
            continue
        n = ident(name)
        if isinstance(c, Scalar):
            w(f"{ctype(c.dtype, name)} {n}{{}};")
            continue
        if isinstance(c, CSR):
            raise UnsupportedError(f"CSR matrix '{name}' must be an argument")
        t = ctype(c.dtype, name)
        if name in moving:
            # sized by loop variables or assigned symbols: (re)allocated per state
            w(f"sl::Dyn<{t}> {n}_heap;  // transient, zeroed when its shape changes")
            w(f"{t}* {n} = nullptr;")
            fn.dynamic[name] = c.shape
            continue
        if c.free_symbols() - fixed:
            raise UnsupportedError(f"the shape of stream '{name}' changes while the program "
                                   "runs")
        size = sympy.Mul(*c.shape)
        sz = fn.idx(size, Scope())
        if isinstance(c, Stream):
            w(f"std::vector<sl::Queue<{t}>> {n}({sz});" if c.shape else f"sl::Queue<{t}> {n};")
        elif isinstance(c, Array):
            if size.is_number and int(size) <= fn.module.stack_max:
                w(f"{t} {n}[{max(int(size), 1)}] = {{}};  // transient, zeroed")
            elif name in unzeroed:
                w(f"sl::Heap<{t}> {n}_heap({sz}, false);  // transient, written before read")
                w(f"{t}* const {n} = {n}_heap.p;")
            else:
                w(f"sl::Heap<{t}> {n}_heap({sz});  // transient, zeroed")
                w(f"{t}* const {n} = {n}_heap.p;")
    for name, source in fn.aliases.items():
        # The sizes agree whenever the copy is legal; where that is not provable, a
        # mismatch keeps storage of its own and the copy, which then reports it.
        n, t = ident(name), ctype(p.data[name].dtype, name)
        size = fn.idx(sympy.Mul(*p.data[name].shape), Scope())
        same = fn.idx(sympy.Mul(*p.data[source].shape), Scope())
        w(f"const bool {n}_shared = {same} == {size};  // a reshape of '{comment(source)}'")
        w(f"sl::Heap<{t}> {n}_heap({n}_shared ? 0 : {size}, "
          f"{'false' if name in unzeroed else 'true'});")
        w(f"{t}* const {n} = {n}_shared ? {ident(source)} : {n}_heap.p;")

# A backend whose arrays live elsewhere (the GPU) stages them around the call: given an
# array or CSR parameter and the C names of its pointers, the lines before the call, the
# names the call passes instead, and the lines after it.
Staging = Callable[[Param, list[str]], tuple[list[str], list[str], list[str]]]


def _entry(p: Program, checked: bool = False, strided: frozenset[str] = frozenset(),
           staging: Staging | None = None, catches: Sequence[str] = ()) -> str:
    w = Writer()
    params, call, copies = [], [], []
    before, after = [], []

    def staged(prm: Param, names: list[str]) -> list[str]:
        if staging is None:
            return names
        pre, passed, post = staging(prm, names)
        before.extend(pre)
        after.extend(post)
        return passed

    for prm in signature(p, strided):
        n = ident(prm.name)
        if prm.kind == "stride":
            n = stride_name(prm.name, prm.axis)
            params.append(f"int64_t {n}")
            call.append(n)
        elif prm.kind == "symbol":
            params.append(f"int64_t {n}")
            call.append(n)
        elif prm.kind == "csr":
            ps = _c_param(p, prm)
            params += ps
            call += staged(prm, [x.split()[-1] for x in ps])
        elif prm.kind == "array":
            t = ctype(p.data[prm.name].dtype)
            params.append(f"{t}* {n}")
            call += staged(prm, [n])
        elif prm.role == "ret":  # a 0-d return, allocated by the caller
            t = ctype(p.data[prm.name].dtype)
            params.append(f"{t}* {n}")
            call.append(f"*{n}")
        else:
            t = ctype(p.data[prm.name].dtype)
            if p.data[prm.name].dtype.is_complex:
                params.append(f"const {t}* {n}_in")
                copies.append(f"{t} {n} = *{n}_in;")
            elif t == "_Float16":  # passed as a float (ctypes has no half), holding a half
                params.append(f"float {n}_in")
                copies.append(f"{t} {n} = static_cast<{t}>({n}_in);")
            else:
                params.append(f"{t} {n}_in")
                copies.append(f"{t} {n} = {n}_in;")
            call.append(n)
    w(f'extern "C" int {entry_name(p)}({", ".join(params)}) {{')
    w.depth += 1
    # A recorded out-of-bounds access comes first: what followed it saw scratch values.
    first = f"sl::bounds_record.hit ? {bounds.STATUS} : " if checked else ""
    if checked:
        w("std::lock_guard<std::mutex> sl_lock(sl::bounds_call_lock);")
        w("sl::bounds_record.hit = 0;")
    for c in copies:
        w(c)
    with w.block("try"):
        for line in before:
            w(line)
        w(f"{function_name(p)}({', '.join(call)});")
        if checked:
            w("sl::bounds_check();")
        for line in after:
            w(line)
    for c in catches:
        w(c)
    if checked:
        w(f"catch (const sl::OutOfBounds&) {{ return {bounds.STATUS}; }}")
    w(f"catch (const sl::Deadlock&) {{ return {first}1; }}")
    w(f"catch (const std::bad_alloc&) {{ return {first}2; }}")
    w(f"catch (const sl::SizeMismatch&) {{ return {first}3; }}")
    w(f"catch (const sl::CheckFailed& e) {{ return {first}{CHECK_STATUS} + e.k; }}")
    w("return 0;")
    w.depth -= 1
    w("}")
    if checked:
        w()
        w("// The record of the last call's out-of-bounds access (site, axis, lo, hi, extent,")
        w("// rank, index[8], shape[8]).")
        with w.block(f'extern "C" void {bounds_name(p)}(int64_t* out)'):
            w("const sl::BoundsRecord& r = sl::bounds_record;")
            w("const int64_t head[6] = {r.site, r.axis, r.lo, r.hi, r.extent, r.rank};")
            w("for (int k = 0; k < 6; ++k) out[k] = head[k];")
            w("for (int k = 0; k < 8; ++k) { out[6 + k] = r.index[k]; out[14 + k] = r.shape[k]; }")
    return w.text()


def bounds_name(p: Program) -> str:
    """The exported function that reads a bounds-checked call's violation record."""
    return f"{entry_name(p)}_bounds"


def generate_source(program: Program, options: object | None = None) -> GeneratedSource:
    return ModuleGen(program, options).source()


def generate_module(program: Program, options: object | None = None
                    ) -> tuple[str, list[bounds.Site]]:
    """The source and its bounds-check sites (numbered in order; none when checks are off)."""
    gen = ModuleGen(program, options)
    return gen.source(), list(gen.sites)
