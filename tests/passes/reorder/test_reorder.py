"""The `reorder` pass and its cost model: the order it picks, and that the program computes
the same (to rounding: re-association is not bit-exact) on the interpreter and the CPU."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from cpu_helpers import NO_PASSES, check

import sluice
import sluice.ir as ir
from sluice.ir.control import Branch
from sluice.passes import PassManager, get_pass
from sluice.passes.reorder import Factor, chain_cost

CORA_N, CORA_NNZ = 2708, 10556


def _gcn(n, nnz, f_in, f_out, aggregate_first: bool) -> ir.Program:
    """`Y = A @ X @ W` with A CSR, in the association given."""
    b = ir.ProgramBuilder("gcn")
    b.csr("A", "float64", n, n, nnz, index_dtype="int32")
    b.arg("X", "float64", [n, f_in])
    b.arg("W", "float64", [f_in, f_out])
    b.returns("Y", "float64", [n, f_out])
    if aggregate_first:
        b.transient("T", "float64", [n, f_in])
        with b.state() as s:
            s.library(ir.SpMM(), {"A": "A", "b": "X"}, {"c": "T"})
        with b.state() as s:
            s.library(ir.MatMul(), {"a": "T", "b": "W"}, {"c": "Y"})
    else:
        b.transient("T", "float64", [n, f_out])
        with b.state() as s:
            s.library(ir.MatMul(), {"a": "X", "b": "W"}, {"c": "T"})
        with b.state() as s:
            s.library(ir.SpMM(), {"A": "A", "b": "T"}, {"c": "Y"})
    return b.build()


def _reorder(p: ir.Program) -> list[str]:
    fused = get_pass("state-fusion")
    reports = PassManager([fused, get_pass("reorder")], verify=True).run(p)
    return reports[-1].changes


def _spmm_width(p: ir.Program) -> list:
    """The width of the dense operand of each SpMM (what the cost model minimises)."""
    out = []
    for st in p.body.states():
        for n in st.graph.nodes:
            if isinstance(n, ir.SpMM):
                (e,) = [e for e in st.graph.in_edges(n) if e.dst_conn == "b"]
                out.append(p.container(e.memlet.data).shape[1])
    return out


def test_cost_model_cora_layer_1_transforms_first():
    a = Factor(CORA_N, CORA_N, 8, CORA_NNZ, 4)
    x, w = Factor(CORA_N, 1433, 8), Factor(1433, 16, 8)
    agg, tra = chain_cost((a, x, w), True, 8), chain_cost((a, x, w), False, 8)
    assert tra.weighted(8) < agg.weighted(8)
    assert tra.bytes < agg.bytes  # the SpMM runs on 16 columns, not 1433
    assert agg.flops - tra.flops == 2 * CORA_NNZ * (1433 - 16)  # the GEMM is the same
    p = _gcn(CORA_N, CORA_NNZ, 1433, 16, aggregate_first=True)
    (change,) = _reorder(p)
    assert "(A @ X) @ W -> A @ (X @ W)" in change
    assert _spmm_width(p) == [16]


def test_cost_model_16_to_256_aggregates_first():
    p = _gcn(CORA_N, CORA_NNZ, 16, 256, aggregate_first=False)
    (change,) = _reorder(p)
    assert "A @ (X @ W) -> (A @ X) @ W" in change
    assert _spmm_width(p) == [16]


@pytest.mark.parametrize("aggregate_first", [True, False])
def test_the_cheaper_order_is_kept(aggregate_first):
    f_in, f_out = (16, 256) if aggregate_first else (1433, 16)
    p = _gcn(CORA_N, CORA_NNZ, f_in, f_out, aggregate_first)
    assert _reorder(p) == []


def _graph(n: int, density: float, seed: int) -> sp.csr_array:
    a = sp.random_array((n, n), density=density, format="csr", random_state=seed)
    a.indices = a.indices.astype(np.int32)
    a.indptr = a.indptr.astype(np.int32)
    return a


@pytest.mark.parametrize("aggregate_first", [True, False])
def test_symbolic_sizes_choose_at_call_time(aggregate_first):
    p = _gcn("N", "NNZ", "F", "G", aggregate_first)
    before = _gcn("N", "NNZ", "F", "G", aggregate_first)
    (change,) = _reorder(p)
    assert "order chosen at call time" in change
    (br,) = [b for b in p.body.blocks if isinstance(b, Branch)]
    rng = np.random.default_rng(7)
    for f_in, f_out in ((9, 2), (2, 9)):  # one size pair takes each path
        a = _graph(12, 0.2, f_in)
        x, w = rng.standard_normal((12, f_in)), rng.standard_normal((f_in, f_out))
        x[0, 0], x[1, 1] = np.nan, -0.0
        want = a @ x @ w
        sizes = {"N": 12, "NNZ": a.nnz, "F": f_in, "G": f_out}
        cond = br.cases[0][0]
        takes_alt = bool(cond.subs({s: sizes[s.name] for s in cond.free_symbols}))
        assert takes_alt == ((f_in > f_out) == aggregate_first)
        for prog in (before, p):
            np.testing.assert_allclose(ir.interpret(prog, a, x, w), want, rtol=1e-12, atol=1e-12)
        check(p, [a, x, w], options=NO_PASSES)


def test_dense_chain_with_a_transpose_from_python():
    @sluice.jit
    def chain(A, B, C):
        return A.T @ B @ C

    rng = np.random.default_rng(3)
    A, B, C = (rng.standard_normal(s) for s in ((6, 5), (6, 4), (4, 2)))
    p = chain.trace(A, B, C)
    before = chain.trace(A, B, C)
    PassManager([get_pass(n) for n in ("state-fusion", "transpose-folding")]).run(p)
    (change,) = PassManager([get_pass("reorder")], verify=True).run(p)[0].changes
    assert "(A.T @ B) @ C" in change and "A.T @ (B @ C)" in change
    for shapes in (((6, 5), (6, 4), (4, 2)), ((3, 8), (3, 2), (2, 7))):
        args = [rng.standard_normal(s) for s in shapes]
        want = args[0].T @ args[1] @ args[2]
        for prog in (before, p):
            np.testing.assert_allclose(ir.interpret(prog, *args), want, rtol=1e-12)
    check(p, args, options=NO_PASSES)


def test_a_returned_intermediate_is_left_alone():
    @sluice.jit
    def both(A, B, C):
        T = A @ B
        return T, T @ C

    rng = np.random.default_rng(4)
    p = both.trace(*(rng.standard_normal(s) for s in ((5, 9), (9, 8), (8, 1))))
    assert PassManager([get_pass("state-fusion"), get_pass("reorder")]).run(p)[1].changes == []


def test_provable_sizes_rewrite_in_place():
    p = _gcn("N", "NNZ", 300, 4, aggregate_first=True)
    (change,) = _reorder(p)
    assert "flops" in change and "bytes" in change
    assert not any(isinstance(b, Branch) for b in p.body.walk())
    assert p.data["T"].shape[1] == 4 and _spmm_width(p) == [4]


def test_sluice_show_after_reorder_says_the_order_and_its_cost(tmp_path, capsys):
    from sluice.cli import main

    path = tmp_path / "cora.sir"
    path.write_text(_gcn(CORA_N, CORA_NNZ, 1433, 16, aggregate_first=True).to_text())
    assert main(["show", str(path), "--after", "reorder"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("# reorder:"))
    assert "(A @ X) @ W -> A @ (X @ W)" in line and "flops" in line and "bytes" in line
    shown = ir.parse(out)  # the report lines are IR comments: the output still parses
    assert _spmm_width(shown) == [16]


def test_gcn_layer_from_python_reorders_under_o3():
    @sluice.jit
    def layer(A, X, W):
        return A @ X @ W

    a = _graph(10, 0.3, 1)
    rng = np.random.default_rng(9)
    for f_in, f_out in ((6, 2), (2, 6)):
        x, w = rng.standard_normal((10, f_in)), rng.standard_normal((f_in, f_out))
        p = layer.trace(a, x, w)
        check(p, [a, x, w], options={"pipeline": "O3", "verify": True})
    reports = PassManager([get_pass("state-fusion"), get_pass("reorder")]).run(p)
    assert "order chosen at call time" in reports[1].changes[0]


def test_transposed_spmm_in_a_chain_and_not_exported_to_dace():
    from sluice.errors import UnsupportedError
    from sluice.interop.sdfg_export import program_to_sdfg_json

    @sluice.jit
    def layer(A, X, W):
        return A.T @ X @ W

    a = sp.random_array((5, 8), density=0.4, format="csr", random_state=2)
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 2))
    p = layer.trace(a, x, w)
    before = layer.trace(a, x, w)
    (change,) = _reorder(p)
    assert "A.T @ X" in change
    want = a.T @ x @ w
    for prog in (before, p):
        np.testing.assert_allclose(ir.interpret(prog, a, x, w), want, rtol=1e-12)
    with pytest.raises(UnsupportedError, match="transpose_a"):
        program_to_sdfg_json(p)


def test_jit_option_reorder_compiles_with_o3():
    @sluice.jit(reorder=True)
    def layer(A, X, W):
        return A @ X @ W

    a = _graph(9, 0.3, 2)
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((9, 5)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(layer(a, x, w), a @ x @ w, rtol=1e-12)
    assert "tmp_r" in str(layer.lower("cpu", a, x, w))  # the other order's intermediate
    with pytest.raises(sluice.SluiceError, match="reorder"):
        sluice.jit(reorder="yes")(lambda a: a)


def _dense_chain(m, k, n, p, left_first: bool) -> ir.Program:
    b = ir.ProgramBuilder("dense_chain")
    b.arg("A", "float64", [m, k])
    b.arg("B", "float64", [k, n])
    b.arg("C", "float64", [n, p])
    b.returns("Y", "float64", [m, p])
    b.transient("T", "float64", [m, n] if left_first else [k, p])
    with b.state() as s:
        if left_first:
            s.library(ir.MatMul(), {"a": "A", "b": "B"}, {"c": "T"})
            s.library(ir.MatMul(), {"a": "T", "b": "C"}, {"c": "Y"})
        else:
            s.library(ir.MatMul(), {"a": "B", "b": "C"}, {"c": "T"})
            s.library(ir.MatMul(), {"a": "A", "b": "T"}, {"c": "Y"})
    return b.build()


@pytest.mark.parametrize(
    "shape, left_first, changes",
    [
        ((10, 100, 5, 50), True, False),  # (A @ B) @ C: 10*100*5 + 10*5*50 multiplications
        ((10, 100, 5, 50), False, True),  # A @ (B @ C) costs 100*5*50 + 10*100*50
        ((50, 5, 100, 10), True, True),  # the mirror image: right first is cheaper
    ],
)
def test_dense_chains_take_the_cheaper_association(shape, left_first, changes):
    p = _dense_chain(*shape, left_first)
    assert bool(_reorder(p)) == changes
    rng = np.random.default_rng(0)
    m, k, n, q = shape
    args = [rng.standard_normal(s) for s in ((m, k), (k, n), (n, q))]
    np.testing.assert_allclose(ir.interpret(p, *args), args[0] @ args[1] @ args[2], rtol=1e-12)
