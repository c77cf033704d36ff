"""Mutation fuzzers for every user input: Python kernels, `.sir` IR text, `.sptl` kernels and
command lines. A mutant may be nonsense; sluice must then raise a `SluiceError` — any other
exception, or a hang, is a finding. Each mutant runs in a forked child with a time limit."""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import importlib.util
import io
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.fuzz import sandbox

ROOT = Path(__file__).resolve().parents[2]
SIR_DIR = ROOT / "tests" / "ir" / "corpus"
SPTL_DIR = ROOT / "examples" / "spada"
PY_DIR = ROOT / "tests" / "frontend" / "python" / "programs"

_TOKEN = re.compile(r"\d+\.\d*(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?|[A-Za-z_]\w*|\s+|.")
_NUMBERS = ["0", "1", "-1", "2", "7", "1000000", "2147483648", "9223372036854775808", "1e308",
            "0.0", "-0.5", "-3", "65", "3.5"]
_DTYPES = ["float32", "float64", "int8", "int32", "int64", "uint8", "uint64", "bool",
           "complex128", "float16"]


def mutate_text(text: str, rng: random.Random, lo: int = 0, hi: int | None = None) -> str:
    """One to three token or line edits, inside characters [lo, hi) of `text`."""
    hi = len(text) if hi is None else hi
    head, body, tail = text[:lo], text[lo:hi], text[hi:]
    for _ in range(rng.choice([1, 1, 2, 3])):
        toks = _TOKEN.findall(body)
        solid = [i for i, t in enumerate(toks) if not t.isspace()]
        if not solid:
            break
        i = rng.choice(solid)
        t = toks[i]
        r = rng.random()
        if r < 0.35 and t[:1].isdigit():
            toks[i] = rng.choice(_NUMBERS)
        elif r < 0.45 and t in _DTYPES:
            toks[i] = rng.choice(_DTYPES)
        elif r < 0.7:  # another token of the same sort from the text
            same = [toks[j] for j in solid if toks[j][0].isalnum() == t[0].isalnum()]
            toks[i] = rng.choice(same)
        elif r < 0.78:
            toks[i] = ""
        elif r < 0.83:
            toks[i] = t + t
        elif r < 0.88:
            toks.insert(i, rng.choice([toks[j] for j in solid]))
        else:  # line edits
            lines = "".join(toks).split("\n")
            k = rng.randrange(len(lines))
            m = rng.randrange(len(lines))
            op = rng.choice(["drop", "dup", "swap"])
            if op == "drop":
                del lines[k]
            elif op == "dup":
                lines.insert(m, lines[k])
            else:
                lines[k], lines[m] = lines[m], lines[k]
            body = "\n".join(lines)
            continue
        body = "".join(toks)
    return head + body + tail


# --- running one mutant ------------------------------------------------------------------------

@dataclass
class Outcome:
    status: str  # ok | rejected | invalid (not sluice's input: Python syntax) | crash | hang
    detail: str = ""


def _isolated(fn: Callable[[], Outcome], timeout: float) -> Outcome:
    return _outcome(*sandbox.call(fn, timeout), timeout)


def _guard(fn: Callable[[], object]) -> Outcome:
    from sluice.errors import SluiceError

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fn()
    except SluiceError as err:
        return Outcome("rejected", f"{type(err).__name__}: {err.message}")
    except RecursionError:  # deeply nested mutants: Python's own limit
        return Outcome("invalid", "RecursionError")
    except Exception:  # noqa: BLE001 - anything but a SluiceError is the finding
        return Outcome("crash", traceback.format_exc(limit=-8))
    return Outcome("ok")


def _scratch() -> Path:
    d = Path(tempfile.gettempdir()) / f"sluice-fuzz-{os.getuid()}" / "mutants"
    d.mkdir(parents=True, exist_ok=True)
    return d


# --- Python kernels ----------------------------------------------------------------------------

@functools.cache
def python_seeds() -> list[tuple[str, str]]:
    """(module file, function name) of the frontend corpus programs."""
    out = []
    for path in sorted(PY_DIR.glob("*.py")):
        if path.name in ("__init__.py", "unsupported.py"):
            continue
        tree = ast.parse(path.read_text())
        out += [(str(path), n.name) for n in tree.body if isinstance(n, ast.FunctionDef)]
    return out


def _case_args(name: str, rng: random.Random) -> list[object] | None:
    sys.path.insert(0, str(PY_DIR.parent))
    try:
        from programs import HELPERS, PROGRAMS  # noqa: F401 - the corpus's argument makers
    finally:
        sys.path.pop(0)
    case = next((c for c in PROGRAMS if c.name == name), None)
    if case is None:
        return None
    return list(case.make_args(np.random.default_rng(rng.randrange(1 << 30))))


def _mutate_args(args: list[object], rng: random.Random) -> list[object]:
    """Shapes and dtypes: cast, shrink, add an axis, empty, scalar for array."""
    out = list(args)
    for _ in range(rng.choice([0, 1, 1, 2])):
        arrays = [i for i, a in enumerate(out) if isinstance(a, np.ndarray)]
        if not arrays:
            break
        i = rng.choice(arrays)
        a = out[i]
        assert isinstance(a, np.ndarray)
        op = rng.choice(["dtype", "shrink", "axis", "empty", "scalar", "transpose"])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # complex -> real casts: the mutant's business
            if op == "dtype":
                out[i] = a.astype(rng.choice(_DTYPES))
            elif op == "shrink" and a.ndim and a.shape[0] > 1:
                out[i] = a[: a.shape[0] - 1]
            elif op == "axis":
                out[i] = a[np.newaxis]
            elif op == "empty" and a.ndim:
                out[i] = a[:0]
            elif op == "scalar":
                out[i] = float(a.flat[0]) if a.size else 0.0
            elif op == "transpose" and a.ndim == 2:
                out[i] = a.T
    return out


_BINOPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd,
           ast.BitOr, ast.BitXor, ast.LShift, ast.RShift, ast.MatMult]
_CONSTS = [0, 1, -1, 2, 3, 0.0, -0.0, 0.5, 1e308, float("nan"), 2**31, 2**63, -7, True, None]
_NP_NAMES = ["sum", "prod", "max", "min", "mean", "exp", "log", "sqrt", "abs", "zeros",
             "ones", "empty", "arange", "where", "maximum", "cumsum", "dot", "transpose",
             "float32", "int8", "newaxis", "nan", "inf", "argmax", "reshape", "linspace"]


def mutate_function(fn: ast.FunctionDef, rng: random.Random) -> None:
    """One to three AST edits inside `fn`: operators, constants, names, attributes, slices,
    statements. The result is valid Python (or as close as ast.unparse makes it)."""
    for _ in range(rng.choice([1, 1, 2, 3])):
        nodes = [n for n in ast.walk(fn) if n is not fn]
        names = sorted({n.id for n in nodes if isinstance(n, ast.Name)}
                       | {a.arg for a in fn.args.args}) or ["x"]
        n = rng.choice(nodes)
        if isinstance(n, ast.BinOp):
            n.op = rng.choice(_BINOPS)()
        elif isinstance(n, ast.Constant) and not isinstance(n.value, str):
            n.value = rng.choice(_CONSTS)
        elif isinstance(n, ast.Name) and n.id != "np":
            n.id = rng.choice(names)
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
            n.attr = rng.choice(_NP_NAMES + ["T", "shape", "size", "ndim", "dtype", "copy"])
        elif isinstance(n, ast.Slice):
            field = rng.choice(["lower", "upper", "step"])
            setattr(n, field, rng.choice([None, ast.Constant(rng.choice([0, -1, 2, 99, -99])),
                                          ast.Name(rng.choice(names))]))
        elif isinstance(n, ast.Compare):
            n.ops = [rng.choice([ast.Lt(), ast.GtE(), ast.Eq(), ast.Is(), ast.In()])]
        elif isinstance(n, ast.Call) and n.args:
            if rng.random() < 0.5:
                n.args.pop(rng.randrange(len(n.args)))
            else:
                n.args.append(ast.Name(rng.choice(names)))
        else:
            bodies = [b for b in ast.walk(fn) if isinstance(getattr(b, "body", None), list)
                      and b.body]
            b = rng.choice(bodies)
            k = rng.randrange(len(b.body))
            op = rng.choice(["drop", "dup", "swap"])
            if op == "drop" and len(b.body) > 1:
                del b.body[k]
            elif op == "dup":
                b.body.insert(rng.randrange(len(b.body) + 1), b.body[k])
            else:
                m = rng.randrange(len(b.body))
                b.body[k], b.body[m] = b.body[m], b.body[k]
    ast.fix_missing_locations(fn)


def python_mutant(rng: random.Random) -> tuple[str, str, list[object]] | None:
    """A mutated copy of a corpus module (one function mutated), the function, its args."""
    path, name = rng.choice(python_seeds())
    args = _case_args(name, rng)
    if args is None:
        return None
    text = Path(path).read_text()
    tree = ast.parse(text)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    r = rng.random()
    if r < 0.7:
        mutate_function(node, rng)
        mutated = ast.unparse(tree) + "\n"
    elif r < 0.9:  # token edits: also reach what the AST cannot spell
        lines = text.splitlines(keepends=True)
        lo = sum(len(x) for x in lines[: node.lineno])  # keep the def line
        hi = sum(len(x) for x in lines[: node.end_lineno])
        mutated = mutate_text(text, rng, lo, hi)
    else:
        mutated = text  # only the arguments change
    return mutated, name, _mutate_args(args, rng)


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _alarm(seconds: float):
    """Raise `_TooSlow` in this process after `seconds`."""
    def on_alarm(*_: object) -> None:
        raise _TooSlow

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _numpy_finishes(fn: Callable[..., object], args: list[object], seconds: float = 5.0
                    ) -> bool:
    """Whether the mutant runs to an end (an answer or an error) under plain NumPy: a hang
    is sluice's only where NumPy finishes."""
    try:
        with _alarm(seconds), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fn(*copy.deepcopy(args))
    except _TooSlow:
        return False
    except Exception:  # noqa: BLE001 - NumPy's error is an end too
        return True
    return True


def run_python(mutated: str, name: str, args: list[object], cpu: bool) -> Outcome:
    import sluice

    try:
        compile(mutated, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return Outcome("invalid", "not Python")
    mod_name = f"mutant_{abs(hash(mutated)) % 10**12}_{os.getpid()}"
    path = _scratch() / f"{mod_name}.py"
    path.write_text(mutated)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = mod
    try:
        try:
            spec.loader.exec_module(mod)
        except Exception:  # noqa: BLE001 - the module itself does not run as Python
            return Outcome("invalid", "module does not import")
        fn = getattr(mod, name, None)
        if not callable(fn):
            return Outcome("invalid", "no function")
        if not _numpy_finishes(fn, args):
            return Outcome("invalid", "NumPy itself does not finish (a mutant's endless loop)")

        def go() -> None:
            jf = sluice.jit(fn)
            jf.compile("interpret", *args)(*args)
            if cpu:
                jf.lower("cpu", *args)  # generated C++ (no compiler run: the campaign's)
        return _guard(go)
    finally:
        path.unlink(missing_ok=True)


# --- .sir ----------------------------------------------------------------------------------------

def run_sir(text: str, seed: int) -> Outcome:
    import sluice.ir as ir
    from sluice.backends.cpu import generate

    def go() -> None:
        prog = ir.parse(text)
        prog.verify()
        again = ir.parse(prog.to_text())
        again.verify()
        generate(prog)
        _interpret_sir(prog, seed)
    return _guard(go)


def _interpret_sir(prog, seed: int) -> None:
    """Run on small inputs: symbols bound to small values, arrays of those sizes."""
    import sluice.ir as ir
    from sluice.ir.data import Array, Scalar

    rng = np.random.default_rng(seed)
    syms = {s: int(rng.integers(0, 5)) for s in prog.symbols if s not in prog.data}
    kwargs: dict[str, object] = {}
    for name in prog.args:
        if name in syms:
            kwargs[name] = syms[name]
            continue
        c = prog.data.get(name)
        if isinstance(c, Scalar):
            kwargs[name] = c.dtype.numpy.type(1)
        elif isinstance(c, Array):
            try:
                dims = [int(d.subs(syms)) if hasattr(d, "subs") else int(d) for d in c.dims]
            except (TypeError, ValueError):
                return  # a shape over symbols the signature does not bind
            if any(n < 0 or n > 64 for n in dims):
                return
            kwargs[name] = rng.random(dims).astype(c.dtype.numpy)
        else:
            return  # streams, sparse matrices: the corpus tests cover them
    try:
        with _alarm(RUN_SECONDS):
            ir.interpret(prog, **kwargs)
    except _TooSlow:
        pass  # the program itself runs long (a damaged `while` that never ends): its meaning


RUN_SECONDS = 15.0  # of interpretation only: parsing, verifying and generating are not timed


# --- .sptl ---------------------------------------------------------------------------------------

def sptl_seeds() -> list[Path]:
    return sorted(SPTL_DIR.glob("*.sptl"))


def run_sptl(text: str, stem: str, seed: int) -> Outcome:
    import sluice

    sys.path.insert(0, str(SPTL_DIR))
    try:
        from references import REFERENCES
    finally:
        sys.path.pop(0)
    ex = REFERENCES.get(stem)
    path = _scratch() / f"{stem}.sptl"
    rng = np.random.default_rng(seed)

    def go() -> None:
        path.write_text(text)
        params = ex.param_sets[seed % len(ex.param_sets)] if ex else {}
        k = sluice.load(str(path), params=params)
        if ex is not None:
            inputs = ex.make_inputs(params, rng)
            k(target="interpret", **inputs)
    return _guard(go)


# --- command lines -------------------------------------------------------------------------------

def cli_argv(rng: random.Random, files: list[str]) -> list[str]:
    """A command line built from valid pieces and then damaged."""
    f = rng.choice(files)
    params = rng.choice([[], ["-p", "N=3"], ["-p", "N=3", "-p", "M=2"], ["--param", "N=0"],
                         ["-p", "N=-1"], ["-p", "N"], ["-p", "=4"], ["-p", "N=x"],
                         ["-p", "W=2", "-p", "H=2", "-p", "N=2"], ["-p", "N=2.5"]])
    cmd = rng.choice([
        ["show", f], ["show", f, "--after", rng.choice(["O0", "O1", "O2", "nope", ""])],
        ["show", f, "--json"], ["check", f],
        ["run", f, "--inputs", rng.choice(["random", "zeros", "ones"]), "--seed", "1"],
        ["run", f, "--target", rng.choice(["interpret", "cpu", "csl"])],
        ["compile", f, "--target", rng.choice(["cpu", "csl"]), "-o", "out"],
        ["cache", rng.choice(["ls", "explain"]), f], ["cache", "explain"], ["doctor"],
        ["show", f, "--svg", "pic.svg"],
    ]) + params
    for _ in range(rng.choice([0, 0, 1, 2])):
        r = rng.random()
        i = rng.randrange(len(cmd) + 1)
        if r < 0.3 and cmd:
            del cmd[min(i, len(cmd) - 1)]
        elif r < 0.6:
            cmd.insert(i, rng.choice(["--arch", "wse3", "--disable-x", "-p", "K=1", "--",
                                      "-", "", "--target", "nope", "/", "a.py::f", "x.sir",
                                      "--seed", "-5", "\x00", "ü.sptl"]))
        elif cmd:
            j = rng.randrange(len(cmd))
            cmd[j] = rng.choice(files + ["missing.sir", "dir/", "::", "m.py::", "x.sptl"])
    return cmd


def cli_files(rng: random.Random) -> list[str]:
    sirs = [str(p) for p in sorted(SIR_DIR.glob("*.sir"))]
    sptls = [str(p) for p in sptl_seeds()]
    pys = [str(ROOT / "examples" / "quickstart.py") + "::main",
           str(PY_DIR / "arith.py") + "::scaled_sum"]
    return [rng.choice(sirs), rng.choice(sirs), rng.choice(sptls), rng.choice(pys)]


def run_cli(argv: list[str], workdir: Path) -> Outcome:
    from sluice.cli import main

    # never touch the user's cache (`cache clear` is a valid command line)
    os.environ["SLUICE_CACHE_DIR"] = str(_scratch() / "cli-cache")
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    try:
        return _run_cli(main, _private_copies(argv, workdir))
    finally:
        os.chdir(_scratch())
        shutil.rmtree(workdir, ignore_errors=True)


def _private_copies(argv: list[str], workdir: Path) -> list[str]:
    """`argv` with every file of the repository it names replaced by a copy in `workdir`:
    a damaged command line may name a source file where an output belongs (`--svg x.sir`),
    and the campaign must not overwrite the repository."""
    out = []
    for a in argv:
        path, sep, rest = a.partition("::")
        p = Path(path)
        if p.is_absolute() and ROOT in p.parents and p.is_file():
            shutil.copyfile(p, workdir / p.name)
            a = p.name + sep + rest
        out.append(a)
    return out


def _run_cli(main: Callable[[list[str]], int], argv: list[str]) -> Outcome:
    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = main(argv)
    except SystemExit as e:  # argparse's usage errors
        return Outcome("rejected", f"usage (exit {e.code})")
    except Exception:  # noqa: BLE001 - main must turn everything into an exit code
        return Outcome("crash", traceback.format_exc(limit=-8))
    if rc == 2 or "Traceback" in err.getvalue():
        return Outcome("crash", err.getvalue()[-3000:])
    return Outcome("ok" if rc == 0 else "rejected", err.getvalue()[-300:])


# --- drivers -------------------------------------------------------------------------------------

@dataclass
class Mutant:
    frontend: str
    seed: int
    describe: str  # what to put in a reproducer
    run: Callable[[], Outcome]


def make_mutant(frontend: str, seed: int) -> Mutant | None:
    rng = random.Random(f"{frontend}:{seed}")
    if frontend == "python":
        m = python_mutant(rng)
        if m is None:
            return None
        text, name, args = m
        cpu = rng.random() < 0.3
        return Mutant(frontend, seed, f"function {name} in:\n{text}\nargs: {args!r}",
                      lambda: run_python(text, name, args, cpu))
    if frontend == "sir":
        path = rng.choice(sorted(SIR_DIR.glob("*.sir")))
        text = mutate_text(path.read_text(), rng)
        return Mutant(frontend, seed, f"mutant of {path.name}:\n{text}",
                      lambda: run_sir(text, seed))
    if frontend == "sptl":
        path = rng.choice(sptl_seeds())
        text = mutate_text(path.read_text(), rng)
        return Mutant(frontend, seed, f"mutant of {path.name}:\n{text}",
                      lambda: run_sptl(text, path.stem, seed))
    if frontend == "cli":
        argv = cli_argv(rng, cli_files(rng))
        work = _scratch() / f"cli-{seed}-{os.getpid()}"
        return Mutant(frontend, seed, f"sluice {' '.join(map(repr, argv))}",
                      lambda: run_cli(argv, work))
    raise ValueError(f"unknown frontend {frontend!r}")


FRONTENDS = ("python", "sir", "sptl", "cli")


def warm() -> None:
    """Build the .sptl parser and import the CLI before forking (see differential.warm)."""
    import sluice
    import sluice.cli  # noqa: F401 - imported for the children
    from tests.fuzz.differential import warm as warm_programs

    warm_programs()
    with contextlib.suppress(Exception):
        sluice.load(str(SPTL_DIR / "axpy.sptl"), params={"W": 1, "H": 1, "N": 4})


def run_one(frontend: str, seed: int, timeout: float = 60.0) -> tuple[Outcome, Mutant | None]:
    warm()
    m = make_mutant(frontend, seed)
    if m is None:
        return Outcome("invalid", "no seed"), None
    return _isolated(m.run, timeout), m


@dataclass
class MutationTally:
    counts: dict[str, int]
    failures: list[tuple[str, int, str, str]]  # frontend, seed, what, detail


def _outcome(status: str, value: Any, timeout: float) -> Outcome:
    if status == "ok":
        return value
    if status == "hang":
        return Outcome("hang", f"no answer within {timeout:.0f} s")
    if status == "error":
        return Outcome("crash", "harness: " + value)
    return Outcome("crash", f"the process died: {value}")


def _isolated(run: Callable[[], object]) -> Callable[[], object]:
    """`run`, undoing what it did to the modules every mutant shares: one child runs a batch
    of mutants in turn, and a mutant's Python may rebind a module's names
    (`idx = np.arange = (n)` set `np.arange` to an int for the rest of its batch)."""
    import builtins
    import math

    import numpy as np

    import sluice

    shared = (np, np.linalg, np.random, math, builtins, sluice)

    def go() -> object:
        saved = [(vars(m), dict(vars(m))) for m in shared]
        try:
            return run()
        finally:
            for names, before in saved:
                if len(names) != len(before) or any(names.get(k, names) is not v
                                                    for k, v in before.items()):
                    names.clear()
                    names.update(before)
    return go


def _mutation_job(job: tuple[str, list[int], float]) -> list[tuple[str, int, Outcome, str]]:
    """A batch of mutants of one frontend, run in turn by one sandboxed child."""
    frontend, seeds, timeout = job
    warm()
    mutants = [make_mutant(frontend, s) for s in seeds]
    runs = [_isolated(m.run) for m in mutants if m is not None]
    results = iter(sandbox.call_many(runs, timeout))
    out = []
    for s, m in zip(seeds, mutants, strict=True):
        res = _outcome(*next(results), timeout) if m is not None else Outcome("invalid")
        out.append((frontend, s, res, m.describe if m is not None else ""))
    return out


def signature(detail: str) -> str:
    """The last line of a traceback (the exception), for grouping failures."""
    lines = [ln for ln in detail.strip().splitlines() if ln.strip()]
    return lines[-1][:120] if lines else "?"


def campaign(frontends: list[str], n: int, seed: int, jobs: int = 2, timeout: float = 60.0,
             out: Path | None = None) -> dict[str, MutationTally]:
    tallies = {f: MutationTally({}, []) for f in frontends}
    batch = 25
    tasks = [(f, list(range(seed + i, seed + min(i + batch, n))), timeout)
             for f in frontends for i in range(0, n, batch)]
    warm()
    with mp.get_context("fork").Pool(jobs) as pool:
        for frontend, s, res, what in (x for b in pool.imap_unordered(_mutation_job, tasks)
                                       for x in b):
            t = tallies[frontend]
            t.counts[res.status] = t.counts.get(res.status, 0) + 1
            if res.status in ("crash", "hang"):
                t.failures.append((frontend, s, what, res.detail))
                if out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"mutant_{frontend}_{s}.txt").write_text(
                        f"{frontend} mutant, seed {s}: {res.status}\n\n{what}\n\n{res.detail}\n")
    return tallies
