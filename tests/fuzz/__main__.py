"""`python -m tests.fuzz --n 10000 [--seed S] [--kinds programs,python,sir,sptl,cli]`:
a long campaign. Prints counts and writes each failure as a reproducer file."""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from pathlib import Path

from tests.fuzz import campaign, differential, families, mutate

KINDS = ("programs", *mutate.FRONTENDS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    ap.add_argument("--n", type=int, default=1000,
                    help="statements (programs) or mutants per kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma list of {KINDS}")
    ap.add_argument("--families", default="all",
                    help="construct families: all, ci, or a list; '-name' removes one "
                    f"({', '.join(sorted(families.FAMILIES))})")
    ap.add_argument("--per", type=int, default=8, help="statements per compiled program")
    ap.add_argument("--jobs", type=int, default=2, help="programs run at a time")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per program")
    ap.add_argument("--shrink", type=int, default=4,
                    help="compiles spent shrinking the first failure of each signature")
    ap.add_argument("--out", default="fuzz-failures", help="folder for reproducers")
    ap.add_argument("--targets", default=",".join(differential.TARGETS),
                    help=f"comma list of {differential.KNOWN_TARGETS} compared with NumPy "
                    "(cuda: its kernels emulated on the CPU)")
    a = ap.parse_args(argv)
    targets = [t.strip() for t in a.targets.split(",") if t.strip()]
    if set(targets) - set(differential.KNOWN_TARGETS):
        ap.error(f"unknown targets {sorted(set(targets) - set(differential.KNOWN_TARGETS))}")
    os.environ[differential.TARGETS_VARIABLE] = ",".join(targets)  # (the workers inherit it)
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds {sorted(unknown)}")
    out = Path(a.out)
    failed = 0
    if "programs" in kinds:
        fams = families.parse(a.families)
        t0 = time.time()
        t = campaign.run(a.n, a.seed, fams, a.per, a.jobs, str(out), a.timeout,
                         shrink_budget=a.shrink)
        print(f"\nprograms: {t.statements} statements in {t.bundles} compiled programs "
              f"({time.time() - t0:.0f} s); {t.agree} agree, {t.numpy_raises} raise in NumPy, "
              f"{sum(t.rejected.values())} rejected by sluice, {len(t.failures)} failures")
        for key, n in sorted(t.findings.items()):
            print(f"  {key}: {n}")
        groups = Counter(f.key() for f in t.failures)
        fam = Counter(x for f in t.failures for x in f.families)
        print("failures by signature:")
        for key, n in groups.most_common(40):
            print(f"  {n:4d}  {key}")
        print("families in failures:", dict(fam.most_common()))
        print("rejections by sluice (top 15):")
        for key, n in t.rejected.most_common(15):
            print(f"  {n:4d}  {key}")
        failed += len(t.failures)
    fronts = [k for k in kinds if k != "programs"]
    if fronts:
        t0 = time.time()
        tallies = mutate.campaign(fronts, a.n, a.seed, a.jobs, min(a.timeout, 60.0), out)
        print(f"\nmutations ({time.time() - t0:.0f} s):")
        for f, t in tallies.items():
            print(f"  {f}: {dict(sorted(t.counts.items()))}")
            for sig, n in Counter(mutate.signature(d) for *_, d in t.failures).most_common(15):
                print(f"      {n:4d}  {sig}")
            failed += len(t.failures)
    print(f"\nreproducers in {out}/" if failed else "\nno failures")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
