#!/usr/bin/env bash
# Quickstart 2: set everything up, then run the whole test suite (and ruff).
# With arguments, they go to the main pytest run only (for example one test file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m ruff check sluice tests bench examples
# one pytest worker per core (at most 4: each compiles C++ with its own build cache)
# (--dist loadgroup: the tests of one bench kernel share its trace in one worker)
.venv/bin/python -m pytest -q -n auto --maxprocesses 4 --dist loadgroup "$@"
if [ $# -eq 0 ]; then
    # DaCe interop: DaCe 1.0 needs NumPy 1.x, so tests/interop runs again in an
    # environment of its own, where its DaCe tests must run (SLUICE_REQUIRE_DACE).
    SLUICE_VENV=.venv-dace bash scripts/setup.sh test,dace
    SLUICE_REQUIRE_DACE=1 .venv-dace/bin/python -m pytest -q -n auto --maxprocesses 4 \
        -p no:cacheprovider tests/interop
fi
