"""How a `@sluice.jit` / `@sluice.program` function shows itself: one-line `repr`, and in
Jupyter its signature, options, compilations so far and the specialisations it holds, each
with the targets it was built for and whether it is still current."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from sluice import display
from sluice.compiled_function import CompiledFunction
from sluice.errors import SluiceError
from sluice.ir.text import signature_text
from sluice.notebook import describe_file

if TYPE_CHECKING:
    from sluice.api import SluiceFunction


def function_repr(f: SluiceFunction) -> str:
    return display.one_line(f"<sluice.{f.decorator} {f.__qualname__}{_python_signature(f)}: "
                            f"{display.plural(f.compilations, 'compilation')}>", 200)


def function_html(f: SluiceFunction) -> str:
    fn = f.__sluice_function__
    code = fn.__code__
    about: dict[str, object] = {
        "defined at": f"{describe_file(code.co_filename)}, line {code.co_firstlineno}",
        "default target": f.options.target,
        "compilations": f.compilations,
    }
    if f.static:
        about["compiled-in parameters"] = ", ".join(sorted(f.static))
    if f.python_only:
        about["calls"] = "run as plain Python ($SLUICE_DISABLE_JIT is set)"
    if f.last_miss:
        about["last compiled because of"] = f.last_miss
    rows = [_row(f, key, e) for key, entries in f._cache.items() for e in entries]
    sections: list[object] = [display.facts(about)]
    if rows:
        head = ["specialisation", "compiled-in values", "built for", "state"]
        if not any(r[1] for r in rows):  # (no constants: no empty column)
            head, rows = head[:1] + head[2:], [r[:1] + r[2:] for r in rows]
        sections.append(display.table(head, rows))
    else:
        sections.append("not compiled yet: call it, or use .trace(...) / .compile(...)")
    title = f"@sluice.{f.decorator} {f.__qualname__}{_python_signature(f)}"
    return display.card(title, sections)


def _row(f: SluiceFunction, key: Any, entry: Any) -> list[object]:
    built = sorted(f"{c.target} (bounds-checked)" if c.boundscheck else c.target
                   for c in entry.runners.values() if isinstance(c, CompiledFunction))
    return [display.code(signature_text(entry.traced.program)), _constants(key),
            ", ".join(built) or "traced only", "current" if _current(f, entry) else
            "stale: its source, a global or a callee changed"]


def _constants(key: Any) -> str:
    """`n = 3, mode = 'fast'`: the values a @jit key compiled in (by their fingerprint)."""
    if not isinstance(key, tuple):
        return ""
    out = []
    for item in key:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], tuple)):
            continue
        name, kind = item
        if kind and kind[0] in ("const", "static"):
            fp = kind[1]
            shown = fp[2] if isinstance(fp, tuple) and fp and fp[0] == "value" else "..."
            out.append(f"{name} = {display.one_line(str(shown), 40)}")
    return ", ".join(out)


def _current(f: SluiceFunction, entry: Any) -> bool:
    from sluice.api import _deps_key  # (the api module defines what a current entry is)

    try:
        return _deps_key(f.__sluice_function__, entry.traced) == entry.deps
    except SluiceError:  # the source can no longer be read
        return False


def _python_signature(f: SluiceFunction) -> str:
    try:
        return str(inspect.signature(f.__sluice_function__))
    except (TypeError, ValueError):
        return "(...)"
