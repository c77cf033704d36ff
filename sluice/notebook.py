"""Names for code typed into IPython and Jupyter: a diagnostic in a notebook cell says
`cell In[3], line 3` instead of the kernel's temporary file (`/tmp/ipykernel_1234/2216636051.py`).

IPython remembers which execution count compiled each cell's code; this module asks it, and
only when IPython is already loaded (sluice never imports it). Elsewhere names stay as they
are.
"""

from __future__ import annotations

import re
import sys
from typing import Any

# Plain IPython names a cell's code `<ipython-input-3-5f1a2b...>`: the count is in the name.
_IPYTHON_INPUT = re.compile(r"^<ipython-input-(\d+)-[0-9a-f]+>$")


def cell_name(filename: str | None) -> str | None:
    """`In[3]` when `filename` is the code of IPython's input cell 3, else None."""
    if not filename:
        return None
    plain = _IPYTHON_INPUT.match(filename)
    if plain:
        return f"In[{plain.group(1)}]"
    shell = running_shell()
    if shell is None:
        return None
    compiler = getattr(shell, "compile", None)
    named = getattr(compiler, "format_code_name", None)  # IPython >= 8: ("Cell", "In[3]")
    if named is not None:
        try:
            label = named(filename)
        except Exception:  # noqa: BLE001 - not a name it knows how to read
            label = None
        return str(label[1]) if isinstance(label, tuple) and len(label) == 2 else None
    counts = getattr(compiler, "_filename_map", None)  # older: code name -> execution count
    if isinstance(counts, dict) and filename in counts:
        return f"In[{counts[filename]}]"
    return None


def describe_file(filename: str | None) -> str:
    """`cell In[3]` for a notebook cell's code, else the file name itself."""
    cell = cell_name(filename)
    if cell is not None:
        return f"cell {cell}"
    return filename or "<input>"


def running_shell() -> Any | None:
    """The IPython shell this process runs in, or None (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    if get is None:
        return None
    try:
        return get()
    except Exception:  # noqa: BLE001 - a half-initialised IPython: no cell names
        return None
