"""Random NumPy programs differentiated by `sluice.grad` on both targets, against central
finite differences of the same function run by NumPy: loops over in-place updates, shifted
slices, reductions (sum, max, min) carried across iterations, products, branches on data.

Each program is a chain of statements drawn from the templates below over two vectors
`v`, `u` and a matrix `M` (copies of the arguments) and a scalar `s`; values stay bounded
(tanh, sin, small factors) so that differences of 1e-6 resolve the derivative. Drawn from
fixed seeds (5 in CI); `SLUICE_GRAD_FUZZ=N` runs N more programs from random seeds.
"""

from __future__ import annotations

import os
import random
import textwrap

import numpy as np
import pytest
from test_grad import numeric_grad  # (pytest puts this folder on sys.path)

import sluice

N = 6
TEMPLATES = [
    "v = np.sin(u) * v + 0.5",
    "v = np.tanh(v * u + s)",
    "v[1:] = v[1:] + u[:-1] * 0.3",
    "v[:-2] += v[2:] * 0.25",
    "v = v * np.exp(-u * u)",
    "s = s + np.max(v * u)",
    "s = s + np.min(v - u) * 0.5",
    "s = s + np.sum(v * v) * 0.1",
    "v = np.tanh(M @ v) + u",
    "u = np.tanh(v @ M) * 0.5",
    "M[1:, :] = M[1:, :] * 0.9 + M[:-1, :] * 0.1",
    "M = np.tanh(M * s + 0.1)",
    "s = s * 0.5 + np.sum(np.max(M, axis=1)) * 0.1",
    "v = np.maximum(v, u * 0.9)",
    "u = np.where(v > 0.3, u * v, u + 0.1)",
]
LOOP_BODIES = [
    "v[i] = v[i] * u[i] + s * 0.1",
    "s = s + v[i] * u[N - 1 - i]",
    "v[i + 1:] = v[i + 1:] * 0.8 + v[i] * 0.2",
    "M[i, :] = np.tanh(M[i, :] + v * u[i])",
    "u[:i] += v[:i] * 0.1",
    "s = s + np.max(v * u[i]) + np.min(M[i, :]) * 0.5",
    "if v[i] > 0.5:\n        v[i] = v[i] * v[i]",
]


def program(seed: int) -> str:
    """The source of `f(x, y, Z)` for one seed."""
    rng = random.Random(seed)
    body = ["v = x.copy()", "u = y.copy()", "M = Z.copy()", "s = 0.0"]
    for _ in range(rng.randint(3, 7)):
        r = rng.random()
        if r < 0.25:
            stmts = rng.sample(LOOP_BODIES, rng.randint(1, 2))
            body.append(f"for i in range({rng.randint(1, N - 1)}):")
            body += ["    " + st for st in stmts]
        elif r < 0.35:
            a, b = rng.sample(TEMPLATES, 2)
            body += ["if s > 0.2:", "    " + a, "else:", "    " + b]
        else:
            body.append(rng.choice(TEMPLATES))
    body.append("return s + np.sum(v * u) + np.sum(M * M) * 0.1")
    return f"def f(x, y, Z):\n{textwrap.indent(chr(10).join(body), '    ')}\n"


def _function(src: str, path) -> object:
    path.write_text(f"import numpy as np\nN = {N}\n\n{src}")
    ns: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), ns)  # noqa: S102 - our own text
    return ns["f"]


def _check(seed: int, tmp_path, targets=("interpret", "cpu")) -> None:
    src = program(seed)
    f = _function(src, tmp_path / f"grad_fuzz_{seed}.py")
    rng = np.random.default_rng(seed)
    args = [rng.random(N), rng.random(N), rng.random((N, N)) * 0.5]
    want = [numeric_grad(f, args, k) for k in range(3)]
    for target in targets:
        got = sluice.grad(f, argnums=(0, 1, 2), target=target)(*args)
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=(
                f"seed {seed}, argument {k}, {target}:\n{src}"))


@pytest.mark.parametrize("seed", range(5))
def test_random_program_gradients(seed, tmp_path):
    _check(seed, tmp_path)


@pytest.mark.skipif(not os.environ.get("SLUICE_GRAD_FUZZ"), reason="set SLUICE_GRAD_FUZZ=N")
def test_more_random_program_gradients(tmp_path):
    for _ in range(int(os.environ["SLUICE_GRAD_FUZZ"])):
        _check(random.randrange(10**9), tmp_path)
