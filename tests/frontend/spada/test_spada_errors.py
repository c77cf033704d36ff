"""Every malformed or racy program in spada_error_cases raises the error it should."""

from __future__ import annotations

import pytest
from spada_error_cases import CASES, Case

from sluice.errors import SluiceError
from sluice.frontend.spada import bind, check, parse_source


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_error_case(case: Case) -> None:
    with pytest.raises(SluiceError) as info:
        check(bind(parse_source(case.source, "case.sptl"), case.params))
    err = info.value
    assert isinstance(err, case.error), err
    assert case.fragment in err.message, err
    assert err.loc is not None and err.loc.file == "case.sptl"
    assert (err.loc.line, err.loc.col) == (case.line, case.col), err
    text = str(err)
    # Rendered like a compiler: file:line:col, the source line, a caret, and a hint.
    assert text.startswith(f"case.sptl:{case.line}:{case.col}: ")
    assert "^" in text and err.loc.source_line is not None
    assert err.hint, "every error must say what to change"


def test_cases_are_many_and_distinct() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


def test_did_you_mean_hint() -> None:
    case = next(c for c in CASES if c.id == "misspelled_field")
    with pytest.raises(SluiceError) as info:
        check(bind(parse_source(case.source, "case.sptl"), case.params))
    assert info.value.hint == "did you mean 'buf'?"


def test_syntax_hint_lists_expected_tokens() -> None:
    with pytest.raises(SluiceError) as info:
        parse_source("kernel @k(f32 a {\n}", "case.sptl")
    assert info.value.hint == "expected ')', ','"


def test_unclosed_bracket_is_blamed() -> None:
    case = next(c for c in CASES if c.id == "missing_paren")
    with pytest.raises(SluiceError) as info:
        parse_source(case.source, "case.sptl")
    assert info.value.hint == "add the missing ')'"
