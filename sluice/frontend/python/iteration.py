"""`for` loops over arrays, `enumerate(...)` and `zip(...)`, as counted loops.

NumPy iterates an array over its first axis, reading the current row at each step, so

    for z in pts:               for i, row in enumerate(A, 1):
        body                        body

mean `for k in range(len(pts)): z = pts[k]; body` and `for k in range(len(A)): i = k + 1;
row = A[k]; body`. `desugar` returns that counted loop: its trip count and the statements
that bind the targets, written as ordinary assignments (so a target changed in the body, a
view that writes through, or a type clash behave as if the user had written them). The
sequence is evaluated once, before the loop; the names that hold it and the counter are not
Python identifiers, so no user name can collide with them.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from typing import Any

import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python.emit import differ
from sluice.frontend.python.values import Elem, Py, Sym, View, const, is_array
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Expr

_ids = itertools.count()


@dataclass
class CountedLoop:
    """`for <counter> in range(count): <binds>; <body>`."""

    counter: str  # the environment name of the loop counter (not a Python identifier)
    count: Expr
    binds: list[ast.stmt]


def desugar(tr, node: ast.For) -> CountedLoop:
    it = node.iter
    fn = tr.ev(it.func) if isinstance(it, ast.Call) else None
    k = next(_ids)
    counter = f"#for{k}"
    where = it
    if isinstance(fn, Py) and fn.obj is enumerate:
        seq_node, start = _enumerate_args(tr, it)
        if not (isinstance(node.target, ast.Tuple | ast.List) and len(node.target.elts) == 2):
            raise UnsupportedError("enumerate(...) loops must unpack into two names",
                                   tr.loc(node.target), hint="for i, x in enumerate(a): ...")
        seq = _sequence(tr, seq_node, f"#seq{k}")
        index_target, row_target = node.target.elts
        count = seq.shape[0]
        index = _at(ast.BinOp(_name(counter, it), ast.Add(), _name(start, it)), it)
        binds = [_assign(index_target, index, where),
                 _assign(row_target, _row(f"#seq{k}", counter, it), where)]
        return CountedLoop(counter, count, binds)
    if isinstance(fn, Py) and fn.obj is zip:
        strict = _zip_strict(tr, it)
        if not (isinstance(node.target, ast.Tuple | ast.List)
                and len(node.target.elts) == len(it.args)):
            raise UnsupportedError(f"zip(...) of {len(it.args)} arrays must unpack into "
                                   f"{len(it.args)} names", tr.loc(node.target))
        seqs = [_sequence(tr, a, f"#seq{k}_{j}") for j, a in enumerate(it.args)]
        lengths = [s.shape[0] for s in seqs]
        if strict:
            for pos, n in enumerate(lengths[1:], 2):
                why = f"zip() argument {pos} has another length than argument 1 (strict=True)"
                if differ(lengths[0], n):
                    raise SluiceError(why, tr.loc(it), hint="Python raises ValueError")
                tr.em.require(lengths[0], "==", n, why)
        count = sympy.Min(*lengths)  # zip stops at the shortest
        binds = [_assign(t, _row(f"#seq{k}_{j}", counter, it), where)
                 for j, t in enumerate(node.target.elts)]
        return CountedLoop(counter, count, binds)
    seq = _sequence(tr, it, f"#seq{k}")
    return CountedLoop(counter, seq.shape[0],
                       [_assign(node.target, _row(f"#seq{k}", counter, it), where)])


def python_rows(tr, node: ast.For) -> list[Any] | None:
    """What each iteration binds when the loop runs over Python sequences (a tuple or list:
    a literal or a name holding one, or enumerate/zip of such), or None for other loops.
    Python sequences have a length fixed when tracing, so such a loop is unrolled: each
    iteration binds the element itself (arrays of other shapes, numbers of other types
    included), as Python does."""
    it = node.iter
    fn = tr.ev(it.func) if isinstance(it, ast.Call) else None
    if isinstance(fn, Py) and fn.obj is enumerate:
        if it.keywords and [k.arg for k in it.keywords] != ["start"] or not it.args:
            return None
        items = _python_items(tr, it.args[0])
        if items is None:
            return None
        start_node = it.args[1] if len(it.args) > 1 else \
            (it.keywords[0].value if it.keywords else None)
        start = const(0) if start_node is None else tr.ev(start_node)
        if not (isinstance(start, Sym) and start.dtype.is_integer):
            raise SluiceTypeError("enumerate's start must be an integer",
                                  tr.loc(start_node or it))
        return [(Sym(start.expr + j, DType.int64, weak=True), v) for j, v in enumerate(items)]
    if isinstance(fn, Py) and fn.obj is zip and it.args:
        seqs = [_python_items(tr, a) for a in it.args]
        if any(s is None for s in seqs):
            return None
        if _zip_strict(tr, it) and len({len(s) for s in seqs}) > 1:
            raise SluiceError("zip() arguments have different lengths (strict=True)",
                              tr.loc(it), hint="Python raises ValueError")
        return list(zip(*seqs, strict=False))
    return _python_items(tr, it)


def _python_items(tr, node: ast.expr) -> list[Any] | None:
    """The elements of a tuple or list `node` stands for, or None. Only literals and names
    are looked at: evaluating anything else here would run it twice."""
    if isinstance(node, ast.Tuple | ast.List):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise UnsupportedError("loops over a sequence with a starred element are not "
                                   "supported", tr.loc(node), hint="loop over a tuple "
                                   "without *")
        return [tr.ev(e) for e in node.elts]
    if not isinstance(node, ast.Name):
        return None
    v = tr.ev(node)
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, Py) and isinstance(v.obj, tuple | list):
        return [tr.from_python(x, node) for x in v.obj]
    return None


def loop_exits(body: list[ast.stmt]) -> ast.stmt | None:
    """The first break, continue or return that leaves this loop's body (those of inner
    loops and functions aside)."""
    todo = list(body)
    while todo:
        n = todo.pop(0)
        if isinstance(n, ast.Break | ast.Continue | ast.Return):
            return n
        if isinstance(n, ast.For | ast.While | ast.AsyncFor):
            todo += n.orelse  # (an inner loop's else belongs to this body)
            continue
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        todo += [c for c in ast.iter_child_nodes(n) if isinstance(c, ast.stmt)]
    return None


def _zip_strict(tr, call: ast.Call) -> bool:
    kw = {k.arg: k.value for k in call.keywords}
    if set(kw) - {"strict"} or not call.args:
        raise UnsupportedError("zip(...) loops take one or more arrays and strict=",
                               tr.loc(call))
    return "strict" in kw and bool(tr.pyvalue(tr.ev(kw["strict"]), kw["strict"]))


def _enumerate_args(tr, call: ast.Call) -> tuple[ast.expr, str]:
    """enumerate(seq[, start]): the sequence's node and the name holding `start`."""
    kw = {k.arg: k.value for k in call.keywords}
    if set(kw) - {"start"} or not 1 <= len(call.args) + len(kw) <= 2 or not call.args:
        raise UnsupportedError("enumerate takes a sequence and an optional start",
                               tr.loc(call))
    start_node = call.args[1] if len(call.args) == 2 else kw.get("start")
    start = Sym(sympy.Integer(0), DType.int64) if start_node is None else tr.ev(start_node)
    if not (isinstance(start, Sym) and start.dtype.is_integer):
        raise SluiceTypeError("enumerate's start must be an integer", tr.loc(start_node or call))
    name = f"#start{next(_ids)}"
    tr.frame.env[name] = start
    return call.args[0], name


def _sequence(tr, node: ast.expr, name: str) -> View:
    """Evaluate the iterated value once and keep it under `name`."""
    v = tr.ev(node)
    if isinstance(v, Elem) and v.shape:
        v = tr.em.materialize(v, "seq")
    if not (isinstance(v, View) and is_array(v)):
        if isinstance(v, View | Elem | Sym) and not v.shape:
            what = "a 0-d array" if not isinstance(v, Sym) or not v.weak else \
                f"a Python {'int' if v.dtype.is_integer else 'number'}"
            raise SluiceTypeError(f"cannot iterate over {what}", tr.loc(node),
                                  hint="loop over range(n), or over an array")
        if isinstance(v, tuple):  # (tuples named or written out are unrolled)
            raise UnsupportedError("for loops over a tuple computed in the loop header, or "
                                   "zipped with an array, are not supported", tr.loc(node),
                                   hint="bind the tuple to a name first, and zip tuples "
                                   "with tuples, arrays with arrays")
        raise UnsupportedError(f"for loops over {tr.describe(v)} are not supported",
                               tr.loc(node), hint="loop over range(...), an array, a tuple, "
                               "enumerate(...) or zip(...) of those")
    tr.frame.env[name] = v
    return v


def _name(name: str, where: ast.AST) -> ast.Name:
    return _at(ast.Name(id=name, ctx=ast.Load()), where)


def _row(seq: str, counter: str, where: ast.AST) -> ast.expr:
    return _at(ast.Subscript(value=_name(seq, where), slice=_name(counter, where),
                             ctx=ast.Load()), where)


def _assign(target: ast.expr, value: ast.expr, where: ast.AST) -> ast.stmt:
    return _at(ast.Assign(targets=[target], value=value), where)


def _at(node, where: ast.AST):
    for n in ast.walk(node):
        ast.copy_location(n, where)
        if hasattr(where, "end_lineno"):
            n.end_lineno, n.end_col_offset = where.end_lineno, where.end_col_offset
    return node


def unpack(tr, v, n: int, target: ast.AST) -> tuple:
    """`a, b = arr`: Python iterates the array, so the targets get its rows (views, or
    NumPy scalars of a 1-D array), and a first axis of another length than the targets is
    Python's ValueError."""
    if not (isinstance(v, View | Elem) and is_array(v)):
        raise UnsupportedError("only tuples and arrays can be unpacked", tr.loc(target),
                               hint="index the array instead: a, b = x[0], x[1]")
    first = v.shape[0]
    if differ(first, n):
        raise SluiceError(f"cannot unpack an array of length {first} into {n} targets",
                          tr.loc(target))
    tr.em.require(first, "==", n, f"cannot unpack the array into {n} targets (its length "
                  "differs)")
    name = f"#unpack{next(_ids)}"
    tr.frame.env[name] = tr.em.materialize(v, "unpacked") if isinstance(v, Elem) else v
    rows = tuple(tr.ev(_at(ast.Subscript(value=_name(name, target),
                                         slice=ast.Constant(value=k), ctx=ast.Load()), target))
                 for k in range(n))
    del tr.frame.env[name]
    return rows
