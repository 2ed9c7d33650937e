"""The fault-injection run with a small N, in the default test run (the full one: ``make chaos``).

Runs ``python -m tests.chaos.runner`` as its own process (no eventlet monkey-patching there) on a
private RabbitMQ node and PostgreSQL cluster. Left out here, and covered by ``make chaos``:
``kill -9 notify`` (a notification claimed when notify died waits the 2-minute STALE_CLAIM before
it is sent, which alone would take this test past its budget) and the 30 s outage (5 s here).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from liaison.config import REPO_ROOT
from tests.support.private_infra import PG_BIN, RABBIT_BIN

pytestmark = pytest.mark.chaos

SMOKE_FAULTS = "baseline,kill-intake,kill-routing,kill-archive,restart-broker,db-outage,two-instances"


@pytest.mark.skipif(not (RABBIT_BIN / "rabbitmq-server").exists() or not (PG_BIN / "initdb").exists(),
                    reason="needs rabbitmq-server and PostgreSQL 15 installed for private instances")
def test_small_fault_injection_run_loses_and_duplicates_nothing(tmp_path: Path):
    out = tmp_path / "result.json"
    command = [sys.executable, "-m", "tests.chaos.runner", "--n", "70", "--faults", SMOKE_FAULTS,
               "--rate", "40", "--db-outage", "5", "--poison-phases", "1", "--drain-timeout", "60",
               "--json", str(out)]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.terminate()  # SIGTERM: the runner tears its broker, database and services down
            stdout, stderr = process.communicate(timeout=120)
    run = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    print(run.stdout)
    assert out.exists(), run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["summary"] == (f"lost=0 duplicated=0 duplicate_notifications=0 "
                                 f"dead_lettered={result['dead_letters_expected']} stuck=0"), \
        run.stdout
    assert not result["problems"], run.stdout
    assert all(p["drain_seconds"] is not None for p in result["phases"]), run.stdout
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
