"""README.md's examples run as written.

* Every ```python block runs, in the README's order, in one namespace (later blocks use the
  arrays and functions of earlier ones, as a reader typing them in would). Each block is
  written to a file of its own first, because sluice reads a function's source from its file;
  the working folder is a fresh one that sees the repository's `examples/`, and builds go to a
  fresh build cache. A block whose first line is `# file: NAME` is also saved as NAME there
  (the command line examples compile functions from it).
* Every command of a ```sh, ```bash or ```console block runs, each as its own test, except the
  ones `SKIPPED` lists with the reason; `sluice ...` commands (after `VAR=value` settings) run
  through `sluice.cli.main` in this process and must exit with 0. A command of another kind
  fails the test until it is run here or listed in `SKIPPED`.
* The Quickstart stays two commands, the second the one `.ci/run` calls, and links stay
  inside the repository.
"""

from __future__ import annotations

import re
import shlex
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from sluice.cli import main as sluice_main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
QUICKSTART = ["bash scripts/demo.sh", "bash scripts/test.sh"]
# The first words of commands shown but not run here, and why.
SKIPPED = {
    ("bash", "scripts/demo.sh"): "sets up .venv (pip, apt-get) and runs examples/quickstart.py "
                                 "with timings: a minute or more",
    ("bash", "scripts/test.sh"): "sets up .venv and runs this very suite (.ci/run runs it)",
    ("pip", "install"): "installs into an environment; the test environment has sluice",
}
_SHELL = ("sh", "bash", "console")
_FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    line: int  # of the README, where the block's first line is


def blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text."""
    out, lang, start, body = [], None, 0, []
    for n, line in enumerate(text.splitlines(), 1):
        fence = _FENCE.match(line)
        if lang is None and fence:
            lang, start, body = fence.group(1), n + 1, []
        elif lang is not None and line.rstrip() == "```":
            out.append(Block(lang, "\n".join(body) + "\n", start))
            lang = None
        elif lang is not None:
            body.append(line)
    assert lang is None, f"README.md: the block opened before line {start} is not closed"
    return out


def commands(block: Block) -> list[tuple[int, list[str]]]:
    """(README line, words) of each command of a shell block (`$ ` prompts and comments go)."""
    out = []
    for k, line in enumerate(block.text.splitlines()):
        words = shlex.split(line.removeprefix("$ "), comments=True)
        if words:
            out.append((block.line + k, words))
    return out


def split_settings(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """`A=1 B=2 cmd ...` -> ({A: 1, B: 2}, [cmd, ...])."""
    settings = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words[0].partition("=")
        settings[name] = value
        words = words[1:]
    return settings, words


ALL = blocks(README.read_text())
PYTHON = [b for b in ALL if b.lang == "python"]
COMMANDS = [c for b in ALL if b.lang in _SHELL for c in commands(b)]
FILES = {m.group(1): b.text for b in PYTHON
         if (m := re.match(r"# file: (\S+)", b.text))}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder like the repository's root for the examples: `examples/` and the README's
    `# file:` blocks in it."""
    work = tmp_path_factory.mktemp("readme")
    (work / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    for name, text in FILES.items():
        (work / name).write_text(text)
    return work


@pytest.fixture
def in_workdir(workdir, tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path.parent / "readme-cache"))
    monkeypatch.syspath_prepend(str(workdir))  # (as `python` started there would have it)
    for name in ("SLUICE_PROGRESS", "SLUICE_LOG", "SLUICE_DISABLE_JIT", "SLUICE_CUDA_EMULATE"):
        monkeypatch.delenv(name, raising=False)
    return workdir


def test_the_readme_has_examples_of_each_kind():
    assert len(PYTHON) >= 5 and "progs.py" in FILES
    assert sum(words[0] == "sluice" for _, words in COMMANDS) >= 10


def test_the_python_examples_run_in_order(in_workdir):
    namespace: dict = {"__name__": "readme"}
    for k, block in enumerate(PYTHON):
        path = in_workdir / f"readme_block_{k}.py"
        path.write_text(block.text)
        try:
            exec(compile(block.text, str(path), "exec"), namespace)
        except Exception as err:
            pytest.fail(f"README.md, the python block at line {block.line} fails:\n"
                        f"{''.join(traceback.format_exception(err))}")


@pytest.mark.parametrize(("line", "words"), COMMANDS,
                         ids=[f"line{n}-{' '.join(w)[:40]}" for n, w in COMMANDS])
def test_the_shell_commands_run(in_workdir, monkeypatch, capsys, line, words):
    settings, argv = split_settings(words)
    if tuple(argv[:2]) in SKIPPED:
        pytest.skip(SKIPPED[tuple(argv[:2])])
    assert argv[0] == "sluice", (f"README.md line {line}: `{shlex.join(words)}` is neither "
                                 "run by this test nor listed in SKIPPED")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    status = sluice_main(argv[1:])
    out, err = capsys.readouterr()
    assert status == 0, f"README.md line {line}: `{shlex.join(words)}` exits {status}:\n{err}"
    assert out.strip(), f"README.md line {line}: `{shlex.join(words)}` printed nothing"


def test_the_quickstart_is_two_commands_and_ci_runs_the_second():
    text = README.read_text()
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    shown = [shlex.join(w) for b in blocks(section) for _, w in commands(b)]
    assert shown == QUICKSTART
    assert QUICKSTART[1] in (ROOT / ".ci" / "run").read_text()


def test_links_stay_inside_the_repository():
    for target in re.findall(r"\]\(([^)]+)\)", README.read_text()):
        assert "://" not in target, f"README.md links outside the repository: {target}"
        assert (ROOT / target.split("#")[0]).exists(), f"README.md links to a missing {target}"
