#!/usr/bin/env bash
# Set everything up, start the five processes, run the demo workload, print the table, stop.
# KEEP_RUNNING=1 leaves the services running afterwards (stop them with `make down`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh runtime
scripts/ensure-broker.sh
.venv/bin/liaison migrate
.venv/bin/liaison topology
.venv/bin/liaison up
if [ "${KEEP_RUNNING:-0}" != 1 ]; then trap '.venv/bin/liaison down >/dev/null' EXIT; fi
.venv/bin/liaison demo
echo
echo "notifications written by the file channel (no SMTP_HOST set): var/outbox/*.jsonl"
echo "service logs: var/log/*.log"
