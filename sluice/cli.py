"""The `sluice` command line: parses options and calls the library; no logic of its own.

    sluice show FILE [--param K=V ...] [--after PASS|PIPELINE] [--picture OUT] [--json]
                [--grad [--wrt A,x]]
    sluice check FILE [--param K=V ...]
    sluice run FILE [--param K=V ...] [--inputs random|zeros|ones] [--seed N]
                    [--target interpret|cpu|cuda|csl]
    sluice compile FILE --target cpu|cuda|csl [--param K=V ...] -o DIR [--arch wse2|wse3]
                   [--disable-<optimisation> ...]
    sluice doctor
    sluice config
    sluice cache ls|prune [--max-size SIZE]|clear|explain [FILE]
    sluice --version

FILE is an IR text file (`.sir`), a spatial kernel (`.sptl`, shown and run through the IR
it lowers to), or `module.py::function` naming an annotated `@sluice.program`. A
`SluiceError` prints as a diagnostic (file:line:col, caret, hint) and exits with status 1;
anything else is a sluice bug and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluice.errors import SluiceError
from sluice.sourcefile import check_regular, read_source
from sluice.version import __version__

if TYPE_CHECKING:
    import numpy as np

# Commands import what they need when they run: `sluice --version` and `--help` load neither
# NumPy nor SymPy nor the compiler.

Loader = Callable[[Path, dict[str, int]], Any]


def _parse_params(items: Sequence[str]) -> dict[str, int]:
    params: dict[str, int] = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise SluiceError(f"--param expects NAME=VALUE, got {item!r}",
                              hint="for example: --param N=64")
        try:
            params[key.strip()] = int(val, 0)
        except ValueError:
            raise SluiceError(f"--param {key}: {val!r} is not an integer") from None
        if not -(2**63) <= params[key.strip()] < 2**63:
            raise SluiceError(f"--param {key}: {val} is outside the int64 range",
                              hint="symbols are int64 integers")
    return params


def _load_sir(path: Path, params: dict[str, int]) -> Any:
    from sluice.ir import parse

    return parse(read_source(path), filename=str(path))


def _load_sptl(path: Path, params: dict[str, int]) -> Any:
    from sluice.spatial import load as load_kernel

    return load_kernel(path, params)


def _load_sdfg(path: Path, params: dict[str, int]) -> Any:
    from sluice.interop.sdfg_import import from_sdfg

    check_regular(path)
    return from_sdfg(path)


# File kinds by suffix; each maps a path and parameters to a loaded object: an IR Program,
# or a spatial kernel (which has a `.program`).
LOADERS: dict[str, Loader] = {".sir": _load_sir, ".sptl": _load_sptl, ".sdfg": _load_sdfg,
                              ".sdfgz": _load_sdfg}


def _program(loaded: Any) -> Any:
    return getattr(loaded, "program", loaded)


def _load_python(target: str) -> Any:
    """The IR of `module.py::function` (an annotated @sluice.program)."""
    import importlib.util

    file, _, func = target.partition("::")
    path = Path(file)
    if not file or not path.exists():
        raise SluiceError(f"no such file: '{file}'")
    check_regular(path)  # importing a FIFO or /dev/zero would never finish
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise SluiceError(f"'{file}' is not a Python module",
                          hint="name a .py file: sluice show module.py::function")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(path.stem, module)
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # the user's module fails on import: their error, shown as such
        raise SluiceError(f"importing '{file}' failed: {type(err).__name__}: {err}",
                          hint="run the module with python to see the traceback") from err
    fn = getattr(module, func, None)
    if fn is None:
        from sluice.errors import did_you_mean

        names = [n for n, v in vars(module).items() if hasattr(v, "trace")]
        raise SluiceError(f"'{file}' has no function '{func}'",
                          hint=did_you_mean(func, names) or f"sluice programs there: {names}")
    if not hasattr(fn, "trace"):
        raise SluiceError(f"'{func}' is not a sluice program",
                          hint="decorate it with @sluice.program and annotate its arguments")
    return fn.trace()


def load(target: str, params: dict[str, int]) -> Any:
    if "::" in target:
        return _load_python(target)
    path = Path(target)
    loader = LOADERS.get(path.suffix)
    if loader is None:
        kinds = ", ".join(sorted(LOADERS))
        raise SluiceError(f"cannot read '{target}': unknown file kind '{path.suffix}'",
                          hint=f"sluice reads {kinds} files")
    if not path.exists():
        raise SluiceError(f"no such file: '{target}'")
    return loader(path, params)


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Output the user named (-o DIR, --svg FILE) that cannot be written is their error."""
    try:
        yield
    except OSError as e:
        where = e.filename or path
        raise SluiceError(f"cannot write '{where}': {e.strerror or e}",
                          hint=f"check the output path {str(path)!r}") from None


# --- commands -----------------------------------------------------------------------------


def _after(prog: Any, name: str) -> Any:
    """The reports of running a pipeline (O0..O3) on `prog`, or the O3 passes up to the
    named one (O3 is O2 with `reorder`)."""
    from sluice.passes import PIPELINES, PassManager, pipeline

    if name in PIPELINES:
        return pipeline(name, verify=True).run(prog)
    passes = PIPELINES["O3"]()
    names = [p.name for p in passes]
    if name not in names:
        from sluice.errors import did_you_mean

        raise SluiceError(f"unknown pass or pipeline '{name}'",
                          hint=did_you_mean(name, [*PIPELINES, *names])
                          or f"pipelines: {', '.join(PIPELINES)}; O3 passes: {', '.join(names)}")
    return PassManager(passes[:names.index(name) + 1], verify=True).run(prog)


def _gradient(prog: Any, wrt: str | None) -> Any:
    """The joint forward + backward program of `prog`'s first result, with respect to the
    named arguments (default: every floating-point one)."""
    from sluice.passes.autodiff.reverse import differentiate

    if not prog.returns:
        raise SluiceError(f"program '{prog.name}' returns nothing to differentiate")
    floats = [a for a in prog.args if a in prog.data and prog.data[a].dtype.is_float]
    names = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else floats
    if not names:
        raise SluiceError(f"program '{prog.name}' has no floating-point argument",
                          hint="only floating-point data has gradients")
    return differentiate(prog, prog.returns[0], names)


def cmd_show(args: argparse.Namespace) -> int:
    if args.picture:
        from sluice.ir.picture import picture_format

        fmt = picture_format(args.picture)  # (a wrong extension stops before any work)
    prog = _program(load(args.file, _parse_params(args.param)))
    if args.grad or args.wrt:
        prog = _gradient(prog, args.wrt)
    reports = _after(prog, args.after) if args.after else []
    if args.picture:
        _draw(prog, Path(args.picture), fmt)
    if args.json:
        print(json.dumps(prog.to_json(), indent=1))
    else:
        for r in reports:  # what each pass changed, as IR comments (the text still parses)
            for c in r.changes:
                print(f"# {r.pass_name}: {c}")
        print(prog.to_text(), end="")
    return 0


def _draw(prog: Any, out: Path, fmt: str) -> None:
    """Writes the picture in `fmt`; without Graphviz, its DOT source next to `out`."""
    from sluice.ir.picture import render

    data = render(prog, fmt)
    note = ""
    if data is None:
        out, data = out.with_suffix(".dot"), render(prog, "dot")
        note = "Graphviz 'dot' is not installed: "
    with _writing(out):
        out.write_bytes(data)
    print(f"{note}wrote {out}" + (" instead" if note else ""), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    loaded = load(args.file, _parse_params(args.param))
    prog = _program(loaded)
    prog.verify()
    if prog is not loaded:
        w, h = loaded.grid
        phases = len(prog.body.blocks)
        ins = ", ".join(loaded.inputs) or "-"
        outs = ", ".join(loaded.outputs) or "-"
        print(f"{args.file}: ok (kernel {prog.name} on {w}x{h} PEs, {phases} "
              f"phase{'s' if phases != 1 else ''}; inputs {ins}; outputs {outs})")
        return 0
    print(f"{args.file}: ok ({prog.name}: {len(prog.data)} containers, "
          f"{sum(1 for _ in prog.body.walk())} blocks)")
    return 0


def _seed(text: str) -> int:
    """A random generator's seed: NumPy takes non-negative integers only."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative integer")
    return n


def make_inputs(prog: Any, symbols: dict[str, int], how: str, seed: int) -> dict[str, Any]:
    """Arguments for `prog` from symbol values: random, zeros or ones."""
    import numpy as np

    from sluice.ir import CSR, Stream
    from sluice.ir.symbolic import evaluate

    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for name in prog.args:
        if name not in prog.data:
            if name not in symbols:
                raise SluiceError(f"symbol '{name}' needs a value", hint=f"--param {name}=...")
            out[name] = symbols[name]
            continue
        c = prog.data[name]
        if isinstance(c, CSR | Stream):
            raise SluiceError(f"cannot make inputs for {type(c).__name__} argument '{name}'",
                              hint="call the program from Python instead")
        try:
            shape = tuple(int(evaluate(d, symbols)) for d in c.shape)
        except KeyError as e:
            raise SluiceError(f"the shape of '{name}' needs symbol '{e.args[0]}'",
                              hint=f"--param {e.args[0]}=...") from None
        if any(n < 0 for n in shape):
            raise SluiceError(f"the shape of '{name}' is {shape} for these --param values",
                              hint="sizes must not be negative")
        try:
            out[name] = _input(c, shape, how, rng)
        except (MemoryError, ValueError) as e:  # numpy: too large, or more than it indexes
            raise SluiceError(f"cannot make a {shape} input for '{name}': {e}",
                              hint="use smaller --param values") from None
    return out


def _input(c: Any, shape: tuple[int, ...], how: str, rng: np.random.Generator) -> Any:
    """One generated argument of container `c`."""
    import numpy as np

    from sluice.ir import Scalar

    dt = c.dtype.numpy
    if how == "zeros":
        v = np.zeros(shape, dt)
    elif how == "ones":
        v = np.ones(shape, dt)
    elif c.dtype.is_integer:
        v = rng.integers(0, 100, shape).astype(dt)
    elif c.dtype.value == "bool":
        v = rng.random(shape) < 0.5
    elif c.dtype.is_complex:
        v = (rng.random(shape) + 1j * rng.random(shape)).astype(dt)
    else:
        v = rng.random(shape).astype(dt)
    return v[()] if isinstance(c, Scalar) else v


def _describe(name: str, v: Any) -> str:
    import numpy as np

    a = np.asarray(v)
    if a.ndim == 0:
        return f"{name} = {a.item()!r}"
    checksum = float(np.sum(np.abs(a.astype(np.complex128))))
    body = np.array2string(a, threshold=12, edgeitems=3, precision=6)
    return f"{name}: {a.dtype}{list(a.shape)}  checksum {checksum:.12g}\n{body}"


def _kernel_inputs(kernel: Any, how: str, seed: int) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for name, shape in kernel.inputs.items():
        if how == "zeros":
            v = np.zeros(shape, np.float32)
        elif how == "ones":
            v = np.ones(shape, np.float32)
        else:
            v = rng.standard_normal(shape).astype(np.float32)
        out[name] = float(v) if shape == () else v
    return out


def _csl_options(args: argparse.Namespace) -> Any:
    from sluice.backends.csl.options import CslOptions

    off = [n for n in CslOptions.names() if getattr(args, "disable_" + n.replace("-", "_"))]
    return CslOptions.from_disabled(off)


def _run_kernel(kernel: Any, args: argparse.Namespace) -> int:
    if args.target in NATIVE_TARGETS:
        raise SluiceError("spatial kernels run on --target interpret or csl")
    inputs = _kernel_inputs(kernel, args.inputs, args.seed)
    if args.target == "csl":
        from sluice.backends.csl import simulate

        artifacts = kernel.compile("csl", options=_csl_options(args), arch=args.arch)
        outputs, stats = simulate(artifacts, inputs)
        w, h = kernel.grid
        print(f"simulated {w}x{h} PEs ({args.arch}): {stats['cycles']} cycles (estimate)")
    else:
        outputs = kernel(target=args.target, **inputs)
    for name, v in outputs.items():
        print(_describe(name, v))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import numpy as np

    from sluice.ir import interpret

    params = _parse_params(args.param)
    prog = load(args.file, params)
    if hasattr(prog, "program"):
        return _run_kernel(prog, args)
    if args.target == "csl":
        raise SluiceError(f"'{args.file}' is not a spatial kernel: run it with --target "
                          "interpret or cpu")
    prog.verify()  # the interpreter trusts the IR's structure as the backends do
    inputs = make_inputs(prog, params, args.inputs, args.seed)
    symbols = {k: v for k, v in params.items() if k in prog.symbols and k not in inputs}
    if args.target in NATIVE_TARGETS:
        build = importlib.import_module(NATIVE_TARGETS[args.target][0]).build
        result = build(prog)(**inputs, **symbols)
    else:
        result = interpret(prog, **inputs, **symbols)
    results = () if result is None else (result if isinstance(result, tuple) else (result,))
    for name, v in zip(prog.returns, results, strict=True):
        print(_describe(name, v))
    for name, v in inputs.items():
        if isinstance(v, np.ndarray) and v.ndim:
            print(_describe(name, v))
    return 0


C_HEADER = """\
// {name}.h: calls lib{name}.so without Python (generated by sluice).
// Arrays are C-ordered and passed as pointers, then scalars, then the symbols (sizes).
// The function returns 0 on success.
#pragma once
#include <stdbool.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {{
#endif
{decl};
#ifdef __cplusplus
}}
#endif
"""


# targets whose build is a shared library with a C entry: backend module, source suffix
NATIVE_TARGETS = {"cpu": ("sluice.backends.cpu", "cpp"), "cuda": ("sluice.backends.cuda", "cu")}


def _compile_native(prog: Any, out: Path, target: str) -> int:
    import re
    import shutil

    from sluice.safetext import identifier

    identifier(prog.name, "program name")  # it names the files written below
    module, suffix = NATIVE_TARGETS[target]
    compiled = importlib.import_module(module).build(prog)
    m = re.search(r'extern "C" (int \w+\([^)]*\))', compiled.source)
    if m is None:
        raise SluiceError(f"could not find the entry point of '{prog.name}' in the source")
    files = {f"{prog.name}.{suffix}": compiled.source,
             f"{prog.name}.h": C_HEADER.format(name=prog.name, decl=m.group(1))}
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text)
        shutil.copyfile(compiled.path, out / f"lib{prog.name}.so")
    for name in [*files, f"lib{prog.name}.so"]:
        print(f"  {out / name}")
    language = "CUDA" if target == "cuda" else "C++"
    print(f"wrote {prog.name}: {language} source, shared library and C header to {out}")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    loaded = load(args.file, _parse_params(args.param))
    if not hasattr(loaded, "program"):
        if args.target not in NATIVE_TARGETS:
            raise SluiceError(f"'{args.file}' is not a spatial kernel: compile it for target "
                              f"'cpu' or 'cuda', not '{args.target}'", hint="--target cpu")
        return _compile_native(loaded, Path(args.out), args.target)
    if args.target != "csl":
        raise SluiceError(f"spatial kernels compile for target 'csl', not '{args.target}'",
                          hint="--target csl")
    out = Path(args.out)
    options = _csl_options(args)
    artifacts = loaded.compile("csl", options=options, arch=args.arch)
    with _writing(out):
        loaded.compile("csl", out_dir=out, options=options, arch=args.arch)  # cached: writes
    stats = artifacts.stats
    for name in sorted(artifacts.files):
        print(f"  {out / name}")
    print(f"wrote {len(artifacts.files)} files to {out}: {stats['csl_lines']} lines of CSL, "
          f"{stats['variants']} PE variants, {stats['colors']} colors, "
          f"{stats['local_tasks']} local task IDs")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from sluice.interop.sdfg_export import program_to_sdfg_json

    loaded = load(args.file, _parse_params(args.param))
    if hasattr(loaded, "program"):
        raise SluiceError(f"'{args.file}' is a spatial kernel; SDFG export takes programs",
                          hint="export a .sir file, an .sdfg file or module.py::function")
    out = Path(args.sdfg)
    if out.suffix != ".sdfg":
        raise SluiceError(f"'{out}': an SDFG file is named *.sdfg", hint="--sdfg OUT.sdfg")
    text = json.dumps(program_to_sdfg_json(loaded), indent=1)
    with _writing(out):
        out.write_text(text + "\n")
    print(f"wrote {out} (SDFG '{loaded.name}'; open it in DaCe's viewer or "
          "dace.SDFG.from_file)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if path.suffix not in (".sdfg", ".sdfgz"):
        raise SluiceError(f"'{args.file}' is not an SDFG file (.sdfg or .sdfgz)",
                          hint="sluice import IN.sdfg -o OUT.sir")
    prog = load(args.file, {})
    out = Path(args.out)
    if out.suffix != ".sir":
        raise SluiceError(f"'{out}': sluice's IR text is written to a .sir file",
                          hint="-o OUT.sir")
    with _writing(out):
        out.write_text(prog.to_text())
    print(f"wrote {out} (program '{prog.name}' with {len(prog.args)} arguments)")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from sluice.runtime.toolchain import doctor_report

    print(doctor_report())
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from sluice.config import describe

    describe()
    return 0


def _when(t: float) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def cmd_cache(args: argparse.Namespace) -> int:
    from sluice.runtime.cache import BuildCache
    from sluice.runtime.cache_prune import configured_max_size, format_size

    cache = BuildCache()
    if args.action == "ls":
        entries = cache.ls()
        if entries:
            print(f"{'key':16}  {'target':6} {'program':24} {'size':>9}  {'created':16}  "
                  "last used")
        for e in entries:
            print(f"{e.key[:16]}  {e.target:6} {e.program:24} {format_size(e.disk_size):>9}  "
                  f"{_when(e.created)}  {_when(e.used)}")
        cap = configured_max_size()
        total = format_size(sum(e.disk_size for e in entries))
        print(f"{len(entries)} entries, {total} of "
              f"{'no limit' if cap is None else format_size(cap)} in {cache.root}")
    elif args.action == "prune":
        from sluice.runtime.cache_prune import parse_size

        cap = configured_max_size() if args.max_size is None else parse_size(args.max_size)
        report = cache.prune(cap)
        busy = f" ({report.in_use} in use by other processes kept)" if report.in_use else ""
        print(f"removed {report.removed} entries ({format_size(report.freed)}); "
              f"{report.kept} entries ({format_size(report.kept_size)}) remain in "
              f"{cache.root}{busy}")
    elif args.action == "clear":
        print(f"removed {cache.clear()} entries from {cache.root}")
    elif args.action == "explain":
        from sluice.backends.cpu.driver import cache_parts

        if args.file is None:
            raise SluiceError("`sluice cache explain` needs the program to explain",
                              hint="sluice cache explain FILE [--param K=V ...]")
        loaded = load(args.file, _parse_params(args.param))
        if hasattr(loaded, "program"):
            raise SluiceError(f"'{args.file}' is a spatial kernel; the build cache holds "
                              "compiled CPU programs", hint="explain a .sir file or "
                              "module.py::function")
        print(cache.explain(cache_parts(loaded)))
    return 0


def _csl_flags(p: argparse.ArgumentParser) -> None:
    from sluice.backends.csl.options import CslOptions

    p.add_argument("--arch", choices=["wse2", "wse3"], default="wse2",
                   help="Cerebras architecture for csl (default wse2)")
    for name, what in CslOptions.help().items():
        p.add_argument(f"--disable-{name}", action="store_true",
                       help=f"csl: turn off {name.replace('-', ' ')}: {what}")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="sluice", description="sluice: a compiler toolkit for "
                                 "data-centric programs")
    ap.add_argument("--version", action="version", version=f"sluice {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_file(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("file", help="a .sir, .sptl or .sdfg file, or module.py::function")
        p.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                       help="bind a symbol or kernel parameter (repeatable)")
        return p

    p = with_file("show", "print a program (IR text), or draw it")
    p.add_argument("--after", metavar="PASS",
                   help="apply a pipeline (O0..O3) or the O3 passes up to this one first")
    p.add_argument("--picture", "--svg", metavar="OUT",
                   help="also draw the program into OUT: .svg or .png (Graphviz), .dot (its "
                   "source)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--grad", action="store_true",
                   help="show the joint forward + backward program of the first result")
    p.add_argument("--wrt", metavar="ARGS",
                   help="with --grad: the arguments to differentiate by (comma-separated; "
                        "default: every floating-point one)")
    p.set_defaults(func=cmd_show)
    p = with_file("check", "parse and verify a program")
    p.set_defaults(func=cmd_check)
    p = with_file("run", "run a program on generated inputs and print its outputs")
    p.add_argument("--inputs", choices=["random", "zeros", "ones"], default="random",
                   help="the generated arguments: random (default; integers in [0, 100), "
                   "floats in [0, 1), normal for kernels), zeros or ones")
    p.add_argument("--seed", type=_seed, default=0,
                   help="seed of the random inputs (a non-negative integer)")
    p.add_argument("--target", default="interpret",
                   choices=["interpret", "cpu", "cuda", "csl"],
                   help="the reference interpreter (default); cpu: compiled C++ (programs); "
                   "cuda: compiled CUDA on the GPU (programs; SLUICE_CUDA_EMULATE=1 runs its "
                   "kernels on the CPU); csl: the printed CSL on the wafer simulator "
                   "(spatial kernels)")
    _csl_flags(p)
    p.set_defaults(func=cmd_run)
    p = with_file("compile", "compile a program for a target and write the artifacts")
    p.add_argument("--target", required=True, choices=["cpu", "cuda", "csl"],
                   help="the backend: cpu (C++/OpenMP) or cuda (nvcc) for programs, csl for "
                   ".sptl kernels")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="output folder")
    _csl_flags(p)
    p.set_defaults(func=cmd_compile)
    p = with_file("export", "write a program as a DaCe SDFG (.sdfg JSON; DaCe not needed)")
    p.add_argument("--sdfg", required=True, metavar="OUT.sdfg", help="the SDFG file to write")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import", help="read a DaCe SDFG (.sdfg/.sdfgz) into sluice IR text")
    p.add_argument("file", help="the .sdfg or .sdfgz file")
    p.add_argument("-o", "--out", required=True, metavar="OUT.sir", help="the .sir file to "
                   "write")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("doctor", help="report the toolchain sluice can use")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("config", help="list every option and environment variable with its "
                       "current value (sluice.config)")
    p.set_defaults(func=cmd_config)
    p = sub.add_parser("cache", help="inspect, prune or clear the build cache",
                       description="The build cache lives in $SLUICE_CACHE_DIR, else the "
                       "platform's cache folder ($XDG_CACHE_HOME/sluice or ~/.cache/sluice on "
                       "Linux). It keeps at most $SLUICE_CACHE_MAX_SIZE (default 2G; 'off' for "
                       "no limit), removing the least recently used builds first.")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("ls", help="list the entries: size, created, last used")
    q = actions.add_parser("prune", help="remove the least recently used entries until the "
                           "cache fits a size")
    q.add_argument("--max-size", metavar="SIZE",
                   help="the size to fit, like 500M or 2G (default: $SLUICE_CACHE_MAX_SIZE, "
                   "else 2G)")
    actions.add_parser("clear", help="remove every entry")
    q = actions.add_parser("explain", help="whether FILE's CPU build is cached, and if not, "
                           "which key parts differ from the nearest entry")
    q.add_argument("file", nargs="?", help="a .sir file or module.py::function")
    q.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a symbol (repeatable)")
    p.set_defaults(func=cmd_cache)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SluiceError as e:
        print(e.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception:
        traceback.print_exc()
        print("\ninternal error: this is a bug in sluice, not in your program. Please report "
              "it with the output of `sluice doctor`.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
