"""Copies where NumPy gives views.

Some NumPy functions return a view of their operand that sluice computes as a copy:
`reshape` and `ravel` (a view of a contiguous array: sluice's views are slices, which
cannot renumber elements) and the `.real`/`.imag` parts of a complex array (a view of half
of each element). The copy is the right value until someone writes, through either name,
into the memory the two share in NumPy:

    b = a.reshape(-1)
    b[0] = 5.0     # NumPy changes a too
    a[1] = 7.0     # NumPy changes b too

The tracer records each such copy of an array that a name refers to, and then

* a write into the copy (`b[0] = 5.0`) is refused: NumPy would change the array as well;
* a write into the array marks the names that hold the copy as stale: reading one of them
  later is refused (not bound again: fine, as in stockham's `yv = np.reshape(y, ...)`
  before `y[:] = ...`). A write inside a loop or branch opened after the copy was made is
  refused at once, since the loop's next iteration may read the copy before the write.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Any

from sluice.errors import UnsupportedError
from sluice.frontend.python.values import View

HINT_COPY = "take .copy() of it where it is made, so that it is a value of its own in NumPy too"


@dataclass(frozen=True)
class ViewCopy:
    source: str  # the data the copy stands for a view of
    what: str  # "reshape of 'a'": how messages name it
    depth: int  # the control depth (loops and branches) where it was made


class ViewCopies:
    """Mixin of the Tracer (state: `view_copies`, and each frame's `stale` names)."""

    def note_view_copy(self, copy: View, source: str | None, what: str) -> View:
        """`copy` (a fresh array) is what NumPy returns as a view of the array `source`
        (data name); returns it marked as shared (never reused as storage)."""
        name = self._name_of(source) if source is not None else None
        if name is None:  # nobody else can see the array: a copy behaves as the view
            return copy
        self.view_copies[copy.data] = ViewCopy(source, f"{what} of '{name}'",
                                               self.control_depth)
        return dataclasses.replace(copy, owned=False)

    def before_write(self, target: Any, node: ast.AST) -> None:
        """`target` is about to be written in place as NumPy writes (an indexed store, an
        augmented assignment to an array, a ufunc's out=)."""
        if not isinstance(target, View) or not self.view_copies:
            return
        made = self.view_copies.get(target.data)
        if made is not None:
            raise UnsupportedError(
                f"this writes into the {made.what}, which in NumPy is a view: the write "
                "would change that array too, and sluice computes the view as a copy",
                self.loc(node), hint=f"write into the array itself, or {HINT_COPY}")
        for data, made in self.view_copies.items():
            if made.source != target.data:
                continue
            holders = self._names_holding(data)
            if not holders:
                continue
            if self.control_depth > made.depth:
                raise UnsupportedError(
                    f"this writes into an array while '{holders[0][1]}' holds the "
                    f"{made.what}, a view in NumPy that sees the write (here, in a loop or "
                    "branch, it may be read again after it); sluice computes it as a copy",
                    self.loc(node), hint=HINT_COPY)
            for frame, name in holders:
                frame.stale[name] = (made.what, self.loc(node))

    def check_not_stale(self, name: str, node: ast.AST) -> None:
        stale = self.frame.stale.get(name)
        if stale is None:
            return
        what, written = stale
        line = f" at line {written.line}" if written is not None and written.line else ""
        raise UnsupportedError(
            f"'{name}' holds the {what}, which was written{line} after it was made: in "
            f"NumPy '{name}' is a view and sees that write, in sluice it is a copy",
            self.loc(node), hint=HINT_COPY)

    def _name_of(self, data: str) -> str | None:
        holders = self._names_holding(data)
        return holders[0][1] if holders else None

    def _names_holding(self, data: str) -> list[tuple[Any, str]]:
        out = []
        for f in self.frames:
            for name, v in [*f.env.items(), *f.mutable.items()]:
                if any(isinstance(x, View) and x.data == data for x in _flat(v)):
                    out.append((f, name))
        return out


def _flat(v: Any) -> list[Any]:
    return [x for item in v for x in _flat(item)] if isinstance(v, tuple) else [v]
