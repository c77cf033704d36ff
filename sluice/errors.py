"""Diagnostics: `SluiceError`, its subclasses, source locations and caret rendering.

A user mistake raises a `SluiceError` that carries a `SourceLocation` (file, line, column)
and a hint; `str(err)` renders the classic compiler layout::

    kernel.sptl:4:12: error: undefined stream 'rigth'
        send(buf, rigth)
                  ^^^^^
    hint: did you mean 'right'?

Anything that escapes as another exception type is a sluice bug, not the user's.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sluice.notebook import cell_name


@dataclass(frozen=True)
class SourceLocation:
    """A position in a source file: 1-based line and column, optional span length."""

    file: str | None = None
    line: int | None = None
    col: int | None = None
    length: int = 1
    source_line: str | None = None

    @classmethod
    def in_text(
        cls, text: str, line: int, col: int, file: str | None = None, length: int = 1
    ) -> SourceLocation:
        """A location in `text`, remembering the source line so the caret can be drawn."""
        lines = text.splitlines()
        src = lines[line - 1] if 1 <= line <= len(lines) else None
        return cls(file=file, line=line, col=col, length=max(1, length), source_line=src)

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def describe(self) -> str:
        """The position for people: `file:line:col`, or `cell In[3], line 3, column 12`
        for code typed into an IPython or Jupyter cell (`str` keeps the file name)."""
        cell = cell_name(self.file)
        if cell is None or self.line is None:
            return str(self)
        col = f", column {self.col}" if self.col is not None else ""
        return f"cell {cell}, line {self.line}{col}"

    def caret(self) -> str:
        """The source line with a caret under the column, or '' when unknown."""
        if self.source_line is None or self.col is None:
            return ""
        src = self.source_line.rstrip("\n").expandtabs(1)
        width = max(1, min(self.length, max(1, len(src) - self.col + 1)))
        return f"    {src}\n    {' ' * (self.col - 1)}{'^' * width}"


class SluiceError(Exception):
    """A problem in the user's input: rendered with location, caret and hint."""

    kind = "error"

    def __init__(
        self,
        message: str,
        loc: SourceLocation | None = None,
        hint: str | None = None,
        node: str | None = None,
    ) -> None:
        self.message = message
        self.loc = loc
        self.hint = hint
        self.node = node
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.kind}: {self.message}"
        if self.loc is not None:
            head = f"{self.loc.describe()}: {head}"
        out = [head]
        if self.loc is not None and self.loc.caret():
            out.append(self.loc.caret())
        if self.hint:
            out.append(f"hint: {self.hint}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class SluiceSyntaxError(SluiceError):
    kind = "syntax error"


class SluiceTypeError(SluiceError):
    kind = "type error"


class ShapeError(SluiceError):
    kind = "shape error"


class SluiceIndexError(SluiceError):
    """An index outside its dimension, known while compiling (at run time: ExecutionError)."""

    kind = "index error"


class UnsupportedError(SluiceError):
    kind = "unsupported"


class VerificationError(SluiceError):
    """The IR breaks a structural rule; `rule` names it, `node` names the offender."""

    kind = "invalid IR"

    def __init__(
        self,
        rule: str,
        message: str,
        node: str | None = None,
        loc: SourceLocation | None = None,
        hint: str | None = None,
    ) -> None:
        self.rule = rule
        where = f" (at {node})" if node else ""
        super().__init__(f"[{rule}] {message}{where}", loc=loc, hint=hint, node=node)


class ArgumentError(SluiceError):
    """A call's arguments do not match the program's signature."""

    kind = "argument error"


class ExecutionError(SluiceError):
    """A program failed while running (out-of-bounds, deadlock, empty stream...)."""

    kind = "runtime error"


class OutOfBoundsError(ExecutionError, IndexError):
    """A bounds-checked run touched an element outside its array (an IndexError, as NumPy's)."""

    kind = "index error"


class DeadlockError(ExecutionError):
    kind = "deadlock"


class RaceError(SluiceError):
    kind = "data race"


class RouteError(SluiceError):
    kind = "routing error"


class CacheError(SluiceError):
    """The build cache folder is unsafe, unwritable or full."""

    kind = "cache error"


class ToolchainError(SluiceError):
    """An external tool (C compiler, nvcc, cslc) is missing or failed."""

    kind = "toolchain error"


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean ...?' hint for a misspelled name, or None."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


# Integers a program computes (Python ints, sizes, indices) are int64 in compiled code.
INT64_OVERFLOW = "an integer computed from the arguments does not fit int64"
INT64_HINT = ("Python ints are 64-bit integers in compiled code; use floats or smaller values "
              "for arithmetic that can exceed 2**63")
