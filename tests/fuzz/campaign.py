"""Differential campaigns over generated programs: bundle, run, narrow down, write reproducers.

Statements are bundled (one compile covers several); NumPy first runs each statement alone,
so statements NumPy rejects and statements built to be unsupported run in programs of their
own (there sluice must raise). A bundle that sluice rejects, or that crashes without saying
where, is split in halves until the statement responsible is alone."""

from __future__ import annotations

import multiprocessing as mp
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.fuzz import differential as D
from tests.fuzz import gen
from tests.fuzz.reproducer import write_reproducer
from tests.fuzz.shrink import shrink


@dataclass
class Failure:
    kind: str
    target: str
    families: frozenset[str]
    detail: str
    program: gen.Program  # the smallest program that shows it
    path: str | None = None

    def key(self) -> str:
        first = self.detail.strip().splitlines()[-1 if self.kind == "crash" else 0]
        return f"{self.kind}/{self.target}: {first[:90]}"


@dataclass
class Tally:
    statements: int = 0
    bundles: int = 0
    agree: int = 0
    numpy_raises: int = 0
    rejected: Counter = field(default_factory=Counter)
    findings: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        self.statements += other.statements
        self.bundles += other.bundles
        self.agree += other.agree
        self.numpy_raises += other.numpy_raises
        self.rejected.update(other.rejected)
        self.findings.update(other.findings)
        self.failures += other.failures


def numpy_raises(stmt: gen.Stmt) -> bool:
    prog = gen.Program([gen.renumber(stmt, 0)])
    mod = D.load(prog)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod.f(*prog.make_args())
    except Exception:  # noqa: BLE001 - any NumPy error counts
        return True
    finally:
        Path(mod.__file__).unlink(missing_ok=True)
    return False


def _renumbered(stmts: list[gen.Stmt], seed: object) -> gen.Program:
    return gen.Program([gen.renumber(s, k) for k, s in enumerate(stmts)], seed)


class Runner:
    def __init__(self, out_dir: Path | None, timeout: float, shrink_budget: int = 0) -> None:
        self.out_dir, self.timeout, self.shrink_budget = out_dir, timeout, shrink_budget
        self.tally = Tally()
        self.shrunk: set[str] = set()

    def record(self, kind: str, target: str, stmts: list[gen.Stmt], detail: str,
               seed: object) -> None:
        prog = _renumbered(stmts, seed)
        fam = prog.families
        self.tally.findings[f"{kind}:{target}"] += 1
        fail = Failure(kind, target, fam, detail, prog)
        if self.shrink_budget and fail.key() not in self.shrunk:
            self.shrunk.add(fail.key())  # one shrink per signature: each try compiles
            fail.program, fail.detail = shrink(prog, kind, target, detail, self.timeout,
                                               self.shrink_budget)
        if self.out_dir is not None:
            fail.path = str(write_reproducer(self.out_dir, fail))
        self.tally.failures.append(fail)

    def explore(self, stmts: list[gen.Stmt], seed: object) -> None:
        """Run `stmts` as one program; narrow down what cannot be attributed."""
        prog = _renumbered(stmts, seed)
        self.tally.bundles += 1
        v = D.run_isolated(prog, self.timeout)
        unplaced = [f for f in v.findings if f.stmt is None]
        at = set(v.rejected_at.values())
        if len(stmts) > 1 and not unplaced and len(at) == 1 and None not in at:
            # the error names its line: set that statement aside, run the others again
            k = at.pop()
            assert k is not None
            self.explore([stmts[k]], seed)
            self.explore(stmts[:k] + stmts[k + 1:], seed)
            return
        if len(stmts) > 1 and (unplaced or v.rejected):
            half = len(stmts) // 2
            self.explore(stmts[:half], seed)
            self.explore(stmts[half:], seed)
            return
        bad: set[int] = set()
        for f in v.findings:
            k = 0 if f.stmt is None else f.stmt
            if k not in bad:
                bad.add(k)
                self.record(f.kind, f.target, [stmts[k]], f.detail, seed)
        if v.rejected and len(stmts) == 1:
            s = stmts[0]
            tag = "expected" if s.expect_error or v.numpy_error else "valid"
            for msg in set(v.rejected.values()):
                self.tally.rejected[f"{tag}: {msg.splitlines()[0][:100]}"] += 1
            bad.add(0)
        if v.numpy_error and len(stmts) == 1:
            self.tally.numpy_raises += 1
        self.tally.agree += len(stmts) - len(bad)

    def program(self, prog: gen.Program) -> None:
        self.tally.statements += len(prog.stmts)
        alone = [s for s in prog.stmts if s.expect_error or numpy_raises(s)]
        bundle = [s for s in prog.stmts if not any(s is a for a in alone)]
        if bundle:
            self.explore(bundle, prog.seed)
        for s in alone:
            self.explore([s], prog.seed)


def _work(job: tuple[int | gen.Program, frozenset[str], int, str | None, float, int]
          ) -> Tally:
    item, fams, per, out, timeout, shrink_budget = job
    r = Runner(Path(out) if out else None, timeout, shrink_budget)
    r.program(item if isinstance(item, gen.Program) else gen.generate(item, fams, per))
    return r.tally


def run_programs(items: list[int | gen.Program], fams: frozenset[str], per: int = 8,
                 jobs: int = 2, out: str | None = None, timeout: float = 120.0,
                 progress: bool = False, shrink_budget: int = 0) -> Tally:
    """Run programs (given, or generated from seeds) `jobs` at a time."""
    D.warm()
    total = Tally()
    tasks = [(item, fams, per, out, timeout, shrink_budget) for item in items]
    with mp.get_context("fork").Pool(jobs, maxtasksperchild=20) as pool:
        for i, t in enumerate(pool.imap_unordered(_work, tasks)):
            total.merge(t)
            if progress and (i + 1) % 10 == 0:
                print(f"  {i + 1}/{len(tasks)} programs, {total.statements} statements, "
                      f"{len(total.failures)} failures", flush=True)
    return total


def run(n: int, seed: int, fams: frozenset[str], per: int = 8, jobs: int = 2,
        out: str | None = None, timeout: float = 120.0, progress: bool = True,
        shrink_budget: int = 0) -> Tally:
    """About `n` statements from seeds seed, seed + 1, ... in programs of `per`."""
    seeds: list[int | gen.Program] = [seed + i for i in range(max(1, -(-n // per)))]
    return run_programs(seeds, fams, per, jobs, out, timeout, progress, shrink_budget)
