"""Lazy re-exports for package `__init__` files (PEP 562).

A package lists its public names and the modules that define them; each module is imported
on first use. `sluice --version` then loads neither SymPy nor the compiler, while
`sluice.jit`, `from sluice import jit` and `from sluice import *` behave as if the package
had imported everything up front.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, where `exports` maps each public name to
    `"module:attribute"`. Other names resolve to the package's submodules (`sluice.ir`), as
    they did when the package imported everything eagerly."""

    def __getattr__(name: str) -> Any:
        namespace = vars(sys.modules[package])
        where = exports.get(name)
        if where is not None:
            module, _, attr = where.partition(":")
            value = getattr(importlib.import_module(module), attr)
            namespace[name] = value  # later look-ups skip this function
            return value
        if not name.startswith("_"):  # (tools probe for dunders and private hooks)
            full = f"{package}.{name}"
            try:
                return importlib.import_module(full)
            except ModuleNotFoundError as err:
                if err.name != full:  # the submodule exists but needs a missing module
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
