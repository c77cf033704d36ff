"""A control-flow graph of SDFG blocks as a sluice Region.

Blocks whose interstate edges form a chain become a sequence (edge assignments as `Assign`
blocks); a block with several conditional out-edges whose paths meet again (the `if` of a
state machine, as DaCe writes one without ConditionalBlocks) becomes a `Branch`. Anything
else, a loop written as a state machine in particular, is refused naming the block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.interop.sdfg_import_code import CodeError
from sluice.ir.control import Assign, Branch, Region

if TYPE_CHECKING:
    from sluice.interop.sdfg_import import Importer

_TRUE = ("", "1", "True", "(1)", "true")


def _attrs(e: dict[str, Any]) -> dict[str, Any]:
    return e.get("attributes", {}).get("data", {}).get("attributes", {}) or {}


def _condition(e: dict[str, Any]) -> str:
    c = _attrs(e).get("condition")
    text = c.get("string_data", "1") if isinstance(c, dict) else (c or "1")
    return str(text).strip()


class CfgWalk:
    """Walks one control-flow graph (an SDFG's, or a region's) into Regions."""

    def __init__(self, imp: Importer, cfg: dict[str, Any]) -> None:
        from sluice.interop.sdfg_import import describe, refuse

        self.imp, self.describe, self.refuse = imp, describe, refuse
        self.blocks = {str(b["id"]): b for b in cfg.get("nodes", [])}
        self.succ: dict[str, list[dict[str, Any]]] = {}
        for e in cfg.get("edges", []):
            self.succ.setdefault(str(e["src"]), []).append(e)
        # (the stored start_block can be stale: the one block nothing enters starts)
        entered = {str(e["dst"]) for e in cfg.get("edges", [])}
        first = [b for b in self.blocks if b not in entered]
        start = first[0] if len(first) == 1 else str(cfg.get("start_block"))
        self.start = start if start in self.blocks else next(iter(self.blocks), None)
        self.seen: set[str] = set()

    def name(self, bid: str) -> str:
        return self.describe(self.blocks[bid], sdfg=self.imp._where())

    def run(self, out: Region) -> None:
        if self.start is None:
            return
        self.chain(self.start, None, out)
        missing = set(self.blocks) - self.seen
        if missing:
            raise self.refuse(self.name(sorted(missing)[0]),
                              "it is not reached from the start block")

    def chain(self, cur: str | None, stop: str | None, out: Region) -> None:
        """Blocks from `cur` up to (not including) `stop`, in order, into `out`."""
        while cur is not None and cur != stop:
            if cur in self.seen:
                raise self.refuse(self.name(cur), "the control flow returns to it (a loop "
                                  "written as a state machine)", hint="lift loops into "
                                  "LoopRegions in DaCe (dace.program("
                                  "use_experimental_cfg_blocks=True))")
            self.seen.add(cur)
            self.imp.block(self.blocks[cur], out)
            outs = self.succ.get(cur, [])
            if len(outs) > 1:
                cur = self.branch(cur, outs, out)
            elif outs:
                e = outs[0]
                if _condition(e) not in _TRUE:
                    raise self.refuse(f"interstate edge after {self.name(cur)}",
                                      f"its condition '{_condition(e)}' makes the control flow "
                                      "unstructured", hint="use LoopRegion and "
                                      "ConditionalBlock")
                self.assign(e, cur, out)
                cur = str(e["dst"])
            else:
                cur = None

    def assign(self, e: dict[str, Any], src: str, out: Region) -> None:
        assigns = _attrs(e).get("assignments") or {}
        what = f"interstate edge after {self.name(src)}"
        own = self.imp.own
        values = {}
        for k, v in assigns.items():
            name, value = k, None
            if own is not None:
                got = own.assignment(k, v.get("string_data", "") if isinstance(v, dict)
                                     else str(v))
                if got is None:
                    continue  # one of the exporter's symbols: substituted where used
                name, value = got
            values[name] = value if value is not None else self.imp._assigned(name, v, what,
                                                                                out)
        if values:
            out.append(Assign(values))

    def _reach(self, bid: str) -> list[str]:
        order, todo, seen = [], [bid], {bid}
        while todo:
            b = todo.pop(0)
            order.append(b)
            for e in self.succ.get(b, []):
                d = str(e["dst"])
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return order

    def branch(self, guard: str, outs: list[dict[str, Any]], out: Region) -> str | None:
        """An `if` of the state machine: its paths, then where they meet (returned)."""
        reach = [self._reach(str(e["dst"])) for e in outs]
        common = [b for b in reach[0] if all(b in r for r in reach[1:])]
        if guard in common or not common:
            raise self.refuse(self.name(guard), f"it has {len(outs)} outgoing interstate "
                              "edges whose paths do not meet again (unstructured control "
                              "flow)", hint="use LoopRegion and ConditionalBlock")
        merge = common[0]
        cases = []
        for e in outs:
            what = f"interstate edge after {self.name(guard)}"
            try:
                cond = self.imp.cond(_condition(e) or "1", what, out)
            except CodeError as err:
                raise self.refuse(what, str(err)) from None
            body = Region()
            self.assign(e, guard, body)
            self.chain(str(e["dst"]), merge, body)
            cases.append((cond, body))
        out.append(Branch(cases))
        return merge
