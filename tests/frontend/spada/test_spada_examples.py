"""The example kernels: parse, bind with every parameter set, check, print round-trip, and
agree with their NumPy references on host shapes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from sluice.frontend.spada import ast, bind, check, format_kernel, parse_file, parse_source
from sluice.frontend.spada.kernel import load

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "spada"
sys.path.insert(0, str(EXAMPLES))
from references import REFERENCES  # noqa: E402

NAMES = sorted(p.stem for p in EXAMPLES.glob("*.sptl"))
CASES = [(n, p) for n in NAMES for p in REFERENCES[n].param_sets]


def test_every_example_has_a_reference() -> None:
    assert len(NAMES) >= 12
    assert set(NAMES) == set(REFERENCES)
    for name in NAMES:
        assert len(REFERENCES[name].param_sets) >= 3, name


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{i % 3}" for i, (n, _) in
                                                      enumerate(CASES)])
def test_example_binds_and_checks(name: str, params: dict[str, int]) -> None:
    kernel = parse_file(EXAMPLES / f"{name}.sptl")
    assert kernel.name == name
    result = check(bind(kernel, params))
    bk = result.kernel
    ref = REFERENCES[name]
    inputs = ref.make_inputs(params, np.random.default_rng(0))
    outputs = ref.reference(inputs, params)
    k = load(EXAMPLES / f"{name}.sptl", params)  # host shapes as declared (rank 0, 1, 2)
    for arg in bk.args:
        if "readonly" in arg.node.annotations:
            assert inputs[arg.name].shape == k.inputs[arg.name], arg.name
        elif "writeonly" in arg.node.annotations:
            assert outputs[arg.name].shape == k.outputs[arg.name], arg.name
            assert np.isfinite(outputs[arg.name]).any()
        else:
            assert isinstance(inputs[arg.name], float), arg.name
    assert set(outputs) == {a.name for a in bk.args if "writeonly" in a.node.annotations}


@pytest.mark.parametrize("name", NAMES)
def test_example_round_trips_through_printer(name: str) -> None:
    kernel = parse_file(EXAMPLES / f"{name}.sptl")
    text = format_kernel(kernel)
    again = parse_source(text, "printed.sptl")
    assert again == kernel
    assert format_kernel(again) == text


def _positions(node: object, out: list[ast.Pos]) -> None:
    if isinstance(node, ast.Node):
        out.append(node.pos)
        for f in node.__dataclass_fields__:
            if f != "pos":
                _positions(getattr(node, f), out)
    elif isinstance(node, tuple):
        for x in node:
            _positions(x, out)


@pytest.mark.parametrize("name", NAMES)
def test_every_node_has_a_position(name: str) -> None:
    kernel = parse_file(EXAMPLES / f"{name}.sptl")
    positions: list[ast.Pos] = []
    _positions(kernel, positions)
    assert positions and all(p.line >= 1 and p.col >= 1 for p in positions)


def test_gemm_phases_and_grid() -> None:
    bk = bind(parse_file(EXAMPLES / "gemm.sptl"), {"P": 3, "T": 2})
    assert bk.grid == (3, 3)
    assert len(bk.phases) == 1 + 3 + 1  # load, one per SUMMA step, store
    assert all(len(ph.computes) == 1 for ph in bk.phases)


def test_tree_reduction_expands_levels() -> None:
    bk = bind(parse_file(EXAMPLES / "reduce_tree.sptl"), {"L": 3, "N": 2})
    assert bk.grid == (8, 1)
    level2 = bk.phases[3]  # after the local-sum phase: levels 0, 1, 2
    receivers, senders = level2.computes
    assert receivers.pes == ((0, 0),) and senders.pes == ((4, 0),)
    decl = level2.dataflows[0].node.streams[0]
    assert decl.source.dx == ast.IntLit(-4)
