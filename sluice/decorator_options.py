"""The options of `@sluice.jit(...)` and `@sluice.program(...)`, checked when the decorator
is applied (an unknown or ill-typed option is a `SluiceError` naming it, with a did-you-mean).

    target           where calls run: "cpu" (default) or "interpret" (the reference
                     interpreter); `.compile(target)` and `.lower(target)` may pick another.
    boundscheck      check every array access of the generated code (None: the
                     `$SLUICE_BOUNDSCHECK` environment variable decides).
    parallel         False compiles without OpenMP threads (SIMD stays): one core per call.
    cache            True keeps builds in the build cache (`$SLUICE_CACHE_DIR`, else the
                     platform's cache folder); a path keeps them there; False builds in a private
                     folder of this process, removed when it exits.
    static_argnames  parameters whose values are compiled in (like JAX's): each new value
    static_argnums   compiles anew; numbers otherwise stay run-time arguments.
    reorder          True compiles with pipeline O3: matrix chains (`A @ X @ W`, sparse A
                     too) are re-associated by cost, which rounds differently (passes/reorder).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from sluice.errors import SluiceError, did_you_mean


@dataclass(frozen=True)
class DecoratorOptions:
    target: str = "cpu"
    boundscheck: bool | None = None
    parallel: bool = True
    cache: bool | str | os.PathLike = True
    static_argnames: tuple[str, ...] = ()
    static_argnums: tuple[int, ...] = ()
    reorder: bool = False

    @classmethod
    def of(cls, decorator: str, options: Mapping[str, Any], params: list[str],
           targets: tuple[str, ...]) -> DecoratorOptions:
        """Checked options of `@sluice.<decorator>` on a function with parameters `params`."""
        known = [f.name for f in fields(cls)]
        if decorator != "jit":  # a @program's annotations say what is fixed
            known = [k for k in known if not k.startswith("static_")]
        for name in options:
            if name not in known:
                raise SluiceError(f"@sluice.{decorator} has no option '{name}'",
                                  hint=did_you_mean(name, known)
                                  or f"its options are {', '.join(known)}")
        opts = dict(options)
        target = opts.get("target", cls.target)
        if target not in targets:
            raise SluiceError(f"unknown target {target!r} in @sluice.{decorator}",
                              hint=(did_you_mean(target, targets) if isinstance(target, str)
                                    else None) or f"use one of {', '.join(targets)}")
        for name in ("parallel", "boundscheck", "reorder"):
            v = opts.get(name)
            if name in opts and not (isinstance(v, bool) or v is None and name == "boundscheck"):
                raise SluiceError(f"option {name}= of @sluice.{decorator} takes True or False, "
                                  f"not {v!r}")
        cache = opts.get("cache", True)
        if not isinstance(cache, bool | str | os.PathLike):
            raise SluiceError(f"option cache= of @sluice.{decorator} takes True, False or a "
                              f"folder, not {cache!r}")
        if "static_argnames" in opts:
            opts["static_argnames"] = _names(opts["static_argnames"], params)
        if "static_argnums" in opts:
            opts["static_argnums"] = _numbers(opts["static_argnums"], params)
        return cls(**opts)

    def static(self, params: list[str]) -> frozenset[str]:
        """The names of the parameters compiled in."""
        return frozenset(self.static_argnames) | {params[k] for k in self.static_argnums}


def _names(v: Any, params: list[str]) -> tuple[str, ...]:
    names = (v,) if isinstance(v, str) else _sequence(v, "static_argnames", "parameter names")
    for n in names:
        if not isinstance(n, str):
            raise SluiceError(f"static_argnames holds {n!r}, not a parameter name")
        if n not in params:
            raise SluiceError(f"static_argnames names '{n}', which is not a parameter",
                              hint=did_you_mean(n, params)
                              or f"the parameters are {', '.join(params) or 'none'}")
    return names


def _numbers(v: Any, params: list[str]) -> tuple[int, ...]:
    nums = (v,) if isinstance(v, int) else _sequence(v, "static_argnums", "parameter positions")
    out = []
    for k in nums:
        if not isinstance(k, int) or isinstance(k, bool):
            raise SluiceError(f"static_argnums holds {k!r}, not a parameter position")
        if not -len(params) <= k < len(params):
            raise SluiceError(f"static_argnums holds {k}, but the function has "
                              f"{len(params)} parameter(s)", hint="positions count from 0")
        out.append(k % len(params))
    return tuple(out)


def _sequence(v: Any, option: str, what: str) -> tuple[Any, ...]:
    if not isinstance(v, Iterable):
        raise SluiceError(f"{option} takes {what}, not {v!r}")
    return tuple(v)


def build_cache(cache: bool | str | os.PathLike) -> Any:
    """The `BuildCache` a `cache=` option asks for (None: the default one)."""
    from sluice.runtime.cache import BuildCache  # (the runtime imports sluice itself)

    if cache is True:
        return None
    if cache is False:
        return BuildCache(_private_folder())
    return BuildCache(cache)


_PRIVATE: list[str] = []


def _private_folder() -> str:
    """One folder per process for `cache=False` builds, removed at exit."""
    if not _PRIVATE:
        import atexit
        import shutil
        import tempfile

        _PRIVATE.append(tempfile.mkdtemp(prefix="sluice-uncached-"))
        atexit.register(shutil.rmtree, _PRIVATE[0], ignore_errors=True)
    return _PRIVATE[0]
