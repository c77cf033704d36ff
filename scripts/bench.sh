#!/usr/bin/env bash
# Benchmarks sluice against NumPy, Numba, DaCe and JAX side by side: `bash scripts/bench.sh
# --size S`. The peers live in their own environment (.venv-bench) because DaCe 1.0 needs
# NumPy 1.x while the development environment follows NumPy 2; every peer and sluice share
# that one environment, so a run compares them on equal terms.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p 2>/dev/null | grep -q liblapacke && command -v apt-get >/dev/null 2>&1 \
        && [ "$(id -u)" = 0 ]; then
    # DaCe calls a system OpenBLAS (found as libblas + liblapacke) for its matrix products.
    echo "[bench] installing OpenBLAS for DaCe"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libopenblas-dev liblapacke-dev >/dev/null) || echo "[bench] no OpenBLAS for DaCe"
fi
SLUICE_VENV=.venv-bench bash scripts/setup.sh bench
exec .venv-bench/bin/python -m bench "$@"
