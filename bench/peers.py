"""The systems `python -m bench` compares: NumPy, Numba, JAX, DaCe and sluice, plus sluice on
the hand-restructured `kernel_restructured` variants ("sluice-restructured").

A peer turns a kernel module into a callable (`compile`), may convert the NumPy inputs into
its own array type outside the timed region (`prepare`), and says how to collect the outputs
of a call (`outputs`). Packages are imported lazily, so a missing one costs nothing and shows
as "n/a" with the reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


class NotApplicable(Exception):
    """This peer cannot run this kernel (package missing, no variant for it); not a failure."""


def as_tuple(result: Any) -> tuple:
    """A kernel's return value as a tuple of outputs (None -> nothing)."""
    if result is None:
        return ()
    return result if isinstance(result, tuple) else (result,)


def kernel_outputs(module: ModuleType, args: Sequence[Any], result: Any) -> list[Any]:
    """Outputs of an in-place-style call: the mutated arguments, then the returned values."""
    return [args[i] for i in getattr(module, "OUTPUTS", ())] + list(as_tuple(result))


class Peer:
    """A system under comparison. Subclasses override `compile` and, if needed, the rest."""

    name = "peer"
    package: str | None = None  # imported lazily; missing -> "n/a"
    startup_s: float | None = None  # what `start` took, once the suite has run

    def missing(self) -> str | None:
        """Why this peer cannot run at all, or None."""
        if self.package is None:
            return None
        try:
            importlib.import_module(self.package)
        except Exception as exc:  # an import can fail in many ways besides ImportError
            return f"{self.package} not installed ({type(exc).__name__})"
        return None

    def start(self) -> float | None:
        """One-time set-up of the process before any kernel is timed; its seconds, if any."""
        return None

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        raise NotImplementedError

    def prepare(self, args: tuple) -> tuple:
        """Inputs in the peer's own array type (done outside the timed region)."""
        return args

    def finish(self, result: Any) -> Any:
        """Wait for asynchronous work (inside the timed region)."""
        return result

    def outputs(self, module: ModuleType, args: tuple, result: Any) -> list[Any]:
        return kernel_outputs(module, args, result)


class NumpyPeer(Peer):
    name = "numpy"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        return module.kernel_numpy


class NumbaPeer(Peer):
    name = "numba"
    package = "numba"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import numba

        return numba.njit(cache=False)(getattr(module, "kernel_numba", module.kernel_numpy))


def _jax() -> ModuleType:
    import jax
    import jax.numpy  # noqa: F401  (makes jax.numpy an attribute)

    # Before any array exists: kernels are float64, and JAX would silently use float32.
    jax.config.update("jax_enable_x64", True)
    return jax


class JaxPeer(Peer):
    """JAX is functional: `kernel_jax` returns the new values of OUTPUTS, then the results.

    Python integer arguments (step counts, bin counts: they set loop trip counts and shapes)
    are static under `jax.jit`; arrays and floats are traced.
    """

    name = "jax"
    package = "jax"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        fn = getattr(module, "kernel_jax", None)
        if fn is None:
            raise NotApplicable("no kernel_jax in the module")
        jax = _jax()
        jitted: dict[tuple[int, ...], Callable[..., Any]] = {}

        def call(*args: Any) -> Any:
            static = tuple(i for i, a in enumerate(args)
                           if isinstance(a, int) and not isinstance(a, bool))
            compiled = jitted.get(static)
            if compiled is None:
                compiled = jitted[static] = jax.jit(fn, static_argnums=static)
            return compiled(*args)

        return call

    def prepare(self, args: tuple) -> tuple:
        import numpy as np

        jnp = _jax().numpy
        return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    def finish(self, result: Any) -> Any:
        import jax

        return jax.block_until_ready(result)

    def outputs(self, module: ModuleType, args: tuple, result: Any) -> list[Any]:
        import numpy as np

        return [np.asarray(r) for r in as_tuple(result)]


def _dace_build_folder() -> str:
    """Where DaCe keeps its generated code: outside the repository, in the temp directory
    (``$SLUICE_BENCH_DACE_DIR`` overrides it)."""
    import os
    import tempfile

    folder = os.environ.get("SLUICE_BENCH_DACE_DIR") or os.path.join(
        tempfile.gettempdir(), f"sluice-bench-dace-{os.getuid() if hasattr(os, 'getuid') else 0}"
    )
    os.makedirs(folder, exist_ok=True)
    return os.path.abspath(folder)


def _networkx_compat() -> None:
    """DaCe 1.0.2 expects `networkx.immediate_dominators` to map the start node to itself;
    networkx >= 3.5 leaves the start node out, and every DaCe compile then dies with
    `KeyError: SDFGState (...)`. Put it back (a no-op with an older networkx)."""
    import functools

    import networkx as nx
    from networkx.algorithms import dominance

    original = dominance.immediate_dominators
    if getattr(original, "_start_included", False) or 0 in original(nx.DiGraph([(0, 1)]), 0):
        return

    @functools.wraps(original)
    def immediate_dominators(G: Any, start: Any) -> dict:
        return {start: start, **original(G, start)}

    immediate_dominators._start_included = True  # type: ignore[attr-defined]
    for namespace in (nx, nx.algorithms, dominance):
        namespace.immediate_dominators = immediate_dominators


def _dace_blas() -> None:
    """Matrix products through OpenBLAS when DaCe finds it (NPBench sets its BLAS the same
    way); otherwise DaCe expands them into its naive loops, which would understate it."""
    import dace.libraries.blas as blas

    if blas.environments.openblas.OpenBLAS.is_installed():
        blas.default_implementation = "OpenBLAS"


class DacePeer(Peer):
    """`kernel_dace` when the module has one (written in the NumPy subset DaCe's frontend
    parses), else `kernel_numpy` as is. DaCe parses and compiles on the first call."""

    name = "dace"
    package = "dace"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import os

        import dace

        _networkx_compat()
        _dace_blas()
        folder = _dace_build_folder()
        dace.config.Config.set("default_build_folder", value=folder)
        program = dace.program(getattr(module, "kernel_dace", module.kernel_numpy))
        first = True

        def call(*args: Any) -> Any:
            # The first call parses and compiles; DaCe writes `_dacegraphs/` (the failing or
            # invalid SDFG) relative to the working directory, so run it from the build folder.
            nonlocal first
            if not first:
                return program(*args)
            cwd = os.getcwd()
            os.chdir(folder)
            try:
                result = program(*args)
            finally:
                os.chdir(cwd)
            first = False
            return result

        return call

    def outputs(self, module: ModuleType, args: tuple, result: Any) -> list[Any]:
        # DaCe returns a scalar result as a one-element array; give it back as a scalar (a
        # genuine one-element array output would then show as a shape mismatch, not pass).
        import numpy as np

        results = [r[0] if isinstance(r, np.ndarray) and r.shape == (1,) else r
                   for r in as_tuple(result)]
        return [args[i] for i in getattr(module, "OUTPUTS", ())] + results


class SluicePeer(Peer):
    name = "sluice"
    package = "sluice"
    _started = False  # whether some sluice peer has run `start` in this process

    def missing(self) -> str | None:
        reason = super().missing()
        if reason is not None:
            return reason
        import sluice

        if not callable(getattr(sluice, "jit", None)):
            return "sluice.jit is not available yet"
        return None

    def start(self) -> float:
        """A build cache of its own (so every cold call below compiles), then one trivial
        program: imports, parser tables and compiler probes are paid here, once per process,
        not by whichever kernel happens to come first."""
        import atexit
        import os
        import shutil
        import tempfile
        import time

        import numpy as np

        root = tempfile.mkdtemp(prefix="sluice-bench-cache-")
        atexit.register(shutil.rmtree, root, True)
        os.environ["SLUICE_CACHE_DIR"] = root
        t0 = time.perf_counter()
        import sluice

        sluice.jit(_startup_probe)(np.zeros(4))
        SluicePeer._started = True
        return time.perf_counter() - t0

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import sluice

        return sluice.jit(module.kernel_numpy)


class SluiceRestructuredPeer(SluicePeer):
    """sluice on `kernel_restructured`: the module's kernel_numpy as restructured by hand
    (vectorised, reordered loops, constructs a compiler finds easier), where it keeps one.
    Every other peer runs kernel_numpy, NPBench's formulation; this row shows what the
    restructuring is worth to sluice."""

    name = "sluice-restructured"

    def start(self) -> float | None:
        # With the "sluice" peer in the suite the process is set up already (and its build
        # cache is fresh: kernel_restructured has a source of its own, so it compiles cold).
        return None if SluicePeer._started else super().start()

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        fn = getattr(module, "kernel_restructured", None)
        if fn is None:
            raise NotApplicable("no kernel_restructured in the module")
        import sluice

        return sluice.jit(fn)


class SluiceCudaPeer(SluicePeer):
    """sluice's CUDA target on kernel_numpy, on the GPU. Called with NumPy arrays, so each
    call's time includes copying the arguments to the device and back. Not among the
    default peers (`--peers ...,sluice-cuda`); with `$SLUICE_CUDA_EMULATE` set it runs the
    kernels on the CPU, which checks the harness, not the speed."""

    name = "sluice-cuda"

    def missing(self) -> str | None:
        reason = super().missing()
        if reason is not None:
            return reason
        from sluice.runtime import toolchain
        from sluice.runtime.switches import turned_on

        if turned_on("SLUICE_CUDA_EMULATE"):
            return None
        if toolchain.find_nvcc() is None:
            return "nvcc not found"
        if not toolchain.gpus():
            return "no NVIDIA GPU (nvidia-smi lists none)"
        return None

    def start(self) -> float | None:
        return None if SluicePeer._started else super().start()

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import sluice

        return sluice.jit(module.kernel_numpy, target="cuda")


def _startup_probe(x):
    return x + 1.0


ALL_PEERS: dict[str, Callable[[], Peer]] = {
    "numpy": NumpyPeer,
    "numba": NumbaPeer,
    "dace": DacePeer,
    "jax": JaxPeer,
    "sluice": SluicePeer,
    "sluice-restructured": SluiceRestructuredPeer,
}


# Peers that need a GPU: asked for by name only (`--peers numpy,sluice,sluice-cuda`).
GPU_PEERS: dict[str, Callable[[], Peer]] = {"sluice-cuda": SluiceCudaPeer}


def make_peers(names: Sequence[str]) -> list[Peer]:
    """Peers by name, NumPy always first (it is the reference every ratio divides by)."""
    known = {**ALL_PEERS, **GPU_PEERS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(known)}")
    ordered = ["numpy"] + [n for n in dict.fromkeys(names) if n != "numpy"]
    return [known[n]() for n in ordered]
