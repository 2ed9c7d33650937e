#!/usr/bin/env bash
# Set up and run the whole test suite (unit, integration, end-to-end) against the real RabbitMQ
# and databases: SQLite always, PostgreSQL too where one answers at 127.0.0.1:5432.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
scripts/ensure-broker.sh
scripts/ensure-postgres.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
