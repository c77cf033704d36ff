"""`sluice.config`: every environment variable documented, read as sluice reads it, settable."""

from __future__ import annotations

import importlib
import logging
import os
import re
from pathlib import Path

import pytest

import sluice
import sluice.config
from sluice.cli import main
from sluice.config import OPTIONS, ConfigError
from sluice.errors import CacheError, SluiceError

REPO = Path(sluice.__file__).resolve().parent.parent
SCANNED = ("sluice", "bench", "scripts", "tests", "examples")
# `os.environ.get("CXX")`, `os.getenv(...)`, `turned_on(...)`: a variable read by its name
_READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|turned_o(?:n|ff)\()\s*"""
                   r"""["']([A-Z_][A-Z0-9_]*)["']""")

# A value of each option that is not its default, as it reads back after being set.
SAMPLES = {"cache_dir": Path("/tmp/sluice-config-test"), "cache_max_size": 500 * 1024**2,
           "boundscheck": True, "disable_jit": True, "log": "debug", "progress": False,
           "blas": False, "vecmath": False, "poison_unzeroed": True, "cuda_emulate": True,
           "traceback": "full", "fuzz_nvcc": "1",
           "cxx": "clang++", "cc": "gcc", "cuda_home": "/opt/cuda", "cuda_path": "/opt/cuda",
           "cslc": "/sdk/cslc", "cs_python": "/sdk/cs_python", "omp_num_threads": 3,
           "xdg_cache_home": "/tmp/xdg", "bench_dace_dir": "/tmp/dace", "update_golden": True,
           "fuzz_targets": "interpret,cpu,cuda", "fuzz_batches": 2, "fuzz_mutants": 5,
           "grad_fuzz": 7, "require_dace": "1", "venv": ".venv-x"}


def _sources() -> list[Path]:
    files = []
    for top in SCANNED:
        for ext in ("py", "sh", "md"):
            files += (REPO / top).rglob(f"*.{ext}")
    return files


@pytest.fixture
def clean(monkeypatch):
    """Every option's variable unset for the test, restored afterwards (also those the test
    sets through sluice.config: `setenv` first records what to restore)."""
    for o in OPTIONS.values():
        monkeypatch.setenv(o.variable, "")
        monkeypatch.delenv(o.variable)
    return monkeypatch


def test_every_sluice_variable_in_the_sources_is_documented():
    documented = {o.variable for o in OPTIONS.values()}
    mentioned: dict[str, Path] = {}
    for path in _sources():
        text = path.read_text(errors="replace")
        for name in re.findall(r"\bSLUICE_[A-Z0-9_]*[A-Z0-9]\b", text):
            mentioned.setdefault(name, path)
        if path.is_relative_to(REPO / "sluice"):  # other variables the package reads by name
            for name in _READ.findall(text):
                mentioned.setdefault(name, path)
    assert len(mentioned) > 15  # (the scan found the tree)
    missing = {name: str(path.relative_to(REPO)) for name, path in mentioned.items()
               if name not in documented}
    assert not missing, f"document these in sluice/config.py: {missing}"


def test_every_option_is_described_once_with_its_variable_and_value(clean, capsys):
    variables = [o.variable for o in OPTIONS.values()]
    assert len(set(variables)) == len(variables)
    assert set(SAMPLES) == set(OPTIONS)
    clean.setenv("SLUICE_BOUNDSCHECK", "yes")
    sluice.config.describe()
    out = capsys.readouterr().out
    for o in OPTIONS.values():
        assert f"${o.variable}" in out and o.meaning.split()[0] in out
    assert "boundscheck = True    ($SLUICE_BOUNDSCHECK=yes)" in out
    assert "blas = True\n" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_the_cli_prints_the_table(clean, capsys):
    clean.setenv("SLUICE_CACHE_MAX_SIZE", "off")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "cache_max_size = None    ($SLUICE_CACHE_MAX_SIZE=off)" in out


def test_a_bad_value_in_the_environment_shows_in_the_table(clean):
    clean.setenv("SLUICE_CACHE_MAX_SIZE", "lots")
    with pytest.raises(CacheError):
        sluice.config.cache_max_size  # noqa: B018
    assert "cache_max_size = invalid (SLUICE_CACHE_MAX_SIZE: 'lots' is not a size)" in \
        sluice.config.table()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_setting_writes_the_variable_and_reads_back(clean, name):
    option = OPTIONS[name]
    default = getattr(sluice.config, name)
    setattr(sluice.config, name, SAMPLES[name])
    try:
        assert getattr(sluice.config, name) == SAMPLES[name] != default
        assert option.variable in os.environ
        delattr(sluice.config, name)
        assert option.variable not in os.environ
        assert getattr(sluice.config, name) == default
    finally:
        if name == "log":  # (setting it installed a handler: take it away again)
            sluice.config.log = None


def test_sluices_own_readers_see_what_was_set(clean):
    from sluice.backends.cpu import bounds
    from sluice.backends.cpu.initialised import poison_unzeroed
    from sluice.backends.cuda.driver import CudaOptions
    from sluice.cachedir import default_root
    from sluice.runtime.blas import find_blas
    from sluice.runtime.cache_prune import configured_max_size

    sluice.config.boundscheck = True
    sluice.config.cache_dir = "~/elsewhere"
    sluice.config.cache_max_size = "1.5G"
    sluice.config.blas = False
    assert bounds.from_environment() and find_blas() is None
    assert default_root() == Path("~/elsewhere").expanduser()
    assert configured_max_size() == int(1.5 * 1024**3)
    # `off` means off for every switch (these two once took any value but "0" as on)
    clean.setenv("SLUICE_CUDA_EMULATE", "off")
    clean.setenv("SLUICE_POISON_UNZEROED", "off")
    assert not CudaOptions().emulated and not poison_unzeroed()
    assert not sluice.config.cuda_emulate and not sluice.config.poison_unzeroed


def test_setting_the_log_level_takes_effect_at_once(clean):
    root = logging.getLogger("sluice")
    before = list(root.handlers)
    sluice.config.log = "INFO"
    try:
        assert sluice.config.log == "info" and root.level == logging.INFO
        assert len(root.handlers) == len(before) + 1
        sluice.config.log = "debug"  # replaces the handler, does not add a second
        assert root.level == logging.DEBUG and len(root.handlers) == len(before) + 1
    finally:
        del sluice.config.log
    assert root.handlers == before and root.level == logging.NOTSET and root.propagate


@pytest.mark.parametrize(("name", "value", "match"), [
    ("boundscheck", "yes", "is True or False"),
    ("log", "loud", "not a log level"),
    ("omp_num_threads", -1, "non-negative integer"),
    ("cache_max_size", 1.5, "not a size"),
    ("cache_max_size", "lots", "not a size"),
])
def test_bad_values_are_refused_with_a_hint(clean, name, value, match):
    with pytest.raises(SluiceError, match=match) as info:
        setattr(sluice.config, name, value)
    assert info.value.hint
    assert OPTIONS[name].variable not in os.environ


def test_unknown_names_say_what_was_meant():
    with pytest.raises(AttributeError, match="did you mean 'boundscheck'"):
        sluice.config.boundcheck  # noqa: B018
    with pytest.raises(AttributeError, match="did you mean 'disable_jit'"):
        sluice.config.disable_jt = True
    with pytest.raises(AttributeError, match="describe"):
        sluice.config.frobnicate  # noqa: B018


def test_one_object_however_it_is_imported():
    from sluice import config

    assert config is sluice.config is importlib.import_module("sluice.config")
    assert "config" in dir(sluice) and "boundscheck" in dir(config)
    assert isinstance(ConfigError("x"), SluiceError)
    # A module global of the same name would hide an option from `__getattr__`.
    assert not set(OPTIONS) & set(vars(config))
