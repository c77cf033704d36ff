"""`GeneratedSource`: the text a backend generates, which Jupyter shows program first.

It is a `str` in every respect (compare it, search it, write it to a file); only its
`repr` is one line and its `_repr_html_` shows the translation of the user's program
first, syntax-highlighted when Pygments is installed, with the backend's prelude of runtime
helpers folded away below it.
"""

from __future__ import annotations

from typing import Any

from sluice import display


class GeneratedSource(str):
    """Generated source text: `prelude` (the backend's runtime helpers) then `program`
    (what the user's program became). `target` names the backend, `language` the lexer
    used to highlight it (`cpp`, `cuda`), `name` the program."""

    def __new__(cls, text: str = "", program_start: int = 0, target: str = "",
                language: str | None = None, name: str = "") -> GeneratedSource:
        self = super().__new__(cls, text)
        self.program_start = max(0, min(program_start, len(text)))
        self.target = target
        self.language = language
        self.name = name
        return self

    @classmethod
    def of_parts(cls, prelude: str, program: str, sep: str = "\n", **about: Any
                 ) -> GeneratedSource:
        """`prelude + sep + program`, remembering where the program starts."""
        return cls(prelude + sep + program, len(prelude) + len(sep), **about)

    @property
    def prelude(self) -> str:
        return str.__getitem__(self, slice(0, self.program_start))

    @property
    def program(self) -> str:
        return str.__getitem__(self, slice(self.program_start, None))

    def _about(self) -> str:
        what = " ".join(x for x in (self.target, "source") if x)
        return f"{what} of '{self.name}'" if self.name else what

    def __repr__(self) -> str:
        lines = _lines(self)
        return (f"<GeneratedSource: {self._about()}, {display.plural(lines, 'line')}, "
                f"{len(self)} characters; print() it to read it>")

    def _repr_html_(self) -> str:
        program_lines = _lines(self.program)
        sections: list[object] = [display.source(self.program.rstrip("\n"), self.language)]
        if self.program_start:
            prelude_lines = _lines(self.prelude)
            sections.append(display.details(
                f"prelude: {display.plural(prelude_lines, 'line')} of runtime helpers",
                # (not highlighted: inline colours would make its 30 KB ten times larger)
                display.source(self.prelude.rstrip("\n"))))
        return display.card(self._about() or "generated source", sections,
                            subtitle=f"{display.plural(program_lines, 'line')} of program")


def _lines(text: str) -> int:
    return len(text.strip("\n").splitlines())
