"""`sluice cache ls` and `sluice cache prune` on a cache filled with stand-in builds."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from sluice.cli import main
from sluice.runtime.cache import BuildCache


def _fill(root: Path, names: list[str]) -> list:
    cache = BuildCache(root)
    entries = []
    for k, name in enumerate(names):
        def build(tmp: Path, name: str = name) -> None:
            (tmp / "libk.so").write_bytes(b"x" * 3000)

        e = cache.get_or_build({"ir": name}, build, artifact="libk.so", program=name,
                               target="cpu")
        t = time.time() - 3600 * (len(names) - k)  # the first was used longest ago
        os.utime(e.path, (t, t))
        entries.append(e)
    return entries


def test_ls_shows_sizes_dates_and_the_cap(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "1G")
    _fill(tmp_path / "c", ["alpha", "beta"])
    assert main(["cache", "ls"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if "alpha" in ln or "beta" in ln]
    assert len(rows) == 2
    for row in rows:
        assert re.search(r"\d+\.\d KiB\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d",
                         row), row
    assert "created" in out and "last used" in out
    assert re.search(r"2 entries, \d+\.\d KiB of 1\.0 GiB in ", out)


def test_prune_to_a_size(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "c"))
    old, mid, new = _fill(tmp_path / "c", ["old", "mid", "new"])
    assert main(["cache", "prune", "--max-size", str(mid.disk_size + new.disk_size)]) == 0
    assert capsys.readouterr().out.startswith("removed 1 entries")
    assert not old.path.exists() and mid.path.exists() and new.path.exists()
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "0")  # the default of --max-size
    assert main(["cache", "prune"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert main(["cache", "ls"]) == 0
    assert "0 entries" in capsys.readouterr().out


def test_bad_sizes_are_diagnostics(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "c"))
    assert main(["cache", "prune", "--max-size", "lots"]) == 1
    err = capsys.readouterr().err
    assert "'lots' is not a size" in err and "Traceback" not in err
    monkeypatch.setenv("SLUICE_CACHE_MAX_SIZE", "12 parsecs")
    assert main(["cache", "ls"]) == 1
    assert "SLUICE_CACHE_MAX_SIZE" in capsys.readouterr().err


def test_an_unusable_cache_folder_is_a_diagnostic(tmp_path, monkeypatch, capsys):
    import sluice.backends.cpu.driver as driver

    monkeypatch.setattr(driver, "_LOADED", {})  # build through the cache, not from memory
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(blocker / "cache"))
    (tmp_path / "progs.py").write_text(
        "import sluice\n\n@sluice.program\ndef f(x: sluice.float64[3]):\n    x[:] = x + 1\n")
    assert main(["run", f"{tmp_path / 'progs.py'}::f", "--target", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "cannot create the cache folder" in err and "SLUICE_CACHE_DIR" in err
    assert "Traceback" not in err
