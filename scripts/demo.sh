#!/usr/bin/env bash
# README command 1: set everything up, serve the bundled sample site on 127.0.0.1, audit it, print the report path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/a11yaudit audit "$@"
