#!/usr/bin/env bash
# The fault-injection run (README, "Fault injection"): N submissions through the five services as
# OS processes, on a private RabbitMQ node and a private PostgreSQL cluster (the shared ones are
# never touched), one fault per phase; prints the fault table and the summary line.
#   scripts/chaos.sh [N] [runner options…]      e.g. scripts/chaos.sh 10000
#   CHAOS_REF=HEAD scripts/chaos.sh 10000        run a committed tree (git archive), not the work tree
# Exit status 0 only when nothing was lost, duplicated, sent twice, stuck or wrongly dead-lettered.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scripts/bootstrap.sh dev
n=${1:-${N:-10000}}
[ $# -gt 0 ] && shift
if [ -n "${CHAOS_REF:-}" ]; then
  snapshot=$(mktemp -d /tmp/liaison-chaos-src.XXXXXX)
  trap 'rm -rf "$snapshot"' EXIT
  git archive "$CHAOS_REF" | tar -x -C "$snapshot"
  cd "$snapshot"
fi
"$repo/.venv/bin/python" -m tests.chaos.runner --n "$n" "$@"
