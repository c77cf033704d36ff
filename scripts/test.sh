#!/usr/bin/env bash
# Quickstart 2: set everything up, then run the whole test suite (and ruff).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m ruff check sluice tests bench examples
# one pytest worker per core (at most 4: each compiles C++ with its own build cache)
# (--dist loadgroup: the tests of one bench kernel share its trace in one worker)
exec .venv/bin/python -m pytest -q -n auto --maxprocesses 4 --dist loadgroup "$@"
