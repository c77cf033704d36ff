"""Reading a user's source file (`.sir`, `.sptl`, `module.py`) without trusting what it is.

`Path.read_text()` on a FIFO blocks until a writer comes and on `/dev/zero` reads until
memory runs out. A source is a regular file of bounded size, checked on the opened file
descriptor (not on the name, which could be swapped between a check and the open).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sluice.errors import SluiceError

MAX_SOURCE_BYTES = 64 << 20  # far above any real program; a cap, not a budget

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str | os.PathLike) -> None:
    """A `SluiceError` unless `path` names an existing regular file of bounded size."""
    _read(Path(path), 0)


def read_source(path: str | os.PathLike) -> str:
    """The UTF-8 text of the regular file `path` (at most MAX_SOURCE_BYTES), or a
    `SluiceError`."""
    p = Path(path)
    data = _read(p, MAX_SOURCE_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SluiceError(f"'{p}' is not UTF-8 text (byte {e.start} is {data[e.start]:#04x})",
                          hint="save the source as UTF-8") from None


def _read(p: Path, limit: int) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SluiceError(f"no such file: '{p}'") from None
    except OSError as e:
        raise SluiceError(f"cannot read '{p}': {e.strerror}") from None
    try:
        st = os.fstat(fd)
        why = _not_regular(st.st_mode)
        if why is not None:
            raise SluiceError(f"cannot read '{p}': it is {why}, not a regular file",
                              hint="give the path of a source file")
        if st.st_size > MAX_SOURCE_BYTES:
            raise SluiceError(f"cannot read '{p}': it is larger than the {MAX_SOURCE_BYTES} "
                              "bytes a source file may have")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1) if limit > 0 else b""  # it may have grown since fstat
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SluiceError(f"cannot read '{p}': it is larger than the {limit} bytes a source "
                          "file may have")
    return data
