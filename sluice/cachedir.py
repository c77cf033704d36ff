"""Where sluice keeps what it computes once per machine (builds, parser tables), and whether
that place can be trusted.

The place is `$SLUICE_CACHE_DIR` if set, else the platform's cache folder for sluice
(`platformdirs`: `$XDG_CACHE_HOME/sluice` or `~/.cache/sluice` on Linux,
`~/Library/Caches/sluice` on macOS).

The cache holds shared libraries that sluice loads and runs and parser tables that it
unpickles, so whoever can write there can run code as the user. `trusted_root()` therefore
accepts a root only when it is a directory owned by the current user, not writable by group
or others, and every directory above it is owned by the user or root and not writable by
others (unless sticky, like /tmp), so that nobody else can swap it either. Anything else is a
`CacheError` naming the folder and the fix.

A root sluice creates (mode 0700) or adopts (an empty folder, or one holding only what older
versions of sluice put there, judged by name) gets a marker file, `MARKER`; `sluice cache
clear` deletes only inside marked roots, so pointing SLUICE_CACHE_DIR at some other folder
never empties it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import platformdirs

from sluice.errors import CacheError

DIR_VARIABLE = "SLUICE_CACHE_DIR"

MARKER = "SLUICE-CACHE"
_MARKER_TEXT = ("This folder is a sluice build cache. `sluice cache clear` empties it; it is\n"
                "safe to delete it as a whole.\n")
# What sluice itself creates under a root; a folder holding nothing else is an old cache.
SUBFOLDERS = ("entries", "locks", "tmp", "grammars", "failed")
_KEY = re.compile(r"[0-9a-f]{64}")


def default_root() -> Path:
    """`$SLUICE_CACHE_DIR` if set, else the platform's cache folder for sluice."""
    env = os.environ.get(DIR_VARIABLE)
    if env:
        return Path(env).expanduser()
    try:
        return platformdirs.user_cache_path("sluice", appauthor=False)
    except (KeyError, RuntimeError):  # no home folder to put it in (HOME unset, no passwd entry)
        raise CacheError("cannot tell where the cache folder belongs: no home folder",
                         hint=f"set {DIR_VARIABLE} to a writable folder") from None


def _uid() -> int:
    return os.getuid()


def private_problem(st: os.stat_result) -> str | None:
    """Why a folder or file with this status is not the user's alone, or None."""
    if st.st_uid != _uid():
        return f"it is owned by user id {st.st_uid}, not by you (id {_uid()})"
    if st.st_mode & 0o022:
        return f"group or others may write to it (mode {stat.S_IMODE(st.st_mode):03o})"
    return None


def _fix(path: Path, why: str) -> str:
    if why.startswith("it is owned"):
        return (f"use a cache folder of your own: set SLUICE_CACHE_DIR, or remove {path} "
                "and let sluice create it")
    return f"run: chmod go-w '{path}'"


def check_private(path: Path, what: str = "cache folder") -> None:
    """A `CacheError` unless `path` (a folder or file sluice wrote) is the user's alone."""
    try:
        st = os.lstat(path)
    except OSError as e:
        raise CacheError(f"cannot inspect the {what} {path}: {e.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise CacheError(f"the {what} {path} is a symbolic link", hint=f"remove {path}")
    why = private_problem(st)
    if why is not None:
        raise CacheError(f"the {what} {path} is unsafe to use: {why}", hint=_fix(path, why))


def _check_ancestors(root: Path) -> None:
    """Nobody but the user (or root) can rename or replace a folder on the way to `root`."""
    for parent in root.parents:
        try:
            st = os.stat(parent)
        except OSError as e:
            raise CacheError(f"cannot inspect {parent}, above the cache folder {root}: "
                             f"{e.strerror}") from None
        sticky = st.st_mode & stat.S_ISVTX
        if st.st_uid not in (0, _uid()) or (st.st_mode & 0o022 and not sticky):
            raise CacheError(f"the cache folder {root} is unsafe to use: {parent} above it "
                             "can be changed by other users",
                             hint="set SLUICE_CACHE_DIR to a folder inside your home")


def trusted_root(root: Path | None = None, create: bool = True) -> Path:
    """The cache root (`default_root()` unless given), checked, created and marked on demand.

    Returns the resolved path. Raises `CacheError` when the root or a folder above it could
    be written by someone else, or when it cannot be created.
    """
    root = Path(root) if root is not None else default_root()
    root = Path(os.path.abspath(root))
    if not os.path.lexists(root):
        if not create:
            return root
        try:
            if not root.parent.is_dir():
                root.parent.mkdir(parents=True)
            os.mkdir(root, 0o700)
        except FileExistsError:
            if not root.parent.is_dir():
                raise CacheError(f"cannot create the cache folder {root}: "
                                 f"{root.parent} is a file",
                                 hint="set SLUICE_CACHE_DIR to a writable folder") from None
            # else another process made it meanwhile: checked below like any existing root
        except OSError as e:
            raise CacheError(f"cannot create the cache folder {root}: {e.strerror}",
                             hint="set SLUICE_CACHE_DIR to a writable folder") from None
    resolved = root.resolve()
    if not resolved.is_dir():
        raise CacheError(f"the cache folder {root} is not a folder",
                         hint="set SLUICE_CACHE_DIR to a folder, or remove the file")
    check_private(resolved)
    _check_ancestors(resolved)
    if create:
        _mark(resolved)
    return resolved


def _mark(root: Path) -> None:
    """Write the marker into a root sluice made or may adopt."""
    marker = root / MARKER
    if marker.exists():
        return
    if not _made_by_sluice(root):
        return  # someone else's folder: used as it is, never cleared
    try:
        marker.write_text(_MARKER_TEXT)
    except OSError:
        pass  # read-only: nothing will be cleared there either


def _made_by_sluice(root: Path) -> bool:
    """An empty folder, or one holding only what older versions of sluice wrote: entries
    named by their 64-hex-digit keys, temporary builds named `build-*` or `broken-*`."""
    try:
        names = set(os.listdir(root))
        if names - set(SUBFOLDERS):
            return False
        entries = os.listdir(root / "entries") if "entries" in names else []
        tmp = os.listdir(root / "tmp") if "tmp" in names else []
    except OSError:
        return False
    return (all(_KEY.fullmatch(e) for e in entries)
            and all(t.startswith(("build-", "broken-")) for t in tmp))


def is_marked(root: Path) -> bool:
    """Whether sluice made (or adopted) `root`, so that clearing it is sluice's to do."""
    return (Path(root) / MARKER).is_file()


def private_subfolder(root: Path, name: str) -> Path:
    """`root/name`, created (0700) if missing, and checked like the root."""
    sub = root / name
    try:
        os.mkdir(sub, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        raise CacheError(f"cannot create {sub} in the cache: {e.strerror}",
                         hint=f"make {root} writable (chmod u+w '{root}') or set "
                              "SLUICE_CACHE_DIR to a writable folder") from None
    check_private(sub)
    return sub
