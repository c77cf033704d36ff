"""Shared checks for the frontend tests: trace -> verify -> IR text round trip -> interpret,
compared with running the same undecorated function under NumPy."""

import copy

import numpy as np

import sluice
import sluice.ir as ir


def flatten(value):
    if value is None:
        return []
    if isinstance(value, tuple):
        return [x for v in value for x in flatten(v)]
    return [value]


def assert_same(expected, got, what="result"):
    e, g = np.asarray(expected), np.asarray(got)
    assert e.shape == g.shape, f"{what}: shape {g.shape}, NumPy gives {e.shape}"
    assert e.dtype == g.dtype, f"{what}: dtype {g.dtype}, NumPy gives {e.dtype}"
    if e.dtype.kind in "fc":
        np.testing.assert_allclose(g, e, rtol=1e-12 if e.dtype.itemsize >= 8 else 1e-5,
                                   atol=0, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, e, err_msg=what)


def check_against_numpy(func, args, outputs=None, compiled=None):
    """Trace `func` (with @sluice.jit unless `compiled` is given) for `args`, check the IR,
    run it on the interpreter and compare returns and mutated arguments with NumPy."""
    numpy_args = copy.deepcopy(list(args))
    our_args = copy.deepcopy(list(args))
    expected = func(*numpy_args)
    f = compiled or sluice.jit(func)
    program = f.trace(*our_args)
    program.verify()
    text = program.to_text()
    again = ir.parse(text)
    assert again.structurally_equal(program), "IR text does not round-trip"
    assert again.to_text() == text
    got = f.compile("interpret")(*our_args)
    exp, out = flatten(expected), flatten(got)
    assert len(exp) == len(out), f"{len(out)} results, NumPy gives {len(exp)}"
    for k, (e, g) in enumerate(zip(exp, out, strict=True)):
        assert_same(e, g, f"result {k}")
    indices = range(len(args)) if outputs is None else outputs
    for k in indices:
        if isinstance(numpy_args[k], np.ndarray):
            assert_same(numpy_args[k], our_args[k], f"argument {k} after the call")
    return program
