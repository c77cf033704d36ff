"""Measures simulator speed in simulated PE-cycles per second of host time.

    python -m sluice.runtime.wafer.bench --width 32 --height 32 --n 64

Only the launched computation is timed (the memcpy copies before and after are excluded,
as the simulator skips their idle cycles); parsing the printed program is timed apart.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sluice.backends.csl import parser, printer, samples
from sluice.runtime.wafer.host import SdkRuntime


def measure(width: int, height: int, n: int, kind: str = "pipelined_reduce") -> dict[str, float]:
    """Runs one sample program and returns timing and cycle figures of its launch."""
    build = {"pipelined_reduce": samples.pipelined_reduce,
             "row_broadcast": samples.row_broadcast}[kind]
    s = build(width, height, n)
    t0 = time.perf_counter()
    program = parser.parse_stream(printer.print_stream(s.program))
    parse_s = time.perf_counter() - t0
    inputs = s.make_inputs(np.random.default_rng(0))
    rt = SdkRuntime(program)
    rt.load()
    rt.run()
    h2d = s.host.steps[0]  # both samples start by copying their input in
    rt.memcpy_h2d(rt.get_id(h2d.target), inputs[h2d.source].ravel(), h2d.x0, h2d.y0, h2d.w,
                  h2d.h, h2d.elems)
    sim = rt.sim
    c0, t0 = max(sim.now, sim.memcpy_busy_until), time.perf_counter()
    rt.launch("start")
    sim.quiesce("bench")
    wall = time.perf_counter() - t0
    cycles = sim.now - c0
    pes = width * height
    return {"pes": pes, "cycles": cycles, "wall_s": wall, "parse_s": parse_s,
            "pe_cycles_per_s": cycles * pes / wall, "busy_pe_cycles": sim.busy_cycles}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--n", type=int, default=64, help="elements per PE")
    ap.add_argument("--kind", default="pipelined_reduce",
                    choices=["pipelined_reduce", "row_broadcast"])
    args = ap.parse_args(argv)
    r = measure(args.width, args.height, args.n, args.kind)
    print(f"{args.kind} {args.width}x{args.height}, {args.n} elements/PE: "
          f"{r['cycles']} cycles in {r['wall_s']:.2f} s -> "
          f"{r['pe_cycles_per_s']:,.0f} PE-cycles/s (parse {r['parse_s']:.2f} s)")


if __name__ == "__main__":
    main()
