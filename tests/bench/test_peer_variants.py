"""The per-peer variants of the bench/kernels modules compute what kernel_numpy computes.

`kernel_jax` (every module), `kernel_dace` (modules whose kernel_numpy DaCe cannot parse),
`kernel_numpy` under sluice (every module) and `kernel_restructured` under sluice (modules
that keep a hand-restructured variant) are run at the "test" size through the same peer
objects `python -m bench` uses, and their outputs compared with NumPy's the way the harness
does. JAX and DaCe live in the benchmark environment only (.venv-bench), so those checks skip
without them; the structural checks always run.
"""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import compare, numpy_reference  # noqa: E402
from bench.kernels import ALL, load  # noqa: E402
from bench.peers import (  # noqa: E402
    DacePeer,
    JaxPeer,
    NotApplicable,
    Peer,
    SluicePeer,
    SluiceRestructuredPeer,
    kernel_outputs,
)
from tests.bench_kernel_jits import jitted, kernel_params  # noqa: E402

RESTRUCTURED = [n for n in ALL if hasattr(load(n), "kernel_restructured")]


def _run_variant(peer: Peer, module) -> str:
    """What differs between `peer`'s outputs and NumPy's at the "test" size ('' if nothing)."""
    args = peer.prepare(module.init(**module.SIZES["test"]))
    fn = peer.compile(module)
    outputs = peer.outputs(module, args, peer.finish(fn(*args)))
    return compare(numpy_reference(module, "test"), outputs)


@pytest.mark.parametrize("name", ALL)
def test_module_defines_kernel_jax(name):
    module = load(name)
    assert callable(getattr(module, "kernel_jax", None)), f"{name} has no kernel_jax"


def test_modules_import_without_jax_and_dace():
    # The main environment has neither: the variants must import them lazily or guardedly.
    code = (
        "import sys\n"
        "for m in ('jax', 'jax.numpy', 'dace'):\n"
        "    sys.modules[m] = None  # any import of them now raises ImportError\n"
        "from bench.kernels import ALL, load\n"
        "for name in ALL:\n"
        "    load(name)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("name", ALL)
def test_kernel_jax_matches_numpy(name):
    peer = JaxPeer()
    why = peer.missing()
    if why is not None:
        pytest.skip(f"JAX variant not checked: {why}")
    assert _run_variant(peer, load(name)) == ""


@pytest.mark.parametrize("name", [n for n in ALL if hasattr(load(n), "kernel_dace")])
def test_kernel_dace_matches_numpy(name, tmp_path, monkeypatch):
    peer = DacePeer()
    why = peer.missing()
    if why is not None:
        pytest.skip(f"DaCe variant not checked: {why}")
    monkeypatch.setenv("SLUICE_BENCH_DACE_DIR", str(tmp_path / "dace"))
    assert _run_variant(peer, load(name)) == ""


@pytest.mark.parametrize("name", RESTRUCTURED)
def test_kernel_restructured_keeps_the_convention(name):
    module = load(name)
    assert (inspect.signature(module.kernel_restructured).parameters
            == inspect.signature(module.kernel_numpy).parameters)
    args = module.init(**module.SIZES["test"])
    outputs = kernel_outputs(module, args, module.kernel_restructured(*args))
    assert compare(numpy_reference(module, "test"), outputs) == ""


def test_sluice_restructured_is_na_without_the_variant():
    with pytest.raises(NotApplicable, match="no kernel_restructured"):
        SluiceRestructuredPeer().compile(load("gemm"))


class _SharedTracePeer(SluicePeer):
    """The sluice peer with the kernel's `@sluice.jit` function shared with the frontend
    and CUDA tests of this worker: the peer's own path (arguments, outputs, comparison) is
    what is checked here, and tracing the kernel again would only cost time."""

    def compile(self, module):
        return jitted(module.__name__.rsplit(".", 1)[-1])


@pytest.mark.parametrize("name", kernel_params())
def test_sluice_kernel_numpy_matches_numpy(name):
    peer = _SharedTracePeer()
    why = peer.missing()
    if why is not None:
        pytest.skip(f"sluice not checked: {why}")
    assert _run_variant(peer, load(name)) == ""


@pytest.mark.parametrize("name", RESTRUCTURED)
def test_sluice_kernel_restructured_matches_numpy(name):
    peer = SluiceRestructuredPeer()
    why = peer.missing()
    if why is not None:
        pytest.skip(f"sluice not checked: {why}")
    assert _run_variant(peer, load(name)) == ""


def test_report_compares_sluice_with_restructured_on_shared_kernels():
    from bench.harness import Measurement
    from bench.report import render

    results = [Measurement("a", "numpy", "ok", 4e-3), Measurement("a", "sluice", "ok", 2e-3),
               Measurement("a", "sluice-restructured", "ok", 1e-3),
               Measurement("b", "numpy", "ok", 4e-3), Measurement("b", "sluice", "ok", 1e-3),
               Measurement("b", "sluice-restructured", "n/a",
                           reason="no kernel_restructured in the module")]
    text = render(results, size="S", repeat=1)
    assert "sluice-restructured ms (x)" in text.splitlines()[1]
    assert "geomean over the 1 kernel(s) with both: 2.00x vs 4.00x" in text
    assert "sluice-restructured: no kernel_restructured in the module" in text
