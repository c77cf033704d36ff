"""Keeping the build cache under a size: least-recently-used entries go first.

The cap is `$SLUICE_CACHE_MAX_SIZE` (`2G`, `500M`, `1.5GiB`, a number of bytes, or `off`),
2 GiB by default. `BuildCache` prunes to it after each build it stores; `sluice cache prune
[--max-size SIZE]` prunes on demand.

An entry's last use is the modification time of its folder, stamped under the entry's lock
on every cache hit (`BuildCache._mark_used`). Pruning takes the same lock without waiting:
an entry being built or stamped is skipped, and so is one used within `IN_USE_S` seconds,
whose library its user may still be about to load. A victim is renamed out of `entries/`
under its lock before it is deleted, so no reader ever finds half an entry.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sluice.errors import CacheError

if TYPE_CHECKING:
    from sluice.runtime.cache import BuildCache

MAX_SIZE_VARIABLE = "SLUICE_CACHE_MAX_SIZE"
DEFAULT_MAX_SIZE = 2 * 1024**3
IN_USE_S = 60.0
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)
_NO_CAP = ("off", "none", "unlimited")


def parse_size(text: str) -> int | None:
    """Bytes from `2G`, `500M`, `1.5GiB`, `4096` (units are powers of 1024); None for `off`.
    Raises `CacheError` for anything else."""
    if text.strip().lower() in _NO_CAP:
        return None
    m = _SIZE.fullmatch(text)
    if m is None:
        raise CacheError(f"{text!r} is not a size",
                         hint="write it like 2G, 500M, 1.5GiB or 4096 (bytes), or off for no cap")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def configured_max_size() -> int | None:
    """The cap in force: `$SLUICE_CACHE_MAX_SIZE`, else 2 GiB; None when it is `off`."""
    text = os.environ.get(MAX_SIZE_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_MAX_SIZE
    try:
        return parse_size(text)
    except CacheError as e:
        raise CacheError(f"{MAX_SIZE_VARIABLE}: {e.message}", hint=e.hint) from None


def format_size(n: int) -> str:
    """`1.5 GiB`, `312 KiB`, `80 B`."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" or size >= 100 else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


@dataclass(frozen=True)
class Usage:
    """One entry folder: its key, the bytes of its files and when it was last used."""

    key: str
    path: Path
    size: int
    used: float


@dataclass(frozen=True)
class PruneReport:
    removed: int
    freed: int
    kept: int
    kept_size: int
    in_use: int  # over the cap, but being built or used by someone just now


def folder_size(path: Path) -> int:
    """Bytes of the files directly in an entry folder (entries hold no subfolders)."""
    total = 0
    with os.scandir(path) as it:
        for f in it:
            if f.is_file(follow_symlinks=False):
                total += f.stat(follow_symlinks=False).st_size
    return total


def usage(entries: Path) -> list[Usage]:
    """Every entry folder under `entries`, least recently used first."""
    out = []
    try:
        names = os.listdir(entries)
    except FileNotFoundError:
        return out
    for name in names:
        path = entries / name
        try:
            st = os.lstat(path)
            if not os.path.isdir(path) or os.path.islink(path):
                continue
            out.append(Usage(name, path, folder_size(path), st.st_mtime))
        except OSError:  # removed meanwhile
            continue
    return sorted(out, key=lambda u: u.used)


def prune(cache: BuildCache, max_size: int | None, now: float | None = None) -> PruneReport:
    """Remove least-recently-used entries of `cache` until its entries take at most
    `max_size` bytes (None: no cap), sparing entries in use."""
    found = usage(cache.entries_dir)
    total = sum(u.size for u in found)
    removed = freed = in_use = 0
    if max_size is not None and total > max_size:
        now = time.time() if now is None else now
        for u in found:
            if total - freed <= max_size:
                break
            if evict(cache, u, now):
                removed += 1
                freed += u.size
            else:
                in_use += 1
    return PruneReport(removed, freed, len(found) - removed, total - freed, in_use)


def evict(cache: BuildCache, u: Usage, now: float | None = None) -> bool:
    """Move the entry out of `entries/` and delete it, unless another process holds its lock
    or (with `now`) used it within `IN_USE_S` seconds before `now`. Whether it is gone."""
    with cache._try_lock(u.key) as held:
        if not held:
            return False
        try:
            if now is not None and now - os.stat(u.path).st_mtime < IN_USE_S:
                return False  # (stamped since it was listed, perhaps)
            trash = Path(tempfile.mkdtemp(prefix=f"evicted-{u.key[:12]}-",
                                          dir=cache.root / "tmp"))
        except FileNotFoundError:
            return True  # someone else removed it
        except OSError as e:
            raise cache._os_error(e, "removing an old entry") from None
        try:
            os.rename(u.path, trash / "entry")
        except OSError as e:
            shutil.rmtree(trash, ignore_errors=True)
            if isinstance(e, FileNotFoundError):
                return True
            raise cache._os_error(e, "removing an old entry") from None
    shutil.rmtree(trash, ignore_errors=True)
    return True
