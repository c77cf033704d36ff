"""`python -m bench.npbench_probe` on a small tree laid out as NPBench's (the real one is
not fetched in CI): a kernel that matches, one sluice refuses, one whose NumPy reference
the probe compares with what sluice returns."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _kernel(root: Path, short: str, init: str | None, kernel: str, out_args: list[str]) -> None:
    folder = root / "npbench" / "benchmarks" / short
    folder.mkdir(parents=True)
    (folder / f"{short}.py").write_text("import numpy as np\n\n" + (init or ""))
    (folder / f"{short}_numpy.py").write_text("import numpy as np\n\n" + kernel)
    info = {"benchmark": {
        "short_name": short, "relative_path": short, "module_name": short,
        "func_name": "kernel", "parameters": {"S": {"N": 6}},
        "init": {"func_name": "initialize", "input_args": ["N"], "output_args": ["A"]},
        "input_args": ["A"], "array_args": ["A"], "output_args": out_args}}
    if init is None:  # (some take their parameters as they are: mandelbrot1)
        del info["benchmark"]["init"]
        info["benchmark"]["input_args"] = ["N"]
    (root / "bench_info").mkdir(exist_ok=True)
    (root / "bench_info" / f"{short}.json").write_text(json.dumps(info))


def test_probe_reports_each_kernel(tmp_path):
    init = "def initialize(N):\n    return np.arange(N, dtype=np.float64) - 2.5\n"
    _kernel(tmp_path, "scale", init,
            "def kernel(A):\n    A[A < 0] = 0.0\n    return A * 2\n", ["A"])
    _kernel(tmp_path, "sorted", init, "def kernel(A):\n    return np.sort(A)\n", [])
    _kernel(tmp_path, "steps", None, "def kernel(N):\n    return np.arange(N) * 0.5\n", [])
    out = subprocess.run([sys.executable, "-m", "bench.npbench_probe", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:2] == ["scale", "match"]
    assert lines[1].split()[:2] == ["sorted", "FAIL"] and "np.sort" in lines[1]
    assert lines[2].split()[:2] == ["steps", "match"]
    assert lines[-1] == "2 of 3 NPBench kernels compile unchanged and match NumPy"
    assert out.stderr == ""  # piped: no progress bar


def test_probe_counts_kernels_with_its_lines_above_the_bar(tmp_path, monkeypatch, capsys):
    from bench.npbench_probe import main
    from sluice import progress

    init = "def initialize(N):\n    return np.arange(N, dtype=np.float64)\n"
    _kernel(tmp_path, "sorted", init, "def kernel(A):\n    return np.sort(A)\n", [])
    monkeypatch.setenv(progress.VARIABLE, "1")
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.chdir(ROOT)  # (the child runs `python -m bench.npbench_probe`)
    assert main([str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.split()[:2] == ["sorted", "FAIL"]
    assert "npbench probe" in err and "1/1" in err and "kernel=sorted" in err


def test_probe_refuses_a_folder_that_is_not_npbench(tmp_path):
    out = subprocess.run([sys.executable, "-m", "bench.npbench_probe", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and "is it an NPBench checkout" in out.stderr
