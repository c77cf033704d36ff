"""sluice runs in the benchmark environment, whose NumPy is 1.x (DaCe 1.0 needs it; see
scripts/bench.sh), as pyproject's `numpy>=1.26` promises. A NumPy-2-only import in the CPU
backend once made every sluice peer of `python -m bench` fail to load there. Skips where
that environment is not set up (CI)."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"

PROGRAM = """
import numpy as np
import sluice

@sluice.jit
def f(a, b):
    return (a.T * 2 + b[::2]).sum(axis=0)

a, b = np.arange(12.0).reshape(3, 4), np.ones((8, 3))
assert np.array_equal(f(a, b), (a.T * 2 + b[::2]).sum(axis=0)), f(a, b)
print(np.__version__)
"""


@pytest.mark.skipif(not BENCH_PYTHON.exists(), reason="no .venv-bench (scripts/bench.sh)")
def test_the_cpu_target_runs_under_the_benchmark_environments_numpy(tmp_path):
    script = tmp_path / "numpy1_program.py"  # (sluice reads the function's source file)
    script.write_text(PROGRAM)
    r = subprocess.run([str(BENCH_PYTHON), str(script)], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().split(".")[0] in ("1", "2")
