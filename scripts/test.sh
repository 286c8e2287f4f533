#!/usr/bin/env bash
# README command 2: set everything up and run the whole test suite (unit, rule examples, browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider --durations=30 "$@"
