"""examples/tour.ipynb runs top to bottom in a fresh kernel (offline) and each display shows
what it should; its deliberate mistake shows no sluice frame and names its cell."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed: pip install "
                               "-e '.[test]' to run the notebook")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "examples" / "tour.ipynb"


def _kernel_spec(where: Path) -> str:
    """A kernel of this interpreter, importing this checkout's sluice."""
    spec = where / "kernels" / "sluice-tour"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "sluice tour", "language": "python",
        "env": {"PYTHONPATH": str(ROOT)}}))
    return "sluice-tour"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> list:
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    home = tmp_path_factory.mktemp("jupyter")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(home))
    mp.setenv("IPYTHONDIR", str(home / "ipython"))
    mp.setenv("JUPYTER_RUNTIME_DIR", str(home / "runtime"))
    try:
        nb = nbformat.read(TOUR, as_version=4)
        client = nbclient.NotebookClient(
            nb, kernel_name=_kernel_spec(home), timeout=120,
            resources={"metadata": {"path": str(TOUR.parent)}})
        start = time.perf_counter()
        client.execute()
        print(f"tour.ipynb ran in {time.perf_counter() - start:.1f} s")
    finally:
        mp.undo()
    return [c for c in nb.cells if c.cell_type == "code"]


def _html(cell) -> str:
    for out in cell.outputs:
        if "text/html" in out.get("data", {}):
            return out["data"]["text/html"]
    raise AssertionError(f"no HTML output for {cell.source!r}")


def _cell(cells: list, start: str):
    return next(c for c in cells if c.source.startswith(start) or c.source.endswith(start))


def test_the_tour_is_stored_without_outputs():
    nb = nbformat.read(TOUR, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_every_display_shows_its_key_facts(executed):
    jit = _html(_cell(executed, "f"))
    assert "@sluice.jit f(A, B)" in jit and "f(A: float64[A_0, A_1]" in jit
    assert "current" in jit
    assert "compiled f" in _html(_cell(executed, "run"))
    source = _html(_cell(executed, "source"))
    assert source.index("sl_prog_f") < source.index("<details") and "prelude" in source
    assert "MatMul" in _html(_cell(executed, "program"))
    reports = _html(_cell(executed, "reports"))
    assert "dead-code" in reports and "map-fusion" in reports and "total" in reports
    assert "pass pipeline of 11 passes" in _html(_cell(executed, "pm"))
    assert "spatial kernel gemv" in _html(_cell(executed, "k"))
    csl = _html(_cell(executed, "artifacts"))
    assert "CSL artifacts" in csl and "layout.csl" in csl and "<svg" in csl


def test_the_mistake_names_its_cell_and_shows_no_sluice_frame(executed):
    cell = executed[-1]
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert error.ename == "ArgumentError" and "inner dimensions differ" in error.evalue
    defined = _cell(executed, "f").execution_count  # `A @ B` is on line 3 of that cell
    assert error.evalue.startswith(f"cell In[{defined}], line 3, column 12: argument error")
    assert "ipykernel_" not in error.evalue
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))  # (no colours)
    assert f"Cell In[{cell.execution_count}], line 1" in shown
    assert "/sluice/" not in shown and "tracebacks.py" not in shown, shown
