"""Switches of the CSL lowering's optimisations (SPADA.md §12); all on by default."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _switch(what: str) -> Any:
    """An optimisation, on by default; `what` it does is the help of its `--disable-` flag."""
    return field(default=True, metadata={"help": what})


@dataclass(frozen=True)
class CslOptions:
    vectorize: bool = _switch("vector maps and receive loops as DSD operations, not scalar "
                              "loops")
    task_fusion: bool = _switch("inline continuation tasks activated from one place only")
    task_recycling: bool = _switch("main-flow continuations share one local task ID")
    color_assignment: bool = _switch("greedy conflict-free colors, reused across phases")
    copy_elision: bool = _switch("host input and output land in and leave from the field "
                                 "itself")
    router_switching: bool = _switch("one color serves routes of several phases through "
                                     "router switch positions (only where that saves colors)")
    close_elision: bool = _switch("`s.close()` emits no sentinel (counts are static)")

    @classmethod
    def help(cls) -> dict[str, str]:
        """What each optimisation does, by its CLI name."""
        return {f.name.replace("_", "-"): f.metadata["help"] for f in fields(cls)}

    @classmethod
    def names(cls) -> list[str]:
        """Option names as CLI flags use them (`--disable-<name>`, `_` as `-`)."""
        return [f.name.replace("_", "-") for f in fields(cls)]

    @classmethod
    def from_disabled(cls, disabled: list[str]) -> CslOptions:
        """Options with the named optimisations (CLI spelling) turned off."""
        known = {n.replace("_", "-"): n for n in (f.name for f in fields(cls))}
        bad = [d for d in disabled if d not in known]
        if bad:
            raise ValueError(f"unknown CSL optimisation(s) {bad}; known: {sorted(known)}")
        return cls(**{known[d]: False for d in disabled})
