"""The HTML helpers of rich displays: user text is escaped, markup made by them is not."""

from __future__ import annotations

from sluice import display
from sluice.display import Html

SCRIPT = "<script>alert('x')</script>"


def test_plain_text_is_escaped_everywhere():
    parts = [
        display.escape(SCRIPT),
        display.tag("b", SCRIPT),
        display.code(SCRIPT),
        display.card(SCRIPT, [SCRIPT], subtitle=SCRIPT),
        display.facts({SCRIPT: SCRIPT}),
        display.table([SCRIPT], [[SCRIPT]]),
        display.bullets([SCRIPT]),
        display.details(SCRIPT, SCRIPT),
        display.source(SCRIPT),
        display.source(SCRIPT, "python"),
        display.join([SCRIPT, SCRIPT], sep=SCRIPT),
    ]
    for part in parts:
        assert "<script>" not in part, part
        assert "&lt;script&gt;" in part or "&lt;" in part


def test_markup_joins_stay_markup_and_text_joined_to_it_is_escaped():
    bold = display.tag("b", "x")
    assert isinstance(bold + "<i>", Html) and bold + "<i>" == "<b>x</b>&lt;i&gt;"
    assert "<i>" + bold == "&lt;i&gt;<b>x</b>"
    assert display.tag("div", bold) == "<div><b>x</b></div>"
    assert display.join([bold, "<"]) == "<b>x</b>&lt;"


def test_attributes_are_escaped():
    out = display.tag("span", "x", title='" onmouseover="evil()')
    assert 'onmouseover="evil' not in out and "&quot;" in out


def test_tables_facts_and_details_hold_their_content():
    t = display.table(["pass", "ms"], [["dead-code", "0.10"]], numeric=(1,))
    assert "<th" in t and "dead-code" in t and "text-align: right" in t
    assert "<details open" in display.details("more", "body", open_=True)
    assert "<details>" in display.details("more", "body")


def test_source_highlights_when_pygments_is_there():
    out = display.source("int x = 1;", "cpp")
    assert "int" in out and "x" in out
    try:
        import pygments  # noqa: F401
    except ImportError:
        assert out.startswith("<pre")
    else:
        assert "color" in out  # inline styles, no stylesheet needed
    assert display.source("x", "no-such-language").startswith("<pre")


def test_one_line_and_plural():
    assert display.one_line("a\n  b\tc") == "a b c"
    assert len(display.one_line("x" * 500, 50)) == 50
    assert display.plural(1, "file") == "1 file" and display.plural(2, "pass", "passes") == (
        "2 passes")
