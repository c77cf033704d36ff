"""Interoperability with other IRs (DaCe's SDFG): `program_to_sdfg_json` / `to_sdfg` write
them, `from_sdfg` reads them. Light on import: the converters load on first use, and DaCe
itself only where a function needs it."""

from __future__ import annotations

from typing import Any

_LAZY = {
    "DACE_CXX_ARGS": "sluice.interop.sdfg_export",
    "program_to_sdfg_json": "sluice.interop.sdfg_export",
    "to_sdfg": "sluice.interop.sdfg_export",
    "sdfg_arguments": "sluice.interop.sdfg_export",
    "from_sdfg": "sluice.interop.sdfg_import",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sluice.interop' has no attribute {name!r}")


__all__ = sorted(_LAZY)
