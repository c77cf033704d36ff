"""Measures simulator speed in simulated PE-cycles per second of host time.

    python -m bench.wafer_speed --width 32 --height 32 --n 64
    python -m bench.wafer_speed --width 32 --height 32 --n 4 --kind laplace2d

For the hand-built samples only the launched computation is timed (the memcpy copies before
and after are excluded, as the simulator skips their idle cycles); parsing the printed
program is timed apart. `laplace2d` compiles `examples/spada/laplace2d.sptl` (untimed),
parses its printed CSL (timed apart) and times its whole host script on the simulator:
memcpy in, launch, memcpy out and stop; its cycles include the memcpy copies, and its
output is checked against the NumPy reference. Its time includes validating the program
and setting up the PEs; each line also shows the cycle loop's own seconds. `--repeat 3`
runs three times (compiling once) and prints the median rate.

(A benchmark, so it lives in bench/, above every floor of the package: it compiles `.sptl`
examples through `sluice.spatial` and runs them on the runtime's simulator.)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import runpy
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sluice.csl import model as m
from sluice.csl import parser, printer, samples
from sluice.runtime.wafer.host import SdkRuntime
from sluice.spatial import load

KINDS = ("pipelined_reduce", "row_broadcast", "laplace2d")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "spada"


def measure(width: int, height: int, n: int, kind: str = "pipelined_reduce") -> dict[str, float]:
    """Runs one sample program and returns timing and cycle figures of its launch."""
    if kind == "laplace2d":
        return measure_example("laplace2d", {"W": width, "H": height, "N": n})
    build = {"pipelined_reduce": samples.pipelined_reduce, "row_broadcast": samples.row_broadcast}[
        kind
    ]
    s = build(width, height, n)
    t0 = time.perf_counter()
    program = parser.parse_stream(printer.print_stream(s.program))
    parse_s = time.perf_counter() - t0
    inputs = s.make_inputs(np.random.default_rng(0))
    rt = SdkRuntime(program)
    rt.load()
    rt.run()
    h2d = s.host.steps[0]  # both samples start by copying their input in
    rt.memcpy_h2d(
        rt.get_id(h2d.target), inputs[h2d.source].ravel(), h2d.x0, h2d.y0, h2d.w, h2d.h, h2d.elems
    )
    sim = rt.sim
    c0, loop0 = max(sim.now, sim.memcpy_busy_until), sim.wall
    t0 = time.perf_counter()
    rt.launch("start")
    sim.quiesce("bench")
    wall = time.perf_counter() - t0
    cycles = sim.now - c0
    pes = width * height
    return {
        "pes": pes,
        "cycles": cycles,
        "wall_s": wall,
        "parse_s": parse_s,
        "loop_s": sim.wall - loop0,
        "pe_cycles_per_s": cycles * pes / wall,
        "busy_pe_cycles": sim.busy_cycles,
    }


def _references() -> dict:
    spec = importlib.util.spec_from_file_location("spada_references", EXAMPLES / "references.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.REFERENCES


def run_host(
    program: m.CslProgram,
    host: m.HostProgram,
    inputs: dict[str, np.ndarray],
    parse: bool = False,
    seed: int | None = None,
) -> tuple[dict[str, np.ndarray], SdkRuntime, float, float]:
    """Runs `host`'s printed `run.py` on `inputs` with `program` on the simulator, or (with
    `parse`) with the program parsed back from its printed CSL; `seed` picks tasks at
    random. Returns the outputs, the runtime, the seconds spent parsing and the seconds
    the host script ran."""
    runtimes: list[SdkRuntime] = []
    with tempfile.TemporaryDirectory(prefix="sluice_bench_") as d:
        printer.write_files(program, d, host)
        t0 = time.perf_counter()
        if parse:
            program = parser.parse_dir(d)
        parse_s = time.perf_counter() - t0
        run = runpy.run_path(os.path.join(d, "run.py"), run_name="sluice_bench")["run"]

        def runtime(_dir: str, **kw: object) -> SdkRuntime:
            runtimes.append(SdkRuntime(program, seed=seed, **kw))  # not parsing `_dir` again
            return runtimes[-1]

        run.__globals__["SdkRuntime"] = runtime
        t0 = time.perf_counter()
        outs = run(d, inputs)
        wall = time.perf_counter() - t0
    return outs, runtimes[0], parse_s, wall


def measure_example(name: str, params: dict[str, int]) -> dict[str, float]:
    """Compiles `examples/spada/<name>.sptl` and times its printed host script end to end
    on the simulator (all memcpy transfers included); raises if the result is wrong."""
    return example_runner(name, params)()


def example_runner(name: str, params: dict[str, int]) -> Callable[[], dict[str, float]]:
    """Compiles `examples/spada/<name>.sptl` once; the function returned times one run of
    its host script as `measure_example` does."""
    ref = _references()[name]
    art = load(EXAMPLES / f"{name}.sptl", params).compile("csl")
    host_in = ref.make_inputs(params, np.random.default_rng(0))
    want = ref.reference(host_in, params)

    def run() -> dict[str, float]:
        outs, rt, parse_s, wall = run_host(art.program, art.host, art.pack_inputs(host_in), True)
        got = art.unpack_outputs(outs)
        for k, v in want.items():
            np.testing.assert_allclose(got[k], v, rtol=2e-4, atol=2e-4, err_msg=f"{name} {k}")
        sim = rt.sim
        assert sim is not None
        pes = params["W"] * params["H"]
        return {
            "pes": pes,
            "cycles": sim.now,
            "wall_s": wall,
            "parse_s": parse_s,
            "loop_s": sim.wall,
            "pe_cycles_per_s": sim.now * pes / wall,
            "busy_pe_cycles": sim.busy_cycles,
        }

    return run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--n", type=int, default=64, help="elements per PE")
    ap.add_argument("--kind", default="pipelined_reduce", choices=KINDS)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs (compiled once); with more than one, also their median",
    )
    args = ap.parse_args(argv)
    if args.kind == "laplace2d":
        once = example_runner("laplace2d", {"W": args.width, "H": args.height, "N": args.n})
    else:

        def once() -> dict[str, float]:
            return measure(args.width, args.height, args.n, args.kind)

    rates = []
    for _ in range(max(args.repeat, 1)):
        r = once()
        rates.append(r["pe_cycles_per_s"])
        # The cycle loop apart from the rest (validation, set-up of the PEs, host script).
        print(
            f"{args.kind} {args.width}x{args.height}, {args.n} elements/PE: "
            f"{r['cycles']} cycles in {r['wall_s']:.2f} s -> "
            f"{r['pe_cycles_per_s']:,.0f} PE-cycles/s (parse {r['parse_s']:.2f} s; "
            f"cycle loop {r['loop_s']:.2f} s)"
        )
    if len(rates) > 1:
        print(f"median of {len(rates)}: {statistics.median(rates):,.0f} PE-cycles/s")


if __name__ == "__main__":
    main()
