"""User text in generated CSL and host scripts: escaped, or refused with a clear error."""

from __future__ import annotations

import ast

import pytest

from sluice.csl import model as m
from sluice.csl.printer import print_host, print_layout
from sluice.errors import UnsupportedError
from sluice.safetext import c_string, comment, identifier, py_string

HOSTILE = ["x\nimport os; os.system('id') #", "*/ x /*", 'a"b', "a\\", "nul\x00", "\u2028",
           "é"]


@pytest.mark.parametrize("text", HOSTILE)
def test_comment_is_one_printable_line_without_a_block_end(text):
    c = comment(text)
    assert c.isascii() and c.isprintable() and "*/" not in c and not c.endswith("\\")


@pytest.mark.parametrize("text", HOSTILE)
def test_py_string_reads_back_as_the_same_text(text):
    lit = py_string(text)
    assert "\n" not in lit and ast.literal_eval(lit) == text


def test_c_string_escapes_quotes_and_refuses_control_characters():
    assert c_string('a"b\\c') == '"a\\"b\\\\c"'
    with pytest.raises(UnsupportedError):
        c_string("a\nb")


def test_identifier_refuses_punctuation():
    assert identifier("sym_a1", "name") == "sym_a1"
    with pytest.raises(UnsupportedError, match="not a valid identifier"):
        identifier("a = 1\nimport os", "memcpy symbol")


def _layout(export: str) -> m.CslProgram:
    return m.CslProgram(m.Layout(1, 1, exports=(m.Export(export, "fn"),)), ())


def test_host_script_quotes_hostile_names():
    evil = "x\"]\nimport os; os.system('touch /tmp/pwned') #"
    host = m.HostProgram((m.Launch(evil),
                          m.H2D("A", evil, 0, 0, 1, 1, 4),
                          m.D2H(evil, "A", 0, 0, 1, 1, 4)))
    text = print_host(_layout("f"), host)
    tree = ast.parse(text)  # still valid Python, and the payload is only ever a string
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))
    assert py_string(evil) in text


def test_host_script_refuses_a_symbol_that_is_not_an_identifier():
    host = m.HostProgram((m.H2D("A = 1\nimport os", "a", 0, 0, 1, 1, 4),))
    with pytest.raises(UnsupportedError, match="memcpy symbol"):
        print_host(_layout("f"), host)


def test_layout_refuses_an_export_name_with_a_newline():
    with pytest.raises(UnsupportedError):
        print_layout(_layout('f", fn()void);\n}\n//'))
