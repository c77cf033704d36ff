#!/usr/bin/env bash
# Quickstart 1: set everything up, then compile and run the main example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/quickstart.py
