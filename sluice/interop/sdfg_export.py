"""Export a sluice Program as a DaCe SDFG: the `.sdfg` JSON, built without DaCe, and a
validated `dace.SDFG` where DaCe is installed.

Control flow maps onto DaCe's control-flow regions one to one (`sdfg_control`), a state's
dataflow onto an SDFGState (`sdfg_dataflow`), tasklets onto exact C++ (`sdfg_code`); the
program's `requires` and `Check` blocks stop it where they fail. Returned
containers become `__return` (or `__return_0`, `__return_1`, ...) arrays, DaCe's convention,
so calling the compiled SDFG returns them; a returned scalar comes back as a 1-element array.
Containers the program allocates start zeroed (the IR's rule) through a first state.

Tasklets are C++ (see `sdfg_code`): exact NumPy semantics need `-fwrapv -ffp-contract=off`
and no `-ffast-math`, and the helpers need C++17; `DACE_CXX_ARGS` is a DaCe
`compiler.cpu.args` that gives all of that.

Each C++ tasklet starts with a verifiable marker of the IR node it stands for, and the
global code with the SDFG-level facts (`sdfg_marker`), so `from_sdfg` reads the export back
as the same Program.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import sympy

from sluice.backends.cpu.prelude import prelude
from sluice.errors import ArgumentError, SluiceError, UnsupportedError
from sluice.interop.sdfg_control import ControlFlow
from sluice.interop.sdfg_dataflow import Level, StateBuilder, label
from sluice.interop.sdfg_json import (
    _DERIVED,
    DACE_VERSION,
    REWRITTEN,
    Derived,
    checked,
    code,
    descriptor,
    dsym,
    memlet,
    rng,
    strides,
    subset_json,
    sym,
)
from sluice.interop.sdfg_marker import EXPORT_MARK, facts_line, mark, node_json
from sluice.ir.data import CSR, Scalar, Stream
from sluice.ir.memlet import Index, Range, full_subset, subset_shape
from sluice.ir.requires import Requirement
from sluice.ir.serialize import to_json
from sluice.ir.symbolic import evaluate, to_text

if TYPE_CHECKING:
    import dace

    from sluice.ir.nodes import Call
    from sluice.ir.program import Program

DACE_CXX_ARGS = ("-std=c++17 -fPIC -O2 -fwrapv -ffp-contract=off -Wno-unused-parameter "
                 "-Wno-unused-label -Wno-unused-variable")

_BUILD_GUARDS = f"""#if __cplusplus < 201703L
#error "sluice's tasklets need C++17: see {EXPORT_MARK}"
#endif
#ifdef __FAST_MATH__
#error "-ffast-math changes NaN, inf and rounding: see {EXPORT_MARK}"
#endif
#include <cstdio>
"""


class _Shared:
    """What the SDFGs of one export share: cfg ids and the C++ of every tasklet."""

    def __init__(self) -> None:
        self.cfg_ids = itertools.count()
        self.code: list[str] = []


class Exporter(ControlFlow):
    """The JSON of one Program's SDFG (the top-level one, or a callee's nested SDFG)."""

    def __init__(self, p: Program, top: bool, shared: _Shared | None = None,
                 call: Call | None = None) -> None:
        self.p, self.top, self.call = p, top, call
        self.shared = shared or _Shared()
        self.code = self.shared.code
        self.names: dict[str, str] = {}
        self.labels: set[str] = set()
        self.derived: dict[Any, str] = {}  # size expression -> its symbol (top level)
        self.scalars: dict[str, Any] = {}  # computed symbol values (Exporter._assignment)
        self.n_late = 0  # symbols of Exporter._state so far
        self.p_symbols_extra: dict[str, str] = {}  # their types
        self.state_names: dict[str, str] = {}  # SDFGState label -> sluice State name
        self.map_facts: dict[str, list[str]] = {}  # MapEntry label -> sluice label, schedule
        self.scope_memlets: list[list[Any]] = []  # outer memlets the SDFG widened
        self.locs: list[list[Any]] = []  # access nodes' source locations (Level._located)
        self.copies: list[list[Any]] = []  # copies' memlets with indices (Level._copy)
        self.rewritten: dict[Any, Any] = {}  # Min/Max written for a select (sdfg_json)
        self._name_data()

    # --- data ------------------------------------------------------------------------------
    def _name_data(self) -> None:
        p = self.p
        checked(p.name, "a program")
        if self.top and len(p.returns) > 10:  # DaCe orders them by name: __return_10 < _2
            raise UnsupportedError(f"cannot export '{p.name}' to an SDFG: it returns "
                                   f"{len(p.returns)} values, DaCe keeps the order of 10")
        rets = {r: "__return" if len(p.returns) == 1 else f"__return_{k}"
                for k, r in enumerate(p.returns)} if self.top else {}
        for s in p.symbols:
            checked(s, "a symbol")
        for name, c in p.data.items():
            checked(name, "a container")
            if isinstance(c, CSR):
                for k in CSR.COMPONENTS:
                    self.names[f"{name}.{k}"] = f"{name}_{k}"
            else:
                self.names[name] = rets.get(name, name)
        taken = list(self.names.values()) + list(p.symbols)
        dup = {n for n in taken if taken.count(n) > 1}
        if dup:
            raise UnsupportedError(f"cannot export '{p.name}' to an SDFG: the name "
                                   f"'{sorted(dup)[0]}' would name two things",
                                   hint="rename the container")

    def is_dace_scalar(self, data: str) -> bool:
        c = self.p.container(data)
        return isinstance(c, Scalar) and not self._boxed(data)

    def _boxed(self, data: str) -> bool:
        """A scalar the SDFG keeps in a 1-element array: a returned one (DaCe returns
        arrays), and a complex argument (ctypes cannot pass complex numbers by value)."""
        c = self.p.data.get(data)
        return self.top and isinstance(c, Scalar) and (
            data in self.p.returns or (data in self.p.args and c.dtype.numpy.kind == "c"))

    def arrays(self) -> dict[str, Any]:
        out = {}
        args = set(self.p.args)
        # DaCe allocates (and we zero) containers where the program starts: their sizes
        # cannot depend on symbols the program sets while it runs.
        assigned = self.assigned()
        for name, c in self.p.data.items():
            late = c.free_symbols() & assigned
            if late:
                raise UnsupportedError(
                    f"cannot export '{name}' to an SDFG: its size depends on "
                    f"'{sorted(late)[0]}', which the program assigns while it runs",
                    hint="give it a size known when the program starts")
            transient = name not in args and name not in self.p.returns
            parts = [(f"{name}.{k}", c.component(k)) for k in CSR.COMPONENTS] \
                if isinstance(c, CSR) else [(name, c)]
            for data, cc in parts:
                out[self.names[data]] = descriptor(cc, f"'{data}'", transient,
                                                   as_array=self._boxed(data))
        return out

    def arg_names(self) -> list[str]:
        out = []
        for a in self.p.args:
            c = self.p.data.get(a)
            if isinstance(c, CSR):
                out += [self.names[f"{a}.{k}"] for k in CSR.COMPONENTS]
            elif c is not None:
                out.append(self.names[a])
        return out

    # --- the SDFG --------------------------------------------------------------------------
    def sdfg(self) -> dict[str, Any]:
        derived = Derived(self.start_known()) if self.top else None
        token = _DERIVED.set((derived,) if derived else ())
        noted = REWRITTEN.set(self.rewritten)
        try:
            checks = StateBuilder(self, self.unique("requires"))
            first = [s for s in (checks.js, self._zero_state()) if s is not None]
            body = self.region(self.p.body, "ControlFlowRegion", first)
            arrays = self.arrays()
        finally:
            _DERIVED.reset(token)
            REWRITTEN.reset(noted)
        self.derived = dict(derived.names) if derived else {}
        for r in self.p.requires:
            checks.node(self._check(r, "requires"))
        for e, name in self.derived.items():
            checks.node(self._check(Requirement(sympy.Symbol(name, integer=True), "==", e,
                                                "a size the caller passes as a symbol"),
                                    "size"))
        symbols = {dsym(s): dt.value for s, dt in self.p.symbols.items()}
        symbols.update(dict.fromkeys(self.derived.values(), "int64"))
        symbols.update(self.p_symbols_extra)
        arrays.update(self.scalars)
        attrs: dict[str, Any] = {
            "name": self.p.name, "arg_names": self.arg_names(), "_arrays": arrays,
            "symbols": symbols, "using_experimental_blocks": True}
        facts = facts_line(self._facts())
        if self.top:
            cpp = "\n".join(self.code)
            if "sl::c" in cpp:  # complex helpers; DaCe spells the types, not std::complex
                cpp += "\nstd::complex"
            attrs["global_code"] = {"frame": code(f"{facts}\n{_BUILD_GUARDS}{prelude(cpp)}")}
        else:
            attrs["global_code"] = {"frame": code(facts)}
        body.update({"type": "SDFG", "attributes": attrs, "label": "",
                     "dace_version": DACE_VERSION})
        return body

    def _facts(self) -> dict[str, Any]:
        """What the importer needs beyond the SDFG's own structure to rebuild this Program
        exactly (see `sdfg_marker`): its declarations and the names the SDFG changed."""
        js = to_json(self.p)
        out = {k: js[k] for k in ("name", "args", "returns")}
        for k in ("symbols", "data"):  # (pairs: the marker's JSON sorts its keys)
            out[k] = list(js[k].items())
        out["names"] = {d: s for s, d in self.names.items() if d != s}
        out["states"] = self.state_names
        out["maps"] = self.map_facts
        out["scopes"] = self.scope_memlets
        out["locs"] = self.locs
        out["copies"] = self.copies
        out["selects"] = [[to_text(k), to_text(v)] for k, v in self.rewritten.items()]
        if self.call is not None:
            out["call"] = node_json(self.call)
        return out

    def _zero_state(self) -> dict[str, Any] | None:
        """A state that zeroes what the program allocates (transients and returns)."""
        sb = StateBuilder(self, self.unique("zero_init"))
        for name, c in self.p.data.items():
            if isinstance(c, Stream) or name in self.p.args:
                continue
            parts = [f"{name}.{k}" for k in CSR.COMPONENTS] if isinstance(c, CSR) else [name]
            for data in parts:
                self._zero(sb, data)
        return sb.js if sb.js["nodes"] else None

    def _zero(self, sb: StateBuilder, data: str) -> None:
        shape = tuple(self.p.container(data).shape)
        dname = self.names[data]
        tasklet = {"type": "Tasklet", "label": "zero", "attributes": {
            "label": "zero", "code": code(mark({"kind": "zero"}, "sl_z = 0;")),
            "in_connectors": {},
            "out_connectors": {"sl_z": None}}}
        acc = sb.access(dname)
        if not shape:
            t = sb.node(tasklet)
            sb.edge((t, "sl_z"), (acc, None),
                    memlet(dname, {"type": "Range", "ranges": [rng("0", "0")]}))
            return
        params = [f"sl_z{k}" for k in range(len(shape))]
        where = f"the shape of '{data}'"
        entry = {"type": "MapEntry", "label": "zero", "attributes": {
            "label": "zero", "params": params, "range": {"type": "Range", "ranges": [
                rng("0", sym(d - 1, where)) for d in shape]},
            "in_connectors": {}, "out_connectors": {}}}
        exit_ = {"type": "MapExit", "label": "zero", "attributes": {
            "in_connectors": {"IN_z": None}, "out_connectors": {"OUT_z": None}}}
        eid, xid = sb.node(entry), sb.node(exit_)
        entry["scope_exit"], exit_["scope_entry"] = str(xid), str(eid)
        t = sb.node(tasklet)
        sb.edge((eid, None), (t, None), memlet(None))
        one = {"type": "Range", "ranges": [rng(q, q) for q in params]}
        sb.edge((t, "sl_z"), (xid, "IN_z"), memlet(dname, one))
        whole = subset_json(full_subset(shape), where)
        sb.edge((xid, "OUT_z"), (acc, None), memlet(dname, whole, sym(sympy.prod(shape), where)))

    def unique(self, text: str) -> str:
        base = label(text)
        name, k = base, 1
        while name in self.labels:
            k += 1
            name = f"{base}_{k}"
        self.labels.add(name)
        return name

    # --- calls -------------------------------------------------------------------------------
    def nested(self, n: Call, level: Level) -> dict[str, Any]:
        callee = self.p.callees.get(n.callee)
        if callee is None:
            raise UnsupportedError(f"cannot export {n.describe()}: no callee '{n.callee}'")
        raw: dict[str, Any] = dict(n.symbols)  # callee symbol -> caller expression
        g = level.g
        for e in g.in_edges(n) + g.out_edges(n):
            conn = e.dst_conn if e.dst is n else e.src_conn
            if e.memlet is None or conn is None:
                continue
            self._bind_view(n, callee, checked(conn, "a connector"), e.memlet, raw)
        mapping = {dsym(checked(k, "a symbol")): sym(v, n.describe()) for k, v in raw.items()}
        sub = Exporter(callee, top=False, shared=self.shared, call=n).sdfg()  # (derives nothing)
        ins = [e.dst_conn for e in g.in_edges(n) if e.memlet is not None]
        outs = [e.src_conn for e in g.out_edges(n) if e.memlet is not None]
        lab = label(n.callee)
        return {"type": "NestedSDFG", "label": lab, "attributes": {
            "label": lab, "sdfg": sub, "symbol_mapping": mapping,
            "in_connectors": dict.fromkeys(ins), "out_connectors": dict.fromkeys(outs)}}

    def _bind_view(self, n: Call, callee: Program, conn: str, m: Any,
                   mapping: dict[str, Any]) -> None:
        """Bind the callee's size symbols from the view the caller passes for `conn`, and
        check the view's layout is the callee's row-major one."""
        outer = self.p.container(m.data)
        sub = m.subset or full_subset(tuple(outer.shape))
        shape = subset_shape(sub)
        inner = callee.container(conn)
        if len(inner.shape) != len(shape):
            raise UnsupportedError(f"cannot export {n.describe()}: '{conn}' is passed a "
                                   f"{len(shape)}-D view of a {len(inner.shape)}-D argument")
        for d, s in zip(inner.shape, shape, strict=True):
            if isinstance(d, sympy.Symbol) and d.name not in mapping:
                mapping[d.name] = s
        ostr = strides(tuple(outer.shape))
        view_strides = [st * d.step for d, st in zip(sub, ostr, strict=True)
                        if isinstance(d, Range)]
        subst = {sympy.Symbol(k, integer=True): v for k, v in mapping.items()}
        want = [sympy.sympify(x).xreplace(subst) for x in strides(tuple(inner.shape))]
        same = all(sympy.simplify(a - b) == 0 for a, b in zip(view_strides, want, strict=True))
        if not same and not all(isinstance(d, Index) for d in sub):
            raise UnsupportedError(f"cannot export {n.describe()}: the view passed for "
                                   f"'{conn}' is not laid out as the callee's array",
                                   hint="pass a contiguous view (copy it first)")


def program_to_sdfg_json(program: Program) -> dict[str, Any]:
    """The `.sdfg` file content of `program` (what `dace.SDFG.from_json` reads), built
    without DaCe. Raises a SluiceError naming the construct that has no SDFG form."""
    program.verify()
    return Exporter(program, top=True).sdfg()


def to_sdfg(program: Program) -> dace.SDFG:
    """`program` as a validated `dace.SDFG`. Compile it with `DACE_CXX_ARGS` as DaCe's
    `compiler.cpu.args` for NumPy-exact results."""
    try:
        import dace
    except ImportError:
        raise SluiceError("to_sdfg needs DaCe, which is not installed",
                          hint="pip install sluice[dace]") from None
    sdfg = dace.SDFG.from_json(program_to_sdfg_json(program))
    _adopt_branches(sdfg)
    sdfg.validate()
    return sdfg


def _adopt_branches(sdfg: dace.SDFG) -> None:
    """DaCe 1.0.2's `ConditionalBlock.from_json` leaves its branch regions without a parent
    graph, which its code generator needs; set it as `add_branch` does."""
    from dace.sdfg.state import ConditionalBlock

    for block in sdfg.all_control_flow_blocks(recursive=True):
        if isinstance(block, ConditionalBlock):
            for _, region in block.branches:
                region.parent_graph = block.parent_graph
                region.sdfg = block.sdfg


def sdfg_arguments(program: Program, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Keyword arguments for the compiled SDFG of `program`, from the arguments sluice's
    runners take (CSR matrices become their three arrays; size symbols are inferred)."""
    import numpy as np

    from sluice.ir.interpreter import bind_symbols, csr_parts, match_arguments
    from sluice.ir.requires import check

    given = match_arguments(program, args, kwargs)
    out: dict[str, Any] = {}
    symbols: dict[str, int] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for name, v in given.items():
        if name in program.symbols and name not in program.data:
            symbols[name] = int(v)
            continue
        c = program.data[name]
        if isinstance(c, CSR):
            parts = csr_parts(name, v, c)
            for k in CSR.COMPONENTS:
                out[f"{name}_{k}"] = parts[k]
            shapes[name] = tuple(x for x in parts["shape"] if x is not None)
            shapes[f"{name}.data"] = parts["data"].shape
        elif isinstance(c, Scalar) and c.dtype.numpy.kind == "c":
            out[name] = np.full(1, v, c.dtype.numpy)  # boxed (Exporter._boxed)
        elif isinstance(c, Scalar):
            out[name] = c.dtype.numpy.type(v)
        elif isinstance(v, np.ndarray):
            if not v.flags.c_contiguous:  # the SDFG's arrays have row-major strides
                raise ArgumentError(f"argument '{name}' is not a C-contiguous array, which "
                                    "the SDFG's row-major strides assume",
                                    hint=f"pass np.ascontiguousarray({name}) (and copy the "
                                         "result back if the program writes it)")
            out[name] = v
            shapes[name] = v.shape
        else:
            raise ArgumentError(f"argument '{name}' must be a NumPy array")
    symbols = bind_symbols(program, shapes, symbols)
    check(program, symbols)  # here, as an ArgumentError, rather than the SDFG's abort
    out.update({dsym(k): v for k, v in symbols.items()})
    exporter = Exporter(program, top=True)
    exporter.sdfg()
    for e, name in exporter.derived.items():
        out[name] = int(evaluate(e, symbols))
    return out
