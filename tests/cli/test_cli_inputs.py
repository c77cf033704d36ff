"""The command line's inputs and outputs: regular source files only, of bounded size (a FIFO
or /dev/zero used to block or fill memory forever), int64 parameters, and paths it cannot
write reported as such, never as tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sluice.sourcefile
from sluice.cli import main

CORPUS = Path(__file__).parents[1] / "ir" / "corpus"


def _cli(*args: str) -> subprocess.CompletedProcess:
    # A separate process, so that a regression hangs it (killed by the timeout), not pytest.
    return subprocess.run([sys.executable, "-m", "sluice.cli", *args], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("suffix", [".sir", ".sptl", ".py::f"])
def test_a_fifo_is_refused(tmp_path, suffix):
    fifo = tmp_path / f"k{suffix.partition('::')[0]}"
    os.mkfifo(fifo)
    r = _cli("check", f"{fifo}{suffix.partition('::')[1]}{suffix.partition('::')[2]}")
    assert r.returncode == 1, r.stderr
    assert "FIFO" in r.stderr and "not a regular file" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.sir"
    link.symlink_to("/dev/zero")
    r = _cli("show", str(link))
    assert r.returncode == 1 and "character device" in r.stderr


def test_a_directory_is_refused(tmp_path, capsys):
    (tmp_path / "d.sir").mkdir()
    assert main(["check", str(tmp_path / "d.sir")]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_an_oversized_file_is_refused(tmp_path, capsys, monkeypatch):
    src = (CORPUS / "spmv_maps.sir").read_text()
    monkeypatch.setattr(sluice.sourcefile, "MAX_SOURCE_BYTES", len(src.encode()) - 1)
    big = tmp_path / "big.sir"
    big.write_text(src)
    assert main(["check", str(big)]) == 1
    assert "larger than" in capsys.readouterr().err
    monkeypatch.setattr(sluice.sourcefile, "MAX_SOURCE_BYTES", len(src.encode()))
    assert main(["check", str(big)]) == 0


def test_a_file_that_is_not_utf8_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.sir"
    bad.write_bytes(b"program p() {\xff}")
    assert main(["check", str(bad)]) == 1
    assert "not UTF-8" in capsys.readouterr().err


def _sized(tmp_path: Path) -> Path:
    src = tmp_path / "p.sir"
    src.write_text("""program p(A) {
  symbol N: int64
  data A: float64[N]
}
""")
    return src


@pytest.mark.parametrize(("n", "why"), [
    ("99999999999999999999", "outside the int64 range"),
    ("-5", "is (-5,)"),
    ("1000000000000000", "cannot make a (1000000000000000,) input"),
])
def test_param_values_that_make_no_input_are_clear_errors(tmp_path, capsys, n, why):
    assert main(["run", str(_sized(tmp_path)), "-p", f"N={n}"]) == 1
    err = capsys.readouterr().err
    assert why in err and "internal error" not in err


def test_an_output_path_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    svg = blocker / "p.svg"  # below a file: neither the .svg nor the .dot fallback can exist
    assert main(["show", str(CORPUS / "spmv_maps.sir"), "--svg", str(svg)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "internal error" not in err
    sptl = Path(__file__).parents[2] / "examples" / "spada" / "axpy.sptl"
    assert main(["compile", str(sptl), "-p", "W=2", "-p", "H=2", "-p", "N=4", "--target", "csl",
                 "-o", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "internal error" not in err
