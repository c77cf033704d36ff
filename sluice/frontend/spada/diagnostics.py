"""Error classes of the `.sptl` frontend and a helper that points them at AST nodes."""

from __future__ import annotations

from collections.abc import Iterable

from sluice.errors import SluiceError, SourceLocation, did_you_mean
from sluice.frontend.spada import ast


class SpadaNameError(SluiceError):
    """An undefined or misspelled name."""

    kind = "name error"


class ParameterError(SluiceError):
    """A kernel parameter is missing, unknown, or not a compile-time constant."""

    kind = "parameter error"


class PlacementError(SluiceError):
    """Fields, streams or compute blocks placed wrongly on the PE grid."""

    kind = "placement error"


class StreamMatchError(SluiceError):
    """Sends and receives of a stream do not pair up."""

    kind = "stream mismatch"


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """'did you mean ...?' that also catches a wrong capitalisation (`n` for `N`)."""
    cands = list(candidates)
    same = [c for c in cands if c.lower() == name.lower() and c != name]
    return f"did you mean '{same[0]}'?" if same else did_you_mean(name, cands)


class Reporter:
    """Builds errors located in one source text (the caret needs the text)."""

    def __init__(self, source: str | None, file: str | None) -> None:
        self.source = source
        self.file = file

    @classmethod
    def of(cls, kernel: ast.Kernel) -> Reporter:
        return cls(kernel.source, kernel.file)

    def loc(self, where: ast.Node | ast.Pos | None) -> SourceLocation | None:
        pos = where.pos if isinstance(where, ast.Node) else where
        if pos is None or pos.line <= 0:
            return SourceLocation(file=self.file) if self.file else None
        if self.source is None:
            return SourceLocation(file=self.file, line=pos.line, col=pos.col, length=pos.length)
        return SourceLocation.in_text(self.source, pos.line, pos.col, self.file, pos.length)

    def error(
        self,
        cls: type[SluiceError],
        message: str,
        where: ast.Node | ast.Pos | None,
        hint: str | None = None,
    ) -> SluiceError:
        """The exception to raise (callers write `raise rep.error(...)`)."""
        return cls(message, loc=self.loc(where), hint=hint)
