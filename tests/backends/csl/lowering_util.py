"""Shared helpers of the CSL lowering tests: loading examples and comparing with NumPy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from sluice.spatial import SpatialKernel, load

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "spada"


def references():
    spec = importlib.util.spec_from_file_location("spada_references", EXAMPLES / "references.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod.REFERENCES


REFERENCES = references()


def kernel(name: str, params: dict[str, int]) -> SpatialKernel:
    return load(EXAMPLES / f"{name}.sptl", params)


def inputs(name: str, params: dict[str, int], seed: int = 0) -> dict:
    return REFERENCES[name].make_inputs(params, np.random.default_rng(seed))


def assert_matches(name: str, params: dict[str, int], inp: dict, got: dict) -> None:
    ref = REFERENCES[name].reference(inp, params)
    assert set(got) == set(ref)
    for k, v in ref.items():
        np.testing.assert_allclose(got[k], v, rtol=2e-4, atol=2e-4, err_msg=f"{name} {k}")
