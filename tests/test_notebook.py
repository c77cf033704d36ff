"""Diagnostics name notebook cells (`cell In[3], line 3`) instead of the kernel's temporary
files, and only when IPython runs; elsewhere locations read as before."""

from __future__ import annotations

import sys
import types

import pytest

from sluice.errors import SluiceError, SourceLocation
from sluice.notebook import cell_name, describe_file

KERNEL_FILE = "/tmp/ipykernel_1234/2216636051.py"


class _Compiler:
    def __init__(self, counts: dict[str, int]) -> None:
        self._filename_map = counts

    def format_code_name(self, name: str) -> tuple[str, str] | None:
        return ("Cell", f"In[{self._filename_map[name]}]") if name in self._filename_map \
            else None


def _fake_ipython(monkeypatch, compiler: object) -> None:
    shell = types.SimpleNamespace(compile=compiler)
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", module)


def test_a_kernel_cell_is_named_by_its_execution_count(monkeypatch):
    _fake_ipython(monkeypatch, _Compiler({KERNEL_FILE: 3}))
    loc = SourceLocation(KERNEL_FILE, 3, 12, 2, "    return A @ B")
    assert loc.describe() == "cell In[3], line 3, column 12"
    assert str(loc) == f"{KERNEL_FILE}:3:12"  # the machine form (IR text, keys) stays
    err = SluiceError("bad shapes", loc, hint="check them")
    assert str(err).startswith("cell In[3], line 3, column 12: error: bad shapes\n")
    assert "ipykernel_1234" not in str(err)
    assert describe_file(KERNEL_FILE) == "cell In[3]"
    assert cell_name("/tmp/ipykernel_1234/other.py") is None  # a file it did not compile


def test_an_older_ipython_without_format_code_name(monkeypatch):
    _fake_ipython(monkeypatch, types.SimpleNamespace(_filename_map={KERNEL_FILE: 7}))
    assert SourceLocation(KERNEL_FILE, 2).describe() == "cell In[7], line 2"


def test_plain_ipython_input_names_carry_their_count():
    assert cell_name("<ipython-input-4-5f1a2b3c4d>") == "In[4]"
    assert SourceLocation("<ipython-input-4-5f1a2b3c4d>", 1, 5).describe() == (
        "cell In[4], line 1, column 5")


def test_without_ipython_nothing_changes(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    loc = SourceLocation(KERNEL_FILE, 3, 12)
    assert loc.describe() == str(loc) == f"{KERNEL_FILE}:3:12"
    assert describe_file("kernel.sptl") == "kernel.sptl" and describe_file(None) == "<input>"


@pytest.mark.parametrize("get", [lambda: None, lambda: 1 / 0])
def test_no_shell_or_a_broken_one_leaves_names_alone(monkeypatch, get):
    module = types.ModuleType("IPython")
    module.get_ipython = get
    monkeypatch.setitem(sys.modules, "IPython", module)
    assert SourceLocation(KERNEL_FILE, 1).describe() == f"{KERNEL_FILE}:1"
