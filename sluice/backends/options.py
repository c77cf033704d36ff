"""Backend options given as an options object, a dict of its fields, or None (defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def options_of(cls: type[T], options: T | Mapping[str, Any] | None, backend: str) -> T:
    """`options` as a `cls`; an unknown field name is a TypeError that lists the known ones."""
    if options is None:
        return cls()
    if isinstance(options, cls):
        return options
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(options) - known  # type: ignore[arg-type]
    if unknown:
        raise TypeError(f"unknown {backend} backend option {sorted(unknown)[0]!r}; "
                        f"use {sorted(known)}")
    return cls(**options)  # type: ignore[arg-type]
