#!/usr/bin/env bash
# Best effort: if PostgreSQL is installed locally but not running, start it. The tests run their
# PostgreSQL variants only where it answers; nothing fails here if it does not.
set -uo pipefail
reachable() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
reachable && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do reachable && exit 0; sleep 0.5; done
  fi
fi
echo "ensure-postgres: no PostgreSQL at 127.0.0.1:5432; PostgreSQL tests will be skipped" >&2
exit 0
