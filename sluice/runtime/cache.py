"""A content-addressed build cache, safe under concurrent processes.

An entry is a directory named by the SHA-256 of its *key parts* (IR/source hash, target,
compiler version, flags, sluice version...), never by the program's name, so two programs
called `kernel` cannot collide. Layout under the root (`$SLUICE_CACHE_DIR`, else the
platform's cache folder: `sluice.cachedir.default_root`)::

    <root>/entries/<key>/manifest.json   key parts, program, target, artifact checksum, size
    <root>/entries/<key>/<artifact>      e.g. libkernel.so
    <root>/locks/<key>.lock              locked (`filelock`) while a process builds, stamps
                                         or evicts <key>
    <root>/tmp/                          half-built entries; renamed into place when complete

The root must be the user's alone (`sluice.cachedir.trusted_root`: an unsafe one is a
`CacheError`), since its shared libraries are loaded and run; an entry whose folder or files
others could write is treated as corrupted. A full disk or an unwritable root is a
`CacheError` that names the folder. `clear` empties only roots sluice marked as its own.

Entries are built in a temporary directory and published with one `os.rename`, so a reader
never sees half an entry. A process that wants a missing key takes the key's lock, checks
again and builds only if nobody did meanwhile: concurrent processes build a key once. Every
load verifies the artifact's checksum; a corrupted or truncated entry is removed and rebuilt.

Each hit stamps the entry's folder as used; after storing a build the cache evicts the least
recently used entries beyond `$SLUICE_CACHE_MAX_SIZE` (2 GiB by default; `cache_prune`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import filelock

from sluice.cachedir import MARKER as MARKER_NAME
from sluice.cachedir import (
    check_private,
    default_root,
    is_marked,
    private_problem,
    private_subfolder,
    trusted_root,
)
from sluice.errors import CacheError
from sluice.log import get_logger
from sluice.runtime.cache_prune import (
    PruneReport,
    configured_max_size,
    evict,
    folder_size,
    usage,
)
from sluice.runtime.cache_prune import (
    prune as prune_entries,
)
from sluice.version import __version__

MANIFEST = "manifest.json"
# Failed writes that are the cache folder's fault, not sluice's: reported as CacheError.
_DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS)
_log = get_logger(__name__)
_FORMAT = 1  # bump when the layout or manifest changes; old entries then simply miss


def text_hash(text: str | bytes) -> str:
    """SHA-256 hex digest of a text; the usual value of the `ir`/`source` key parts."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def cache_key(parts: Mapping[str, str]) -> str:
    """SHA-256 over the named parts, independent of their order, unambiguous in their bytes."""
    h = hashlib.sha256(f"sluice-cache-v{_FORMAT}\0".encode())
    for name in sorted(parts):
        for text in (name, str(parts[name])):
            data = text.encode()
            # Length prefixes keep ("ab","c") and ("a","bc") apart.
            h.update(len(data).to_bytes(8, "little"))
            h.update(data)
    return h.hexdigest()


def with_version(parts: Mapping[str, str]) -> dict[str, str]:
    """The parts plus the sluice version, which every key includes."""
    return {**{k: str(v) for k, v in parts.items()}, "sluice": __version__}


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    """A published cache entry, as its manifest describes it."""

    key: str
    path: Path
    program: str
    target: str
    artifact: str
    size: int
    created: float
    parts: dict[str, str]
    sha256: str
    # State, not identity (equal entries may differ in them):
    used: float = field(default=0.0, compare=False)  # last load: its folder's mtime
    disk_size: int = field(default=0, compare=False)  # every file's bytes: counts to the cap

    @property
    def artifact_path(self) -> Path:
        return self.path / self.artifact

    @classmethod
    def from_manifest(cls, path: Path, data: dict) -> Entry:
        return cls(
            key=data["key"],
            path=path,
            program=data["program"],
            target=data["target"],
            artifact=data["artifact"],
            size=int(data["size"]),
            created=float(data["created"]),
            parts=dict(data["parts"]),
            sha256=data["sha256"],
            used=os.stat(path).st_mtime,
            disk_size=folder_size(path),
        )


class BuildCache:
    """A cache root; `get_or_build` is the one operation builders need."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    @property
    def entries_dir(self) -> Path:
        return self.root / "entries"

    def _existing(self) -> bool:
        """Whether the root exists; if it does, it must be trusted (else a CacheError)."""
        if not os.path.lexists(self.root):
            return False
        trusted_root(self.root, create=False)
        if os.path.lexists(self.entries_dir):
            check_private(self.entries_dir)  # where the libraries we load live
        return True

    def _dirs(self) -> None:
        root = trusted_root(self.root)
        for sub in ("entries", "locks", "tmp"):
            private_subfolder(root, sub)

    def _os_error(self, e: OSError, doing: str) -> CacheError:
        """A user-facing error for a failed write in the cache: full disk, no permission."""
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            return CacheError(f"no space left on the disk that holds the cache {self.root} "
                              f"while {doing}",
                              hint="free some space (`sluice cache clear` removes old builds) "
                                   "or set SLUICE_CACHE_DIR to a folder on another disk")
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return CacheError(f"cannot write to the cache {self.root} while {doing}: "
                              f"{e.strerror}",
                              hint=f"make it writable (chmod u+w '{self.root}') or set "
                                   "SLUICE_CACHE_DIR to a writable folder")
        return CacheError(f"the cache {self.root} failed while {doing}: {e.strerror or e}")

    def _file_lock(self, key: str) -> filelock.FileLock:
        # An OS lock (flock, or LockFileEx on Windows) is released by the kernel if its holder
        # dies, so a crashed build never wedges the key.
        return filelock.FileLock(self.root / "locks" / f"{key}.lock", mode=0o600)

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        """Hold `key`'s lock, waiting for it (builds and publishing)."""
        self._dirs()
        lock = self._file_lock(key)
        try:
            lock.acquire()
        except OSError as e:
            raise self._os_error(e, "taking a build lock") from None
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def _try_lock(self, key: str) -> Iterator[bool]:
        """Hold `key`'s lock if nobody else does; yields whether it is held (eviction)."""
        lock = self._file_lock(key)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            yield False
            return
        except OSError as e:
            raise self._os_error(e, "taking a lock to remove an old entry") from None
        try:
            yield True
        finally:
            lock.release()

    def _mark_used(self, key: str) -> None:
        """Stamp `key`'s entry as used now, under its lock: eviction, which takes the lock and
        spares recently used entries, then either removed it before (and the caller's check
        finds it gone) or leaves it alone while the caller loads it. A cache whose locks
        cannot be written is used unstamped."""
        with contextlib.suppress(OSError), self._file_lock(key):
            os.utime(self.entries_dir / key)

    def _read_manifest(self, path: Path) -> dict | None:
        try:
            data = json.loads((path / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _valid(self, key: str) -> Entry | None:
        """The entry for `key` if its manifest parses and its artifact matches the checksum."""
        path = self.entries_dir / key
        if not self._private(path, path / MANIFEST):
            return None
        data = self._read_manifest(path)
        if data is None or data.get("key") != key:
            return None
        try:
            entry = Entry.from_manifest(path, data)
            art = entry.artifact_path
            if not self._private(art):
                return None
            if art.stat().st_size != entry.size or _file_sha256(art) != entry.sha256:
                return None
        except (OSError, KeyError, TypeError, ValueError):
            return None
        return entry

    @staticmethod
    def _private(*paths: Path) -> bool:
        """Whether these are real files or folders that no one but the user could write (an
        entry that fails this is rebuilt rather than loaded)."""
        try:
            return all(not os.path.islink(p) and private_problem(os.lstat(p)) is None
                       for p in paths)
        except OSError:
            return False

    def lookup(self, parts: Mapping[str, str]) -> Entry | None:
        """The valid entry for these parts (sluice version added), or None."""
        if not self._existing():
            return None
        return self._valid(cache_key(with_version(parts)))

    def _discard(self, key: str) -> None:
        """Move a broken entry out of the way (rename first, so readers see it gone at once)."""
        path = self.entries_dir / key
        if not path.exists():
            return
        self._dirs()
        trash = Path(tempfile.mkdtemp(prefix=f"broken-{key[:12]}-", dir=self.root / "tmp"))
        try:
            os.rename(path, trash / "entry")
        except OSError:
            pass
        shutil.rmtree(trash, ignore_errors=True)

    def get_or_build(
        self,
        parts: Mapping[str, str],
        build: Callable[[Path], None],
        *,
        artifact: str,
        program: str,
        target: str,
    ) -> Entry:
        """The entry for `parts`, running `build(tmpdir)` to create `tmpdir/artifact` on a miss.

        `build` may raise; nothing is published then and the exception propagates.
        """
        full = with_version(parts)
        key = cache_key(full)
        if self._existing():  # the root is trusted before anything in it is loaded
            self._mark_used(key)
            entry = self._valid(key)
            if entry is not None:
                _log.info("cache hit: %s for %s (%s)", program, target, key[:12])
                return entry
        with self._lock(key):
            entry = self._valid(key)  # someone may have built it while we waited
            if entry is not None:
                _log.info("cache hit after waiting: %s for %s (%s)", program, target, key[:12])
                return entry
            _log.info("cache miss: %s for %s (%s) in %s", program, target, key[:12], self.root)
            try:
                self._discard(key)  # corrupted, truncated or half-deleted: rebuild from scratch
                tmp = Path(tempfile.mkdtemp(prefix=f"build-{key[:12]}-",
                                            dir=self.root / "tmp"))
            except OSError as e:
                raise self._os_error(e, "starting a build") from None
            try:
                try:
                    build(tmp)
                except OSError as e:
                    if e.errno in _DISK_ERRORS:  # writing the source or objects into tmp/
                        raise self._os_error(e, f"building '{program}'") from None
                    raise
                art = tmp / artifact
                if not art.is_file():
                    raise FileNotFoundError(f"build did not produce {artifact}")
                self._publish(tmp, art, key, full, program, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)  # no-op after a successful rename
        entry = self._valid(key)
        if entry is None:
            raise OSError(f"cache entry {key[:12]} vanished right after it was built")
        if is_marked(self.root):  # (a folder sluice did not make is never emptied)
            self.prune(configured_max_size())  # spares the entry just built: it is in use
        return entry

    def _publish(self, tmp: Path, art: Path, key: str, full: dict[str, str], program: str,
                 target: str) -> None:
        """Write the manifest and rename the finished build into place."""
        try:
            os.chmod(art, 0o755)  # the compiler's umask may have let others write it
            manifest = {
                "format": _FORMAT,
                "key": key,
                "parts": full,
                "program": program,
                "target": target,
                "artifact": art.name,
                "size": art.stat().st_size,
                "sha256": _file_sha256(art),
                "created": time.time(),
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
            os.chmod(tmp / MANIFEST, 0o644)
            os.rename(tmp, self.entries_dir / key)
        except OSError as e:
            raise self._os_error(e, f"storing the build of '{program}'") from None

    def ls(self) -> list[Entry]:
        """Every entry with a readable manifest, newest first (checksums are not verified)."""
        out = []
        if not self._existing() or not self.entries_dir.is_dir():
            return out
        for path in self.entries_dir.iterdir():
            data = self._read_manifest(path)
            if data is None:
                continue
            with contextlib.suppress(KeyError, OSError, TypeError, ValueError):
                out.append(Entry.from_manifest(path, data))
        return sorted(out, key=lambda e: e.created, reverse=True)

    def prune(self, max_size: int | None) -> PruneReport:
        """Remove least-recently-used entries until the rest take at most `max_size` bytes
        (None: no cap); entries in use by another process stay."""
        if not self._existing():
            return PruneReport(0, 0, 0, 0, 0)
        self._check_ours("prune")
        self._dirs()
        return prune_entries(self, max_size)

    def _check_ours(self, command: str) -> None:
        if not is_marked(self.root):
            raise CacheError(f"{self.root} was not made by sluice (it has no "
                             f"{MARKER_NAME} file), so `sluice cache {command}` leaves it alone",
                             hint="delete what you want removed by hand, or point "
                                  "SLUICE_CACHE_DIR at a folder of sluice's own")

    def clear(self) -> int:
        """Delete every entry; returns how many directories were removed.

        Only in a root sluice made or adopted (it holds the marker file): SLUICE_CACHE_DIR
        naming some other folder must not get its `entries/` or `tmp/` emptied."""
        if not self._existing():
            return 0
        self._check_ours("clear")
        self._dirs()
        n = 0
        for u in usage(self.entries_dir):
            n += evict(self, u)  # (one that another process holds its lock on just now stays)
        tmp = self.root / "tmp"
        if tmp.is_dir() and not tmp.is_symlink():
            for path in tmp.iterdir():
                shutil.rmtree(path, ignore_errors=True)
        return n

    def explain(self, parts: Mapping[str, str]) -> str:
        """Why `parts` hits or misses: the named parts that differ from the nearest entry."""
        full = with_version(parts)
        key = cache_key(full)
        if not self._existing():
            return f"miss: the cache at {self.root} is empty"
        if self._valid(key) is not None:
            return f"hit: entry {key[:12]}"
        if (self.entries_dir / key).exists():
            return f"miss: entry {key[:12]} exists but is corrupted; it will be rebuilt"
        entries = self.ls()
        if not entries:
            return f"miss: the cache at {self.root} is empty"

        def diff(e: Entry) -> list[str]:
            names = sorted(set(full) | set(e.parts))
            return [n for n in names if full.get(n) != e.parts.get(n)]

        # Nearest = fewest differing parts; prefer the same program, then the newest.
        nearest = min(entries, key=lambda e: (len(diff(e)), e.program != parts.get("program"),
                                              -e.created))
        lines = [f"miss: nearest entry {nearest.key[:12]} ({nearest.program}, {nearest.target}) "
                 f"differs in {len(diff(nearest))} part(s):"]
        for name in diff(nearest):
            was, now = nearest.parts.get(name), full.get(name)
            lines.append(f"  {name}: was {_short(was, now)}, now {_short(now, was)}")
        return "\n".join(lines)


def _short(value: str | None, other: str | None = None, limit: int = 60) -> str:
    """`value` cut to `limit` characters around where it starts to differ from `other`."""
    if value is None:
        return "<absent>"
    if len(value) <= limit:
        return repr(value)
    start = 0
    if other is not None:
        same = next((i for i, (a, b) in enumerate(zip(value, other, strict=False)) if a != b),
                    min(len(value), len(other)))
        start = max(0, min(same - limit // 3, len(value) - limit))
    head = "..." if start else ""
    tail = "..." if start + limit < len(value) else ""
    return repr(head + value[start:start + limit] + tail)
