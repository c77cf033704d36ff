"""Run a transformed nest against the untransformed program: interpreted bit for bit (the
transformations keep each element's order of contributions) and compiled."""

from __future__ import annotations

import copy

import numpy as np

import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.ir.serialize import from_json
from sluice.passes.manager import Pass

NO_PASSES = {"pipeline": None, "verify": True}


def transformed(program: ir.Program, *passes: Pass) -> ir.Program:
    out = from_json(program.to_json())
    for p in passes:
        assert p.apply(out).changed, p.describe()
        out.verify()
    return out


def same_everywhere(original: ir.Program, changed: ir.Program, args: list) -> None:
    """Interpreted original == interpreted transformed == compiled transformed, bit for
    bit (NaN equal to NaN), results and every array argument afterwards."""
    runs = []
    for run in (
        lambda a: ir.interpret(original, *a),
        lambda a: ir.interpret(changed, *a),
        lambda a: build(changed, NO_PASSES)(*a),
    ):
        a = copy.deepcopy(args)
        runs.append((run(a), a))
    (want, want_args), *others = runs
    for got, got_args in others:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        if want is not None:
            assert np.asarray(got).dtype == np.asarray(want).dtype
        for x, y in zip(want_args, got_args, strict=True):
            np.testing.assert_array_equal(y, x)
