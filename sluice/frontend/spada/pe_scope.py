"""What one PE holds in one phase, and kernel-wide names: shared by the PE checks."""

from __future__ import annotations

from dataclasses import dataclass

from sluice.frontend.spada import ast

PE = tuple[int, int]
# Stream keys: ("s", name) for a dataflow stream, ("h", arg, i, j) for one host stream.
Key = tuple
Count = int | None
# A field access: its name and constant indices, or None for "any element".
Access = tuple[str, tuple[int, ...] | None]


@dataclass
class StreamInfo:
    decl: ast.StreamDecl
    offsets: tuple[PE, ...]  # empty for extern streams
    host: str | None = None  # the argument of an extern_stream

    @property
    def elem(self) -> str:
        return self.decl.type.elem.name


@dataclass
class PEScope:
    """What exists on one PE in one phase."""

    pe: PE
    coords: dict[str, int]
    fields: dict[str, ast.Field]
    streams: dict[str, StreamInfo]


@dataclass
class KernelNames:
    """Kernel-wide facts the walker needs to explain a missing name."""

    args: dict[str, ast.Arg]
    params: set[str]
    fields_anywhere: set[str]
    streams_anywhere: set[str]
