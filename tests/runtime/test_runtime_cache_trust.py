"""The cache holds code sluice runs (shared libraries) and unpickles (parser tables): it is
used only when nobody else can write to it, cleared only where sluice made it, and a full or
unwritable disk is a clear `CacheError`."""

from __future__ import annotations

import errno
import os
import pickle
from pathlib import Path

import pytest

import sluice.cachedir as cachedir
from sluice.cachedir import MARKER, trusted_root
from sluice.cli import main
from sluice.errors import CacheError
from sluice.grammars import lalr_parser
from sluice.runtime.cache import BuildCache

GRAMMAR = r"""
start: NUMBER ("-" NUMBER)*
%import common.NUMBER
%ignore " "
"""


def _build(tmp: Path) -> None:
    (tmp / "libk.so").write_bytes(b"artifact")


def _get(cache: BuildCache, ir: str = "x"):
    return cache.get_or_build({"ir": ir}, _build, artifact="libk.so", program="k",
                              target="cpu")


def test_a_new_root_is_private_and_marked(tmp_path):
    root = trusted_root(tmp_path / "a" / "cache")
    assert root.stat().st_mode & 0o077 == 0 and (root / MARKER).is_file()


def test_a_group_writable_root_is_refused(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    root.chmod(0o775)
    with pytest.raises(CacheError, match="group or others may write") as e:
        _get(BuildCache(root))
    assert str(root) in str(e.value) and "chmod go-w" in str(e.value)
    assert not (root / "entries").exists()


def test_a_root_owned_by_someone_else_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    monkeypatch.setattr(cachedir, "_uid", lambda: os.getuid() + 1)  # as if another user's
    with pytest.raises(CacheError, match="owned by user id"):
        _get(BuildCache(root))


def test_a_root_below_a_folder_others_can_write_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # no sticky bit: anyone could rename the cache and plant another
    with pytest.raises(CacheError, match="can be changed by other users"):
        _get(BuildCache(shared / "cache"))


def test_an_entry_others_could_write_is_rebuilt_not_loaded(tmp_path):
    cache = BuildCache(tmp_path / "cache")
    entry = _get(cache)
    entry.artifact_path.chmod(0o666)
    calls = []
    cache.get_or_build({"ir": "x"}, lambda t: (calls.append(t), _build(t)), artifact="libk.so",
                       program="k", target="cpu")
    assert len(calls) == 1
    assert entry.artifact_path.stat().st_mode & 0o022 == 0


class _Planted:
    """Unpickling this runs code: it stands for what an attacker would write."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.mark.parametrize("unsafe", ["root", "file"])
def test_parser_tables_are_not_unpickled_from_a_writable_place(tmp_path, monkeypatch, unsafe):
    root = tmp_path / "cache"
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(root))
    lalr_parser(GRAMMAR, "diffs")
    (saved,) = (root / "grammars").glob("diffs-*.lark")
    marker = tmp_path / "pwned"
    saved.write_bytes(pickle.dumps(_Planted(marker)))
    (root if unsafe == "root" else saved).chmod(0o777 if unsafe == "root" else 0o666)
    assert lalr_parser(GRAMMAR, "diffs").parse("3 - 4").children == ["3", "4"]
    assert not marker.exists()


def test_clear_leaves_a_folder_sluice_did_not_make_alone(tmp_path, monkeypatch, capsys):
    mine = tmp_path / "project"
    (mine / "entries" / "keep").mkdir(parents=True)
    (mine / "tmp").mkdir()
    (mine / "tmp" / "notes.txt").write_text("mine")
    (mine / "README").write_text("not a cache")
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(mine))
    assert main(["cache", "clear"]) == 1
    err = capsys.readouterr().err
    assert "was not made by sluice" in err and "Traceback" not in err
    assert (mine / "entries" / "keep").is_dir() and (mine / "tmp" / "notes.txt").exists()


def test_clear_empties_a_root_sluice_made(tmp_path, monkeypatch, capsys):
    root = tmp_path / "cache"
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(root))
    _get(BuildCache())
    assert main(["cache", "clear"]) == 0
    assert "removed 1 entries" in capsys.readouterr().out
    assert not list((root / "entries").iterdir())


def test_an_old_cache_without_marker_is_adopted(tmp_path):
    root = tmp_path / "cache"
    for sub in ("entries", "locks", "tmp"):
        (root / sub).mkdir(parents=True)
    (root / "entries" / ("ab" * 32)).mkdir()
    (root / "tmp" / "build-0123-xyz").mkdir()
    _get(BuildCache(root))
    assert (root / MARKER).is_file() and BuildCache(root).clear() == 2


def test_a_folder_with_only_a_tmp_of_its_own_is_not_adopted(tmp_path):
    root = tmp_path / "work"
    (root / "tmp").mkdir(parents=True)
    (root / "tmp" / "draft.txt").write_text("mine")
    _get(BuildCache(root))  # usable as a cache ...
    assert not (root / MARKER).exists()
    with pytest.raises(CacheError, match="was not made by sluice"):
        BuildCache(root).clear()  # ... but never emptied
    assert (root / "tmp" / "draft.txt").read_text() == "mine"


def test_a_full_disk_is_a_clear_error(tmp_path, monkeypatch):
    cache = BuildCache(tmp_path / "cache")
    real = Path.write_text

    def full(self, *a, **k):
        if self.name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(CacheError, match="no space left") as e:
        _get(cache)
    assert str(cache.root) in str(e.value)
    assert not list((cache.root / "entries").iterdir())  # nothing half-published
    assert not list((cache.root / "tmp").iterdir())


def test_a_full_disk_while_building_is_a_clear_error(tmp_path):
    def build(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp / "k.cpp"))

    with pytest.raises(CacheError, match="no space left"):
        BuildCache(tmp_path / "cache").get_or_build({"ir": "y"}, build, artifact="libk.so",
                                                    program="k", target="cpu")


def test_a_full_disk_does_not_stop_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "cache"))

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("lark.Lark.save", full)
    assert lalr_parser(GRAMMAR, "diffs").parse("1 - 2").children == ["1", "2"]
    assert not list((tmp_path / "cache" / "grammars").iterdir())  # no half-written file


def test_an_uncreatable_root_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CacheError, match="cannot create the cache folder"):
        _get(BuildCache(blocker / "cache"))


def test_an_unwritable_root_is_a_clear_error(tmp_path, monkeypatch):
    root = trusted_root(tmp_path / "cache")
    real = os.mkdir

    def denied(path, *a, **k):
        if Path(path).parent == root:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "mkdir", denied)  # as `chmod a-w` does for a non-root user
    with pytest.raises(CacheError, match="cannot create") as e:
        _get(BuildCache(root))
    assert "chmod u+w" in str(e.value)


def test_an_entries_folder_others_can_write_is_refused_before_loading(tmp_path):
    cache = BuildCache(tmp_path / "cache")
    _get(cache)
    (cache.root / "entries").chmod(0o777)
    with pytest.raises(CacheError, match="entries is unsafe to use"):
        _get(cache)
