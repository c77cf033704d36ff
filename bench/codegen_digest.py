"""`python -m bench.codegen_digest`: a digest of the C++ that each bench kernel compiles to
(at its test size), one line per kernel. Two trees that print the same lines generate the
same programs, so their bench numbers can only differ by noise: run it in a worktree of
each revision and diff the outputs."""

from __future__ import annotations

import hashlib
import importlib
import sys


def digests() -> list[str]:
    import sluice
    from bench.kernels import ALL

    out = []
    for name in ALL:
        m = importlib.import_module(f"bench.kernels.{name}")
        args = m.init(**m.SIZES["test"])
        try:
            src = sluice.jit(m.kernel_numpy).lower("cpu", *args)
        except Exception as exc:  # noqa: BLE001 - reported as the kernel's line
            out.append(f"{name} error {type(exc).__name__}")
            continue
        body = src[src.index("static void sl_prog"):]  # (the prelude is shared text)
        out.append(f"{name} {hashlib.sha256(body.encode()).hexdigest()[:16]}")
    return out


if __name__ == "__main__":
    print("\n".join(digests()))
    sys.exit(0)
