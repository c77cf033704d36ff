"""`sluice show --picture OUT` (alias `--svg`): the format follows OUT's extension."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.ir import picture

CORPUS = Path(__file__).parents[1] / "ir" / "corpus"
PROGRAM = str(CORPUS / "jacobi_2d.sir")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz 'dot' is not installed")


@needs_dot
@pytest.mark.parametrize(("name", "flag", "start"), [
    ("p.png", "--picture", b"\x89PNG\r\n\x1a\n"),
    ("p.png", "--svg", b"\x89PNG\r\n\x1a\n"),  # (once an SVG text in a .png file)
    ("p.svg", "--svg", b"<?xml"),
    ("p.dot", "--picture", b'digraph "jacobi_2d"'),
])
def test_the_extension_chooses_the_format(tmp_path, capsys, name, flag, start):
    out = tmp_path / name
    assert main(["show", PROGRAM, flag, str(out)]) == 0
    assert out.read_bytes().startswith(start)
    assert f"wrote {out}" in capsys.readouterr().err


def test_an_unknown_extension_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "p.jpg"
    assert main(["show", str(tmp_path / "missing.sir"), "--picture", str(out)]) == 1
    err = capsys.readouterr().err
    assert "cannot tell what picture to write into" in err and "hint: name it .svg" in err
    assert not out.exists() and "no such file" not in err


def test_without_graphviz_the_dot_source_is_written_instead(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(picture.shutil, "which", lambda _: None)
    out = tmp_path / "p.png"
    assert main(["show", PROGRAM, "--picture", str(out)]) == 0
    assert not out.exists()
    assert out.with_suffix(".dot").read_text().startswith('digraph "jacobi_2d"')
    assert "Graphviz 'dot' is not installed: wrote" in capsys.readouterr().err
