"""User text (labels, names, attribute strings) made safe to put into generated source.

Labels and string attributes come from `.sir` files, `.sptl` sources and Python callers and
may hold any character. In generated C++, CSL or Python a newline ends a `//` or `#`
comment, `*/` ends a block comment, a quote ends a string literal and a trailing backslash
continues a line: any of them would turn user text into code. Everything here maps text to
printable ASCII that cannot do that, or refuses it.
"""

from __future__ import annotations

import json

from sluice.errors import UnsupportedError


def comment(text: object) -> str:
    """`text` for the inside of a C++/CSL `//` or `/* */` comment or a Python `#` comment.

    One line of printable ASCII: backslashes, control and non-ASCII characters are written as
    escapes (as `ascii()` does, a backslash as `\\x5c`), and `*/` cannot occur.
    """
    out = ascii(str(text))[1:-1]  # the repr without its quotes: no newline, no NUL, no \u2028
    # A literal backslash as `\x5c`, so none can end the line and continue the comment.
    return out.replace("\\\\", "\\x5c").replace("*/", "*\\x2f")


def c_string(text: str) -> str:
    """A C/C++/CSL string literal (double quotes) whose value is `text`.

    For printable ASCII, JSON's quoting (`\\"`, `\\\\`) is C's; anything else is refused
    rather than escaped, since C's `\\x` and `\\u` rules differ from JSON's.
    """
    if not all(" " <= ch <= "~" for ch in text):
        raise UnsupportedError(f"the string {text!r} cannot appear in generated code",
                               hint="use printable ASCII characters only")
    return json.dumps(text)


def py_string(text: str) -> str:
    """A Python string literal whose value is `text` (any character); plain text keeps the
    double quotes the generated scripts use elsewhere."""
    if all(" " <= ch <= "~" for ch in text) and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return ascii(text)


def identifier(name: str, what: str) -> str:
    """`name` unchanged if it is a plain ASCII identifier, else an `UnsupportedError`."""
    if not (name.isascii() and name.isidentifier()):
        raise UnsupportedError(f"{what} {name!r} is not a valid identifier",
                               hint="use letters, digits and underscores, not starting "
                                    "with a digit")
    return name
