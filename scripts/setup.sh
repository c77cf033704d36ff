#!/usr/bin/env bash
# Creates a virtual environment (.venv, or $SLUICE_VENV) and installs sluice with the extras
# given as the argument (e.g. "test").
# Graphviz (for pictures) comes from the system package manager when we may use it.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
venv="${SLUICE_VENV:-.venv}"
if ! command -v dot >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[setup] installing graphviz (for IR pictures)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
        || echo "[setup] graphviz not installed; pictures fall back to text"
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
spec="."
[ -n "$extras" ] && spec=".[$extras]"
echo "[setup] $venv: pip install -e '$spec'"
"$venv/bin/python" -m pip install -q -e "$spec"
