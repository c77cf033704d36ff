"""Library nodes with NumPy reference semantics: MatMul, Reduce, Transpose, Softmax, SpMM,
SDDMM.

Each node's `reference` is the oracle the interpreter runs; `output_shapes` and `check`
feed the verifier. Backends may expand a node into maps or call a fast implementation.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import sympy

from sluice.errors import ExecutionError
from sluice.ir.dtypes import DType
from sluice.ir.nodes import LibraryNode
from sluice.ir.symbolic import simplified

REDUCE_OPS = ("+", "*", "max", "min", "argmax", "argmin")


def _np_dtype(d: Any) -> np.dtype:
    """A NumPy dtype from an IR DType (or a NumPy dtype)."""
    return np.dtype(getattr(d, "numpy", d))


def _differ(a, b) -> bool:
    """True only when two symbolic sizes are provably different."""
    d = simplified(sympy.sympify(a) - sympy.sympify(b))
    return d.is_number and d != 0


class MatMul(LibraryNode):
    """`c = a @ b` with np.matmul semantics for 1-D, 2-D and batched 3-D operands.

    `transpose_a` / `transpose_b` swap the last two axes of a 2-D or 3-D operand first
    (`a.T @ b` without materialising `a.T`; backends read the operand with swapped strides).

    BLAS gemm's scalars and accumulator, for float32 / float64 operands: with `scaled` the
    node reads a scalar `alpha` and computes `alpha * (a @ b)`; with `accumulate` it adds
    `acc` (the result's shape), times a scalar `beta` when `scaled_acc` is set too. Each
    flag adds its input connector. The pass `gemm-folding` sets them.
    """

    INPUTS = ("a", "b")
    OUTPUTS = ("c",)
    ATTRS: ClassVar[dict[str, Any]] = {"transpose_a": False, "transpose_b": False,
                                       "scaled": False, "accumulate": False,
                                       "scaled_acc": False}

    _GEMM_FLAGS = ("scaled", "accumulate", "scaled_acc")

    def shown_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in self.attrs.items() if v or k not in self._GEMM_FLAGS}

    @property
    def in_connectors(self) -> tuple[str, ...]:
        extra = (("alpha",) if self.scaled else ()) + (("acc",) if self.accumulate else ())
        return self.INPUTS + extra + (("beta",) if self.accumulate and self.scaled_acc else ())

    def _shapes(self, in_shapes) -> tuple[tuple, tuple]:
        a, b = tuple(in_shapes["a"]), tuple(in_shapes["b"])
        if self.transpose_a and len(a) >= 2:
            a = a[:-2] + (a[-1], a[-2])
        if self.transpose_b and len(b) >= 2:
            b = b[:-2] + (b[-1], b[-2])
        return a, b

    def check(self, in_shapes, in_dtypes):
        a, b = self._shapes(in_shapes)
        if not a or not b or len(a) > 3 or len(b) > 3:
            return f"operands must have 1 to 3 dimensions, got {len(a)} and {len(b)}"
        ka = a[-1]
        kb = b[0] if len(b) == 1 else b[-2]
        if _differ(ka, kb):
            return f"inner dimensions differ: {ka} vs {kb}"
        if self.scaled_acc and not self.accumulate:
            return "scaled_acc needs accumulate (beta scales acc)"
        if len(self.in_connectors) > 2:
            return self._check_gemm(in_shapes, in_dtypes)
        return None

    def _check_gemm(self, in_shapes, in_dtypes) -> str | None:
        kinds = {_np_dtype(in_dtypes[c]) for c in ("a", "b", "acc") if c in in_dtypes}
        if len(kinds) != 1 or kinds.pop() not in (np.float32, np.float64):
            return "alpha, beta and acc need float32 or float64 operands of one type"
        for s in ("alpha", "beta"):
            if s in in_shapes and any(_differ(d, 1) for d in in_shapes[s]):
                return f"{s} must be a scalar, got shape {list(in_shapes[s])}"
            if s in in_dtypes and _np_dtype(in_dtypes[s]).kind not in "fiu":
                return f"{s} must be a real number, got {_np_dtype(in_dtypes[s])}"
        if self.accumulate:
            c = self.output_shapes(in_shapes)["c"]
            acc = tuple(in_shapes["acc"])
            if len(acc) != len(c) or any(_differ(x, y) for x, y in zip(acc, c, strict=True)):
                return f"acc has shape {list(acc)}, but the product has {list(c)}"
        return None

    def output_shapes(self, in_shapes):
        a, b = self._shapes(in_shapes)
        if len(a) == 1 and len(b) == 1:
            return {"c": ()}
        if len(a) == 1:
            return {"c": tuple(b[:-2]) + (b[-1],)}
        if len(b) == 1:
            return {"c": tuple(a[:-1])}
        batch = a[:-2] if len(a) >= len(b) else b[:-2]
        return {"c": tuple(batch) + (a[-2], b[-1])}

    def reference(self, a, b, alpha=None, acc=None, beta=None):
        # Contiguous copies, so the result is bit-identical to a Transpose node then MatMul.
        if self.transpose_a and a.ndim >= 2:
            a = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        if self.transpose_b and b.ndim >= 2:
            b = np.ascontiguousarray(np.swapaxes(b, -1, -2))
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            raise ExecutionError(f"MatMul: the inner dimensions of operands of shapes {a.shape} "
                                 f"and {b.shape} differ",
                                 hint="check the sizes of the matrix product's operands")
        if a.ndim == b.ndim == 3 and a.shape[0] != b.shape[0]:
            raise ExecutionError(f"MatMul: the batch sizes of operands of shapes {a.shape} and "
                                 f"{b.shape} differ")
        c = np.matmul(a, b)
        if alpha is not None:
            c = (c.dtype.type(np.asarray(alpha).reshape(())) * c).astype(c.dtype, copy=False)
        if acc is not None:
            acc = np.asarray(acc)
            if acc.size != c.size:
                raise ExecutionError(f"MatMul adds an operand of shape {acc.shape} to a "
                                     f"product of shape {c.shape}")
            acc = acc.reshape(c.shape)
            if beta is not None:
                acc = c.dtype.type(np.asarray(beta).reshape(())) * acc
            c = (c + acc).astype(c.dtype, copy=False)
        return {"c": c}


class Reduce(LibraryNode):
    """Reduce `inp` over `axes` (None: all) with `op`; `identity` seeds the reduction.
    `dtype` (+ and * only) is the type to accumulate in, as NumPy's `dtype=` argument; by
    default NumPy's (small integers and booleans in int64 or uint64, others in their own)."""

    INPUTS = ("inp",)
    OUTPUTS = ("out",)
    ATTRS: ClassVar[dict[str, Any]] = {"op": "+", "axes": None, "keepdims": False,
                                       "identity": None, "dtype": None}

    def shown_attrs(self) -> dict[str, Any]:
        # Programs that keep NumPy's accumulation type print as they always did.
        return {k: v for k, v in self.attrs.items() if k != "dtype" or v is not None}

    def check(self, in_shapes, in_dtypes):
        if self.op not in REDUCE_OPS:
            return f"unknown reduction '{self.op}' (use one of {', '.join(REDUCE_OPS)})"
        rank = len(in_shapes["inp"])
        why = _axes_problem(self.axes, rank)
        if why:
            return why
        if self.op in ("argmax", "argmin") and self.axes is not None and len(self.axes) != 1:
            return f"{self.op} reduces over one axis or all of them"
        if self.dtype is not None:
            if self.op not in ("+", "*"):
                return f"only + and * reductions take a dtype, not '{self.op}'"
            if self.dtype not in {d.value for d in DType}:
                return f"unknown dtype '{self.dtype}'"
        return None

    def _axes(self, rank: int) -> tuple[int, ...]:
        if self.axes is None:
            return tuple(range(rank))
        return tuple(sorted(a % rank for a in self.axes))

    def output_shapes(self, in_shapes):
        shape = in_shapes["inp"]
        axes = self._axes(len(shape))
        if self.keepdims:
            return {"out": tuple(1 if i in axes else d for i, d in enumerate(shape))}
        return {"out": tuple(d for i, d in enumerate(shape) if i not in axes)}

    def reference(self, inp):
        inp = np.asarray(inp)
        axes = self._axes(inp.ndim)
        if self.identity is None and self.op not in ("+", "*") and any(
                inp.shape[a] == 0 for a in axes):
            # NumPy raises ValueError here; for the user that is a run-time error of theirs
            raise ExecutionError(f"Reduce: zero-size array (shape {inp.shape}) to reduction "
                                 f"operation {self.op} which has no identity",
                                 hint="NumPy raises here too; make sure the array is not empty")
        if self.op in ("argmax", "argmin"):
            fn = np.argmax if self.op == "argmax" else np.argmin
            axis = None if self.axes is None else axes[0]
            return {"out": fn(inp, axis=axis, keepdims=self.keepdims)}
        ufunc = {"+": np.add, "*": np.multiply, "max": np.maximum, "min": np.minimum}[self.op]
        kw = {} if self.identity is None else {"initial": self.identity}
        if self.dtype is not None:
            kw["dtype"] = np.dtype(self.dtype)
        return {"out": ufunc.reduce(inp, axis=axes, keepdims=self.keepdims, **kw)}


def _axes_problem(axes: Any, rank: int) -> str | None:
    """Why `axes` (None, or a list of axes of a `rank`-D operand) is not valid, or None."""
    if axes is None:
        return None
    if not isinstance(axes, list | tuple):
        return f"axes {axes!r} must be a list of integers, such as [0]"
    for ax in axes:
        if not isinstance(ax, int) or isinstance(ax, bool):
            return f"axis {ax!r} is not an integer"
        if not -rank <= ax < rank:
            return f"axis {ax} is out of range for a {rank}-D operand"
    return None


class Transpose(LibraryNode):
    """Permute axes (`axes=None` reverses them), as np.transpose."""

    INPUTS = ("inp",)
    OUTPUTS = ("out",)
    ATTRS: ClassVar[dict[str, Any]] = {"axes": None}

    def check(self, in_shapes, in_dtypes):
        rank = len(in_shapes["inp"])
        why = _axes_problem(self.axes, rank)
        if why:
            return why
        if self.axes is not None and sorted(a % rank for a in self.axes) != list(range(rank)):
            return f"axes {list(self.axes)} are not a permutation of {rank} dimensions"
        return None

    def _perm(self, rank: int) -> list[int]:
        return list(reversed(range(rank))) if self.axes is None else [a % rank for a in self.axes]

    def output_shapes(self, in_shapes):
        shape = in_shapes["inp"]
        return {"out": tuple(shape[a] for a in self._perm(len(shape)))}

    def reference(self, inp):
        return {"out": np.transpose(inp, self._perm(np.ndim(inp)))}


class Softmax(LibraryNode):
    """Numerically stable softmax along `axis`."""

    INPUTS = ("inp",)
    OUTPUTS = ("out",)
    ATTRS: ClassVar[dict[str, Any]] = {"axis": -1}

    def check(self, in_shapes, in_dtypes):
        rank = len(in_shapes["inp"])
        if not -rank <= self.axis < max(rank, 1):
            return f"axis {self.axis} is out of range for a {rank}-D operand"
        return None

    def output_shapes(self, in_shapes):
        return {"out": tuple(in_shapes["inp"])}

    def reference(self, inp):
        m = np.max(inp, axis=self.axis, keepdims=True)
        e = np.exp(inp - m)
        return {"out": e / np.sum(e, axis=self.axis, keepdims=True)}


class SpMM(LibraryNode):
    """`c = A @ b` with `A` a CSR container and `b` dense (1-D or 2-D); with `transpose_a`,
    `c = A.T @ b` read from the same arrays (a CSC matrix is the CSR of its transpose).
    Every output element sums its products in the order of the entries, as np.add.at."""

    INPUTS = ("A", "b")
    OUTPUTS = ("c",)
    ATTRS: ClassVar[dict[str, Any]] = {"transpose_a": False}

    def shown_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in self.attrs.items() if v}  # plain SpMM prints as before

    def _a(self, in_shapes) -> tuple:
        a = tuple(in_shapes["A"])
        return (a[1], a[0]) if self.transpose_a and len(a) == 2 else a

    def check(self, in_shapes, in_dtypes):
        a, b = self._a(in_shapes), in_shapes["b"]
        if len(a) != 2:
            return "operand A must be a CSR matrix"
        if len(b) not in (1, 2):
            return f"operand b must be 1-D or 2-D, got {len(b)}-D"
        if _differ(a[1], b[0]):
            return f"inner dimensions differ: {a[1]} vs {b[0]}"
        return None

    def output_shapes(self, in_shapes):
        a, b = self._a(in_shapes), in_shapes["b"]
        return {"c": (a[0],) + tuple(b[1:])}

    def reference(self, A, b):
        indptr, indices, data = A["indptr"], A["indices"], A["data"]
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        b = np.asarray(b)
        n_out = len(indptr) - 1
        if self.transpose_a:
            n_out = A.get("shape", (None, None))[1]
            if n_out is None:
                raise ExecutionError("SpMM: the number of columns of A.T's matrix is unknown",
                                     hint="pass the CSR matrix with its shape")
            rows, indices = indices, rows
        if len(indices) and (indices.min() < 0 or indices.max() >= len(b)):
            raise ExecutionError("SpMM: an index of the CSR matrix is out of range")
        out = np.zeros((n_out,) + b.shape[1:], dtype=np.result_type(data, b))
        contrib = data[:, None] * b[indices] if b.ndim == 2 else data * b[indices]
        np.add.at(out, rows, contrib)
        return {"c": out}


class SDDMM(LibraryNode):
    """Sampled dense-dense product: for each stored entry `p` = (r, col) of the CSR matrix
    `A`, `c[p] = w[p] * (x[r, :] @ y[col, :])`; `w` holds one value per entry (`A.data`
    gives the classic `A * (x @ y.T)` restricted to A's entries). Each dot product sums
    over its columns in order."""

    INPUTS = ("A", "x", "y", "w")
    OUTPUTS = ("c",)
    ATTRS: ClassVar[dict[str, Any]] = {}

    def check(self, in_shapes, in_dtypes):
        a, x, y, w = (tuple(in_shapes[k]) for k in self.INPUTS)
        if len(a) != 2:
            return "operand A must be a CSR matrix"
        if len(x) != 2 or len(y) != 2 or len(w) != 1:
            return "x and y must be 2-D and w 1-D"
        for what, got, want in (("rows of x", x[0], a[0]), ("rows of y", y[0], a[1]),
                                ("columns of y", y[1], x[1])):
            if _differ(got, want):
                return f"the {what} ({got}) differ from {want}"
        return None

    def output_shapes(self, in_shapes):
        return {"c": tuple(in_shapes["w"])}

    def reference(self, A, x, y, w):
        indptr, indices = A["indptr"], A["indices"]
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        x, y, w = np.asarray(x), np.asarray(y), np.asarray(w)
        if len(w) != len(indices):
            raise ExecutionError(f"SDDMM: w has {len(w)} values for {len(indices)} entries")
        if len(indices) and (indices.min() < 0 or indices.max() >= len(y)):
            raise ExecutionError("SDDMM: an index of the CSR matrix is out of range")
        t = np.result_type(x, y, w)
        acc = np.zeros(len(indices), dtype=t)
        for k in range(x.shape[1]):  # in order, as the compiled loop adds
            acc = (acc + (x[rows, k].astype(t) * y[indices, k].astype(t))).astype(t)
        return {"c": (w.astype(t) * acc).astype(t, copy=False)}
