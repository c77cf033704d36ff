"""LALR parsers whose tables are computed once per machine, not once per process.

Building a Lark LALR parser analyses the grammar (~0.2 s for the IR's), which was a fifth of
a cold `@sluice.jit` compile. The analysed parser is kept beside the build cache
(`$SLUICE_CACHE_DIR/grammars/`), keyed by the grammar text, the options and the Lark and
Python versions; an unreadable or stale file is simply rebuilt. It is the same trust as the
cache's shared libraries, which are loaded and run.
"""

from __future__ import annotations

import hashlib
import os
import sys
from typing import Any

import lark

from sluice.cachedir import default_root

# Options Lark does not store in a saved parser; they are passed again on loading.
_RUNTIME_OPTIONS = ("postlex", "transformer", "lexer_callbacks", "propagate_positions")


def lalr_parser(grammar: str, name: str, **options: Any) -> lark.Lark:
    """`lark.Lark(grammar, parser="lalr", **options)`, loaded from the cache when it can be."""
    runtime = {k: v for k, v in options.items() if k in _RUNTIME_OPTIONS}
    described = sorted((k, repr(v) if isinstance(v, bool | str | int | list | tuple)
                        else type(v).__qualname__) for k, v in options.items())
    key = hashlib.sha256(repr((grammar, described, lark.__version__,
                               sys.version_info[:2])).encode()).hexdigest()[:20]
    path = default_root() / "grammars" / f"{name}-{key}.lark"
    try:
        with open(path, "rb") as f:
            return lark.Lark.load(f, **runtime)
    except Exception:  # missing, partly written by another process, or from another Lark
        pass
    parser = lark.Lark(grammar, parser="lalr", **options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            parser.save(f)
        os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
    except OSError:
        pass  # a read-only cache only costs the analysis next time
    return parser
