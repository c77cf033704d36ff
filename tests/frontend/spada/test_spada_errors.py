"""Every malformed or racy program in spada_error_cases raises the error it should."""

from __future__ import annotations

import pytest
from spada_error_cases import CASES, Case, body

from sluice.errors import SluiceError, SluiceTypeError
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


def test_type_errors_in_code_no_pe_runs_are_still_errors(tmp_path) -> None:
    """The checker walks each PE's reachable code; the lowering sees every branch, so a
    condition written as a range (`[0<N]`) under `if x > 0` with W = 1 is reported there
    (a mutation fuzzer crash: sympy's BooleanAtom reached loop bounds)."""
    import sluice

    src = tmp_path / "dead.sptl"
    src.write_text(body("if x > 0 {",
                        "    foreach i16 k, f32 w in [0<N], receive(east) { acc = w }",
                        "}"))
    with pytest.raises(SluiceTypeError, match="must be an integer, not a condition") as info:
        sluice.load(str(src), params={"W": 1, "N": 4})
    assert (info.value.loc.line, info.value.loc.col) == (12, 38)


@pytest.mark.parametrize("loop", ["await map i16 k in [0, N] { buf[k] = 1.0 }",
                                  "for i16 k in [0, N] { buf[k] = 1.0 }",
                                  "await map i16 k, i16 j in [0:N] { buf[k] = 1.0 }"])
def test_loops_with_other_counts_of_variables_and_ranges_in_dead_code(tmp_path, loop) -> None:
    """`in [0, N]` (two ranges) for `in [0:N]` under an `if` no PE takes: the lowering
    unpacked one range and crashed, or looped over the first range only (found by the .sptl
    mutation fuzzer, seed 769769)."""
    import sluice

    src = tmp_path / "dead.sptl"
    src.write_text(body("if x > 0 {", "    " + loop, "}"))
    with pytest.raises(SluiceError, match=r"loop variable\(s\) but") as info:
        sluice.load(str(src), params={"W": 1, "N": 4})
    assert info.value.loc.line == 12 and info.value.hint
