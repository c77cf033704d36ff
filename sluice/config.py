"""`sluice.config`: every environment variable sluice reads, documented, read and set in one place.

    >>> sluice.config.boundscheck          # the value in force now
    False
    >>> sluice.config.boundscheck = True   # sets $SLUICE_BOUNDSCHECK=1 for this process
    >>> del sluice.config.boundscheck      # unsets it: back to the default
    >>> sluice.config.describe()           # the table below with the current values

The environment stays the one source of truth: setting an option writes its variable (so the
code that reads it, and child processes, see it), and reading one calls the same function
that sluice itself uses. Toolchain variables read as they are set (None: sluice searches as
its default says). `sluice config` on the command line prints the same table.

This module is itself the config object (its class is swapped below), so that
`import sluice.config` and `sluice.config` can never be two different things.
"""

from __future__ import annotations

import os
import sys
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sluice.errors import SluiceError, did_you_mean
from sluice.log import LEVELS


class ConfigError(SluiceError):
    """A value that an option cannot take."""

    kind = "configuration error"


@dataclass(frozen=True)
class Option:
    """One setting: `sluice.config.<name>` reads and writes `$<variable>`."""

    name: str
    variable: str
    type: str  # as `describe` shows it
    default: str  # what happens when the variable is unset, in words
    meaning: str  # one line
    group: str  # "sluice", "toolchain" or "development"
    read: Callable[[str | None], Any]  # the variable's text (None: unset) -> the value
    write: Callable[[Any], str | None]  # a value -> the variable's text (None: unset it)
    applied: Callable[[], None] | None = None  # for readers that read once: read it again

    def get(self) -> Any:
        return self.read(os.environ.get(self.variable))

    def set(self, value: Any) -> None:
        self.set_text(self.write(value))

    def set_text(self, text: str | None) -> None:
        if text is None:
            os.environ.pop(self.variable, None)
        else:
            os.environ[self.variable] = text
        if self.applied is not None:
            self.applied()


# Readers and writers by type. Readers follow the code that reads each variable, so that what
# `sluice.config` says is what sluice does.

def _switched_on(variable: str) -> Callable[[str | None], bool]:
    def read(text: str | None) -> bool:
        from sluice.runtime.switches import turned_on

        return turned_on(variable)

    return read


def _not_switched_off(variable: str) -> Callable[[str | None], bool]:
    def read(text: str | None) -> bool:
        from sluice.runtime.switches import turned_off

        return not turned_off(variable)

    return read


def _read_exactly_one(text: str | None) -> bool:
    return text == "1"


def _write_bool(name: str) -> Callable[[Any], str | None]:
    def write(value: Any) -> str | None:
        if not isinstance(value, bool):
            raise ConfigError(f"sluice.config.{name} is True or False, not {value!r}",
                              hint=f"`del sluice.config.{name}` restores the default")
        return "1" if value else "0"

    return write


def _read_progress(text: str | None) -> bool | None:
    from sluice.progress import forced

    return forced()


def _write_progress(value: Any) -> str | None:
    if value is None:
        return "auto"
    return _write_bool("progress")(value)


def _read_log(text: str | None) -> str | None:
    value = (text or "").strip().lower()
    return value if value in LEVELS else None


def _write_log(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in LEVELS:
        raise ConfigError(f"{value!r} is not a log level",
                          hint=f"use one of {', '.join(LEVELS)}, or None for no log")
    return value.lower()


def _reconfigure_log() -> None:
    from sluice.log import configure_from_environment

    configure_from_environment()


def _read_cache_dir(text: str | None) -> Any:
    from sluice.cachedir import default_root

    return default_root()


def _write_path(value: Any) -> str | None:
    return None if value is None else os.fspath(os.path.expanduser(value))


def _read_max_size(text: str | None) -> int | None:
    from sluice.runtime.cache_prune import configured_max_size

    return configured_max_size()


def _write_max_size(value: Any) -> str | None:
    from sluice.runtime.cache_prune import parse_size

    if value is None:
        return "off"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{value!r} is not a size",
                          hint="a number of bytes, a text like '500M' or '2G', or None for no cap")
    parse_size(str(value))  # a CacheError naming the right forms when it is not a size
    return str(value)


def _read_text(text: str | None) -> str | None:
    return text or None


def _write_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _read_count(default: int | None) -> Callable[[str | None], int | None]:
    def read(text: str | None) -> int | None:
        try:
            return int(text) if text and text.strip() else default
        except ValueError:
            return default

    return read


def _write_count(name: str) -> Callable[[Any], str | None]:
    def write(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"sluice.config.{name} is a non-negative integer, not {value!r}",
                              hint=f"`del sluice.config.{name}` restores the default")
        return str(value)

    return write


def _switch(name: str, variable: str, default_on: bool, meaning: str,
            group: str = "sluice") -> Option:
    read = _not_switched_off(variable) if default_on else _switched_on(variable)
    return Option(name, variable, "bool", "on" if default_on else "off", meaning, group, read,
                  _write_bool(name))


def _text(name: str, variable: str, kind: str, default: str, meaning: str,
          group: str) -> Option:
    return Option(name, variable, kind, default, meaning, group, _read_text, _write_text)


def _count(name: str, variable: str, default: int | None, meaning: str, group: str) -> Option:
    shown = "all cores" if default is None else str(default)
    return Option(name, variable, "int", shown, meaning, group, _read_count(default),
                  _write_count(name))


_ALL = [
    # What sluice reads.
    Option("cache_dir", "SLUICE_CACHE_DIR", "path",
           "the platform's cache folder ($XDG_CACHE_HOME/sluice, ~/.cache/sluice)",
           "where builds and parser tables are kept", "sluice", _read_cache_dir, _write_path),
    Option("cache_max_size", "SLUICE_CACHE_MAX_SIZE", "size", "2G",
           "the build cache's cap in bytes ('2G' when set; None: none), least recently used "
           "go first", "sluice", _read_max_size, _write_max_size),
    _switch("boundscheck", "SLUICE_BOUNDSCHECK", False,
            "generated code checks every array index (slower; read when a program compiles)"),
    _switch("disable_jit", "SLUICE_DISABLE_JIT", False,
            "@jit/@program functions decorated from now on run as plain Python (print, pdb)"),
    Option("log", "SLUICE_LOG", "level", "no log",
           "print each stage with its time on stderr: debug, info, warning or error", "sluice",
           _read_log, _write_log, applied=_reconfigure_log),
    Option("progress", "SLUICE_PROGRESS", "bool",
           "auto: on a terminal or as Jupyter widgets, after 2 s",
           "progress bars for long compiles, simulator, interpreter and benchmark runs "
           "(None: auto)",
           "sluice", _read_progress, _write_progress),
    _switch("blas", "SLUICE_BLAS", True,
            "matrix products call an installed CBLAS (OpenBLAS); off: sluice's own kernels"),
    _switch("vecmath", "SLUICE_VECMATH", True,
            "vectorised loops call glibc's libmvec for math functions where it exists"),
    _switch("poison_unzeroed", "SLUICE_POISON_UNZEROED", False,
            "memory handed out unzeroed is filled with all-ones bytes (finds unset reads)"),
    _switch("cuda_emulate", "SLUICE_CUDA_EMULATE", False,
            "target cuda runs its kernels as host code built by the C++ compiler (no GPU)"),
    _text("traceback", "SLUICE_TRACEBACK", "text", "sluice's internal frames hidden",
          "'full' keeps sluice's own frames in the tracebacks of SluiceErrors (for reports)",
          "sluice"),
    # External tools and libraries, read as they are set.
    _text("cxx", "CXX", "command", "g++, c++ or clang++ on PATH",
          "the C++ compiler for the cpu (and emulated cuda) target", "toolchain"),
    _text("cc", "CC", "command", "not used", "a C++ compiler of last resort when none of the "
          "CXX choices exists", "toolchain"),
    _text("cuda_home", "CUDA_HOME", "path", "CUDA_PATH, then nvcc on PATH, then /usr/local/cuda",
          "the CUDA toolkit whose bin/nvcc compiles the cuda target", "toolchain"),
    _text("cuda_path", "CUDA_PATH", "path", "nvcc on PATH, then /usr/local/cuda",
          "the CUDA toolkit, when CUDA_HOME is unset", "toolchain"),
    _text("cslc", "CSLC", "command", "the wafer simulator",
          "the Cerebras SDK's cslc; with CS_PYTHON set, CSL runs on the SDK", "toolchain"),
    _text("cs_python", "CS_PYTHON", "command", "the wafer simulator",
          "the Cerebras SDK's cs_python, which runs the host program of a CSL build",
          "toolchain"),
    _count("omp_num_threads", "OMP_NUM_THREADS", None,
           "threads of compiled CPU code (read by the OpenMP runtime)", "toolchain"),
    _text("xdg_cache_home", "XDG_CACHE_HOME", "path", "~/.cache",
          "the cache folder's parent on Linux when SLUICE_CACHE_DIR is unset", "toolchain"),
    # Read by the tests, benchmarks and scripts, not by the package.
    _text("bench_dace_dir", "SLUICE_BENCH_DACE_DIR", "path",
          "sluice-bench-dace-UID in the temp folder",
          "bench: where DaCe, as a peer, keeps its builds", "development"),
    Option("update_golden", "SLUICE_UPDATE_GOLDEN", "bool", "off",
           "tests: rewrite the golden CSL files instead of comparing with them (only '1')",
           "development", _read_exactly_one, _write_bool("update_golden")),
    _text("fuzz_targets", "SLUICE_FUZZ_TARGETS", "list", "interpret,cpu",
          "tests/fuzz: the targets compared with NumPy (comma-separated)", "development"),
    _text("fuzz_nvcc", "SLUICE_FUZZ_NVCC", "bool", "0",
          "tests/fuzz: the cuda target's file is also compiled by nvcc", "development"),
    _count("fuzz_batches", "SLUICE_FUZZ_BATCHES", 10,
           "tests/fuzz: batches of generated programs", "development"),
    _count("fuzz_mutants", "SLUICE_FUZZ_MUTANTS", 250,
           "tests/fuzz: mutated sources per frontend", "development"),
    _count("grad_fuzz", "SLUICE_GRAD_FUZZ", 0,
           "tests: gradients of this many random programs checked by finite differences",
           "development"),
    _text("require_dace", "SLUICE_REQUIRE_DACE", "bool", "0",
          "tests/interop: '1' fails the run where DaCe does not import instead of skipping "
          "its tests (scripts/test.sh sets it in .venv-dace)", "development"),
    _text("venv", "SLUICE_VENV", "path", ".venv",
          "scripts/setup.sh: the virtual environment it creates", "development"),
]
OPTIONS: dict[str, Option] = {o.name: o for o in _ALL}
GROUPS = {"sluice": "read by sluice", "toolchain": "external tools and libraries",
          "development": "tests, benchmarks and scripts"}


def _unknown(name: str) -> AttributeError:
    hint = did_you_mean(name, OPTIONS)
    return AttributeError(f"sluice.config has no option {name!r}"
                          + (f"; {hint}" if hint else "; sluice.config.describe() lists them"))


def _shown(option: Option) -> str:
    try:
        value = option.get()
        value = str(value) if isinstance(value, os.PathLike) else repr(value)
    except SluiceError as e:  # a bad value in the environment: say so, the table still prints
        value = f"invalid ({e.message})"
    text = os.environ.get(option.variable)
    return value if text is None else f"{value}    (${option.variable}={text})"


def table() -> str:
    """Every option with its variable, current value, type, default and meaning."""
    lines = ["sluice.config: sluice.config.NAME reads an option, assigning sets its environment "
             "variable", "for this process, `del` restores the default.", ""]
    for group, title in GROUPS.items():
        lines.append(f"{title}:")
        for o in _ALL:
            if o.group == group:
                lines.append(f"  {o.name} = {_shown(o)}")
                for text in (o.meaning, f"${o.variable}, {o.type}, default: {o.default}"):
                    lines += textwrap.wrap(text, 96, initial_indent=" " * 6,
                                           subsequent_indent=" " * 8)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def describe() -> None:
    """Print `table()`."""
    print(table(), end="")


class _Config(types.ModuleType):
    """Options read and written as attributes of the module."""

    def __getattr__(self, name: str) -> Any:  # (only for names the module does not define)
        option = OPTIONS.get(name)
        if option is None:
            raise _unknown(name)
        return option.get()

    def __setattr__(self, name: str, value: Any) -> None:
        option = OPTIONS.get(name)
        if option is not None:
            option.set(value)
        elif name.startswith("_") or name in vars(self):  # the import system, mock.patch
            super().__setattr__(name, value)
        else:  # a misspelt option would otherwise be a silent new attribute
            raise _unknown(name)

    def __delattr__(self, name: str) -> None:
        option = OPTIONS.get(name)
        if option is None:
            super().__delattr__(name)
            return
        option.set_text(None)

    def __dir__(self) -> list[str]:
        return sorted({*OPTIONS, "describe", "table", "OPTIONS", "Option", "ConfigError"})


sys.modules[__name__].__class__ = _Config
config = sys.modules[__name__]
