"""The benchmark's CPU meter counts a process that started during the measurement (a PostgreSQL
backend for a connection the services opened mid-run) from its start."""

import subprocess
import sys
import time

from bench.procstats import CpuMeter

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"


def test_a_group_looked_up_again_at_stop_counts_processes_started_meanwhile():
    started: list[int] = []
    meter = CpuMeter({"late": lambda: list(started), "fixed": list(started)})
    meter.start()
    child = subprocess.Popen([sys.executable, "-c", BURN + "\nimport sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        started.append(child.pid)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # until it has burnt its 0.3 s (then waits on stdin)
            meter.stop()
            if meter.cpu["late"] >= 0.3:
                break
            time.sleep(0.05)
        assert meter.cpu["late"] >= 0.3
        assert meter.cpu["fixed"] == 0  # the list given at construction never saw it
    finally:
        child.communicate(b"", timeout=10)
