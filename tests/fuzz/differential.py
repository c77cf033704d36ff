"""Run a generated program three ways — NumPy, the reference interpreter on the traced IR,
the CPU backend (and, with `--targets`, the CUDA backend's kernels emulated on the CPU) —
and judge: NumPy's answer or a `SluiceError`, nothing else.

`judge()` runs in the current process; `run_isolated()` runs it in a forked child with a
time limit, so a crash of generated code (SIGFPE, SIGSEGV) or a hang is a finding, not the
end of the campaign."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import sluice
from sluice.backends.cuda.driver import EMULATE_VARIABLE, CudaOptions, build_device
from sluice.errors import SluiceError
from tests.fuzz import compare as C
from tests.fuzz import sandbox
from tests.fuzz.gen import MINMAX, REDUCE, SOLVER, ULP, Program

TARGETS = ("interpret", "cpu")
TARGETS_VARIABLE = "SLUICE_FUZZ_TARGETS"  # e.g. "interpret,cpu,cuda" (`--targets`)
KNOWN_TARGETS = ("interpret", "cpu", "cuda")
NVCC_VARIABLE = "SLUICE_FUZZ_NVCC"  # set: the cuda target's file is also compiled by nvcc


def chosen_targets() -> tuple[str, ...]:
    """The targets a campaign compares with NumPy: `$SLUICE_FUZZ_TARGETS`, else TARGETS."""
    text = os.environ.get(TARGETS_VARIABLE, "")
    return tuple(t.strip() for t in text.split(",") if t.strip()) or TARGETS


@dataclass
class Finding:
    kind: str  # mismatch | crash | silent (sluice answers where NumPy raises) | hang | ...
    target: str
    stmt: int | None  # index of the statement it shows in (None: the whole program)
    detail: str


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # target -> SluiceError message
    rejected_at: dict[str, int | None] = field(default_factory=dict)  # target -> statement
    numpy_error: str | None = None


_WORKDIR = Path(tempfile.gettempdir()) / f"sluice-fuzz-{os.getuid()}"


def load(program: Program):
    """Import the program's source from a file: the frontend reads functions' source."""
    _WORKDIR.mkdir(exist_ok=True)
    name = f"fuzz_{program.digest()}_{os.getpid()}"
    path = _WORKDIR / f"{name}.py"
    path.write_text(program.source())
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _flat(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, tuple) else [value]


def _owner(program: Program) -> tuple[list[int], list[int]]:
    """For each returned value and each argument, the index of its statement."""
    outs = [k for k, s in enumerate(program.stmts) for _ in s.outputs]
    args = [k for k, s in enumerate(program.stmts) for _ in s.args]
    return outs, args


def _check(program: Program, mod, k: int, expected: object, got: object) -> str | None:
    s = program.stmts[k]
    if s.compare == ULP:
        return C.within_ulps(expected, got)
    if s.compare == MINMAX:
        return C.exact(expected, got, zero_sign=False)
    if s.compare == SOLVER:
        return C.solver_close(expected, got)
    if s.compare == REDUCE:
        operand = None
        helper = getattr(mod, f"operand_{k}", None)
        if helper is not None:
            sub = program.subset([s])
            with np.errstate(all="ignore"):
                operand = helper(*sub.make_args())
        op = next((o for o in ("prod", "mean") if o in s.lines[0]), "sum")
        return C.within_reassociation(expected, got, operand, s.axis, op)
    return C.exact(expected, got)


def _run_target(f, target: str, args: list[object]) -> object:
    jf = sluice.jit(f)
    if target == "interpret":
        return jf.compile("interpret", *args)(*args)
    if target == "cuda":  # the CUDA backend's kernels, emulated on the CPU
        with _environment(EMULATE_VARIABLE, "1"):
            run = jf.compile("cuda", *args)
        if os.environ.get(NVCC_VARIABLE, "0") != "0":  # and the same file through nvcc
            compiled = getattr(run.native, "__wrapped__", run.native)
            build_device(compiled.source, "fuzz", None, CudaOptions(host_opt="-O0"))
        return run(*args)
    return jf(*args)


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def judge(program: Program, targets: tuple[str, ...] | None = None) -> Verdict:
    targets = targets or chosen_targets()
    mod = load(program)
    try:
        return _judge(program, mod, targets)
    finally:
        Path(mod.__file__).unlink(missing_ok=True)  # campaigns write thousands


def _judge(program: Program, mod, targets: tuple[str, ...]) -> Verdict:
    v = Verdict()
    np_args = program.make_args()
    try:
        with np.errstate(all="ignore", invalid="warn"), \
                warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            expected = _flat(mod.f(*np_args))
        # A float cast to an integer type it does not fit (NaN, inf, -3.5 to uint32) has
        # no defined value: NumPy's depends on the instructions its cast loop compiled to.
        undefined = any("encountered in cast" in str(w.message) for w in seen)
    except Exception as err:  # noqa: BLE001 - NumPy's verdict, whatever it is
        v.numpy_error = f"{type(err).__name__}: {err}"
        expected, undefined = None, False
    check = (lambda k, e, g: C.same_kind(e, g)) if undefined else \
        (lambda k, e, g: _check(program, mod, k, e, g))
    check_arg = C.same_kind if undefined else C.exact
    outs, owners = _owner(program)
    for target in targets:
        args = program.make_args()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = _flat(_run_target(mod.f, target, args))
        except SluiceError as err:
            v.rejected[target] = f"{type(err).__name__}: {err.message}"
            line = err.loc.line if err.loc is not None and err.loc.file == mod.__file__ \
                else None
            v.rejected_at[target] = None if line is None else program.stmt_at_line(line)
            continue
        except Exception:  # noqa: BLE001 - anything but a SluiceError is the finding
            tb = traceback.format_exc(limit=-6)
            v.findings.append(Finding("crash", target, None, tb))
            continue
        if expected is None:
            v.findings.append(Finding("silent", target, None,
                                      f"NumPy raises {v.numpy_error}; sluice returns "
                                      f"{[C.describe(g) for g in got][:3]}"))
            continue
        if len(got) != len(expected):
            v.findings.append(Finding("mismatch", target, None,
                                      f"{len(got)} results, NumPy gives {len(expected)}"))
            continue
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            why = check(outs[i], e, g)
            if why:
                v.findings.append(Finding("mismatch", target, outs[i],
                                          f"result {i}: {why}\n  NumPy:  {C.describe(e)}\n"
                                          f"  sluice: {C.describe(g)}"))
        for i, (e, g) in enumerate(zip(np_args, args, strict=True)):
            if isinstance(e, np.ndarray):
                why = check_arg(e, g)
                if why:
                    v.findings.append(Finding(
                        "mismatch", target, owners[i], f"argument {program.args[i].name} "
                        f"after the call: {why}\n  NumPy:  {C.describe(e)}\n"
                        f"  sluice: {C.describe(g)}"))
    if len(v.rejected) == 1 and expected is not None:
        (t, msg), = v.rejected.items()
        other = [x for x in targets if x != t]
        if other and not any(fd.target in other and fd.kind == "crash" for fd in v.findings):
            v.findings.append(Finding("inconsistent", t, None,
                                      f"{t} rejects ({msg}) what {other[0]} runs"))
    return v


_WARM = False


def warm() -> None:
    """Build the parsers and import the backend once, before forking: every child would
    otherwise pay for them again (the IR parser alone takes a second and a half)."""
    global _WARM
    if _WARM:
        return
    from tests.fuzz.gen import Arg, Stmt

    prog = Program([Stmt(frozenset(), ["s0_o = s0_a0 + 1.0"],
                         [Arg("s0_a0", np.zeros(2))], ["s0_o"])])
    mod = load(prog)
    args = prog.make_args()
    sluice.jit(mod.f).compile("interpret", *args)(*args)
    sluice.jit(mod.f).lower("cpu", *args)
    _WARM = True


def run_isolated(program: Program, timeout: float = 120.0,
                 targets: tuple[str, ...] | None = None) -> Verdict:
    """`judge` in a forked child: signals and hangs become findings."""
    warm()
    status, value = sandbox.call(lambda: judge(program, targets), timeout)
    if status == "ok":
        return value
    if status == "hang":
        return Verdict([Finding("hang", "?", None, f"no verdict within {timeout:.0f} s")])
    if status == "error":
        return Verdict([Finding("harness", "-", None, value)])
    return Verdict([Finding("crash", "?", None, f"the process died: {value}")])
