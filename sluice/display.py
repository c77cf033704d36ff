"""HTML building blocks for the rich displays Jupyter shows (`_repr_html_`).

Every helper escapes the text it is given with `html.escape`; only an `Html` value (the
result of another helper) passes through unchanged. User text — function names, kernel
parameters, generated source — therefore cannot reach a notebook as markup.

    card("JIT function f", [facts({"target": "cpu"}), table(["a", "b"], rows)])
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence


class Html(str):
    """Markup made by these helpers: already escaped, inserted as it is."""

    __slots__ = ()

    # Joining keeps markup markup and escapes plain text: `Html + str` never lets text in raw.
    def __add__(self, other: object) -> Html:
        return Html(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Html:
        return Html(str.__add__(escape(other), self))


_BOX = ("font-family: ui-sans-serif, system-ui, sans-serif; font-size: 13px; "
        "border: 1px solid #ccd; border-radius: 4px; padding: 6px 10px; margin: 2px 0; "
        "max-width: 100%; overflow-x: auto")
_CELL = "padding: 1px 8px; text-align: left; vertical-align: top"
_PRE = ("font-family: ui-monospace, monospace; font-size: 12px; margin: 4px 0; "
        "white-space: pre; overflow-x: auto")


def escape(value: object) -> Html:
    """`value` as HTML text: an `Html` value as it is, anything else escaped."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value)))


def join(parts: Iterable[object], sep: str = "") -> Html:
    return Html(html.escape(sep).join(escape(p) for p in parts))


def tag(name: str, content: object = "", style: str = "", **attrs: str) -> Html:
    """`<name style=... attrs>content</name>`; attribute values are escaped too."""
    extra = "".join(f' {k.rstrip("_")}="{html.escape(v)}"' for k, v in attrs.items())
    if style:
        extra += f' style="{html.escape(style)}"'
    return Html(f"<{name}{extra}>{escape(content)}</{name}>")


def code(text: str) -> Html:
    """Inline monospace text."""
    return tag("code", text)


def card(title: object, sections: Sequence[object], subtitle: object = "") -> Html:
    """A framed box: a bold title line, then each section in turn."""
    head = tag("b", title)
    if subtitle:
        head = head + " " + tag("span", subtitle, style="color: #666")
    body = join(tag("div", s, style="margin-top: 4px") for s in sections if s)
    return tag("div", tag("div", head) + body, style=_BOX)


def facts(items: Mapping[str, object]) -> Html:
    """Short `name: value` facts as a two-column table without a header."""
    rows = join(tag("tr", tag("th", k, style=_CELL + "; color: #555; font-weight: normal")
                          + tag("td", v, style=_CELL)) for k, v in items.items())
    return tag("table", rows, style="border-collapse: collapse")


def table(head: Sequence[str], rows: Iterable[Sequence[object]],
          numeric: Sequence[int] = ()) -> Html:
    """A table with a header row; columns in `numeric` are right-aligned."""
    right = set(numeric)

    def cell(kind: str, k: int, v: object) -> Html:
        style = _CELL + ("; text-align: right" if k in right else "")
        return tag(kind, v, style=style + ("; border-bottom: 1px solid #ccd" if kind == "th"
                                           else ""))

    out = [tag("tr", join(cell("th", k, h) for k, h in enumerate(head)))]
    out += [tag("tr", join(cell("td", k, v) for k, v in enumerate(r))) for r in rows]
    return tag("table", join(out), style="border-collapse: collapse")


def bullets(items: Iterable[object]) -> Html:
    return tag("ul", join(tag("li", i) for i in items),
               style="margin: 2px 0; padding-left: 20px")


def details(summary: object, body: object, open_: bool = False) -> Html:
    """A folded section (`<details>`), shown when its summary is clicked."""
    attrs = {"open": "open"} if open_ else {}
    return tag("details", tag("summary", summary, style="cursor: pointer") + body,
               **attrs)


def source(text: str, language: str | None = None) -> Html:
    """A block of source code, highlighted when Pygments is installed (optional)."""
    if language is not None:
        highlighted = _highlight(text, language)
        if highlighted is not None:
            return highlighted
    return tag("pre", text, style=_PRE)


def _highlight(text: str, language: str) -> Html | None:
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
    except ImportError:
        return None
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return None
    # Inline styles: a notebook shows them without the stylesheet Pygments would need.
    fmt = HtmlFormatter(noclasses=True, nobackground=True, cssstyles=_PRE)
    return Html(highlight(text, lexer, fmt))


def one_line(text: str, limit: int = 100) -> str:
    """`text` on one line (whitespace runs become one space), shortened to `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 file`, `3 files`."""
    return f"{n} {word if n == 1 else many or word + 's'}"
