"""`python -m bench [--size S|M] [--kernels a,b] [--repeat N] [--settle S] [--peers ...]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import KERNELS_DIR, SETTLE_S, call_overheads, load_kernels, run_suite
from bench.peers import ALL_PEERS, make_peers
from bench.report import render, to_json


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--size", default="S", help="problem size key of each kernel's SIZES (S, M)")
    ap.add_argument("--kernels", type=_csv, default=None, help="comma-separated kernel names")
    # Nine: a slow spell of a shared machine must spoil five of a peer's calls to move its
    # median (with five rounds, three in a row did, and one run in two had such a spell).
    ap.add_argument("--repeat", type=int, default=9, help="timed runs per kernel and peer")
    ap.add_argument("--settle", type=float, default=SETTLE_S, metavar="SECONDS",
                    help="untimed calls of a peer before each of its timed ones, so the "
                         "previous peer's threads go idle (default %(default)s)")
    ap.add_argument("--peers", type=_csv, default=list(ALL_PEERS),
                    help=f"comma-separated, from {','.join(ALL_PEERS)}")
    ap.add_argument("--json", type=Path, default=None, metavar="OUT", help="write raw numbers")
    ap.add_argument("--kernels-dir", type=Path, default=KERNELS_DIR, help=argparse.SUPPRESS)
    ap.add_argument("--no-overhead", action="store_true",
                    help="skip the warm-call overhead measurement")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--grad", action="store_true",
                    help="time gradients (sluice.grad against jax.jit(jax.grad)) instead of "
                         "the kernels; --kernels picks among the AD kernels")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.settle < 0:
        ap.error("--settle must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.grad:
        return _main_grad(args)
    try:
        peers = make_peers(args.peers)
        modules, warnings = load_kernels(args.kernels_dir, args.kernels)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not modules:
        print(f"error: no kernel modules found in {args.kernels_dir}", file=sys.stderr)
        return 2

    def progress(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    results = run_suite(modules, peers, args.size, args.repeat, progress, args.settle)
    overheads = None if args.no_overhead else call_overheads()
    startup = {p.name: p.startup_s for p in peers if p.startup_s is not None}
    print(render(results, size=args.size, repeat=args.repeat, overheads=overheads,
                 startup=startup), end="")
    if args.json is not None:
        record = to_json(results, size=args.size, repeat=args.repeat, overheads=overheads,
                         startup=startup)
        args.json.write_text(json.dumps(record, indent=1))
    return 0


def _main_grad(args: argparse.Namespace) -> int:
    from bench.grad import AD_KERNELS, render_grad, run_grad

    names = args.kernels or list(AD_KERNELS)
    unknown = [n for n in names if n not in AD_KERNELS]
    if unknown:
        print(f"error: not AD kernels: {', '.join(unknown)} (choose from "
              f"{', '.join(AD_KERNELS)})", file=sys.stderr)
        return 2

    def progress(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)
    results = run_grad(names, args.size, args.repeat, progress)
    print(render_grad(results, args.size, args.repeat), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
