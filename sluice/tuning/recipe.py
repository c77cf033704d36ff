"""Recipes: a list of loop passes, stored as JSON and replayed on a program.

A tuning database keeps, for each nest it tuned, the transformations that made it
fastest (PASSES.md §2.2, "recipe"); here a recipe is a list of registered loop passes
with their options. Replaying is all or nothing on a copy: a step that is not legal on
the target (its nest differs) makes `try_recipe` return None, never a half-applied or
wrong program.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

import sluice.passes.loops  # noqa: F401 - registers the loop passes
from sluice.errors import SluiceError
from sluice.ir.program import Program
from sluice.ir.serialize import from_json
from sluice.passes.loops.base import LoopPass
from sluice.passes.manager import PASSES


@dataclass(frozen=True)
class Recipe:
    steps: tuple[LoopPass, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"pass": p.name, "options": {f.name: _plain(getattr(p, f.name)) for f in fields(p)}}
            for p in self.steps
        ]

    def dumps(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Recipe:
        steps = []
        for item in data:
            name = item.get("pass")
            kind = PASSES.get(name)
            if kind is None or not issubclass(kind, LoopPass):
                raise SluiceError(
                    f"recipe step '{name}' is not a loop pass",
                    hint="steps are loop-tiling, loop-interchange, "
                    "loop-parallelize, loop-vectorize or loop-unroll",
                )
            opts = {
                k: tuple(v) if isinstance(v, list) else v
                for k, v in item.get("options", {}).items()
            }
            try:
                steps.append(kind(**opts))
            except TypeError as err:
                raise SluiceError(
                    f"recipe step '{name}' has bad options: {err}",
                    hint="options are the pass's fields",
                ) from None
        return cls(tuple(steps))

    @classmethod
    def loads(cls, text: str) -> Recipe:
        return cls.from_json(json.loads(text))

    def apply(self, program: Program) -> Program:
        """A transformed copy of `program`; raises the first step's refusal."""
        out = from_json(program.to_json())
        for p in self.steps:
            p.apply(out)
        out.verify()
        return out


def try_recipe(program: Program, recipe: Recipe) -> Program | None:
    """The transformed copy, or None where some step does not apply to `program`."""
    try:
        return recipe.apply(program)
    except SluiceError:
        return None


def _plain(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v
