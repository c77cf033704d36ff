"""The command line: each command on a corpus program, and diagnostics instead of tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluice import __version__
from sluice.cli import main

CORPUS = Path(__file__).parents[1] / "ir" / "corpus"


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_show_prints_the_text_unchanged(capsys):
    path = CORPUS / "gemm_library.sir"
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().out == path.read_text()


def test_show_svg_or_dot(tmp_path, capsys):
    out = tmp_path / "p.svg"
    assert main(["show", str(CORPUS / "jacobi_2d.sir"), "--svg", str(out)]) == 0
    written = out if out.exists() else out.with_suffix(".dot")
    assert written.exists() and written.stat().st_size > 100


def test_check_and_run(capsys):
    assert main(["check", str(CORPUS / "spmv_maps.sir")]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["run", str(CORPUS / "sum_wcr.sir"), "-p", "N=3", "-p", "M=2",
                 "--inputs", "ones"]) == 0
    assert "s = 6.0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, fragment", [
    (["run", "missing.sir"], "no such file"),
    (["show", "kernel.xyz"], "unknown file kind '.xyz'"),
    (["run", str(CORPUS / "sum_wcr.sir")], "needs symbol 'N'"),
    (["run", str(CORPUS / "sum_wcr.sir"), "-p", "N"], "--param expects NAME=VALUE"),
])
def test_user_errors_are_diagnostics(argv, fragment, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_syntax_error_shows_a_caret(tmp_path, capsys):
    bad = tmp_path / "bad.sir"
    bad.write_text((CORPUS / "sum_wcr.sir").read_text().replace("o = a", "o = a +"))
    assert main(["check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "^" in err


def test_doctor_reports_every_tool(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for tool in ("python", "c++ compiler", "openmp", "nvcc", "gpu", "graphviz", "cerebras"):
        assert tool in out


SPADA = Path(__file__).parents[2] / "examples" / "spada"


def test_spatial_kernel_check_show_run(capsys):
    gemv = str(SPADA / "gemv.sptl")
    params = ["-p", "PX=2", "-p", "PY=2", "-p", "M=2", "-p", "N=3"]
    assert main(["check", gemv, *params]) == 0
    assert "kernel gemv on 2x2 PEs, 1 phase;" in capsys.readouterr().out
    assert main(["show", gemv, *params]) == 0
    assert "program gemv(" in capsys.readouterr().out
    assert main(["run", str(SPADA / "reduce_row.sptl"), "-p", "W=4", "-p", "N=3",
                 "--inputs", "ones"]) == 0
    out = capsys.readouterr().out
    assert "total: float32[1, 1, 1]  checksum 12" in out


def test_spatial_kernel_errors_point_into_the_source(capsys):
    assert main(["check", str(SPADA / "gemv.sptl"), "-p", "PX=2"]) == 1
    err = capsys.readouterr().err
    assert "gemv.sptl:" in err and "missing value for parameter 'PY'" in err and "^" in err


def test_compile_spatial_kernel_for_csl(tmp_path, capsys):
    args = ["compile", str(SPADA / "reduce_row.sptl"), "-p", "W=3", "-p", "N=2",
            "--target", "csl", "-o", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "lines of CSL" in out and (tmp_path / "layout.csl").exists()
    assert (tmp_path / "run.py").exists()


def test_run_on_the_wafer_simulator_with_and_without_an_optimisation(capsys):
    base = ["run", str(SPADA / "reduce_pipelined.sptl"), "-p", "W=4", "-p", "N=8",
            "--inputs", "ones", "--target", "csl"]
    assert main(base) == 0
    fast = capsys.readouterr().out
    assert main([*base, "--disable-vectorize"]) == 0
    slow = capsys.readouterr().out
    for out in (fast, slow):
        assert "sums: float32[1, 1, 8]  checksum 32" in out

    def cycles(text):
        return int(text.split(" cycles")[0].rsplit(" ", 1)[1])

    assert cycles(fast) < cycles(slow)


@pytest.mark.parametrize("seed", ["-5", "x"])
def test_run_refuses_a_seed_numpy_cannot_take(seed, capsys):
    with pytest.raises(SystemExit) as info:  # (argparse's usage error, not a traceback)
        main(["run", str(CORPUS / "sum_wcr.sir"), "--seed", seed])
    assert info.value.code == 2
    assert "is not a non-negative integer" in capsys.readouterr().err


def test_compile_rejects_wrong_targets(capsys):
    assert main(["compile", str(CORPUS / "sum_wcr.sir"), "--target", "csl", "-o", "x"]) == 1
    assert "not a spatial kernel" in capsys.readouterr().err


PROGRAMS = '''
import sluice

N = sluice.symbol("N")


@sluice.program
def axpy(a: sluice.float64, x: sluice.float64[N], y: sluice.float64[N]):
    y[:] = a * x + y
'''

C_DRIVER = r'''
#include <stdio.h>
#include "axpy.h"
int main(void) {
    double x[4] = {1, 2, 3, 4}, y[4] = {10, 20, 30, 40};
    int rc = sluice_axpy(2.0, x, y, 4);
    printf("%d %g %g %g %g\n", rc, y[0], y[1], y[2], y[3]);
    return rc;
}
'''


def test_compile_python_program_for_cpu_and_call_it_from_c(tmp_path, capsys):
    import shutil
    import subprocess

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "progs.py").write_text(PROGRAMS)
    out = tmp_path / "out"
    assert main(["compile", f"{tmp_path / 'progs.py'}::axpy", "--target", "cpu",
                 "-o", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"axpy.cpp", "axpy.h", "libaxpy.so"}
    (tmp_path / "main.c").write_text(C_DRIVER)
    exe = tmp_path / "main"
    subprocess.run([cc, str(tmp_path / "main.c"), "-I", str(out), "-L", str(out), "-laxpy",
                    f"-Wl,-rpath,{out}", "-o", str(exe)], check=True)
    done = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "12", "24", "36", "48"]


def test_show_after_a_pipeline_or_pass(capsys):
    path = str(CORPUS / "gemm_library.sir")
    assert main(["show", path, "--after", "O2"]) == 0
    assert "program gemm_library" in capsys.readouterr().out
    assert main(["show", path, "--after", "map-fusin"]) == 1
    assert "did you mean 'map-fusion'" in capsys.readouterr().err


def test_run_python_program_compiled(tmp_path, capsys):
    (tmp_path / "progs.py").write_text(PROGRAMS)
    target = f"{tmp_path / 'progs.py'}::axpy"
    assert main(["run", target, "-p", "N=3", "--inputs", "ones", "--target", "cpu"]) == 0
    assert "y: float64[3]  checksum 6" in capsys.readouterr().out
    assert main(["run", f"{tmp_path / 'progs.py'}::axpyy", "-p", "N=3"]) == 1
    assert "did you mean 'axpy'" in capsys.readouterr().err


def test_cache_ls_explain_clear(tmp_path, capsys, monkeypatch):
    import sluice.backends.cpu.driver as driver

    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(driver, "_LOADED", {})  # build into this cache, not from memory
    (tmp_path / "progs.py").write_text(PROGRAMS)
    target = f"{tmp_path / 'progs.py'}::axpy"
    assert main(["cache", "explain", target]) == 0
    assert capsys.readouterr().out.startswith("miss: the cache at")
    assert main(["run", target, "-p", "N=3", "--target", "cpu"]) == 0
    capsys.readouterr()
    assert main(["cache", "ls"]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert main(["cache", "explain", target, "-p", "N=3"]) == 0
    assert capsys.readouterr().out.startswith("hit")
    monkeypatch.setenv("SLUICE_BLAS", "off")  # other flags: a miss that names them
    assert main(["cache", "explain", target, "-p", "N=3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("miss") and "flags: was" in out
    assert main(["cache", "explain"]) == 1
    assert "needs the program" in capsys.readouterr().err
    assert main(["cache", "explain", str(SPADA / "gemv.sptl"), "-p", "PX=2", "-p", "PY=2",
                 "-p", "M=4", "-p", "N=4"]) == 1
    assert "spatial kernel" in capsys.readouterr().err
    assert main(["cache", "clear"]) == 0
    assert "removed 1 entries" in capsys.readouterr().out


def test_compile_and_run_a_program_for_cuda(tmp_path, capsys, monkeypatch):
    from sluice.runtime import toolchain

    (tmp_path / "progs.py").write_text(PROGRAMS)
    target = f"{tmp_path / 'progs.py'}::axpy"
    monkeypatch.setenv("SLUICE_CUDA_EMULATE", "1")  # its kernels on the CPU: no GPU needed
    assert main(["run", target, "-p", "N=3", "--inputs", "ones", "--target", "cuda"]) == 0
    assert "y: float64[3]  checksum 6" in capsys.readouterr().out
    if toolchain.find_nvcc() is None:
        pytest.skip("nvcc not found")
    monkeypatch.delenv("SLUICE_CUDA_EMULATE")
    out = tmp_path / "out"
    assert main(["compile", target, "--target", "cuda", "-o", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"axpy.cu", "axpy.h", "libaxpy.so"}
    assert "SL_KERNEL" in (out / "axpy.cu").read_text()
    assert "CUDA source" in capsys.readouterr().out
