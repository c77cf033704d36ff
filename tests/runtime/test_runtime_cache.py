import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sluice
from sluice.runtime.cache import BuildCache, cache_key, default_root, with_version

PARTS = {"ir": "abc", "target": "cpu", "compiler_version": "g++ 12", "flags": "-O3"}


def writer(content: bytes, calls: list | None = None):
    def build(tmp: Path) -> None:
        if calls is not None:
            calls.append(tmp)
        (tmp / "libk.so").write_bytes(content)

    return build


def get(cache: BuildCache, parts=PARTS, content=b"artifact", calls=None, program="k"):
    return cache.get_or_build(parts, writer(content, calls), artifact="libk.so",
                              program=program, target="cpu")


def test_key_is_order_independent_and_covers_every_part():
    assert cache_key({"a": "1", "b": "2"}) == cache_key({"b": "2", "a": "1"})
    base = cache_key(PARTS)
    for name in PARTS:
        assert cache_key({**PARTS, name: PARTS[name] + "x"}) != base
    assert cache_key({**PARTS, "extra": ""}) != base
    # Field boundaries are part of the hash: no concatenation collisions.
    assert cache_key({"ab": "c"}) != cache_key({"a": "bc"})
    assert with_version(PARTS)["sluice"] == sluice.__version__


def test_root_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "c"))
    assert default_root() == tmp_path / "c"
    assert BuildCache().root == tmp_path / "c"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the override wins
    assert default_root() == tmp_path / "c"
    monkeypatch.delenv("SLUICE_CACHE_DIR")
    if sys.platform.startswith("linux"):  # (platformdirs picks other folders elsewhere)
        assert default_root() == tmp_path / "xdg" / "sluice"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert default_root() == Path.home() / ".cache" / "sluice"


def test_build_once_then_hit(cache):
    calls = []
    e1 = get(cache, calls=calls)
    e2 = get(cache, calls=calls)
    assert len(calls) == 1
    assert e1 == e2 and e1.artifact_path.read_bytes() == b"artifact"
    # Directory named by the content key, never by the program.
    assert e1.path.name == cache_key(with_version(PARTS)) and "k" != e1.path.name
    manifest = json.loads((e1.path / "manifest.json").read_text())
    assert manifest["parts"]["target"] == "cpu" and manifest["size"] == len(b"artifact")
    assert not list((cache.root / "tmp").iterdir())  # the temp build dir was renamed away


def test_same_program_name_different_content_do_not_collide(cache):
    a = get(cache, {**PARTS, "ir": "one"}, b"one")
    b = get(cache, {**PARTS, "ir": "two"}, b"two")
    assert a.path != b.path
    assert a.artifact_path.read_bytes() == b"one" and b.artifact_path.read_bytes() == b"two"


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_corrupted_entry_is_detected_and_rebuilt(cache, damage):
    calls = []
    entry = get(cache, content=b"0123456789", calls=calls)
    art = entry.artifact_path
    if damage == "truncate":
        art.write_bytes(b"01234")
    elif damage == "flip":
        art.write_bytes(b"0123456780")  # same size, different checksum
    elif damage == "delete":
        art.unlink()
    else:
        (entry.path / "manifest.json").write_text("{not json")
    assert cache.lookup(PARTS) is None
    assert "corrupted" in cache.explain(PARTS)
    rebuilt = get(cache, content=b"0123456789", calls=calls)
    assert len(calls) == 2
    assert rebuilt.artifact_path.read_bytes() == b"0123456789"
    assert cache.lookup(PARTS) == rebuilt


def test_failed_build_publishes_nothing(cache):
    def broken(tmp: Path) -> None:
        (tmp / "half.o").write_bytes(b"x")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="compiler crashed"):
        cache.get_or_build(PARTS, broken, artifact="libk.so", program="k", target="cpu")
    assert cache.lookup(PARTS) is None
    assert cache.ls() == []
    assert not list((cache.root / "tmp").iterdir())


def test_build_must_produce_the_artifact(cache):
    with pytest.raises(FileNotFoundError, match="libk.so"):
        cache.get_or_build(PARTS, lambda tmp: None, artifact="libk.so", program="k",
                           target="cpu")


def test_ls_and_clear(cache):
    get(cache, {**PARTS, "ir": "1"}, program="first")
    get(cache, {**PARTS, "ir": "2"}, b"longer artifact", program="second")
    entries = cache.ls()
    assert [e.program for e in entries] == ["second", "first"]  # newest first
    assert entries[0].size == len(b"longer artifact") and entries[0].target == "cpu"
    assert entries[0].created >= entries[1].created
    assert cache.clear() == 2
    assert cache.ls() == []


def test_explain_names_the_differing_part(cache):
    assert "empty" in cache.explain(PARTS)
    get(cache)
    assert cache.explain(PARTS).startswith("hit")
    text = cache.explain({**PARTS, "flags": "-O2"})
    assert text.startswith("miss") and "1 part(s)" in text
    assert "flags: was '-O3', now '-O2'" in text
    two = cache.explain({**PARTS, "flags": "-O2", "target": "cuda"})
    assert "2 part(s)" in two and "target" in two and "ir" not in two
    # The nearest entry is chosen: one that differs only in `ir` beats one differing more.
    get(cache, {**PARTS, "ir": "zzz", "flags": "-O2"})
    near = cache.explain({**PARTS, "ir": "yyy", "flags": "-O2"})
    assert "1 part(s)" in near and "ir: was 'zzz', now 'yyy'" in near


_CONCURRENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sluice.runtime.cache import BuildCache

    root, counter = sys.argv[1], Path(sys.argv[2])

    def build(tmp):
        with counter.open("a") as f:
            f.write("built\\n")
        time.sleep(0.5)  # long enough for the other process to arrive and wait on the lock
        (tmp / "lib.so").write_bytes(b"shared artifact")

    e = BuildCache(root).get_or_build({"ir": "same"}, build, artifact="lib.so",
                                      program="p", target="cpu")
    print(e.key, e.sha256)
    """
)


def test_two_processes_build_the_same_key_once(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(_CONCURRENT)
    counter = tmp_path / "count.txt"
    repo = Path(sluice.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    procs = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path / "c"), str(counter)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert counter.read_text().count("built") == 1
    assert outs[0][0] == outs[1][0] != ""
