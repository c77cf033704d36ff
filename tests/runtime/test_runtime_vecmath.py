"""Which vector math library generated code links against, and how `sluice doctor` reports it."""

from __future__ import annotations

import pytest

from sluice.runtime import toolchain, vecmath


@pytest.fixture
def fresh_probe():
    vecmath._found.cache_clear()
    yield
    vecmath._found.cache_clear()


def test_sluice_vecmath_off_turns_it_off(monkeypatch):
    monkeypatch.setenv("SLUICE_VECMATH", "off")
    assert vecmath.find_vecmath() is None
    ok, detail = vecmath.describe()
    assert not ok and "SLUICE_VECMATH" in detail
    tools = {t.name: t for t in toolchain.discover()}
    assert not tools["vector math"].found and "SLUICE_VECMATH" in tools["vector math"].detail


@pytest.mark.parametrize("glibc, machine", [((2, 34), "x86_64"), (None, "x86_64"),
                                            ((2, 36), "aarch64")])
def test_only_glibc_2_35_on_x86_64_qualifies(monkeypatch, fresh_probe, glibc, machine):
    # Older glibc lacks some of the declared variants; other ISAs name theirs differently.
    monkeypatch.setattr(vecmath, "_glibc_version", lambda: glibc)
    monkeypatch.setattr(vecmath.platform, "machine", lambda: machine)
    assert vecmath.find_vecmath() is None
    ok, detail = vecmath.describe()
    assert not ok and "2.35" in detail


def test_a_qualifying_system_links_libmvec(monkeypatch, fresh_probe):
    monkeypatch.setattr(vecmath, "_glibc_version", lambda: (2, 36))
    monkeypatch.setattr(vecmath.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(vecmath.sys, "platform", "linux")
    monkeypatch.setattr(vecmath.ctypes.util, "find_library", lambda name: f"lib{name}.so.1")
    v = vecmath.find_vecmath()
    assert v is not None and "2.36" in v.name
    assert v.compile_flags() == ["-DSL_VECMATH"] and v.link_flags() == ["-lmvec"]


def test_the_glibc_version_is_read_from_the_c_library():
    version = vecmath._glibc_version()
    assert version is None or (len(version) == 2 and version >= (2, 0))
