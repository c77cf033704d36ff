"""Corpus of small NumPy programs that the Python frontend must support.

``PROGRAMS`` lists ``Case(name, func, make_args)``: ``make_args(rng)`` takes a
``numpy.random.Generator`` and returns the argument tuple (arrays of random shapes 3..12,
Python and NumPy scalars).  Programs may mutate array arguments in place.  ``HELPERS`` lists the
functions that are only called by other programs; they must be compiled (decorated) too.
Every function runs under plain NumPy (see ``test_programs_numpy.py``).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import arith, calls, control, creation, linalg, locals_returns, reductions, slicing, ufuncs


class Case(NamedTuple):
    name: str
    func: Callable
    make_args: Callable


def _n(rng):
    return int(rng.integers(3, 13))


def _mat(rng, *shape):
    return rng.random(shape)


def _square(rng):
    n = _n(rng)
    return rng.random((n, n))


def _two(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)), rng.random((n, m))


def _vec(rng):
    return rng.random(_n(rng))


def _positive(rng):
    return rng.random((_n(rng), _n(rng))) + 0.5


def _signed(rng):
    return rng.random((_n(rng), _n(rng))) * 2.0 - 1.0


def _broadcast_row_col(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)), rng.random(m), rng.random(n)


def _f32_f64(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)).astype(np.float32), rng.random(m)


def _f32_f32(rng):
    n = _n(rng)
    return rng.random(n).astype(np.float32), rng.random(n).astype(np.float32)


def _int_float(rng):
    n, m = _n(rng), _n(rng)
    return rng.integers(-10, 10, size=(n, m)), rng.random((n, m))


def _bool_float(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)) > 0.5, rng.random((n, m))


def _square_index(rng):
    A = _square(rng)
    return A, int(rng.integers(0, A.shape[0]))


def _slice_assign(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)), rng.random(m)


def _reverse_into(rng):
    x = _vec(rng)
    return x, np.zeros_like(x)


def _einsum(rng):
    n, k, m, p = _n(rng), _n(rng), _n(rng), _n(rng)
    return rng.random((n, k)), rng.random((k, m)), rng.random(k), rng.random((p, n, k))


def _batched(rng):
    p, n, k, m = _n(rng), _n(rng), _n(rng), _n(rng)
    return rng.random((p, n, k)), rng.random((k, m))


def _lower(rng):
    n = _n(rng)
    L = np.tril(rng.random((n, n))) + n * np.eye(n)
    return L, rng.random(n)


def _axpy(rng):
    n = _n(rng)
    return float(rng.random()), rng.random(n), rng.random(n)


def _matvec(rng):
    n, m = _n(rng), _n(rng)
    return rng.random((n, m)), rng.random(m), rng.random(n)


def _dot(rng):
    n, k, m = _n(rng), _n(rng), _n(rng)
    return rng.random((n, k)), rng.random((k, m)), rng.random(k), rng.random(k)


def _affine(rng):
    n, k, m = _n(rng), _n(rng), _n(rng)
    return rng.random((n, k)) - 0.5, rng.random((k, m)) - 0.5, rng.random(m) - 0.5


PROGRAMS = [
    # arith
    Case("scaled_sum", arith.scaled_sum, lambda r: (*_two(r), float(r.random()))),
    Case("broadcast_row_col", arith.broadcast_row_col, _broadcast_row_col),
    Case("outer_by_broadcast", arith.outer_by_broadcast, lambda r: (_vec(r), _vec(r))),
    Case("promote_f32_f64", arith.promote_f32_f64, _f32_f64),
    Case("keep_float32", arith.keep_float32, _f32_f32),
    Case("promote_int_float", arith.promote_int_float, _int_float),
    Case("bool_arith", arith.bool_arith, _bool_float),
    Case("compare_combine", arith.compare_combine, _two),
    Case(
        "compare_scalar_broadcast",
        arith.compare_scalar_broadcast,
        lambda r: (_square(r), float(r.random())),
    ),
    Case("scalar_arith", arith.scalar_arith, lambda r: (float(r.random()), _n(r))),
    Case("unary_ops", arith.unary_ops, lambda r: (_signed(r),)),
    Case(
        "mixed_scalar_types",
        arith.mixed_scalar_types,
        lambda r: (_square(r), np.float64(r.random()), np.int64(_n(r)), float(r.random())),
    ),
    # slicing
    Case("step_slices", slicing.step_slices, lambda r: (_square(r),)),
    Case("negative_indices", slicing.negative_indices, lambda r: (_vec(r),)),
    Case("element_and_row", slicing.element_and_row, _square_index),
    Case("stencil_1d", slicing.stencil_1d, lambda r: (_vec(r),)),
    Case("stencil_2d", slicing.stencil_2d, lambda r: (_square(r),)),
    Case("slice_assign", slicing.slice_assign, _slice_assign),
    Case("aug_assign", slicing.aug_assign, _two),
    Case("reverse_into", slicing.reverse_into, _reverse_into),
    Case("strided_assign", slicing.strided_assign, lambda r: (_square(r),)),
    Case("slices_3d", slicing.slices_3d, lambda r: (_mat(r, _n(r), _n(r), _n(r)),)),
    Case("scalar_element_update", slicing.scalar_element_update, lambda r: (_vec(r),)),
    Case("newaxis_index", slicing.newaxis_index, lambda r: (_vec(r),)),
    # creation
    Case("zeros_ones", creation.zeros_ones, lambda r: (_n(r), _n(r))),
    Case("typed_zeros_ones", creation.typed_zeros_ones, lambda r: (_n(r),)),
    Case("empty_then_fill", creation.empty_then_fill, lambda r: (_square(r),)),
    Case("empty_like_fill", creation.empty_like_fill, lambda r: (_square(r),)),
    Case("full_and_likes", creation.full_and_likes, lambda r: (_square(r),)),
    Case("copy_is_independent", creation.copy_is_independent, lambda r: (_square(r),)),
    Case("arange_linspace", creation.arange_linspace, lambda r: (_n(r),)),
    Case("arange_forms", creation.arange_forms, lambda r: (_n(r),)),
    # ufuncs
    Case("exp_log_sqrt", ufuncs.exp_log_sqrt, lambda r: (_positive(r),)),
    Case("trig", ufuncs.trig, lambda r: (_signed(r),)),
    Case("abs_neg_square", ufuncs.abs_neg_square, lambda r: (_signed(r),)),
    Case("max_min", ufuncs.max_min, _two),
    Case("power_forms", ufuncs.power_forms, lambda r: (_positive(r), 1.0 + float(r.random()))),
    Case("where_select", ufuncs.where_select, _two),
    Case("floor_ceil", ufuncs.floor_ceil, lambda r: (_signed(r),)),
    Case("clip_values", ufuncs.clip_values, lambda r: (_square(r),)),
    Case("sigmoid_relu", ufuncs.sigmoid_relu, lambda r: (_signed(r),)),
    # reductions
    Case("total_sum", reductions.total_sum, lambda r: (_square(r),)),
    Case("sum_axes", reductions.sum_axes, lambda r: (_positive(r),)),
    Case("normalize_rows", reductions.normalize_rows, lambda r: (_positive(r),)),
    Case("products", reductions.products, lambda r: (_vec(r) + 0.5, _positive(r))),
    Case("max_min_reduce", reductions.max_min_reduce, lambda r: (_signed(r),)),
    Case("means", reductions.means, lambda r: (_square(r),)),
    Case("arg_reductions", reductions.arg_reductions, lambda r: (_vec(r), _signed(r))),
    Case(
        "reduce_3d_keepdims",
        reductions.reduce_3d_keepdims,
        lambda r: (_mat(r, _n(r), _n(r), _n(r)),),
    ),
    Case(
        "int_reductions",
        reductions.int_reductions,
        lambda r: (r.integers(-50, 50, size=(_n(r), _n(r))),),
    ),
    # linalg
    Case("matmul", linalg.matmul, lambda r: _dot(r)[:2]),
    Case("matvec", linalg.matvec, _matvec),
    Case("dot_forms", linalg.dot_forms, _dot),
    Case("gram", linalg.gram, lambda r: (_positive(r),)),
    Case("transpose_axes", linalg.transpose_axes, lambda r: (_mat(r, _n(r), _n(r), _n(r)),)),
    Case("reshape_contiguous", linalg.reshape_contiguous, lambda r: (_positive(r),)),
    Case("einsum_contractions", linalg.einsum_contractions, _einsum),
    Case("batched_matmul", linalg.batched_matmul, _batched),
    Case("affine_layer", linalg.affine_layer, _affine),
    # control
    Case("row_sums_loop", control.row_sums_loop, lambda r: (_positive(r),)),
    Case("prefix_sum", control.prefix_sum, lambda r: (_vec(r),)),
    Case("range_step_forms", control.range_step_forms, lambda r: (_vec(r),)),
    Case(
        "halve_until_small",
        control.halve_until_small,
        lambda r: (_signed(r) * 100.0, 0.01 + 0.1 * float(r.random())),
    ),
    Case("piecewise", control.piecewise, lambda r: (float(r.random()),)),
    Case("data_dependent_branch", control.data_dependent_branch, lambda r: (_square(r),)),
    Case("first_above", control.first_above, lambda r: (_vec(r), 0.5 + 0.4 * float(r.random()))),
    Case(
        "early_return",
        control.early_return,
        lambda r: (_vec(r), int(r.integers(-2, 5))),
    ),
    Case("forward_substitution", control.forward_substitution, _lower),
    Case("while_with_break", control.while_with_break, lambda r: (_vec(r),)),
    Case("time_steps", control.time_steps, lambda r: (_vec(r), _n(r))),
    # calls
    Case("call_axpy", calls.call_axpy, _axpy),
    Case("normalize", calls.normalize, lambda r: (_vec(r) + 0.1,)),
    Case("call_in_loop", calls.call_in_loop, lambda r: (_signed(r), float(r.random()))),
    Case("call_mutating_helper", calls.call_mutating_helper, lambda r: (_square(r),)),
    Case("call_tuple_helper", calls.call_tuple_helper, lambda r: (_vec(r),)),
    Case("call_nested_helper", calls.call_nested_helper, _axpy),
    # locals and returns
    Case("return_tuple", locals_returns.return_tuple, lambda r: (_square(r),)),
    Case("local_scalars", locals_returns.local_scalars, lambda r: (_vec(r),)),
    Case("swap", locals_returns.swap, _two),
    Case("fibonacci_like", locals_returns.fibonacci_like, lambda r: (_n(r),)),
    Case("shape_unpack", locals_returns.shape_unpack, lambda r: (_signed(r),)),
    Case("int_mask_where", locals_returns.int_mask_where, lambda r: (_vec(r),)),
    Case("masked_update", locals_returns.masked_update, _two),
    Case("chained_assign", locals_returns.chained_assign, lambda r: (_n(r),)),
    Case("local_array_reuse", locals_returns.local_array_reuse, lambda r: (_vec(r),)),
]

HELPERS = [calls.axpy, calls.norm2, calls.clamp_inplace, calls.min_max, calls.unit_axpy]

BY_NAME = {case.name: case for case in PROGRAMS}
