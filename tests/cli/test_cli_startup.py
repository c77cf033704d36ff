"""The command line starts fast: `--version` and `--help` import no compiler, and every
option explains itself. The package's lazy names behave like eagerly imported ones."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sluice
from sluice.cli import build_parser

REPO = Path(sluice.__file__).resolve().parent.parent
HEAVY = ("numpy", "sympy", "sluice.api", "sluice.ir", "sluice.backends.csl.compile")

# Runs `python -m sluice ARGS` in this interpreter and prints the modules it imported.
_PROBE = """
import runpy, sys
sys.argv = ["sluice", *sys.argv[1:]]
try:
    runpy.run_module("sluice", run_name="__main__", alter_sys=True)
except SystemExit as e:
    assert e.code in (0, None), e.code
print("MODULES", *sorted(sys.modules))
"""


def _modules_after(*args: str) -> tuple[str, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True,
                          text=True, env=env, timeout=60, check=True)
    out, _, modules = done.stdout.rpartition("MODULES")
    return out, set(modules.split())


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["run", "--help"],
                                  ["cache", "--help"]])
def test_version_and_help_import_no_compiler(args):
    out, modules = _modules_after(*args)
    assert "sluice" in out
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_python_dash_m_sluice():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "sluice", "--version"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"sluice {sluice.__version__}"


def _parsers(parser: argparse.ArgumentParser, path: str = "sluice"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_option_of_every_command_has_help():
    seen = 0
    for path, parser in _parsers(build_parser()):
        text = parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)
            for flag in action.option_strings:
                assert flag in text, (path, flag)
            seen += 1
    assert seen > 30  # (the walk reached the subcommands)


def test_lazy_names_are_the_defining_modules_objects():
    from sluice.api import jit, program
    from sluice.autodiff import grad
    from sluice.frontend.python.pmap import pmap
    from sluice.types import float64, symbol

    assert (sluice.jit, sluice.program, sluice.grad, sluice.map) == (jit, program, grad, pmap)
    assert sluice.float64 is float64 and sluice.symbol is symbol
    namespace: dict = {}
    exec("from sluice import *", namespace)
    assert set(sluice.__all__) <= set(namespace) and set(sluice.__all__) <= set(dir(sluice))
    assert sluice.ir.Program is sluice.api.Program  # submodules as attributes, as before
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        sluice.no_such_name  # noqa: B018
