"""Shared fixtures of the runtime tests: an isolated build cache per test."""

from __future__ import annotations

import pytest

from sluice.runtime.cache import BuildCache


@pytest.fixture
def cache(tmp_path, monkeypatch) -> BuildCache:
    """A fresh cache root; SLUICE_CACHE_DIR points at it so default-constructed caches agree."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(root))
    return BuildCache(root)
