import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from bench import harness, peers, report
from bench.harness import Measurement, compare, load_kernels, measure, run_suite
from bench.peers import NotApplicable, NumpyPeer, Peer, SluicePeer, make_peers

FIXTURES = Path(__file__).parent / "bench_fixtures"
REPO = Path(sluice.__file__).resolve().parent.parent


class PerturbingPeer(NumpyPeer):
    """Runs NumPy, then spoils the first output: must be reported WRONG."""

    name = "wrongpeer"

    def compile(self, module):
        def run(*args):
            result = module.kernel_numpy(*args)
            outs = peers.kernel_outputs(module, args, result)
            if isinstance(result, tuple):
                return (result[0] * 1.001, *result[1:])
            if outs and isinstance(outs[0], np.ndarray) and outs[0] is not result:
                outs[0] *= 1.001
                return result
            return result * 1.001
        return run


class RaisingPeer(Peer):
    name = "broken"

    def compile(self, module):
        raise RuntimeError("cannot compile this\nsecond line")


class AbsentPeer(Peer):
    name = "absent"
    package = "no_such_package_sluice_bench"


class PickyPeer(NumpyPeer):
    name = "picky"

    def compile(self, module):
        if module.NAME == "stats":
            raise NotApplicable("no variant for stats")
        return module.kernel_numpy


def fixtures():
    modules, warnings = load_kernels(FIXTURES)
    assert warnings == []
    return modules


class LoggingPeer(NumpyPeer):
    """NumPy, logging its name on every call into a shared list."""

    def __init__(self, name, log, fail_on_call=None):
        self.name, self.log, self.fail_on_call = name, log, fail_on_call

    def compile(self, module):
        def run(*args):
            self.log.append(self.name)
            if self.log.count(self.name) == self.fail_on_call:
                raise RuntimeError("gave up")
            return module.kernel_numpy(*args)
        return run


def test_timed_calls_interleave_the_peers_and_rotate_who_goes_first():
    log = []
    suite = [LoggingPeer(n, log) for n in "abc"]
    (module,), _ = load_kernels(FIXTURES, ["stats"])
    results = run_suite([module], suite, "S", repeat=4, settle_s=0.0)
    cold, timed = log[:3], log[3:]
    assert cold == ["a", "b", "c"]
    assert timed == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert all(len(m.times_s) == 4 and m.median_s is not None for m in results)


def test_a_peer_failing_mid_rounds_drops_out_and_the_rest_go_on():
    log = []
    suite = [LoggingPeer("a", log), LoggingPeer("b", log, fail_on_call=3)]
    (module,), _ = load_kernels(FIXTURES, ["stats"])
    a, b = run_suite([module], suite, "S", repeat=4, settle_s=0.0)
    assert (a.status, len(a.times_s)) == ("ok", 4)
    assert (b.status, b.times_s, b.median_s) == ("fail", [], None)
    assert b.reason == "RuntimeError: gave up" and b.cold_s is not None
    assert log[2:] == ["a", "b", "b", "a", "a", "a"]


def test_fixtures_are_discovered_in_order():
    assert [harness.kernel_name(m) for m in fixtures()] == ["axpy_inplace", "matvec32", "stats"]
    (only,), _ = load_kernels(FIXTURES, ["stats"])
    assert only.NAME == "stats"
    with pytest.raises(ValueError, match="unknown kernel.*nope"):
        load_kernels(FIXTURES, ["nope"])


def test_each_timed_call_follows_untimed_calls_of_the_same_peer():
    log = []
    suite = [LoggingPeer(n, log) for n in "ab"]
    (module,), _ = load_kernels(FIXTURES, ["stats"])
    results = run_suite([module], suite, "S", repeat=2, settle_s=0.02)
    # Round 0 runs a then b, round 1 b then a: b's two turns meet in the middle.
    turns = [(name, len(list(calls))) for name, calls in itertools.groupby(log[2:])]
    assert [name for name, _ in turns] == ["a", "b", "a"]
    assert turns[0][1] >= 2 and turns[1][1] >= 4 and turns[2][1] >= 2
    assert all(len(m.times_s) == 2 for m in results)


def test_every_status_is_reported():
    suite = [NumpyPeer(), PerturbingPeer(), RaisingPeer(), AbsentPeer(), PickyPeer()]
    results = run_suite(fixtures(), suite, "S", repeat=3)
    status = {(m.kernel, m.peer): m for m in results}
    for k in ("axpy_inplace", "matvec32", "stats"):
        assert status[(k, "numpy")].status == "ok"
        assert len(status[(k, "numpy")].times_s) == 3
        assert status[(k, "wrongpeer")].status == "WRONG"
        assert status[(k, "broken")].status == "fail"
        assert status[(k, "broken")].reason == "RuntimeError: cannot compile this"
        assert status[(k, "absent")].status == "n/a"
        assert "not installed" in status[(k, "absent")].reason
    assert status[("stats", "picky")].status == "n/a"
    assert status[("axpy_inplace", "picky")].status == "ok"

    text = report.render(results, size="S", repeat=3, overheads={"runtime": 4e-6})
    assert "WRONG" in text and "fail" in text and "n/a" in text
    assert "geomean" in text and "runtime 4.00 us" in text
    assert "broken on stats: fail: RuntimeError: cannot compile this" in text
    ratio = report.speedups(results)
    assert ratio[("matvec32", "numpy")] == 1.0
    assert ("matvec32", "wrongpeer") not in ratio  # wrong answers never count as speed-ups


def test_size_missing_in_a_kernel_is_na():
    results = run_suite(fixtures(), [NumpyPeer()], "M", repeat=1)
    stats = next(m for m in results if m.kernel == "stats")
    assert stats.status == "n/a" and "no size 'M'" in stats.reason


def test_compare_tolerances():
    a64 = np.linspace(1, 2, 10)
    assert compare([a64], [a64 * (1 + 1e-8)]) == ""
    assert "max abs error" in compare([a64], [a64 * (1 + 1e-5)])
    a32 = a64.astype(np.float32)
    assert compare([a32], [a32 * np.float32(1 + 1e-5)]) == ""  # float32 is judged more loosely
    assert "values differ" in compare([np.arange(3)], [np.array([0, 1, 3])])
    assert "shape" in compare([a64], [a64[:5]])
    assert "2 outputs" in compare([a64], [a64, a64])
    assert compare([np.float64(3.0)], [3.0]) == ""


def test_sluice_peer_without_jit_is_na(monkeypatch):
    # (deleting it would not do: the package's lazy names bring it back on the next lookup)
    monkeypatch.setattr(sluice, "jit", None, raising=False)
    m = measure(fixtures()[0], SluicePeer(), "S", 1, None)
    assert m.status == "n/a" and "sluice.jit is not available" in m.reason


def test_sluice_peer_compile_failure_is_fail(monkeypatch):
    def jit(fn):
        raise sluice.SluiceError("unsupported construct")

    monkeypatch.setattr(sluice, "jit", jit, raising=False)
    module = fixtures()[0]
    m = measure(module, SluicePeer(), "S", 1, harness.numpy_reference(module, "S"))
    assert m.status == "fail" and "unsupported construct" in m.reason


def test_sluice_peer_cold_time_shows_in_footer(monkeypatch, tmp_path):
    monkeypatch.setattr(sluice, "jit", lambda fn: fn, raising=False)
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path))  # restored after start() moves it
    peers = make_peers(["sluice"])
    results = run_suite(fixtures()[:1], peers, "S", repeat=2)
    assert [m.status for m in results] == ["ok", "ok"]
    assert os.environ["SLUICE_CACHE_DIR"] != str(tmp_path)  # a fresh, empty build cache
    startup = {p.name: p.startup_s for p in peers if p.startup_s is not None}
    assert list(startup) == ["sluice"]
    text = report.render(results, size="S", repeat=2, startup=startup)
    assert "sluice cold call (trace, O2, C++ compile into an empty build cache, first run): " \
        "axpy_inplace" in text
    assert "sluice start-up, once per process" in text


def test_make_peers_puts_numpy_first_and_rejects_unknown():
    assert [p.name for p in make_peers(["jax", "numba"])] == ["numpy", "jax", "numba"]
    with pytest.raises(ValueError, match="unknown peer.*cupy"):
        make_peers(["cupy"])


def test_cli_writes_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--kernels-dir", str(FIXTURES), "--peers", "numpy,numba",
         "--repeat", "2", "--json", str(out), "--no-overhead", "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "axpy_inplace" in proc.stdout and "geomean" in proc.stdout
    record = json.loads(out.read_text())
    assert record["size"] == "S" and record["repeat"] == 2
    by = {(r["kernel"], r["peer"]): r for r in record["results"]}
    assert by[("matvec32", "numpy")]["status"] == "ok"
    assert len(by[("matvec32", "numpy")]["times_s"]) == 2
    assert by[("matvec32", "numba")]["status"] in ("ok", "n/a")


def test_cli_errors(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "bench", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=60)

    bad_peer = run("--kernels-dir", str(FIXTURES), "--peers", "cupy")
    assert bad_peer.returncode == 2 and "unknown peer" in bad_peer.stderr
    empty = run("--kernels-dir", str(tmp_path))
    assert empty.returncode == 2 and "no kernel modules" in empty.stderr


def test_call_overheads_measures_the_runtime(cache):
    over = harness.call_overheads(calls=200)
    assert set(over) == {"sluice.jit", "runtime"}
    if isinstance(over["runtime"], float):
        assert 0 < over["runtime"] < 1e-3


def test_measurement_json_roundtrip():
    ms = [Measurement("k", "numpy", "ok", 2e-3, 3e-3, [2e-3]),
          Measurement("k", "numba", "ok", 1e-3, 0.5, [1e-3])]
    record = report.to_json(ms, size="S", repeat=1)
    assert record["geomean_speedup"] == {"numba": 2.0}
    json.dumps(record)


def test_sluice_cuda_peer_runs_emulated_or_says_why(monkeypatch):
    from bench.peers import SluiceCudaPeer
    from sluice.runtime import toolchain

    module = fixtures()[0]
    if not toolchain.gpus():
        monkeypatch.delenv("SLUICE_CUDA_EMULATE", raising=False)
        assert "GPU" in SluiceCudaPeer().missing() or "nvcc" in SluiceCudaPeer().missing()
    monkeypatch.setenv("SLUICE_CUDA_EMULATE", "1")  # the harness path, kernels on the CPU
    assert SluiceCudaPeer().missing() is None
    m = measure(module, SluiceCudaPeer(), "S", 1, harness.numpy_reference(module, "S"))
    assert m.status == "ok", m.reason
    assert [p.name for p in make_peers(["sluice-cuda"])] == ["numpy", "sluice-cuda"]
