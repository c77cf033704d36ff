"""Passes, reports, the registry and the pass manager.

A pass is a small frozen dataclass: its options are its fields, `name` is its registry key,
and `apply(program)` changes the program in place and returns a `PassReport` saying what
changed. `PassManager` runs a list of passes, verifies after each one when asked (always in
tests), times each pass and can print the IR after the passes named in `print_after`.

    pm = pipeline("O2", verify=True)
    reports = pm.run(program)
    print(pm.timings())
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import ClassVar, TextIO

from sluice.display import bullets, card, details, plural, table, tag
from sluice.errors import SluiceError
from sluice.ir.program import Program
from sluice.log import get_logger

_log = get_logger(__name__)


@dataclass
class PassReport:
    """What one run of a pass changed: `changes` is a list of short human-readable lines."""

    pass_name: str
    changes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def __str__(self) -> str:
        head = f"{self.pass_name}: {len(self.changes)} change(s) in {self.seconds * 1e3:.1f} ms"
        return "\n".join([head, *("  " + c for c in self.changes)])

    def __repr__(self) -> str:
        return (f"<PassReport {self.pass_name}: {plural(len(self.changes), 'change')}, "
                f"{self.seconds * 1e3:.2f} ms>")

    def _repr_html_(self) -> str:
        return PassReports([self])._repr_html_()


class PassReports(list[PassReport]):
    """The reports of a pipeline run, in pass order (a list that Jupyter shows as a table)."""

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self)

    def __repr__(self) -> str:
        changes = sum(len(r.changes) for r in self)
        return (f"<PassReports: {plural(len(self), 'pass', 'passes')}, "
                f"{plural(changes, 'change')}, {self.seconds * 1e3:.2f} ms>")

    def _repr_html_(self) -> str:
        rows = [[r.pass_name, len(r.changes), f"{r.seconds * 1e3:.2f}",
                 bullets(r.changes) if r.changes else ""] for r in self]
        rows.append([tag("b", "total"), sum(len(r.changes) for r in self),
                     f"{self.seconds * 1e3:.2f}", ""])
        return card("pass reports", [table(["pass", "changes", "ms", "what changed"], rows,
                                           numeric=(1, 2))])


@dataclass(frozen=True)
class Pass:
    """Base of passes. Subclasses set `name` and implement `run(program, report)`."""

    name: ClassVar[str] = ""

    def describe(self) -> str:
        """`name{option=value, ...}`: the pass as its options spell it."""
        opts = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"{self.name}{{{opts}}}" if opts else self.name

    def apply(self, program: Program) -> PassReport:
        report = PassReport(self.name)
        t0 = time.perf_counter()
        self.run(program, report)
        report.seconds = time.perf_counter() - t0
        return report

    def run(self, program: Program, report: PassReport) -> None:
        raise NotImplementedError


PASSES: dict[str, type[Pass]] = {}


def register(cls: type[Pass]) -> type[Pass]:
    """Class decorator: make a pass available by its `name`."""
    if not cls.name:
        raise ValueError(f"pass {cls.__name__} has no name")
    PASSES[cls.name] = cls
    return cls


class PassError(SluiceError):
    """A pass left the program invalid (a sluice bug, reported with the pass name)."""

    kind = "internal error"


class PassManager:
    def __init__(self, passes: Iterable[Pass], *, verify: bool = False,
                 print_after: Iterable[str] | bool = (), out: TextIO | None = None) -> None:
        self.passes = list(passes)
        self.verify = verify
        self.print_after = print_after
        self.out = out
        self.reports = PassReports()  # of every run, in order

    def _wants_print(self, name: str) -> bool:
        if isinstance(self.print_after, bool):
            return self.print_after
        return name in set(self.print_after)

    def run(self, program: Program) -> PassReports:
        """Apply each pass in order; returns this run's reports."""
        reports = PassReports()
        for p in self.passes:
            report = p.apply(program)
            reports.append(report)
            _log.debug("pass %s on %s: %d change(s) (%.1f ms)", p.name, program.name,
                       len(report.changes), report.seconds * 1e3)
            if self.verify:
                try:
                    program.verify()
                except SluiceError as err:
                    raise PassError(f"pass '{p.name}' left '{program.name}' invalid: {err}",
                                    hint="this is a sluice bug; please report it with the IR "
                                    "text before the pass") from err
            if self._wants_print(p.name):
                out = self.out or sys.stdout
                print(f"// --- IR after {p.name} ({len(report.changes)} change(s)) ---",
                      file=out)
                print(program.to_text(), file=out)
        self.reports += reports
        _log.info("passes on %s: %d pass(es), %d change(s) (%.1f ms)", program.name,
                  len(reports), sum(len(r.changes) for r in reports),
                  sum(r.seconds for r in reports) * 1e3)
        return reports

    def __repr__(self) -> str:
        return (f"<PassManager: {plural(len(self.passes), 'pass', 'passes')}, "
                f"{plural(len(self.reports), 'report')}{', verifying' if self.verify else ''}>")

    def _repr_html_(self) -> str:
        rows = [[p.describe(), type(p).__name__] for p in self.passes]
        sections: list[object] = [table(["pass", "class"], rows) if rows
                                  else "no passes"]
        if self.reports:
            sections.append(details(f"reports of {plural(len(self.reports), 'pass run')}, "
                                    f"{self.reports.seconds * 1e3:.2f} ms",
                                    self.reports._repr_html_(), open_=True))
        title = f"pass pipeline of {plural(len(self.passes), 'pass', 'passes')}"
        return card(title, sections, subtitle="verifies after each pass" if self.verify
                    else "")

    def timings(self) -> str:
        """A small table: pass, changes, milliseconds."""
        lines = [f"{'pass':<28}{'changes':>8}{'ms':>10}"]
        for r in self.reports:
            lines.append(f"{r.pass_name:<28}{len(r.changes):>8}{r.seconds * 1e3:>10.2f}")
        return "\n".join(lines)


def _o2() -> list[Pass]:
    from sluice.passes.collapse import MapCollapse
    from sluice.passes.copies import RedundantCopyRemoval
    from sluice.passes.dead import DeadCodeElimination, DeadDataElimination
    from sluice.passes.first_write import FirstAccumulation
    from sluice.passes.fusion import MapFusion
    from sluice.passes.gemm import GemmFolding
    from sluice.passes.siblings import SiblingFusion
    from sluice.passes.states import StateFusion
    from sluice.passes.symbols import SymbolPropagation
    from sluice.passes.transpose import TransposeFolding

    return [DeadCodeElimination(), SymbolPropagation(), StateFusion(), TransposeFolding(),
            RedundantCopyRemoval(), FirstAccumulation(), SiblingFusion(), MapFusion(),
            MapCollapse(), GemmFolding(), DeadDataElimination()]


def _o3() -> list[Pass]:
    """O2 with `reorder` after transpose folding: matrix chains re-associated by cost, which
    rounds differently from the order written (opt-in, see passes/reorder)."""
    from sluice.passes.reorder import Reorder

    passes = _o2()
    at = next(k for k, p in enumerate(passes) if p.name == "transpose-folding") + 1
    return [*passes[:at], Reorder(), *passes[at:]]


PIPELINES: dict[str, Callable[[], list[Pass]]] = {
    "O0": lambda: [],
    "O1": lambda: [p for p in _o2() if p.name in ("dead-code", "dead-data")],
    "O2": _o2,
    "O3": _o3,
}


def pipeline(name: str, *, verify: bool = False, print_after: Iterable[str] | bool = (),
             out: TextIO | None = None) -> PassManager:
    """The named pipeline (`O0`, `O1`, `O2`, `O3`) as a PassManager."""
    try:
        passes = PIPELINES[name]()
    except KeyError:
        raise SluiceError(f"unknown pipeline '{name}'",
                          hint="use one of " + ", ".join(PIPELINES)) from None
    return PassManager(passes, verify=verify, print_after=print_after, out=out)


def _register_all() -> None:
    """Import every pass module: importing one registers its passes."""
    import sluice.passes.loops  # noqa: F401  (the loop-nest passes; in no pipeline)

    _o3()


def available_passes() -> list[str]:
    """Names of all registered passes (importing the pass modules registers them)."""
    _register_all()
    return sorted(PASSES)


def get_pass(name: str, **options: object) -> Pass:
    """A registered pass by name, with options as its fields."""
    _register_all()
    try:
        cls = PASSES[name]
    except KeyError:
        raise SluiceError(f"unknown pass '{name}'", hint="use one of " + ", ".join(PASSES)
                          ) from None
    return cls(**options)  # type: ignore[arg-type]
