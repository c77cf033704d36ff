"""`GeneratedSource`: a str in every respect, shown in Jupyter with the program first."""

from __future__ import annotations

import pickle

from sluice.generated import GeneratedSource

PRELUDE = "// helpers\nint helper() { return 1; }\n"
PROGRAM = "void kernel_f() { /* <script>alert(1)</script> */ }\n"


def _src() -> GeneratedSource:
    return GeneratedSource.of_parts(PRELUDE, PROGRAM, target="cpu", language="cpp",
                                    name="f")


def test_it_is_the_same_string(tmp_path):
    s = _src()
    text = PRELUDE + "\n" + PROGRAM
    assert s == text and isinstance(s, str) and hash(s) == hash(text)
    assert "kernel_f" in s and s.count("\n") == text.count("\n")
    assert s.splitlines() == text.splitlines() and s[:2] == "//"
    (tmp_path / "f.cpp").write_text(s)
    assert (tmp_path / "f.cpp").read_text() == text
    assert str(s) == text and type(str(s)) is str
    assert f"{s}" == text
    assert pickle.loads(pickle.dumps(s)) == text


def test_parts():
    s = _src()
    assert s.prelude == PRELUDE + "\n" and s.program == PROGRAM


def test_repr_is_one_short_line():
    r = repr(_src())
    assert "\n" not in r and len(r) < 120
    assert "cpu" in r and "'f'" in r and "4 lines" in r


def test_html_shows_the_program_first_and_folds_the_prelude():
    h = _src()._repr_html_()
    assert "<script>" not in h and "&lt;script&gt;" in h
    assert h.index("kernel_f") < h.index("<details") < h.index("helper")
    assert "prelude: 2 lines" in h


def test_without_a_prelude_nothing_is_folded():
    h = GeneratedSource("x = 1\n", target="csl")._repr_html_()
    assert "<details" not in h and "x = 1" in h
