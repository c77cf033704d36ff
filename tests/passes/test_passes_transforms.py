"""Each transformation: does what it says where legal, leaves illegal cases alone, and never
changes what the reference interpreter computes (random inputs, before vs after)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from corpus_programs import CORPUS
from cpu_helpers import O2, check
from pass_programs import CASES

import sluice.ir as ir
from sluice.ir.nodes import Map
from sluice.passes import available_passes, get_pass, pipeline


def _run(program: ir.Program, *names: str) -> tuple[ir.Program, list[str]]:
    q = ir.from_json(program.to_json())
    changes: list[str] = []
    for name in names:
        report = get_pass(name).apply(q)
        q.verify()
        changes += report.changes
    return q, changes


# Passes allowed to change rounding (they reassociate floating-point operations).
REASSOCIATING = {"gemm-folding", "reorder"}  # (products re-associated)


def _same_results(before: ir.Program, after: ir.Program, args: list, exact: bool = True
                  ) -> None:
    a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
    with np.errstate(all="ignore"):
        r1, r2 = ir.interpret(before, *a1), ir.interpret(after, *a2)
    r1 = r1 if isinstance(r1, tuple) else (r1,)
    r2 = r2 if isinstance(r2, tuple) else (r2,)
    for x, y in zip(list(r1) + a1, list(r2) + a2, strict=True):
        if isinstance(x, np.ndarray | np.generic) and exact:
            np.testing.assert_array_equal(np.asarray(y), np.asarray(x))
        elif isinstance(x, np.ndarray | np.generic):
            np.testing.assert_allclose(np.asarray(y), np.asarray(x), rtol=1e-12, atol=1e-12)


def _maps(p: ir.Program) -> list[Map]:
    return [n for st in p.body.states() for n, _ in st.graph.walk() if isinstance(n, Map)]


ALL = available_passes()
PROGRAMS = {**{f"case:{k}": (v.build, v.args) for k, v in CASES.items()},
            **{f"corpus:{k}": (v.build, lambda rng, v=v: v.args(rng)[0])
               for k, v in CORPUS.items() if not v.args(np.random.default_rng(0))[1]}}


@pytest.mark.parametrize("program", sorted(PROGRAMS))
@pytest.mark.parametrize("name", ALL)
def test_each_pass_preserves_semantics(name, program):
    build, args = PROGRAMS[program]
    before = build()
    after, _ = _run(before, name)
    for seed in (0, 1):
        _same_results(before, after, args(np.random.default_rng(seed)),
                      exact=name not in REASSOCIATING)


def test_chain_fuses_into_one_map_without_temporaries():
    before = CASES["chain"].build()
    after, changes = _run(before, "state-fusion", "map-fusion", "dead-data")
    assert sum("merged state" in c for c in changes) == 2
    assert sum("fused" in c for c in changes) == 2
    assert len(_maps(after)) == 1 and len(list(after.body.states())) == 1
    assert "t1" not in after.data and "t2" not in after.data
    _same_results(before, after, CASES["chain"].args(np.random.default_rng(0)))


@pytest.mark.parametrize("name", ["shifted_consumer", "reversed_consumer", "reused_temporary",
                                  "consumer_overwrites_input"])
def test_fusion_leaves_illegal_pairs_alone(name):
    _, changes = _run(CASES[name].build(), "state-fusion", "map-fusion")
    assert not any("fused" in c for c in changes)


def test_states_with_a_write_after_read_stay_apart():
    _, changes = _run(CASES["write_after_read_states"].build(), "state-fusion")
    assert changes == []


def test_collapse_only_independent_nests():
    after, changes = _run(CASES["nested_maps"].build(), "map-collapse")
    assert len(changes) == 1 and "cols" in changes[0]
    params = sorted(len(m.params) for m in _maps(after))
    assert params == [1, 1, 2]  # the collapsed nest, and the triangular pair untouched


def test_redundant_copies():
    after, changes = _run(CASES["copy_in_and_out"].build(), "state-fusion", "redundant-copy")
    assert sum("removed copy" in c for c in changes) == 2
    assert "T" not in after.data and "U" not in after.data
    _, changes = _run(CASES["copies_that_stay"].build(), "state-fusion", "redundant-copy")
    assert not any("removed copy" in c for c in changes)


def test_transpose_folds_into_matmul_flags():
    after, changes = _run(CASES["transposed_operands"].build(), "state-fusion",
                          "transpose-folding")
    assert any("folded a transpose" in c for c in changes)
    nodes = [n for st in after.body.states() for n, _ in st.graph.walk()]
    assert not any(isinstance(n, ir.Transpose) for n in nodes)
    assert "XT" not in after.data
    mms = [n for n in nodes if isinstance(n, ir.MatMul)]
    assert len(mms) == 2 and all(n.transpose_a and not n.transpose_b for n in mms)
    assert "transpose_a = True" in after.to_text()
    assert ir.parse(after.to_text()).to_text() == after.to_text()
    after, changes = _run(CASES["transpose_that_stays"].build(), "state-fusion",
                          "transpose-folding")
    assert not any("folded a transpose" in c for c in changes)
    assert "XT" in after.data


def test_dead_code_and_data():
    before = CASES["dead_things"].build()
    after, changes = _run(before, "dead-code", "dead-data")
    text = "\n".join(changes)
    assert "unreachable" in text and "always taken" in text and "empty range" in text
    assert "empty state" in text
    assert "unused" not in after.data and "never" not in after.data
    assert "popped" in after.data  # its writer pops a stream
    states = [st.name for st in after.body.states()]
    assert "waste" not in states and "after_return" not in states


def test_o2_compiled_matches_interpreter_on_pass_programs():
    for c in CASES.values():
        p = c.build()
        check(p, c.args(np.random.default_rng(5)), {}, O2)


def test_o2_generates_a_single_parallel_loop_for_the_chain():
    from sluice.backends.cpu import generate

    src = generate(CASES["chain"].build(), O2)
    body = src.split("static void sl_prog_chain")[1].split('extern "C"')[0]
    assert body.count("for (int64_t") == 1 and body.count("#pragma omp parallel for") == 1
    assert "sl::Heap" not in body  # no temporary array


def test_o2_on_the_corpus_verifies_and_agrees():
    for name, entry in CORPUS.items():
        before = entry.build()
        after = ir.from_json(before.to_json())
        pipeline("O2", verify=True).run(after)
        args, kwargs = entry.args(np.random.default_rng(2))
        a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
        r1 = ir.interpret(before, *a1, **kwargs)
        r2 = ir.interpret(after, *a2, **kwargs)
        for x, y in zip(r1 if isinstance(r1, tuple) else (r1,),
                        r2 if isinstance(r2, tuple) else (r2,), strict=True):
            if x is not None:
                np.testing.assert_array_equal(np.asarray(y), np.asarray(x), err_msg=name)


def test_symbol_propagation():
    after, changes = _run(CASES["assigned_size"].build(), "symbol-propagation")
    assert changes == ["propagated M = 2*N into later blocks"]
    (m,) = _maps(after)
    assert str(m.ranges[0].stop) == "2*N"
    _same_results(CASES["assigned_size"].build(), after,
                  CASES["assigned_size"].args(np.random.default_rng(0)))


def _matmuls(p: ir.Program) -> list[ir.MatMul]:
    return [n for st in p.body.states() for n in st.graph.nodes if isinstance(n, ir.MatMul)]


def test_gemm_folding_folds_the_epilogue_but_not_the_scaled_operand():
    before = CASES["gemm_in_place"].build()
    after, changes = _run(before, "gemm-folding", "dead-data")
    assert len(changes) >= 1 and len(_maps(after)) == 1  # T = alpha * A stays
    (mm,) = _matmuls(after)
    assert (mm.scaled, mm.accumulate, mm.scaled_acc) == (False, True, True)
    assert "T" in after.data and "P" not in after.data
    assert "accumulate = True, scaled_acc = True" in after.to_text()
    assert ir.parse(after.to_text()).to_text() == after.to_text()
    assert ir.from_json(after.to_json()).to_text() == after.to_text()
    for seed in range(3):
        _same_results(before, after, CASES["gemm_in_place"].args(np.random.default_rng(seed)),
                      exact=False)


def test_gemm_folding_adds_an_unscaled_array_and_leaves_the_scaled_operand_b():
    after, _ = _run(CASES["gemm_variants"].build(), "gemm-folding")
    (mm,) = _matmuls(after)
    assert (mm.scaled, mm.accumulate, mm.scaled_acc) == (False, True, False)
    assert len(_maps(after)) == 1  # U = B * beta stays


def test_gemm_folding_never_scales_a_product():
    for case in ("gemm_in_place", "gemm_variants", "gemm_that_stays"):
        after, _ = _run(CASES[case].build(), "gemm-folding", "dead-data")
        assert all(not mm.scaled for mm in _matmuls(after)), case


def test_gemm_folding_leaves_unprovable_cases_alone():
    before = CASES["gemm_that_stays"].build()
    after, changes = _run(before, "gemm-folding")
    assert changes == []
    assert after.to_text() == ir.from_json(before.to_json()).to_text()


def test_first_accumulation_becomes_a_write_and_fuses():
    before = CASES["first_accumulation"].build()
    after, changes = _run(before, "first-accumulation", "map-fusion", "dead-data")
    assert sum("plain write" in c for c in changes) == 2  # the scalar s and the array t
    assert any("'t' is no longer materialised" in c for c in changes)
    assert len(_maps(after)) == 1
    _same_results(before, after, CASES["first_accumulation"].args(np.random.default_rng(3)))


def test_accumulations_that_must_add_keep_their_wcr():
    before = CASES["accumulations_that_stay"].build()
    after, changes = _run(before, "first-accumulation")
    assert len(changes) == 1 and "into 't'" in changes[0]  # only the first of t's two
    wcr = [e.memlet.data for m in _maps(after) for e in m.body.edges
           if e.memlet is not None and e.memlet.wcr == "+"]
    assert sorted(wcr) == ["r", "t", "u", "w", "w"]  # (w: the nested map's and its body's)
    _same_results(before, after, CASES["accumulations_that_stay"].args(np.random.default_rng(4)))


def test_sibling_maps_fuse_into_one_pass_over_the_array():
    before = CASES["sibling_outer_products"].build()
    after, changes = _run(before, "sibling-fusion")
    assert len(changes) == 1 and "one pass over 'X'" in changes[0]
    assert len([m for m in _maps(after) if m.body.nodes and any(
        e.memlet is not None and e.memlet.data == "X" for e in m.body.edges)]) == 1
    for seed in range(3):  # the same operations in the same order: bit-identical
        _same_results(before, after, CASES["sibling_outer_products"].args(
            np.random.default_rng(seed)))
    check(after, CASES["sibling_outer_products"].args(np.random.default_rng(7)))


@pytest.mark.parametrize("name", ["siblings_with_a_writer_between",
                                  "siblings_with_a_reader_between", "siblings_shifted",
                                  "siblings_reading_the_first"])
def test_sibling_fusion_leaves_illegal_pairs_alone(name):
    before = CASES[name].build()
    after, changes = _run(before, "sibling-fusion")
    assert changes == []
    assert after.to_text() == ir.from_json(before.to_json()).to_text()
