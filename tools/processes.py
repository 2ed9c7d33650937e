"""Start and stop the service processes in the background (``liaison up`` / ``liaison down``, the
demo, the end-to-end tests): one OS process per service, a pid file and a log file each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kombu import Connection

from liaison.config import REPO_ROOT, load_config
from liaison.messaging import topology
from services.catalogue import NAMES, entry

ALL_SERVICES = NAMES


def service_of(name: str) -> str:
    """``routing@2`` is the second instance of ``routing`` (its own pid and log file)."""
    return name.split("@", 1)[0]


def instance_of(name: str) -> int:
    return int(name.split("@", 1)[1]) if "@" in name else 1


@dataclass
class ServiceProcess:
    name: str
    pid: int
    log_path: Path


class ProcessGroup:
    def __init__(self, run_dir: Path | None = None, env: Mapping[str, str] | None = None):
        self.run_dir = Path(run_dir or REPO_ROOT / "var")
        self.env = {**os.environ, **(env or {})}

    @property
    def pid_dir(self) -> Path:
        return self.run_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "log"

    def pid_file(self, name: str) -> Path:
        return self.pid_dir / f"{name}.pid"

    def start(self, names: Iterable[str] = ALL_SERVICES, timeout: float = 60) -> list[ServiceProcess]:
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        started = []
        for name in names:
            if self.running(name):
                started.append(ServiceProcess(name, self.pid(name), self.log_dir / f"{name}.log"))
                continue
            log_path = self.log_dir / f"{name}.log"
            with log_path.open("ab") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "tools.cli", "run", service_of(name)],
                    cwd=REPO_ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            self.pid_file(name).write_text(str(proc.pid))
            started.append(ServiceProcess(name, proc.pid, log_path))
        self.wait_ready([p.name for p in started], timeout)
        return started

    def wait_ready(self, names: Iterable[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        config = load_config()
        amqp_uri = self.env.get("AMQP_URI") or config["AMQP_URI"]
        while pending:
            pending = [n for n in pending if not self._ready(n, amqp_uri)]
            for name in pending:
                if not self.running(name):
                    raise RuntimeError(f"{name} exited; see {self.log_dir / (name + '.log')}")
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout}s: {', '.join(pending)}")
            if pending:
                time.sleep(0.2)

    def _ready(self, name: str, amqp_uri: str) -> bool:
        """A consumer is ready when its queue has a consumer; an HTTP front when /health answers;
        an RPC-only service when its RPC queue has a consumer."""
        spec = entry(name)
        if spec.http_port:
            setting, default = spec.http_port
            port = self.env.get(setting) or str(default)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:  # noqa: S310
                    return r.status == 200
            except OSError:
                return False
        # instance n is ready when its queue has n consumers (instances are started in order)
        if spec.queue:
            return consumer_count(amqp_uri, spec.queue) >= instance_of(name)
        return rpc_consumer_count(amqp_uri, spec.name) >= instance_of(name)

    def pid(self, name: str) -> int | None:
        try:
            return int(self.pid_file(name).read_text())
        except (OSError, ValueError):
            return None

    def running(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return _not_zombie(pid)

    def stop(self, names: Iterable[str] = ALL_SERVICES, timeout: float = 30) -> None:
        """SIGTERM (nameko finishes in-flight work and acks), then SIGKILL after ``timeout``."""
        names = list(names)
        for name in names:
            if self.running(name):
                os.killpg(self.pid(name), signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name in names:
            while self.running(name) and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.running(name):
                os.killpg(self.pid(name), signal.SIGKILL)
            self.pid_file(name).unlink(missing_ok=True)

    def kill(self, name: str) -> None:
        """SIGKILL one service (fault tests)."""
        if self.running(name):
            os.killpg(self.pid(name), signal.SIGKILL)
            while self.running(name):
                time.sleep(0.05)

    def status(self) -> dict[str, bool]:
        return {name: self.running(name) for name in ALL_SERVICES}


def consumer_count(amqp_uri: str, queue: str) -> int:
    try:
        with Connection(amqp_uri, connect_timeout=3) as conn:
            q = topology.consumer_queue(queue)(conn.default_channel)
            _, _, consumers = q.queue_declare(passive=True)
            return int(consumers)
    except Exception:
        return 0


def rpc_consumer_count(amqp_uri: str, service: str) -> int:
    try:
        with Connection(amqp_uri, connect_timeout=3) as conn:
            _, _, consumers = conn.default_channel.queue_declare(f"rpc-{service}", passive=True)
            return int(consumers)
    except Exception:
        return 0


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True
