"""Tracebacks of user mistakes without sluice's internal frames (as JAX does).

A `SluiceError` already says where the mistake is (file, line, caret, hint); the dozen frames
of tracer and backend under the user's call only hide it. When one leaves a public entry
point marked with `@user_api`, the frames whose code lies inside the sluice package are
dropped from its traceback, and so are the internal exceptions chained to it. What is left:
the user's own frames and the entry point's, which re-raises the error (pytest hides it,
`__tracebackhide__`; in IPython and Jupyter a handler for `SluiceError` drops it).

`SLUICE_TRACEBACK=full` keeps every frame and the chained exceptions (for reporting a sluice
bug). Exceptions other than `SluiceError` are sluice bugs and always keep their traceback.
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sluice.errors import SluiceError
from sluice.notebook import running_shell

TRACEBACK_VARIABLE = "SLUICE_TRACEBACK"
PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
HIDDEN_NOTE = f"(sluice's internal frames are hidden; {TRACEBACK_VARIABLE}=full shows them)"

F = TypeVar("F", bound=Callable[..., Any])


def full_tracebacks() -> bool:
    """Whether `$SLUICE_TRACEBACK` asks for every frame (read at each error: it can be set
    while a notebook runs)."""
    return os.environ.get(TRACEBACK_VARIABLE, "").strip().lower() == "full"


def is_internal(code: types.CodeType) -> bool:
    return _resolved(code.co_filename).startswith(PACKAGE_DIR)


@functools.lru_cache(maxsize=1024)
def _resolved(filename: str) -> str:
    try:
        return str(Path(filename).resolve())
    except (OSError, ValueError):  # `<string>`, `<ipython-input-...>`: not a path of ours
        return filename


def trim(err: SluiceError) -> SluiceError:
    """`err` with sluice's frames and chained internal exceptions removed (unless
    `$SLUICE_TRACEBACK` is `full`); returns `err` itself."""
    if full_tracebacks():
        return err
    _show_trimmed_in_ipython()
    err.__traceback__ = without_internal_frames(err.__traceback__)
    err.__cause__ = None
    err.__suppress_context__ = True
    if HIDDEN_NOTE not in getattr(err, "__notes__", ()):
        err.add_note(HIDDEN_NOTE)
    return err


def without_internal_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback `tb` less the entries of sluice's own code."""
    kept = []
    while tb is not None:
        if not is_internal(tb.tb_frame.f_code):
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for entry in reversed(kept):
        out = types.TracebackType(out, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return out


def _show_trimmed_in_ipython() -> None:
    """In IPython and Jupyter, show `SluiceError`s without the entry point's frame too.

    The frame that re-raises a trimmed error is the last one of its traceback, which IPython
    shows even when it is marked hidden. A handler for `SluiceError` drops it; it is
    installed only where no other custom exception handler is, and shows the traceback
    through IPython's own `showtraceback` (so `%debug` and the kernel's messages work)."""
    shell = running_shell()
    if shell is None or getattr(shell, "custom_exceptions", None) != ():
        return
    set_handler = getattr(shell, "set_custom_exc", None)
    if set_handler is not None:
        set_handler((SluiceError,), _ipython_handler)


def _ipython_handler(shell: Any, etype: type, value: BaseException,
                     tb: types.TracebackType | None, tb_offset: int | None = None) -> None:
    if not full_tracebacks():
        tb = without_internal_frames(tb)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def user_api(fn: F) -> F:
    """Mark `fn` as a public entry point: a `SluiceError` leaves it trimmed (`trim`)."""

    @functools.wraps(fn)
    def entry(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841 - read by IPython and pytest
        try:
            return fn(*args, **kwargs)
        except SluiceError as err:
            if full_tracebacks():
                raise
            raise trim(err) from None

    return entry  # type: ignore[return-value]
