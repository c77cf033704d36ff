"""Logging under the `sluice` logger (`SLUICE_LOG`) and `SLUICE_DISABLE_JIT`."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sluice
import sluice.api as api
from sluice.errors import SluiceError
from sluice.runtime import toolchain

REPO = Path(sluice.__file__).resolve().parent.parent

_SCRIPT = textwrap.dedent("""
    import numpy as np
    import sluice

    @sluice.jit
    def f(a, b):
        return a * b + 1.0

    print(f(np.ones(4), np.full(4, 2.0)))
""")


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    script = tmp_path / "prog.py"
    script.write_text(_SCRIPT)
    full = {**os.environ, "PYTHONPATH": str(REPO), "SLUICE_CACHE_DIR": str(tmp_path / "c"),
            **env}
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=full, timeout=300, check=True)


@pytest.mark.skipif(toolchain.find_cxx() is None, reason="no C++ compiler")
def test_sluice_log_info_shows_each_stage_with_its_time(tmp_path):
    cold = _run(tmp_path, SLUICE_LOG="info")
    assert cold.stdout.strip() == "[3. 3. 3. 3.]"
    lines = cold.stderr.splitlines()
    timed = r" \(\d+\.\d ms\)$"
    for pattern in [r"trace f \(first call\)" + timed, r"passes on f: \d+ pass\(es\)",
                    r"codegen f: C\+\+" + timed, r"cache miss: f for cpu",
                    r"compile f with \S+" + timed, r"ready f for cpu" + timed]:
        assert any(re.fullmatch(r"\[sluice\] " + pattern + ".*", ln) for ln in lines), \
            (pattern, lines)
    warm = _run(tmp_path, SLUICE_LOG="info")  # another process: the build is on disk
    assert "cache hit: f for cpu" in warm.stderr and "compile f" not in warm.stderr
    quiet = _run(tmp_path)
    assert quiet.stderr == ""


def test_sluice_log_debug_shows_passes_and_a_bad_level_warns(tmp_path, monkeypatch):
    import sluice.log as log

    monkeypatch.setattr(log, "_configured", False)
    monkeypatch.setenv("SLUICE_LOG", "loud")
    with pytest.warns(UserWarning, match="SLUICE_LOG='loud' is not a log level"):
        log.get_logger("sluice.test")
    root = logging.getLogger("sluice")
    handlers, level, propagate = list(root.handlers), root.level, root.propagate
    monkeypatch.setattr(log, "_configured", False)
    monkeypatch.setenv("SLUICE_LOG", "DEBUG")
    try:
        log.get_logger("sluice.test")
        assert root.level == logging.DEBUG and not root.propagate
        assert len(root.handlers) == len(handlers) + 1
    finally:
        root.handlers, root.level, root.propagate = handlers, level, propagate


def test_records_reach_the_applications_handlers(caplog, monkeypatch):
    monkeypatch.setattr(api, "BACKENDS", {"cpu": "sluice_test_no_such_backend"})

    @sluice.jit
    def g(x):
        return x + 1

    with caplog.at_level(logging.INFO, logger="sluice"):
        g(np.ones(3))
    assert any(r.name == "sluice.api" and r.getMessage().startswith("trace ")
               for r in caplog.records)


def _python_only(x):
    out = {"n": len(x)}  # a dict and an f-string: Python sluice does not compile
    return f"{out['n']} items, first {x[0]}"


def test_disable_jit_runs_plain_python(monkeypatch):
    monkeypatch.delenv("SLUICE_DISABLE_JIT", raising=False)
    with pytest.raises(SluiceError):
        sluice.jit(_python_only)(np.arange(3.0))  # compiled: refused
    monkeypatch.setenv("SLUICE_DISABLE_JIT", "1")
    f = sluice.jit(_python_only)
    assert f(np.arange(3.0)) == "3 items, first 0.0"
    assert f.compilations == 0

    @sluice.program
    def axpy(a: sluice.float64, x: sluice.float64[sluice.symbol("N")],
             y: sluice.float64[sluice.symbol("N")]):
        for i in sluice.map[0:len(x)]:
            y[i] = a * x[i] + y[i]

    y = np.ones(3)
    axpy(2.0, np.arange(3.0), y)
    np.testing.assert_allclose(y, [1.0, 3.0, 5.0])
    assert axpy.compilations == 0
    assert axpy.trace().name == "axpy"  # the staged API still compiles on request


def test_disable_jit_off_values_keep_compiling(monkeypatch):
    monkeypatch.setenv("SLUICE_DISABLE_JIT", "0")
    assert not sluice.jit(_python_only).python_only
