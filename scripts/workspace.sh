#!/usr/bin/env bash
# One command to try the web workspace: set up (scripts/setup.sh), audit the bundled sample site when the database
# ($A11YAUDIT_DB, else the default) holds no finished run of it, make the admin user `admin` when there is none
# (password: $A11YAUDIT_ADMIN_PASSWORD, else a generated one printed once), then `a11yaudit serve` (arguments are
# passed on: --host, --port, --trust-user-header …).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
A=.venv/bin/a11yaudit

if ! "$A" runs sample 2>/dev/null | grep -q "	finished	"; then
  echo "== no finished audit of the sample site in the database: auditing it (a few minutes)" >&2
  "$A" audit sample --quiet >/dev/null
fi

if ! "$A" user list | cut -f1 | grep -qx admin; then
  password="${A11YAUDIT_ADMIN_PASSWORD:-}"
  generated=0
  if [ -z "$password" ]; then
    password="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(15))')"
    generated=1
  fi
  printf '%s\n' "$password" | "$A" user add admin --role admin --password-stdin
  if [ "$generated" = 1 ]; then
    echo "== workspace user: admin   password: $password   (shown only now; change it on /account/password)" >&2
  fi
fi

exec "$A" serve "$@"
