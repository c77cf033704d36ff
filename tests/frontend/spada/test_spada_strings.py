"""A malformed string escape in `.sptl` is a located syntax error, not a codec traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluice.errors import SluiceSyntaxError
from sluice.frontend.spada import parse_source

AXPY = (Path(__file__).parents[3] / "examples" / "spada" / "axpy.sptl").read_text()
LINE = "ys[k] = alpha * xs[k] + ys[k]"


@pytest.mark.parametrize("lit", [r'"\x4"', r'"\u12"', r'"\N{nope}"'])
def test_truncated_escape_is_located(lit):
    src = AXPY.replace(LINE, f"{LINE} + {lit}")
    with pytest.raises(SluiceSyntaxError, match="invalid escape") as e:
        parse_source(src, "k.sptl")
    line = next(i for i, t in enumerate(src.splitlines(), 1) if lit in t)
    assert (e.value.loc.file, e.value.loc.line) == ("k.sptl", line)
