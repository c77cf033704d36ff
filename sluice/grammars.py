"""LALR parsers whose tables are computed once per machine, not once per process.

Building a Lark LALR parser analyses the grammar (~0.2 s for the IR's), which was a fifth of
a cold `@sluice.jit` compile. The analysed parser is kept beside the build cache
(`$SLUICE_CACHE_DIR/grammars/`), keyed by the grammar text, the options and the Lark and
Python versions; an unreadable or stale file is simply rebuilt.

A saved parser is a pickle, and unpickling runs code, so it is loaded only from a cache
root `trusted_root` accepts, from a `grammars/` folder and a file that are the user's alone
(checked on the open file). Otherwise the tables are analysed afresh: parsing never needs
the cache, and the build cache reports an unsafe root as a `CacheError` when it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import lark

from sluice.cachedir import private_problem, private_subfolder, trusted_root
from sluice.errors import CacheError

# Options Lark does not store in a saved parser; they are passed again on loading.
_RUNTIME_OPTIONS = ("postlex", "transformer", "lexer_callbacks", "propagate_positions")


def lalr_parser(grammar: str, name: str, **options: Any) -> lark.Lark:
    """`lark.Lark(grammar, parser="lalr", **options)`, loaded from the cache when it can be."""
    runtime = {k: v for k, v in options.items() if k in _RUNTIME_OPTIONS}
    described = sorted((k, repr(v) if isinstance(v, bool | str | int | list | tuple)
                        else type(v).__qualname__) for k, v in options.items())
    key = hashlib.sha256(repr((grammar, described, lark.__version__,
                               sys.version_info[:2])).encode()).hexdigest()[:20]
    folder = _grammar_folder()
    path = folder / f"{name}-{key}.lark" if folder is not None else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                if private_problem(os.fstat(f.fileno())) is None:
                    return lark.Lark.load(f, **runtime)
        except Exception:  # missing, partly written by another process, or from another Lark
            pass
    parser = lark.Lark(grammar, parser="lalr", **options)
    if path is None:
        return parser
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            parser.save(f)
        os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
    except OSError:  # a read-only or full cache only costs the analysis next time
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return parser


def _grammar_folder() -> Path | None:
    """`<trusted root>/grammars`, or None where the cache is missing, unwritable or could be
    written by someone else: then parsers are analysed afresh and not saved (the build
    cache, which needs the folder, reports why)."""
    try:
        return private_subfolder(trusted_root(), "grammars")
    except CacheError:
        return None
