"""The per-peer variants of the bench/kernels modules compute what kernel_numpy computes.

`kernel_jax` (every module) and `kernel_dace` (modules whose kernel_numpy DaCe cannot parse)
are run at the "test" size through the same peer objects `python -m bench` uses, and their
outputs compared with NumPy's the way the harness does. JAX and DaCe live in the benchmark
environment only (.venv-bench), so those checks skip without them; the structural checks
always run.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import compare, numpy_reference  # noqa: E402
from bench.kernels import ALL, load  # noqa: E402
from bench.peers import DacePeer, JaxPeer, Peer  # noqa: E402


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
