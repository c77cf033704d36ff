"""Parser tables are analysed once per machine and kept beside the build cache."""

from __future__ import annotations

from sluice.grammars import lalr_parser

GRAMMAR = r"""
start: NUMBER ("+" NUMBER)*
%import common.NUMBER
%ignore " "
"""


def test_saved_tables_are_reused_and_a_broken_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path))
    first = lalr_parser(GRAMMAR, "sums")
    files = list((tmp_path / "grammars").glob("sums-*.lark"))
    assert len(files) == 1
    loaded = lalr_parser(GRAMMAR, "sums")
    assert loaded.parse("1 + 2") == first.parse("1 + 2")
    files[0].write_bytes(b"not a parser")  # e.g. from another Lark version
    rebuilt = lalr_parser(GRAMMAR, "sums")
    assert rebuilt.parse("3+4").children[1] == "4"
    assert files[0].read_bytes() != b"not a parser"


def test_other_options_or_grammar_get_their_own_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path))
    lalr_parser(GRAMMAR, "sums")
    lalr_parser(GRAMMAR, "sums", maybe_placeholders=False)
    lalr_parser(GRAMMAR.replace("+", "-"), "sums")
    assert len(list((tmp_path / "grammars").glob("sums-*.lark"))) == 3


def test_unwritable_cache_still_parses(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(blocker))  # a file: no directory under it
    assert lalr_parser(GRAMMAR, "sums").parse("5").children == ["5"]
