"""Which BLAS generated code links against, and how `sluice doctor` reports it."""

from __future__ import annotations

from pathlib import Path

from sluice.runtime import blas, toolchain


def test_the_packaged_openblas_is_found_with_its_prefix_and_flags():
    b = blas.find_blas()
    assert b is not None, "scipy-openblas32 is a dependency; it must be found"
    assert (Path(b.include_dir) / "cblas.h").is_file()
    assert f"-DSL_CBLAS={b.prefix}cblas_" in b.compile_flags()
    link = b.link_flags()
    assert link[-1] == f"-l{b.lib}"
    if b.lib_dir is not None:  # found in a Python package: loaded from there (rpath)
        assert f"-Wl,-rpath,{b.lib_dir}" in link
    ok, detail = blas.describe()
    assert ok and b.name in detail


def test_sluice_blas_off_turns_it_off(monkeypatch):
    monkeypatch.setenv("SLUICE_BLAS", "off")
    assert blas.find_blas() is None
    ok, detail = blas.describe()
    assert not ok and "SLUICE_BLAS" in detail
    tools = {t.name: t for t in toolchain.discover()}
    assert not tools["blas"].found and "SLUICE_BLAS" in tools["blas"].detail
