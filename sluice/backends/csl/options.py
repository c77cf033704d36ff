"""Switches of the CSL lowering's optimisations (SPADA.md §12); all on by default."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class CslOptions:
    vectorize: bool = True  # vector maps and receive loops as DSD ops, not scalar loops
    task_fusion: bool = True  # inline continuation tasks activated from one place only
    task_recycling: bool = True  # main-flow continuations share one local task ID
    color_assignment: bool = True  # greedy conflict-free colors, reused across phases
    copy_elision: bool = True  # host I/O lands in / leaves from the field itself
    router_switching: bool = True  # a color serves several epochs through switch positions
    close_elision: bool = True  # `s.close()` emits no sentinel (counts are static)

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
