"""A Program: signature, data containers, symbols and a structured body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sluice.ir.control import Region
from sluice.ir.data import Container
from sluice.ir.dtypes import DType
from sluice.ir.requires import Requirement


@dataclass(eq=False)
class Program:
    """The unit every frontend builds and every pass and backend consumes.

    * `args` — ordered signature: container names and symbol names;
    * `data` — containers by name (arguments, returns and transients);
    * `symbols` — integer symbols by name (sizes, loop variables, assigned symbols);
    * `returns` — containers whose values the program returns, in order;
    * `callees` — programs reachable through `Call` nodes, by name;
    * `requires` — relations between argument sizes the body assumes (`sluice.ir.requires`),
      checked before every run.
    """

    name: str
    args: list[str] = field(default_factory=list)
    data: dict[str, Container] = field(default_factory=dict)
    symbols: dict[str, DType] = field(default_factory=dict)
    body: Region = field(default_factory=Region)
    returns: list[str] = field(default_factory=list)
    callees: dict[str, Program] = field(default_factory=dict)
    requires: list[Requirement] = field(default_factory=list)

    def container(self, name: str) -> Container:
        """The container `name`, or the CSR component for `M.indptr`-style names."""
        base, _, comp = name.partition(".")
        c = self.data[base]
        return c.component(comp) if comp else c

    def has_container(self, name: str) -> bool:
        try:
            self.container(name)
        except KeyError:
            return False
        return True

    # --- the IR's guarantees, each in its own module ---------------------------------
    def verify(self) -> None:
        """Raise a VerificationError naming the node and the rule broken."""
        from sluice.ir.verify import verify

        verify(self)

    def to_text(self) -> str:
        from sluice.ir.text import print_program

        return print_program(self)

    def to_json(self) -> dict[str, Any]:
        from sluice.ir.serialize import to_json

        return to_json(self)

    def to_sdfg_json(self) -> dict[str, Any]:
        """The program as DaCe's `.sdfg` JSON (no DaCe needed): `sluice.interop`."""
        from sluice.interop.sdfg_export import program_to_sdfg_json

        return program_to_sdfg_json(self)

    def structurally_equal(self, other: Program) -> bool:
        """Same containers, symbols, blocks, nodes, edges and memlets, in the same order."""
        return self.to_json() == other.to_json()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<sluice.ir.Program '{self.name}': {len(self.data)} containers>"

    def _repr_svg_(self) -> str | None:
        from sluice.ir.picture import to_svg

        return to_svg(self)

    def _repr_html_(self) -> str:
        from sluice.ir.picture import to_html

        return to_html(self)
