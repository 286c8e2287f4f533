#!/usr/bin/env bash
# README command 2: set everything up and run the whole test suite (unit, rule examples, browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Two workers: the ACT corpus (one long test) runs beside the rest; browser modules stay whole on one worker.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup --durations=30 "$@"
