"""The floors of DESIGN.md §2 hold: no module imports from a floor at or above its own (except
within its own package), read from the source with `ast`, lazy imports inside functions
included. In particular the wafer simulator (`runtime`) imports no backend and no frontend,
the CSL language (`csl`) nothing above the floor-1 helpers, and the `.sptl` frontend's kernel
no backend (running a kernel on a target is the API's job, `sluice.spatial`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SLUICE = Path(__file__).resolve().parents[1] / "sluice"

# Floors of the subpackages and wiring modules (1 is the leaf helpers: errors, grammars, ...,
# which are not listed and may be imported from anywhere). `interop` reads SDFG tasklets
# through the Python frontend's typed operators and writes them with the CPU backend's
# exact C++ printer, so it sits above both.
FLOOR = {"ir": 2, "csl": 2, "frontend": 3, "passes": 3, "runtime": 3, "backends": 4,
         "interop": 5, "tuning": 5, "api": 6, "spatial": 6, "cli": 7}
# Imports that cross the floors on purpose: `Program.to_sdfg_json()` (issue #22's API) is a
# method that hands the program to the exporter when called; the IR itself needs none of it.
ALLOWED = {("sluice.ir.program", "sluice.interop.sdfg_export")}


def module_name(path: Path) -> str:
    rel = path.relative_to(SLUICE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in `source` (the text of `module`), and for
    `importlib.import_module("...")` with a constant name."""
    package = module if is_package else module.rpartition(".")[0]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            out.append((node.lineno, base))
            if base == "sluice":  # `from sluice import backends` names a subpackage
                out += [(node.lineno, f"sluice.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "import_module" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            out.append((node.lineno, node.args[0].value))
    return sorted(out)


def floor_of(module: str) -> tuple[str, int] | None:
    parts = module.split(".")
    if parts[0] != "sluice" or len(parts) < 2 or parts[1] not in FLOOR:
        return None
    return parts[1], FLOOR[parts[1]]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    own = floor_of(module)
    if own is None:
        return []
    out = []
    for line, target in imports(source, module, is_package):
        t = floor_of(target)
        if t is not None and t[0] != own[0] and t[1] >= own[1] \
                and (module, target) not in ALLOWED:
            out.append(f"{module}:{line} imports {target} (floor {t[1]} >= {own[1]})")
    return out


def sources() -> list[Path]:
    return sorted(SLUICE.rglob("*.py"))


def test_no_module_imports_from_its_floor_or_above() -> None:
    found = [v for p in sources()
             for v in violations(p.read_text(), module_name(p), p.name == "__init__.py")]
    assert found == []


@pytest.mark.parametrize(("under", "forbidden"), [
    ("runtime", ("sluice.backends", "sluice.frontend")),
    ("csl", ("sluice.backends", "sluice.frontend", "sluice.runtime", "sluice.ir")),
    ("frontend/spada/kernel.py", ("sluice.backends", "sluice.runtime")),
])
def test_named_floors(under: str, forbidden: tuple[str, ...]) -> None:
    root = SLUICE / under
    paths = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    assert paths and all(p.exists() for p in paths)
    bad = [f"{module_name(p)}:{line} {target}" for p in paths
           for line, target in imports(p.read_text(), module_name(p), p.name == "__init__.py")
           if target.startswith(forbidden)]
    assert bad == []


def test_the_scanner_sees_what_it_must() -> None:
    # absolute, relative, from-sluice and lazy (inside a function) imports are all seen
    src = """
from sluice.backends.csl import compile_kernel
from ...backends import cpu
from sluice import frontend
import importlib

def later():
    from sluice.api import jit
    return importlib.import_module("sluice.tuning")
"""
    found = violations(src, "sluice.runtime.wafer.sim")
    assert [v.split(" imports ")[1].split(" ")[0] for v in found] == [
        "sluice.backends.csl", "sluice.backends", "sluice.frontend", "sluice.api",
        "sluice.tuning"]
    assert violations("from sluice.runtime.wafer import sim\n", "sluice.runtime.x") == []
    assert violations("from sluice.ir import Program\n", "sluice.runtime.x") == []
    assert violations("from sluice.runtime import x\n", "sluice.frontend.spada.kernel") != []
