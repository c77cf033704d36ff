"""Self-check of the kernels: ``python -m bench.kernels.selfcheck [NAME ...]``.

For every kernel: at the tiny ``"test"`` size, ``kernel_numpy`` must agree with the loop-based
``kernel_reference`` on the mutated arguments (``OUTPUTS``) and on the returned values, and so
must ``kernel_restructured`` where a module has one; at the ``"S"`` size, ``kernel_numpy``
must run and produce finite results (its time is printed). Exits non-zero on any failure.
"""

import copy
import sys
import time

import numpy as np

from bench.kernels import ALL, load


def _as_tuple(result):
    if result is None:
        return ()
    if isinstance(result, tuple):
        return result
    return (result,)


def _run(func, args):
    result = func(*args)
    return _as_tuple(result)


def _close(a, b, rtol=1e-9, atol=1e-11):
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        return False, f"shape {a.shape} != {b.shape}"
    if a.dtype.kind in "iub" or b.dtype.kind in "iub":
        ok = np.array_equal(a, b)
        return ok, "" if ok else "integer values differ"
    if np.finfo(b.dtype).bits <= 32 or np.finfo(a.dtype).bits <= 32:
        # Single precision (float32, complex64): sums in another order differ at ~1e-7.
        rtol = 1e-5
        atol = 1e-5 * float(np.max(np.abs(b), initial=0.0))
    ok = np.allclose(a, b, rtol=rtol, atol=atol)
    if ok:
        return True, ""
    err = np.max(np.abs(a - b) / (atol + rtol * np.abs(b) + 1e-300))
    return False, f"max scaled error {err:.3g}"


def _finite(values):
    for v in values:
        arr = np.asarray(v)
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            return False
    return True


def _agree(mod, out, args, out_ref, args_ref):
    """'' when a variant's results and OUTPUTS arguments agree with the reference's, else why."""
    if len(out) != len(out_ref):
        return f"{len(out)} results vs {len(out_ref)} reference results"
    for i, (a, b) in enumerate(zip(out, out_ref, strict=True)):
        ok, msg = _close(a, b)
        if not ok:
            return f"result {i}: {msg}"
    for idx in mod.OUTPUTS:
        ok, msg = _close(args[idx], args_ref[idx])
        if not ok:
            return f"output argument {idx}: {msg}"
    return ""


def check(name):
    """Return (ok, message, S-size time in seconds) for one kernel."""
    mod = load(name)
    for key in ("NAME", "SIZES", "OUTPUTS", "init", "kernel_numpy", "kernel_reference"):
        if not hasattr(mod, key):
            return False, f"missing {key}", 0.0
    if mod.NAME != name or not {"test", "S", "M"} <= set(mod.SIZES):
        return False, "bad NAME or SIZES", 0.0

    # Tiny size: NumPy kernel vs. explicit-loop reference.
    args_np = mod.init(**mod.SIZES["test"])
    args_ref = copy.deepcopy(args_np)
    again = mod.init(**mod.SIZES["test"])
    for x, y in zip(args_np, again, strict=True):
        if not np.array_equal(np.asarray(x), np.asarray(y)):
            return False, "init is not deterministic", 0.0
    out_np = _run(mod.kernel_numpy, args_np)
    out_ref = _run(mod.kernel_reference, args_ref)
    msg = _agree(mod, out_np, args_np, out_ref, args_ref)
    if msg:
        return False, msg, 0.0
    if hasattr(mod, "kernel_restructured"):
        args_rs = mod.init(**mod.SIZES["test"])
        out_rs = _run(mod.kernel_restructured, args_rs)
        msg = _agree(mod, out_rs, args_rs, out_ref, args_ref)
        if msg:
            return False, f"kernel_restructured: {msg}", 0.0
    for idx, (a, b) in enumerate(zip(args_np, again, strict=True)):
        if idx not in mod.OUTPUTS and isinstance(a, np.ndarray):
            if not np.array_equal(a, np.asarray(b)):
                return False, f"argument {idx} was modified but is not in OUTPUTS", 0.0
    for idx in mod.OUTPUTS:
        if np.array_equal(np.asarray(args_np[idx]), np.asarray(again[idx])):
            return False, f"OUTPUTS names argument {idx} but the kernel left it unchanged", 0.0

    check_value = getattr(mod, "CHECK", None)
    if check_value is not None:
        data, expected = check_value
        got = (mod.kernel_numpy(data), mod.kernel_reference(data))
        if got != (expected, expected):
            return False, f"catalogue check value {expected:#x} != {got}", 0.0

    # S size: the NumPy kernel must run and produce finite results.
    args_s = mod.init(**mod.SIZES["S"])
    t0 = time.perf_counter()
    out_s = _run(mod.kernel_numpy, args_s)
    elapsed = time.perf_counter() - t0
    if not _finite(out_s) or not _finite([args_s[i] for i in mod.OUTPUTS]):
        return False, "non-finite values at size S", elapsed
    return True, "ok", elapsed


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or ALL
    failures = 0
    t_start = time.perf_counter()
    for name in names:
        try:
            ok, msg, elapsed = check(name)
        except Exception as exc:  # report every kernel, not only the first broken one
            ok, msg, elapsed = False, f"{type(exc).__name__}: {exc}", 0.0
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name:16s} S={elapsed * 1e3:8.1f} ms  {msg}")
    total = time.perf_counter() - t_start
    print(f"{len(names) - failures}/{len(names)} kernels passed in {total:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
