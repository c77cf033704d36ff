"""`sluice show --grad`: the joint forward + backward program of a Python program, which
parses back and runs."""

from __future__ import annotations

import numpy as np

from sluice.cli import main
from sluice.ir import interpret, parse

SOURCE = '''
import numpy as np
import sluice

@sluice.program
def loss(A: sluice.float64["N", "M"], x: sluice.float64["M"]):
    y = A @ x
    return np.sum(np.tanh(y) * y)
'''


def test_show_grad_prints_a_joint_program_that_runs(tmp_path, capsys):
    mod = tmp_path / "lossmod.py"
    mod.write_text(SOURCE)
    assert main(["show", f"{mod}::loss", "--grad", "--wrt", "x"]) == 0
    joint = parse(capsys.readouterr().out)
    assert joint.returns == ["value_result", "grad_x"]
    A, x = np.random.default_rng(0).random((3, 2)), np.random.default_rng(1).random(2)
    value, gx = interpret(joint, A, x, 1.0)
    y = A @ x
    assert np.isclose(value, np.sum(np.tanh(y) * y))
    np.testing.assert_allclose(gx, A.T @ ((1 - np.tanh(y) ** 2) * y + np.tanh(y)))


def test_show_grad_refusals_are_diagnostics(tmp_path, capsys):
    mod = tmp_path / "lossmod2.py"
    mod.write_text(SOURCE)
    assert main(["show", f"{mod}::loss", "--grad", "--wrt", "q"]) != 0
    assert "'q' is not an argument" in capsys.readouterr().err
