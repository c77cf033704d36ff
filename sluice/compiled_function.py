"""`CompiledFunction`: what `f.compile(target)` returns — the Python function's arguments
in, the compiled program's results out — and how it shows itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sluice import display
from sluice.ir.program import Program
from sluice.ir.text import signature_text
from sluice.tracebacks import user_api


class CompiledFunction:
    """A sluice function compiled for one target.

    `native` takes the program's own arguments (what the backend built: a native library,
    or the reference interpreter); `any_layout` is `native` accepting arrays in any memory
    layout; calling this object takes the Python function's arguments.
    """

    def __init__(self, name: str, target: str, checked: bool, program: Program,
                 run: Callable[..., Any], native: Callable[..., Any],
                 any_layout: Callable[..., Any]) -> None:
        self.__name__ = self.__qualname__ = name
        self.target = target
        self.boundscheck = checked
        self.program = program
        self.native = native
        self.any_layout = any_layout
        self._run = run

    @user_api
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(*args, **kwargs)

    @property
    def library(self) -> str | None:
        """The path of the shared library, for a native build."""
        native = getattr(self.native, "__wrapped__", self.native)
        return getattr(native, "path", None)

    def _how(self) -> str:
        if self.library is None:
            return "runs on the reference interpreter"
        return "native, bounds-checked" if self.boundscheck else "native"

    def __repr__(self) -> str:
        return f"<sluice compiled {self.__qualname__} for {self.target} ({self._how()})>"

    def _repr_html_(self) -> str:
        about: dict[str, object] = {
            "signature": display.code(signature_text(self.program)),
            "target": self.target, "build": self._how()}
        if self.library is not None:
            about["library"] = display.code(self.library)
        return display.card(f"compiled {self.__qualname__}", [display.facts(about)],
                            subtitle=f"for {self.target}")
