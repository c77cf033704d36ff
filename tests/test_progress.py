"""Progress bars: only on a terminal, only after a delay, only the outermost; `SLUICE_PROGRESS`
forces them on or off. Simulator, interpreter and benchmark runs drive them."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import sluice
from bench import wafer_speed
from sluice import progress
from sluice.cli import _kernel_inputs
from sluice.csl import samples
from sluice.progress import Progress

REPO = Path(sluice.__file__).resolve().parent.parent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def auto(monkeypatch):
    """`$SLUICE_PROGRESS` unset; bars redraw at every update (tqdm waits 0.1 s otherwise)."""
    monkeypatch.delenv(progress.VARIABLE, raising=False)
    monkeypatch.setattr(progress, "REDRAW_S", 0.0)
    return monkeypatch


def _count(what: str, n: int) -> None:
    with Progress(what, total=n, unit="thing", every=4) as bar:
        for _ in range(n):
            bar.advance()
            bar.note(extra_info=7)


@pytest.mark.parametrize(("value", "forced"), [("", None), ("auto", None), ("1", True),
                                               ("yes", True), ("0", False), ("off", False)])
def test_the_variable_forces_bars_on_or_off(auto, value, forced):
    auto.setenv(progress.VARIABLE, value)
    assert progress.forced() is forced
    auto.setattr(sys, "stderr", Terminal())
    assert progress.wanted() is (True if forced is None else forced)
    auto.setattr(sys, "stderr", io.StringIO())
    assert progress.wanted() is bool(forced)


def test_a_long_count_on_a_terminal_shows_a_bar(auto):
    auto.setattr(sys, "stderr", Terminal())
    auto.setattr(progress, "DELAY_S", 0.0)
    _count("counting", 20)
    shown = sys.stderr.getvalue()
    assert "counting" in shown and "20/20" in shown and "extra info=7" in shown


def test_a_short_count_shows_nothing_even_on_a_terminal(auto):
    auto.setattr(sys, "stderr", Terminal())  # (DELAY_S: 2 s, far longer than this count)
    _count("counting", 20)
    assert sys.stderr.getvalue() == ""


def test_not_a_terminal_stays_quiet_unless_forced(auto, capsys):
    auto.setattr(progress, "DELAY_S", 0.0)
    _count("counting", 20)
    assert capsys.readouterr().err == ""
    auto.setenv(progress.VARIABLE, "1")
    _count("counting", 20)
    assert "counting" in capsys.readouterr().err
    auto.setenv(progress.VARIABLE, "0")
    auto.setattr(sys, "stderr", Terminal())
    _count("counting", 20)
    assert sys.stderr.getvalue() == ""


def test_only_the_outermost_bar_shows_and_lines_print_above_it(auto, capsys):
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    with Progress("outer", total=2) as outer:
        _count("inner", 5)
        with outer.writing():
            print("a line", file=sys.stderr)
        outer.advance(2)
    err = capsys.readouterr().err
    assert "outer" in err and "inner" not in err and "a line\n" in err
    _count("after", 3)  # the outer bar closed: the next one shows
    assert "after" in capsys.readouterr().err


def test_the_simulator_shows_cycles_and_active_pes_and_keeps_its_cycles(auto, capsys):
    s = samples.pipelined_reduce(4, 4, 64)
    inputs = s.make_inputs(np.random.default_rng(0))
    _, quiet, _, _ = wafer_speed.run_host(s.program, s.host, inputs)
    assert capsys.readouterr().err == ""
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    outs, shown, _, _ = wafer_speed.run_host(s.program, s.host, inputs)
    err = capsys.readouterr().err
    assert "launch('start')" in err and " cycles" in err and "active PEs=16" in err
    assert (shown.sim.now, shown.sim.busy_cycles) == (quiet.sim.now, quiet.sim.busy_cycles)
    for k, v in s.reference(inputs).items():
        np.testing.assert_array_equal(outs[k].ravel(), v.ravel())


def test_the_interpreter_counts_states_and_active_pes(auto, capsys):
    kernel = sluice.load(REPO / "examples" / "spada" / "reduce_row.sptl",
                         params={"W": 4, "N": 8})
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    kernel(target="interpret", **_kernel_inputs(kernel, "random", 0))
    err = capsys.readouterr().err
    assert "interpret reduce_row" in err and " states" in err
    assert "active PEs=4" in err


def test_a_piped_run_prints_no_bar(tmp_path):
    """A whole CLI simulation with stderr not a terminal, and the delay gone: no bar."""
    script = ("import sys, sluice.progress as p; p.DELAY_S = 0.0; from sluice.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    args = [sys.executable, "-c", script, "run", str(REPO / "examples/spada/reduce_row.sptl"),
            "-p", "W=4", "-p", "N=8", "--target", "csl"]
    env = {k: v for k, v in os.environ.items() if k != progress.VARIABLE}
    env["PYTHONPATH"] = str(REPO)
    quiet = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert "simulated 4x1 PEs" in quiet.stdout and quiet.stderr == ""
    forced = subprocess.run(args, capture_output=True, text=True, timeout=300,
                            env={**env, progress.VARIABLE: "1"})
    assert forced.returncode == 0 and "cycles" in forced.stderr


def test_the_benchmark_suite_counts_kernels_with_its_lines_above(auto, capsys):
    from bench.harness import load_kernels, run_suite
    from bench.peers import NumpyPeer

    modules, _ = load_kernels(REPO / "tests" / "runtime" / "bench_fixtures")
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    results = run_suite(modules, [NumpyPeer()], "S", repeat=1, settle_s=0.0,
                        progress=lambda line: print(line, file=sys.stderr))
    err = capsys.readouterr().err
    assert len(results) == len(modules) and f"{len(modules)}/{len(modules)} [" in err
    assert f"kernel={results[-1].kernel}" in err
    for r in results:  # each line whole, where the bar was cleared for it
        assert re.search(rf"\r{r.kernel} +numpy +ok +[\d.]+ ms\n", err), r.kernel


def _clocks() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sluice progress")]


def test_work_without_a_count_shows_its_time_once_the_delay_has_passed(auto):
    """The clock thread keeps the bar going while the block blocks: without it, tqdm would
    never draw a bar whose delay passes between updates."""
    auto.setattr(sys, "stderr", Terminal())
    auto.setattr(progress, "DELAY_S", 0.2)
    auto.setattr(progress, "TICK_S", 0.02)
    with progress.elapsed("waiting for it") as bar:
        assert bar.shown and _clocks() == ["sluice progress: waiting for it"]
        time.sleep(0.5)
    assert "waiting for it: 00:00" in sys.stderr.getvalue()
    assert _clocks() == []


def test_a_clock_keeps_a_standing_count_going(auto):
    """A count that stands still (a child process per item) shows its bar, time and notes once
    the delay has passed: the clock redraws it; without the clock nothing shows."""
    auto.setattr(sys, "stderr", Terminal())
    auto.setattr(progress, "DELAY_S", 0.2)
    auto.setattr(progress, "TICK_S", 0.02)
    with Progress("probing", total=3, unit="kernel") as bar:
        bar.note(kernel="first")
        time.sleep(0.4)
    assert sys.stderr.getvalue() == ""
    with Progress("probing", total=3, unit="kernel") as bar, bar.clock():
        bar.note(kernel="first")
        time.sleep(0.4)
        assert _clocks() == ["sluice progress: probing"]
    shown = sys.stderr.getvalue()
    assert "probing:   0%" in shown and "0/3" in shown and "kernel=first" in shown
    assert _clocks() == []


def test_work_without_a_count_shows_nothing_when_short_or_piped(auto, capsys):
    auto.setattr(sys, "stderr", Terminal())
    with progress.elapsed("quick"):  # (DELAY_S: 2 s)
        time.sleep(0.05)
    assert sys.stderr.getvalue() == ""
    auto.setattr(sys, "stderr", io.StringIO())
    auto.setattr(progress, "DELAY_S", 0.0)
    with progress.elapsed("piped") as bar:
        assert not bar.shown and _clocks() == []  # no thread where nothing would show
    assert sys.stderr.getvalue() == ""


def test_the_clock_stops_when_the_work_fails(auto):
    auto.setattr(sys, "stderr", Terminal())
    with pytest.raises(ValueError), progress.elapsed("failing"):
        assert _clocks() == ["sluice progress: failing"]
        raise ValueError("the compiler failed")
    assert _clocks() == []


def test_a_compile_shows_the_program_and_the_compiler(auto, capsys, tmp_path):
    from sluice.runtime.build import build_cpp
    from sluice.runtime.cache import BuildCache

    source = 'extern "C" int answer_%d() { return 42; }\n'
    build_cpp(source % 1, name="quiet_one", cache=BuildCache(tmp_path))
    assert capsys.readouterr().err == ""  # not a terminal: nothing
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    build_cpp(source % 2, name="shown_one", cache=BuildCache(tmp_path))
    err = capsys.readouterr().err
    assert re.search(r"compile shown_one with \S*(g\+\+|clang\+\+|c\+\+)\S*: 00:0\d", err), err
    build_cpp(source % 2, name="shown_one", cache=BuildCache(tmp_path))
    assert capsys.readouterr().err == ""  # a cache hit compiles nothing


def test_the_sdk_compiler_shows_what_it_compiles(auto, capsys, tmp_path):
    """`run_on_sdk` with stand-ins for the Cerebras SDK's cslc (which fails here)."""
    from sluice.backends.csl import run_on_sdk
    from sluice.errors import ExecutionError

    cslc = tmp_path / "cslc"
    cslc.write_text("#!/bin/sh\necho 'no licence' >&2\nexit 3\n")
    cslc.chmod(0o755)
    auto.setenv("CSLC", str(cslc))
    auto.setenv("CS_PYTHON", sys.executable)
    auto.setenv(progress.VARIABLE, "1")
    auto.setattr(progress, "DELAY_S", 0.0)
    kernel = sluice.load(REPO / "examples" / "spada" / "reduce_row.sptl", params={"W": 4, "N": 8})
    inputs = _kernel_inputs(kernel, "random", 0)
    with pytest.raises(ExecutionError, match="cslc failed"):
        run_on_sdk(kernel.compile("csl"), inputs, tmp_path / "out")
    assert f"compile layout.csl in {tmp_path / 'out'} with cslc: 00:0" in capsys.readouterr().err
