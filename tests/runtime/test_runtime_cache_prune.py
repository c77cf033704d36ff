"""The cache's size cap: least-recently-used eviction that spares entries in use, the size
syntax of SLUICE_CACHE_MAX_SIZE and `--max-size`, and clear errors for unusable folders."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from sluice.errors import CacheError
from sluice.runtime.cache import BuildCache
from sluice.runtime.cache_prune import (
    DEFAULT_MAX_SIZE,
    IN_USE_S,
    configured_max_size,
    format_size,
    parse_size,
)


def _get(cache: BuildCache, name: str, size: int = 1000):
    def build(tmp: Path) -> None:
        (tmp / "libk.so").write_bytes(name.encode() * (size // len(name)))

    return cache.get_or_build({"ir": name}, build, artifact="libk.so", program=name,
                              target="cpu")


def _age(entry, seconds_ago: float) -> None:
    """As if the entry was last used `seconds_ago`."""
    t = time.time() - seconds_ago
    os.utime(entry.path, (t, t))


@pytest.mark.parametrize("text, size", [
    ("4096", 4096), ("2G", 2 * 1024**3), ("500M", 500 * 1024**2), ("1.5GiB", 3 * 1024**3 // 2),
    ("64 kb", 65536), ("0", 0), ("off", None), ("Unlimited", None),
])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "12x", "-1G", "G", "1e9"])
def test_bad_sizes_are_user_errors(text):
    with pytest.raises(CacheError, match="not a size") as e:
        parse_size(text)
    assert "2G" in e.value.hint


def test_cap_from_environment(monkeypatch):
    monkeypatch.delenv("SLUICE_CACHE_MAX_SIZE", raising=False)
    assert configured_max_size() == DEFAULT_MAX_SIZE == 2 * 1024**3
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "300M")
    assert configured_max_size() == 300 * 1024**2
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "off")
    assert configured_max_size() is None
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "lots")
    with pytest.raises(CacheError, match="SLUICE_CACHE_MAX_SIZE: 'lots' is not a size"):
        configured_max_size()


def test_format_size():
    assert [format_size(n) for n in (80, 1536, 300 * 1024, 2 * 1024**3)] == \
        ["80 B", "1.5 KiB", "300 KiB", "2.0 GiB"]


def test_prune_removes_least_recently_used_first(cache):
    a, b, c = (_get(cache, n) for n in ("aaaa", "bbbb", "cccc"))
    for entry, ago in ((a, 3000), (b, 1000), (c, 2000)):
        _age(entry, ago)
    report = cache.prune(b.disk_size + c.disk_size)
    assert (report.removed, report.kept, report.in_use) == (1, 2, 0)
    assert report.freed == a.disk_size and report.kept_size == b.disk_size + c.disk_size
    assert {e.program for e in cache.ls()} == {"bbbb", "cccc"}
    assert not list((cache.root / "tmp").iterdir())  # renamed away, then deleted whole
    assert cache.prune(None).removed == 0 and cache.prune(0).removed == 2
    assert cache.ls() == []


def test_a_hit_counts_as_a_use(cache):
    a, b = _get(cache, "aaaa"), _get(cache, "bbbb")
    _age(a, 3000)
    _age(b, 2000)
    _get(cache, "aaaa")  # a hit: now the most recently used
    assert time.time() - os.stat(a.path).st_mtime < 60
    _age(a, 1000)
    cache.prune(a.disk_size)
    assert [e.program for e in cache.ls()] == ["aaaa"]


def test_entries_in_use_are_spared(cache):
    a, b = _get(cache, "aaaa"), _get(cache, "bbbb")
    _age(a, 3000)  # b was used just now: its user may still be loading it
    lock = cache._file_lock(a.key)  # another process building or stamping a
    lock.acquire()
    try:
        report = cache.prune(0)
    finally:
        lock.release()
    assert (report.removed, report.in_use) == (0, 2)
    assert a.artifact_path.is_file() and b.artifact_path.is_file()
    assert cache.prune(0).removed == 1  # the lock is free now; b is still recent
    assert IN_USE_S >= 10


def test_eviction_waits_for_a_lock_holder_it_skipped(cache):
    """A lock held in another thread is the same as one held by another process."""
    a = _get(cache, "aaaa")
    _age(a, 3000)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with cache._file_lock(a.key):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        assert cache.prune(0).in_use == 1
    finally:
        release.set()
        t.join()
    assert cache.prune(0).removed == 1


def test_storing_a_build_keeps_the_cache_under_its_cap(cache, monkeypatch):
    old = _get(cache, "aaaa", size=4000)
    _age(old, 3000)
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", str(old.disk_size + 100))
    new = _get(cache, "bbbb", size=4000)  # over the cap: the old entry goes, the new stays
    assert [e.key for e in cache.ls()] == [new.key]
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "0")
    newer = _get(cache, "cccc")  # spared even alone over the cap: it is in use
    assert newer.artifact_path.is_file()


def test_ls_reports_sizes_and_last_use(cache):
    e = _get(cache, "aaaa", size=4000)
    (listed,) = cache.ls()
    assert listed.disk_size >= 4000 and listed.disk_size == e.disk_size
    assert abs(listed.used - time.time()) < 60 and listed.created <= listed.used + 1


def test_prune_leaves_folders_sluice_did_not_make(tmp_path):
    root = tmp_path / "mine"
    root.mkdir(mode=0o700)
    (root / "notes.txt").write_text("mine")
    cache = BuildCache(root)
    _get(cache, "aaaa")  # used as a cache, never pruned or emptied
    with pytest.raises(CacheError, match="`sluice cache prune` leaves it alone"):
        cache.prune(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG applies on Linux")
def test_a_platform_folder_that_cannot_be_made_names_the_variable(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.delenv("SLUICE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(CacheError, match=f"cannot create the cache folder {blocker}") as e:
        _get(BuildCache(), "aaaa")
    assert "SLUICE_CACHE_DIR" in e.value.hint


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs file permissions that apply (not root)")
def test_a_read_only_home_cache_names_the_variable(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir(mode=0o500)
    monkeypatch.delenv("SLUICE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    try:
        with pytest.raises(CacheError) as e:
            _get(BuildCache(), "aaaa")
    finally:
        home.chmod(0o700)
    assert "SLUICE_CACHE_DIR" in e.value.hint
