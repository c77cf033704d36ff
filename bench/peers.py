"""The systems `python -m bench` compares: NumPy, Numba, JAX, DaCe and sluice.

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

    def missing(self) -> str | None:
        """Why this peer cannot run at all, or None."""
        if self.package is None:
            return None
        try:
            importlib.import_module(self.package)
        except Exception as exc:  # an import can fail in many ways besides ImportError
            return f"{self.package} not installed ({type(exc).__name__})"
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
    """JAX is functional: `kernel_jax` returns the new values of OUTPUTS, then the results."""

    name = "jax"
    package = "jax"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        fn = getattr(module, "kernel_jax", None)
        if fn is None:
            raise NotApplicable("no kernel_jax in the module")
        return _jax().jit(fn)

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


class DacePeer(Peer):
    name = "dace"
    package = "dace"

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import dace

        return dace.program(getattr(module, "kernel_dace", module.kernel_numpy))


class SluicePeer(Peer):
    name = "sluice"
    package = "sluice"

    def missing(self) -> str | None:
        reason = super().missing()
        if reason is not None:
            return reason
        import sluice

        if not callable(getattr(sluice, "jit", None)):
            return "sluice.jit is not available yet"
        return None

    def compile(self, module: ModuleType) -> Callable[..., Any]:
        import sluice

        return sluice.jit(module.kernel_numpy)


ALL_PEERS: dict[str, Callable[[], Peer]] = {
    "numpy": NumpyPeer,
    "numba": NumbaPeer,
    "dace": DacePeer,
    "jax": JaxPeer,
    "sluice": SluicePeer,
}


def make_peers(names: Sequence[str]) -> list[Peer]:
    """Peers by name, NumPy always first (it is the reference every ratio divides by)."""
    unknown = [n for n in names if n not in ALL_PEERS]
    if unknown:
        raise ValueError(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(ALL_PEERS)}")
    ordered = ["numpy"] + [n for n in dict.fromkeys(names) if n != "numpy"]
    return [ALL_PEERS[n]() for n in ordered]
