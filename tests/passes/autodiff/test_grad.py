"""Reverse mode on the IR (`sluice.grad`): every gradient against central finite
differences of the NumPy function, on the interpreter and the CPU backend."""

import numpy as np
import pytest

import sluice
from bench.kernels import lu, symm
from sluice.errors import SluiceError

TARGETS = ("interpret", "cpu")


def numeric_grad(f, args, k, eps=1e-6):
    """d f / d args[k] by central differences, element by element."""
    x = np.asarray(args[k], dtype=np.float64)
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        hi, lo = _copies(args), _copies(args)
        if x.shape:
            hi[k][idx] += eps
            lo[k][idx] -= eps
        else:
            hi[k] = hi[k] + eps
            lo[k] = lo[k] - eps
        out[idx] = (f(*hi) - f(*lo)) / (2 * eps)
    return out


def _copies(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def assert_gradients(f, args, target, rtol=1e-5, atol=1e-7):
    nums = tuple(k for k, a in enumerate(args) if isinstance(a, float | np.ndarray)
                 and np.asarray(a).dtype.kind == "f")
    before = _copies(args)
    grads = sluice.grad(f, argnums=nums, target=target)(*args)
    for k, g in zip(nums, grads, strict=True):
        np.testing.assert_allclose(g, numeric_grad(f, args, k), rtol=rtol, atol=atol,
                                   err_msg=f"{f.__name__}: argument {k} on {target}")
    for a, b in zip(args, before, strict=True):  # the caller's arrays are left alone
        np.testing.assert_array_equal(a, b)


rng = np.random.default_rng(7)


def chain(A, x):
    y = A @ x
    z = np.tanh(y) * y
    return np.sum(z * z)  # z read twice


def in_place(x, y):
    z = x.copy()
    z[:] = z * y
    z[1:] += z[:-1] * 2.0
    return np.sum(z * z)


def jacobi(tsteps, A, B):  # (nonlinear: each step's rule reads what the next overwrites)
    for _t in range(1, tsteps):
        B[1:-1] = 0.33333 * (A[:-2] + A[1:-1] * A[1:-1] + A[2:])
        A[1:-1] = 0.33333 * (B[:-2] + B[1:-1] * B[1:-1] + B[2:])
    return np.sum(A * A)


def linear_jacobi(tsteps, A, B):
    for _t in range(1, tsteps):
        B[1:-1] = 0.33333 * (A[:-2] + A[1:-1] + A[2:])
        A[1:-1] = 0.33333 * (B[:-2] + B[1:-1] + B[2:])
    return np.sum(A * A)


def carried(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * x[i]
    return s


def triangular(A):
    lu.kernel_numpy(A)  # (triangular loops whose temporaries change size)
    return np.sum(A)


def products(A, B, v):
    return np.sum((A.T @ B) @ v) + np.sum(v @ (A @ B.T)) + v @ v


def reductions(A):
    return np.sum(np.sum(A, axis=0) ** 2) + np.sum(np.mean(A, axis=1, keepdims=True) * A)


def extrema(A):
    return np.sum(np.max(A, axis=1) * 3.0) + np.min(A)


def extrema_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.max(x * (i + 1.0)) * (i + 2.0)
    return s


def reshaped(A, C4):
    NR, NQ, NP = A.shape
    A[:] = (A.reshape(NR * NQ, NP) @ C4).reshape(NR, NQ, NP)
    return np.sum(A * A)


def growing(alpha, C, A):
    for i in range(A.shape[0]):
        C[i, : i + 1] *= 1.5
        C[i, : i + 1] += alpha * (A[: i + 1] @ A[i])
    return np.sum(C)


def transposed(A):
    return np.sum(np.transpose(A, (2, 0, 1)) * np.arange(24.0).reshape(4, 2, 3))


def softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return np.sum(e / np.sum(e, axis=-1, keepdims=True) * np.arange(4.0))


def branchy(x, y):
    s = np.sum(x)
    if s > 1.0:
        y[:] = y * x
    else:
        y[:] = y + x
    x[:] = -x  # (the condition's data changes before the sweep comes back)
    return np.sum(y * y) + np.sum(x)


def branch_in_loop(x):
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            x[i] = x[i] * x[i]
        elif x[i] > 0.2:
            x[i] = np.sin(x[i])
    return np.sum(x * x)


def looped_while(x):
    s = 1.0
    while s < 10.0:  # a trip count that depends on the data
        s = s * np.sum(x * x)
    return s


def while_in_place(x, y):
    k = 0
    while np.sum(y) < 5.0:
        y[:] = y * x + 0.1
        k += 1
    return np.sum(y * y) * k


def skipping(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.3:
            continue
        s = s + x[i] * x[i]
        if x[i] > 0.8:
            s = s * 2.0
            continue
        s = s + np.sin(x[i])
    return s


def early_exit(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i]
        if x[i] > 0.8:
            s = s * x[i]
            break
        s = s + x[i] * x[i]
    return s


def batched(A, B, W):
    return np.sum((A @ B) * W) + np.sum((A @ B.transpose(0, 2, 1).copy().transpose(0, 2, 1))
                                        * W * W)


def batched_shared(A, M, N, W):  # (M and N: one matrix for every batch)
    return np.sum((A @ M) * W) + np.sum((N @ A) * W[:, :2, :4])


CASES = [
    (batched, lambda: (rng.random((2, 3, 4)), rng.random((2, 4, 5)), rng.random((2, 3, 5)))),
    (batched_shared, lambda: (rng.random((2, 3, 4)), rng.random((4, 5)), rng.random((2, 3)),
                              rng.random((2, 3, 5)))),
    (chain, lambda: (rng.random((4, 3)), rng.random(3))),
    (in_place, lambda: (rng.random(5), rng.random(5))),
    (jacobi, lambda: (4, rng.random(6), rng.random(6))),
    (linear_jacobi, lambda: (4, rng.random(6), rng.random(6))),
    (carried, lambda: (rng.random(4),)),
    (triangular, lambda: (rng.random((4, 4)) + 4 * np.eye(4),)),
    (products, lambda: (rng.random((3, 3)), rng.random((3, 3)), rng.random(3))),
    (reductions, lambda: (rng.random((3, 4)),)),
    (extrema, lambda: (rng.random((3, 4)),)),
    (extrema_in_loop, lambda: (rng.random(5),)),
    (reshaped, lambda: (rng.random((2, 3, 4)), rng.random((4, 4)))),
    (growing, lambda: (1.5, rng.random((4, 4)), rng.random((4, 3)))),
    (transposed, lambda: (rng.random((2, 3, 4)),)),
    (softmax, lambda: (rng.random((2, 3, 4)),)),
    (branchy, lambda: (rng.random(3) * 0.3, rng.random(3))),
    (branchy, lambda: (rng.random(3) + 1.0, rng.random(3))),
    (branch_in_loop, lambda: (np.array([0.9, 0.3, 0.1, 0.7]),)),
    (looped_while, lambda: (np.full(3, 1.1),)),
    (skipping, lambda: (np.array([0.1, 0.5, 0.9, 0.2, 0.85, 0.6]),)),
    (early_exit, lambda: (np.array([0.1, 0.5, 0.9, 0.2]),)),
    (early_exit, lambda: (np.array([0.1, 0.5, 0.3, 0.2]),)),
    (while_in_place, lambda: (np.array([1.2, 1.1, 1.3]), np.array([0.5, 0.2, 0.1]))),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("f,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_match_finite_differences(f, make, target):
    assert_gradients(f, make(), target)


def test_ties_share_the_adjoint():
    """As in JAX: elements equal to the maximum share its adjoint equally."""
    A = np.array([[1.0, 3.0, 3.0], [2.0, 0.5, 2.0]])
    for target in TARGETS:
        g = sluice.grad(extrema, target=target)(A)
        np.testing.assert_array_equal(g, [[0, 1.5, 1.5], [1.5, 1.0, 1.5]])


def loss_and_aux(x, y):
    r = x * y
    return np.sum(r), r


def vector_valued(x, y):
    return np.sin(x) * y


@pytest.mark.parametrize("target", TARGETS)
def test_ties_in_a_loop_are_counted_per_iteration(target):
    """The count of elements equal to the extremum is a temporary: each iteration's count
    starts from zero (it used to add up over the loop: 4.33 instead of 6)."""
    g = sluice.grad(extrema_in_loop, target=target)
    np.testing.assert_allclose(g(np.array([0.1, 0.9, 0.3])), [0.0, 20.0, 0.0], rtol=1e-15)
    np.testing.assert_allclose(g(np.array([0.9, 0.3, 0.9])), [10.0, 0.0, 10.0], rtol=1e-15)


def test_api_forms():
    x, y = rng.random(3), rng.random(3)
    gx = sluice.grad(chain, argnums=1)(np.eye(3), x)
    assert gx.shape == (3,)
    (value, aux), (dx, dy) = sluice.value_and_grad(loss_and_aux, argnums=(0, 1),
                                                    has_aux=True)(x, y)
    assert value == pytest.approx(np.sum(x * y))
    np.testing.assert_allclose(aux, x * y)
    np.testing.assert_allclose(dx, y)
    np.testing.assert_allclose(dy, x)
    out, pullback = sluice.vjp(vector_valued, x, y)
    np.testing.assert_allclose(out, np.sin(x) * y)
    ct = rng.random(3)
    px, py = pullback(ct)
    np.testing.assert_allclose(px, ct * np.cos(x) * y)
    np.testing.assert_allclose(py, ct * np.sin(x))
    joint = sluice.grad(chain).trace(np.eye(3), x)
    assert "grad_A" in joint.data and joint.returns[-1] == "grad_A"
    sluice.check_grads(chain, (rng.random((4, 3)), rng.random(3)))


def shifted_by_a_trace(a):
    t = 0.0
    for i in range(a.shape[0]):
        t += np.tanh(a[i, i])
    return np.sum(a + t)


@pytest.mark.parametrize("target", ["interpret", "cpu"])
def test_a_gradient_alone_leaves_out_what_only_the_value_needs(target):
    """sluice.grad returns no value, so the forward work only the value needs (here the
    whole `a + t` and its sum) is dead code in the program it runs."""
    from sluice.autodiff import _gradients_only

    a = rng.random((5, 5))
    g = sluice.grad(shifted_by_a_trace, target=target)
    value, dv = sluice.value_and_grad(shifted_by_a_trace, target=target)(a)
    np.testing.assert_array_equal(g(a), dv)
    np.testing.assert_allclose(dv, numeric_grad(shifted_by_a_trace, [a], 0), rtol=1e-6)
    joint = g.trace(a)
    alone = _gradients_only(joint, 1)
    assert alone.returns == [joint.returns[-1]]
    assert all(alone.data[n].transient for n in joint.returns[:-1])
    assert not joint.data[joint.returns[0]].transient  # (the joint program is unchanged)
    from sluice.backends.cpu.driver import generate

    assert "library node Reduce" in generate(joint)
    assert "library node Reduce" not in generate(alone)  # the sum only the value needs


def test_the_gradients_only_program_is_made_once(monkeypatch):
    """(It was made on every call, a JSON round trip of the whole program: jacobi_2d's
    gradient took 84 ms instead of 4.)"""
    import sluice.autodiff as ad

    made = []
    original = ad._gradients_only
    monkeypatch.setattr(ad, "_gradients_only", lambda *a: made.append(1) or original(*a))
    g = sluice.grad(shifted_by_a_trace, target="interpret")
    a = rng.random((4, 4))
    first = g(a)
    for _ in range(3):
        np.testing.assert_array_equal(g(a), first)
    assert len(made) == 1


def nested_while(x):
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i]
        while t < 1.0:
            t = t * 2.0
        s = s + t
    return s


def test_refusals_are_sluice_errors():
    x = rng.random(3)
    with pytest.raises(SluiceError, match="not supported"):
        sluice.grad(nested_while)(x)
    with pytest.raises(SluiceError, match="scalar result"):
        sluice.grad(vector_valued)(x, x)
    with pytest.raises(SluiceError, match="returns 2 values"):
        sluice.grad(loss_and_aux)(x, x)
    with pytest.raises(SluiceError, match="only floating-point"):
        sluice.grad(jacobi)(3, x, x.copy())
    with pytest.raises(SluiceError, match="out of range"):
        sluice.grad(chain, argnums=5)(np.eye(3), x)



def test_plan_counts_the_tapes_and_the_budget_refuses_less():
    g = sluice.grad(jacobi, argnums=(1, 2))
    A, B = rng.random(50), rng.random(50)
    p = g.plan(11, A, B)
    # each of the 10 steps overwrites A[1:-1] and B[1:-1]: 48 doubles each, kept per step
    assert sorted(r.value for r in p.rows) == ["A", "B"]
    assert p.tape_bytes == 2 * 10 * 48 * 8
    assert p.peak_bytes > p.tape_bytes
    assert "peak" in str(p)
    fits = sluice.grad(jacobi, argnums=(1, 2), memory_budget=p.peak_bytes)
    assert {r.decision for r in fits.plan(11, A, B).rows} == {"store"}
    np.testing.assert_allclose(fits(11, A, B)[0], g(11, A, B)[0])
    tighter = sluice.grad(jacobi, argnums=(1, 2), memory_budget=p.peak_bytes - 1)
    assert "checkpoint" in {r.decision for r in tighter.plan(11, A, B).rows}
    np.testing.assert_allclose(tighter(11, A, B)[0], g(11, A, B)[0])
    with pytest.raises(SluiceError, match="smallest feasible budget is"):
        sluice.grad(jacobi, argnums=(1, 2), memory_budget=1000)(11, A, B)
    with pytest.raises(SluiceError, match="not a size"):
        sluice.grad(jacobi, memory_budget="lots")


def mixed_loop(x, y):
    k = 0
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            y[:] = y * x[i]
            k += 1
        for j in range(i):
            y[j] = y[j] + np.sin(y[i]) * k
    return np.sum(y * y)


@pytest.mark.parametrize("target", TARGETS)
def test_checkpointed_loops_give_the_stored_gradient(target):
    """Segments of every length (1, uneven, the whole loop, longer) give the gradient that
    storing everything gives (bit for bit on the interpreter)."""
    from sluice.ir import interpret
    from sluice.passes.autodiff.reverse import differentiate

    x, y = np.array([0.9, 0.3, 0.7, 0.1, 0.6, 0.2]), rng.random(6)
    forward = sluice.jit(mixed_loop).trace(x, y)
    stored = differentiate(forward, forward.returns[0], ["x", "y"])
    checkpointed = differentiate(forward, forward.returns[0], ["x", "y"], checkpoint=True)
    assert checkpointed.args[-2].startswith("ckpt_every")
    if target == "cpu":
        from sluice.backends.cpu import build
        run_stored, run_checkpointed = build(stored), build(checkpointed)
    else:
        run_stored = lambda *a: interpret(stored, *a)  # noqa: E731
        run_checkpointed = lambda *a: interpret(checkpointed, *a)  # noqa: E731
    want = run_stored(x.copy(), y.copy(), 1.0)
    for every in (1, 4, 6, 9):
        got = run_checkpointed(x.copy(), y.copy(), every, 1.0)
        for w, g in zip(want, got, strict=True):  # (the CPU's sums may be reassociated)
            np.testing.assert_allclose(g, w, rtol=1e-13 if target == "cpu" else 0)


def test_rules_that_read_no_forward_values_need_no_tapes():
    """A linear stencil's rule reads only adjoints, and the final A * A reads the last A,
    which the sweep has before it reverses the loop: nothing is kept per step."""
    A, B = rng.random(50), rng.random(50)
    g = sluice.grad(linear_jacobi, argnums=(1, 2))
    assert g.plan(11, A, B).rows == []
    want = sluice.grad(linear_jacobi, argnums=(1, 2), target="interpret")(11, A, B)
    for w, h in zip(want, g(11, A, B), strict=True):
        np.testing.assert_allclose(h, w, rtol=1e-13)
    sluice.check_grads(linear_jacobi, (11, A, B))


def symm_loss(alpha, beta, C, A, B):
    symm.kernel_numpy(alpha, beta, C, A, B)
    return np.sum(C * C)


def test_values_read_a_row_per_step_are_kept_at_the_read():
    """symm rewrites the rows above row i at every step, and the rule of `beta * C[i, :]`
    reads row i: keeping that row per step (M x N values) instead of an undo log of every
    rewrite (M^2 N / 2) gives the same gradient."""
    M, N = 7, 5
    args = (1.5, 1.2, rng.random((M, N)), rng.random((M, M)), rng.random((M, N)))
    g = sluice.grad(symm_loss, argnums=(0, 1, 2, 3, 4))
    kept = sum(r.bytes for r in g.plan(*args).rows if r.value == "C")
    assert kept == M * N * 8
    want = sluice.grad(symm_loss, argnums=(0, 1, 2, 3, 4), target="interpret")(*args)
    for w, h in zip(want, g(*args), strict=True):
        np.testing.assert_allclose(h, w, rtol=1e-12)
    sluice.check_grads(symm_loss, args)


def test_plan_sizes_temporaries_by_their_largest_version():
    """lu's temporaries are sized by the loop variable: the plan takes their largest size
    (the backend allocates each version as its shape changes)."""
    n = 6
    p = sluice.grad(triangular).plan(rng.random((n, n)) + n * np.eye(n))
    assert p.rows and all(r.bytes > 0 for r in p.rows)
    assert max(r.bytes for r in p.rows) <= n * n * n * 8  # (one slot per step, at most n x n)


def test_a_budget_below_storing_everything_checkpoints():
    import tracemalloc

    A, B = rng.random(20000), rng.random(20000)
    stored = sluice.grad(jacobi, argnums=(1, 2), target="interpret")
    everything = stored.plan(101, A, B).peak_bytes
    budget = everything // 3  # (the interpreter evaluates maps with temporaries of its own)
    g = sluice.grad(jacobi, argnums=(1, 2), target="interpret", memory_budget=budget)
    p = g.plan(101, A, B)
    assert {r.decision for r in p.rows} == {"store", "checkpoint"} and p.peak_bytes <= budget
    g(101, A, B)  # (compiled and planned before measuring)
    tracemalloc.start()
    got = g(101, A, B)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak <= budget, f"measured {peak:,d} B, budget {budget:,d} B"
    for w, h in zip(stored(101, A, B), got, strict=True):
        np.testing.assert_array_equal(h, w)
    with pytest.raises(SluiceError, match="with its loops checkpointed"):
        sluice.grad(jacobi, argnums=(1, 2), memory_budget=everything // 50)(101, A, B)


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))


@pytest.mark.skipif(not __import__("os").access("/proc/self/clear_refs", __import__("os").W_OK),
                    reason="needs Linux's /proc/self/clear_refs to reset the peak RSS")
def test_measured_peak_of_a_checkpointed_cpu_gradient_is_under_the_budget():
    A, B = rng.random(200_000), rng.random(200_000)
    everything = sluice.grad(jacobi, argnums=(1, 2)).plan(101, A, B).peak_bytes
    budget = everything // 4
    g = sluice.grad(jacobi, argnums=(1, 2), memory_budget=budget)
    entry, joint, call_args = g._joint((101, A, B), {})
    joint, every, _ = g._choose(entry, joint, call_args, [])
    run = g._runner(entry, ("grad-runner", g.argnums, g.has_aux, id(joint)), joint)
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in call_args]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak RSS starts again from here
    before = _status("VmRSS:")
    run(*args, *every, 1.0)
    grown = _status("VmHWM:") - before
    assert grown <= budget, f"the call grew by {grown:,d} B, budget {budget:,d} B"


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("target", TARGETS)
def test_softmax_node_rule(axis, target):
    """A Softmax library node (written in .sir text or by a builder): its rule against
    central differences of the interpreter's forward value."""
    import sluice.ir as ir
    from sluice.ir import interpret
    from sluice.passes.autodiff.reverse import differentiate

    b = ir.ProgramBuilder("weighted_softmax")
    b.arg("x", "float64", [3, 4])
    b.arg("w", "float64", [3, 4])
    b.transient("s", "float64", [3, 4])
    b.transient("sw", "float64", [3, 4])
    b.returns("r", "float64")
    with b.state() as st:
        st.library(ir.Softmax(axis=axis), {"inp": "x"}, {"out": "s"})
    with b.state() as st:
        st.map({"i": "0:3", "j": "0:4"}, "o = a * c", inputs={"a": "s[i, j]", "c": "w[i, j]"},
               outputs={"o": "sw[i, j]"})
    with b.state() as st:
        st.library(ir.Reduce(op="+"), {"inp": "sw"}, {"out": "r"})
    forward = b.build()
    joint = differentiate(forward, "r", ["x", "w"])
    run = (lambda *a: interpret(joint, *a)) if target == "interpret" else \
        __import__("sluice.backends.cpu", fromlist=["build"]).build(joint)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, gx, gw = run(x.copy(), w.copy(), 1.0)
    f = lambda x_, w_: float(interpret(forward, x_, w_))  # noqa: E731
    np.testing.assert_allclose(gx, numeric_grad(f, [x, w], 0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gw, numeric_grad(f, [x, w], 1), rtol=1e-6, atol=1e-9)
