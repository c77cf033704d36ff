"""How a loaded spatial kernel shows itself: one-line repr, HTML with its arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluice import spatial
from sluice.errors import SluiceError
from sluice.frontend.spada import kernel as frontend_kernel
from sluice.spatial import load, loads

EXAMPLES = Path(__file__).parents[3] / "examples" / "spada"
PARAMS = {"W": 2, "H": 3, "N": 4}


def test_repr_is_one_line():
    k = load(EXAMPLES / "axpy.sptl", PARAMS)
    assert repr(k) == "<SpatialKernel 'axpy' on 2x3 PEs, params {'W': 2, 'H': 3, 'N': 4}>"


def test_html_names_grid_parameters_and_arguments():
    k = load(EXAMPLES / "axpy.sptl", PARAMS)
    html = k._repr_html_()
    assert "spatial kernel axpy" in html and "2 x 3" in html
    assert "W = 2, H = 3, N = 4" in html and "axpy.sptl" in html
    for name in ("x_in", "y_in", "alpha", "y_out"):
        assert name in html
    assert "(2, 3, 4)" in html and "output" in html and "scalar float32" in html


def test_a_file_name_is_escaped():
    source = (EXAMPLES / "axpy.sptl").read_text()
    k = loads(source, PARAMS, filename="<script>alert(1)</script>.sptl")
    html = k._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_frontend_kernel_names_only_the_interpreter():
    # the frontend's own kernel runs on the interpreter; sluice.load's adds the CSL target
    k = frontend_kernel.load(EXAMPLES / "axpy.sptl", PARAMS)
    assert repr(k).startswith("<SpadaKernel 'axpy'")
    assert "target=&#x27;interpret&#x27;);" in k._repr_html_() and "compile" not in k._repr_html_()
    with pytest.raises(SluiceError, match="target 'csl' is not available") as info:
        k(target="csl")
    assert "sluice.load" in info.value.hint
    api = load(EXAMPLES / "axpy.sptl", PARAMS)
    assert isinstance(api, spatial.SpatialKernel) and isinstance(api, frontend_kernel.SpadaKernel)
    assert "&#x27;interpret&#x27; or &#x27;csl&#x27;" in api._repr_html_()
