"""Verifiable markers that let an SDFG written by `sdfg_export` come back as the same Program.

Every C++ tasklet the exporter writes starts with one comment line,
`// sluice <hash> <json>`: the json says what the tasklet stands for in the IR (a sluice
tasklet in the IR's own serialization, a library node with its operands, a zeroing or
requirement check, the value of a computed symbol), and the hash is a short sha256 over the
json and the rest of the C++ body. The importer reads a C++ tasklet only through a marker
whose hash matches, so a tasklet edited in DaCe is refused, never misread. The SDFG-level
facts (the program's original names, containers, CSR grouping, state names) travel the same
way as one `// sluice-sdfg <hash> <json>` line in the SDFG's global code. No marker holds
the program's control flow or dataflow: the importer reads those from the SDFG itself.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluice.ir.memlet import Memlet
    from sluice.ir.nodes import Node
    from sluice.ir.requires import Requirement

# Written into the global code of every SDFG that sluice exports (the build guards name it):
# the importer tells sluice's own SDFGs by it.
EXPORT_MARK = "sluice.interop.sdfg_export.DACE_CXX_ARGS"

_TASKLET = "// sluice "
_FACTS = "// sluice-sdfg "


class MarkerError(Exception):
    """A marker whose hash does not match what it marks (the code was edited)."""


def _hash(payload: str, body: str) -> str:
    return hashlib.sha256(f"{payload}\n{body}".encode()).hexdigest()[:16]


def _dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def mark(payload: dict[str, Any], body: str) -> str:
    """C++ tasklet code: the marker line, then `body`."""
    text = _dump(payload)
    return f"{_TASKLET}{_hash(text, body)} {text}\n{body}"


def read_mark(code: str) -> dict[str, Any] | None:
    """The payload of a marked tasklet's code; None where it has no marker; MarkerError where
    the hash does not match."""
    first, _, body = code.partition("\n")
    if not first.startswith(_TASKLET):
        return None
    return _verified(first[len(_TASKLET) :], body)


def facts_line(facts: dict[str, Any]) -> str:
    """The global-code comment line with the SDFG-level facts."""
    text = _dump(facts)
    return f"{_FACTS}{_hash(text, '')} {text}"


def read_facts(global_code: str) -> dict[str, Any] | None:
    """The SDFG-level facts in `global_code`; None where there are none."""
    for line in global_code.splitlines():
        if line.startswith(_FACTS):
            return _verified(line[len(_FACTS) :], "")
    return None


def _verified(rest: str, body: str) -> dict[str, Any]:
    digest, _, text = rest.partition(" ")
    if _hash(text, body) != digest:
        raise MarkerError("its code does not match the hash sluice wrote with it")
    try:
        out = json.loads(text)
    except json.JSONDecodeError:
        raise MarkerError("its marker is not JSON") from None
    if not isinstance(out, dict):
        raise MarkerError("its marker is not a JSON object")
    return out


# --- IR pieces in the IR's own serialization (`sluice.ir.serialize`) ------------------------


def node_json(n: Node) -> dict[str, Any]:
    from sluice.ir.serialize import _located

    return _located(n)


def node_from_json(d: dict[str, Any]) -> Node:
    """A node (its source location too) from `node_json`."""
    import sluice.ir.library  # noqa: F401 - registers the library nodes
    from sluice.errors import SourceLocation
    from sluice.ir.serialize import _node_from

    node = _node_from(d)
    if "loc" in d:
        node.loc = SourceLocation(*d["loc"])
    return node


def requirement_json(r: Requirement) -> list[Any]:
    from sluice.ir.serialize import _requirement

    return _requirement(r)


def requirement_from_json(d: list[Any]) -> Requirement:
    from sluice.ir.serialize import _requirement_from

    return _requirement_from(d)


def memlet_json(m: Memlet | None) -> Any:
    from sluice.ir.serialize import _memlet

    return _memlet(m)


def memlet_from_json(d: Any) -> Memlet | None:
    from sluice.ir.memlet import Memlet
    from sluice.ir.serialize import _subset_from

    if d is None:
        return None
    return Memlet(
        d["data"], _subset_from(d["subset"]), d["wcr"], d["other"], _subset_from(d["other_subset"])
    )
