#!/usr/bin/env bash
# Sets up everything a11yaudit needs on Debian/Ubuntu: Chromium (system package), the virtual environment
# and the package itself. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "a11yaudit needs Python 3.11 or newer (found: $("$PY" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 2
fi

have_chromium() {
  [ -n "${A11YAUDIT_CHROMIUM:-}" ] && [ -x "${A11YAUDIT_CHROMIUM}" ] && return 0
  for c in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    [ -x "$c" ] && "$c" --version >/dev/null 2>&1 && return 0
  done
  return 1
}

# chromedriver (Debian: chromium-driver, the same Chromium build) is what `audit --engine selenium` drives locally.
have_chromedriver() {
  [ -n "${A11YAUDIT_CHROMEDRIVER:-}" ] && [ -x "${A11YAUDIT_CHROMEDRIVER}" ] && return 0
  command -v chromedriver >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromedriver ]
}

# Fonts: Noto CJK for Japanese, Liberation (metric-compatible with Times/Arial/Courier) and DejaVu for Latin text.
# Tests and `a11yaudit act` run Chromium with a font configuration of just these (src/a11yaudit/fonts.conf), so a
# verdict that hangs on text metrics is the same on every machine set up by this script.
if ! have_chromium || ! have_chromedriver || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
    || ! fc-list 2>/dev/null | grep -qi "Liberation Serif"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Chromium, chromedriver and Japanese fonts from the system packages (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      chromium chromium-driver fonts-noto-cjk fonts-liberation fonts-dejavu-core fontconfig >/dev/null
  elif ! have_chromium; then
    cat >&2 <<'MSG'
Chromium was not found and cannot be installed automatically (not root, or no apt-get).
  Debian/Ubuntu:  sudo apt-get install chromium fonts-noto-cjk fonts-liberation
  Other systems:  install Chromium or Chrome and set A11YAUDIT_CHROMIUM=/path/to/the/binary
  Where Playwright can download browsers: .venv/bin/playwright install chromium
MSG
    exit 3
  fi
fi

# PostgreSQL server binaries: the tests start a throwaway server (tests/pgtools.py) to check the shared store and
# the Dask scale-out against a real PostgreSQL. Only the binaries: no cluster is created or started here.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing PostgreSQL from the system packages (apt-get), for the tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    # The Debian package may create and start a default cluster: the tests do not use it.
    if command -v pg_lsclusters >/dev/null 2>&1; then
      pg_lsclusters -h 2>/dev/null | while read -r ver name _rest; do pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true; done
    fi
  else
    echo "note: PostgreSQL is not installed; its tests are skipped (apt-get install postgresql)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv" >&2
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
echo "== installing a11yaudit into .venv" >&2
.venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v -E "^(WARNING: Location|  )" >&2 || true
.venv/bin/python -c "import a11yaudit, playwright, axe_playwright_python" || { echo "installation failed" >&2; exit 3; }

# Sample documents for the document checks in a site audit (issue 17): made by our own scripts (Chromium print to
# PDF, python-docx, openpyxl, python-pptx, pikepdf), never copied; git-ignored. The sample site links them from
# /kensei/yosan/ (資料室 → /docs/generated/), so `a11yaudit audit sample` checks them (the browser tests make them
# when this script has not).
if [ ! -f examples/sample-site/docs/generated/files/expected.yaml ]; then
  echo "== making the sample documents (examples/sample-site/docs/generated)" >&2
  .venv/bin/python scripts/sample_documents_site.py examples/sample-site/docs/generated \
    || echo "note: the sample documents could not be made (Chromium missing?); the document tests make their own" >&2
fi
