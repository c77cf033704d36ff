"""In a Jupyter kernel with ipywidgets, progress bars are widgets and show without
`$SLUICE_PROGRESS` (the kernel's stderr is no terminal); short work still shows nothing."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from sluice import progress

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed: pip install "
                               "-e '.[test]' to run notebooks")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed")

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"
CELLS = [
    # a count, and work without a count, each longer than the (shortened) delay
    "import time\n"
    "import sluice.progress as p\n"
    "p.DELAY_S, p.TICK_S = 0.1, 0.02\n"
    "print(p.wanted(), p.widgets())\n"
    "with p.Progress('counting', total=3, unit='thing', leave=True) as bar:\n"
    "    for _ in range(3):\n"
    "        time.sleep(0.1)\n"
    "        bar.advance()\n",
    "with p.elapsed('waiting'):\n"
    "    time.sleep(0.4)\n",
    # short work: nothing
    "p.DELAY_S = 5.0\n"
    "with p.elapsed('quick'):\n"
    "    time.sleep(0.05)\n",
]


def _widgets(cell) -> list:
    return [o for o in cell.outputs if WIDGET in o.get("data", {})]


def test_outside_a_kernel_bars_are_text():
    assert not progress.widgets()


def test_bars_in_a_kernel_are_widgets(tmp_path, monkeypatch):
    pytest.importorskip("ipykernel", reason="ipykernel is not installed")
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed: pip install -e "
                        "'.[test]'")
    spec = tmp_path / "kernels" / "sluice-progress"
    spec.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "sluice progress", "language": "python",
        "env": {"PYTHONPATH": path}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.delenv(progress.VARIABLE, raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nbclient.NotebookClient(nb, kernel_name="sluice-progress", timeout=60).execute()
    counting, waiting, quick = nb.cells
    assert counting.outputs[0]["text"] == "True True\n"  # shown: a kernel with widgets
    (bar,) = _widgets(counting)  # (its plain text: the bar when it was first shown)
    assert bar["data"]["text/plain"].startswith("counting: ") and "/3 " in bar["data"]["text/plain"]
    (bar,) = _widgets(waiting)
    assert bar["data"]["text/plain"].startswith("waiting: 00:00")
    assert _widgets(quick) == []
    for cell in nb.cells:  # no text bar beside the widgets
        assert not [o for o in cell.outputs if o.get("name") == "stderr"], cell.outputs
