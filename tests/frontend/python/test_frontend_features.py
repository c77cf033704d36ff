"""Frontend features beyond the corpus: sluice.map, calls to decorated programs, views that
write through, overlapping in-place updates, and property-based slicing/broadcasting."""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sluice
from sluice.ir import Map, MatMul, Reduce

sys.path.insert(0, str(Path(__file__).resolve().parent))

import more_programs  # noqa: E402
from checks import check_against_numpy  # noqa: E402

rng = np.random.default_rng(7)


def _nodes(program):
    return [n for s in program.body.states() for n in s.graph.nodes]


# --- sluice.map -----------------------------------------------------------------------------

def map_scale_add(A, b, C):
    for i, j in sluice.map[0:A.shape[0], 0:A.shape[1]]:
        t = A[i, j] * 2.0
        C[i, j] = t + b[j] if t > 1.0 else -t


def map_row_sums(A, out):
    for i, j in sluice.map[0:A.shape[0], 0:A.shape[1]]:
        out[i] += A[i, j]


def map_strided(x, y, n):
    for i in sluice.map[1:n:2]:
        y[i] = np.exp(x[i - 1]) + np.maximum(x[i], 0.5)


def test_map_with_locals_and_choice():
    p = check_against_numpy(map_scale_add, (rng.random((4, 5)), rng.random(5), np.zeros((4, 5))))
    maps = [n for n in _nodes(p) if isinstance(n, Map)]
    assert len(maps) == 1 and maps[0].params == ["i", "j"]


def test_map_accumulates_with_wcr():
    p = check_against_numpy(map_row_sums, (rng.random((4, 6)), np.zeros(4)))
    edges = [e for n in _nodes(p) if isinstance(n, Map) for e in n.body.edges]
    assert any(e.memlet is not None and e.memlet.wcr == "+" for e in edges)


def test_map_strided_range():
    check_against_numpy(map_strided, (rng.random(9), np.zeros(9), 9))


def test_map_runs_as_plain_python():
    A, b, C = rng.random((3, 3)), rng.random(3), np.zeros((3, 3))
    map_scale_add(A, b, C)
    t = A * 2.0
    np.testing.assert_allclose(C, np.where(t > 1.0, t + b, -t))


# --- calls ---------------------------------------------------------------------------------

@sluice.jit
def jit_helper(x, s):
    return np.sqrt(x * x + s)


@sluice.program
def annotated_helper(v: sluice.float64[sluice.symbol("K")]):
    v[:] = v - v.mean()


def calls_decorated(A):
    out = np.empty_like(A)
    for i in range(A.shape[0]):
        out[i, :] = jit_helper(A[i, :], 1.0)
    annotated_helper(out[0, :])
    return out


def test_calls_to_sluice_programs(monkeypatch):
    import sluice.api as api

    # The NumPy reference run calls the decorated helpers too: run them on the interpreter.
    monkeypatch.setattr(api, "BACKENDS", {"cpu": "sluice_test_no_such_backend"})
    A = rng.random((4, 5))
    check_against_numpy(calls_decorated, (A,))
    expect = np.sqrt(A * A + 1.0)
    expect[0] -= expect[0].mean()
    f = sluice.jit(calls_decorated)
    np.testing.assert_allclose(f.compile("interpret", A)(A), expect, rtol=1e-12)


# --- views ----------------------------------------------------------------------------------

def views_write_through(A):
    row = A[1, :]
    row[:] = 0.0
    col = A[:, ::2]
    col *= 2.0
    A.T[0, :] = -1.0
    return A.sum()


def overlapping_updates(x):
    x[1:] = x[:-1] + 1.0
    x[:3] += x[2::-1]
    return x[::-1].copy()


def test_views_write_through():
    p = check_against_numpy(views_write_through, (rng.random((4, 6)),))
    assert any(isinstance(n, Reduce) for n in _nodes(p))


def test_overlapping_in_place_updates():
    check_against_numpy(overlapping_updates, (rng.random(7),))


def fused_elementwise(A, B):
    return np.exp(A) * 2.0 + np.sqrt(B) - A / (B + 1.0)


def test_elementwise_chain_is_one_map():
    p = check_against_numpy(fused_elementwise, (rng.random((3, 4)), rng.random((3, 4))))
    assert sum(isinstance(n, Map) for n in _nodes(p)) == 1
    assert not [n for n, c in p.data.items() if c.transient]


def transposed_product(A, B):
    return A.T @ B.T


def test_transposed_operands_use_library_nodes():
    p = check_against_numpy(transposed_product, (rng.random((4, 3)), rng.random((5, 4))))
    kinds = {type(n).__name__ for n in _nodes(p)}
    assert {"Transpose", "MatMul"} <= kinds


def float32_stays(x):
    return x * 2.0 + np.float32(1.0)


def test_float32_promotion():
    p = check_against_numpy(float32_stays, (rng.random(5).astype(np.float32),))
    assert any(isinstance(n, Map) for n in _nodes(p)) and not any(
        isinstance(n, MatMul) for n in _nodes(p))


# --- property-based: symbolic slice bounds and broadcasting -----------------------------------

def window(x, a, b):
    return x[a:b] * 2.0 - x[a:b][::-1]


_WINDOW = sluice.jit(window)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 12), data=st.data())
def test_symbolic_windows(n, data):
    a = data.draw(st.integers(0, n))
    b = data.draw(st.integers(a, n))
    x = np.arange(float(n)) ** 1.5
    np.testing.assert_allclose(_WINDOW.compile("interpret", x, a, b)(x, a, b), window(x, a, b),
                               rtol=1e-12)
    assert _WINDOW.compilations == 1


@pytest.mark.parametrize("shape_a,shape_b", [((3, 1), (1, 4)), ((2, 3, 1), (3, 5)),
                                             ((5,), (4, 1)), ((1,), (3,))])
def test_broadcasting_shapes(shape_a, shape_b):
    def add_mul(a, b):
        return a * b + a - b

    check_against_numpy(add_mul, (rng.random(shape_a), rng.random(shape_b)))


_r = np.random.default_rng(3)
MORE = {
    "early_in_loop": (_r.random(8),), "while_continue": (_r.random(8),),
    "data_while": (_r.random(9),), "neg_loop": (_r.random(6),),
    "branch_new_array": (_r.random((3, 4)), 0.7), "nested_loops_views": (_r.random((5, 5)),),
    "uses_default": (_r.random(5),), "bool_ops": (_r.random(7),),
    "int_div": (_r.integers(-9, 9, (3, 4)),), "mixed_scalars": (_r.random(8), 7),
    "reduce_chain": (_r.random((4, 5)),), "outer_loop_accum": (_r.random((4, 5)),),
    "swap_arrays": (_r.random(4), _r.random(4)), "scalar_from_array_in_loop": (_r.random(9),),
    "triple_nested_if": (_r.random(9),), "ellipsis_idx": (_r.random((3, 4, 5)),),
    "keepdims_bcast": (_r.random((3, 4)),), "return_arg_view": (_r.random((3, 4)),),
    "int_arg_loop": (_r.random(4), 9), "linspace_arange": (6,),
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_programs(name):
    check_against_numpy(getattr(more_programs, name), MORE[name])
