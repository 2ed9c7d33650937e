#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (again only when a lock file changed).
# Usage: scripts/bootstrap.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-runtime}
lock=requirements.lock
[ "$kind" = dev ] && lock=requirements-dev.lock

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "bootstrap: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi

# System packages of the deputies' archives (a CJK font, Pango; poppler-utils for the tests).
scripts/ensure-system-packages.sh "$kind"

stamp=.venv/.installed-$kind
digest=$(cat requirements.lock requirements-dev.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
  exit 0
fi
echo "bootstrap: installing $lock into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 'setuptools<82' wheel
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$lock"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . >/dev/null 2>&1 \
  || .venv/bin/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
echo "$digest" > "$stamp"
