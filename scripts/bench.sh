#!/usr/bin/env bash
# Benchmarks sluice against NumPy, Numba, DaCe and JAX side by side: `bash scripts/bench.sh
# --size S`. The peers live in their own environment (.venv-bench) because DaCe 1.0 needs
# NumPy 1.x while the development environment follows NumPy 2; every peer and sluice share
# that one environment, so a run compares them on equal terms.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE_VENV=.venv-bench bash scripts/setup.sh bench
exec .venv-bench/bin/python -m bench "$@"
