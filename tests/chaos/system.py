"""The system under test: a private broker and database, an SMTP sink, and the five services as
OS processes (``liaison run …``), with the faults that can be done to them."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from kombu import Connection

from liaison.messaging import topology
from services import catalogue
from tests.support.private_infra import PrivatePostgres, PrivateRabbit
from tests.support.smtp import SmtpSink, free_port
from tools.migrations import upgrade
from tools.processes import ALL_SERVICES, ProcessGroup, consumer_count

log = logging.getLogger("chaos.system")

WORKERS = catalogue.CONSUMERS


@dataclass
class ChaosSystem:
    root: Path
    rabbit: PrivateRabbit = field(init=False)
    postgres: PrivatePostgres = field(init=False)
    smtp: SmtpSink = field(init=False)
    group: ProcessGroup = field(init=False)
    spare: ProcessGroup = field(init=False)  # second instances of routing and archive
    database_url: str = ""
    http_port: int = 0
    notes: list[str] = field(default_factory=list)

    def start(self) -> ChaosSystem:
        self.rabbit = PrivateRabbit(self.root / "rabbitmq").start()
        self.postgres = PrivatePostgres(self.root / "postgres").start()
        self.database_url = self.postgres.create_database("liaison")
        for service in catalogue.WITH_TABLES:
            upgrade(service, self.database_url)
        with Connection(self.rabbit.amqp_uri, connect_timeout=10) as connection:
            topology.declare_all(connection)
        self.smtp = SmtpSink(self.root).start()
        self.http_port = free_port()
        env = {"AMQP_URI": self.rabbit.amqp_uri, "DATABASE_URL": self.database_url,
               "HTTP_PORT": str(self.http_port), "HTTP_HOST": "127.0.0.1",
               "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port),
               "NOTIFY_OUTBOX_DIR": str(self.root / "outbox"), "OUTBOX_POLL_SECONDS": "0.5",
               "LOG_LEVEL": "INFO",
               # the harness is one address sending thousands, with the demo's few phone numbers
               "RATE_LIMIT_PER_ADDRESS": "100000000/1", "RATE_LIMIT_PER_PHONE": "100000000/1",
               "METRICS_PORT": "0"}  # no fixed ports: other runs may share the machine
        self.group = ProcessGroup(run_dir=self.root / "services", env=env)
        self.spare = ProcessGroup(run_dir=self.root / "spare", env=env)
        self.group.start(ALL_SERVICES, timeout=120)
        return self

    @property
    def amqp_uri(self) -> str:
        return self.rabbit.amqp_uri

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    # --- faults ----------------------------------------------------------------------------

    def kill_and_restart(self, name: str, down_seconds: float = 1.0) -> None:
        self.group.kill(name)
        time.sleep(down_seconds)
        self.group.start([name], timeout=120)

    def restart_broker(self, reconnect_timeout: float = 120) -> float:
        """Restart the private RabbitMQ; returns seconds until every service served again.

        Services must reconnect by themselves. One that has not after ``reconnect_timeout`` is
        noted (a bug) and restarted, so that the rest of the run still means something. The
        gateway is judged last: its probe goes through archive's RPC."""
        self.rabbit.restart(down_seconds=2.0)
        began = time.monotonic()
        waiting = set(WORKERS)
        while waiting and time.monotonic() - began < reconnect_timeout:
            waiting = {name for name in waiting if not self._serving(name)}
            time.sleep(0.5)
        self._revive(waiting, reconnect_timeout)
        deadline = time.monotonic() + 60
        while not self._serving("gateway") and time.monotonic() < deadline:
            time.sleep(0.5)
        self._revive(set() if self._serving("gateway") else {"gateway"}, 60)
        return time.monotonic() - began

    def _revive(self, names: set[str], waited: float) -> None:
        for name in sorted(names):
            state = ("its process had exited" if not self.group.running(name)
                     else "its process was still running")
            self.notes.append(f"{name} did not reconnect within {waited:.0f}s after the broker "
                              f"restart ({state}); restarted by the harness")
            self.group.kill(name)
            self.group.start([name], timeout=120)

    def database_outage(self, seconds: float) -> None:
        self.postgres.stop("fast")
        time.sleep(seconds)
        self.postgres.start()

    def start_spares(self) -> None:
        self.spare.start(["routing", "archive"], timeout=120)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            consumer_count(self.amqp_uri, catalogue.entry(n).queue) >= 2 for n in ("routing", "archive")
        ):
            time.sleep(0.2)

    def kill_one_of_each(self) -> None:
        """kill -9 the first routing and the second archive (either may be the busy one)."""
        self.group.kill("routing")
        self.spare.kill("archive")

    def back_to_one_each(self) -> None:
        self.group.start(["routing"], timeout=120)
        self.spare.stop(["routing", "archive"])

    # --- state -----------------------------------------------------------------------------

    def _serving(self, name: str) -> bool:
        if name == "gateway":
            return self.group._ready("gateway", self.amqp_uri) and self._rpc_works()
        return consumer_count(self.amqp_uri, catalogue.entry(name).queue) > 0

    def _rpc_works(self) -> bool:
        """The gateway answers a (deliberately invalid) submission through intake's RPC."""
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.base_url + "/api/submissions", data=b"{}",
                                         method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15):  # noqa: S310
                return False
        except urllib.error.HTTPError as error:
            return error.code == 400  # rejected by intake: the RPC went there and back
        except OSError:
            return False

    def queue_depths(self) -> dict[str, int]:
        """Ready messages in every consumer, retry and dead-letter queue."""
        depths = {}
        with Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            for spec in topology.CONSUMER_QUEUES.values():
                for name in (spec.name, spec.retry_name, spec.dead_name):
                    _, count, _ = channel.queue_declare(name, passive=True)
                    depths[name] = int(count)
        return depths

    def log_tail(self) -> str:
        return "\n".join(f"{p}: {p.stat().st_size} bytes"
                         for p in sorted(self.group.log_dir.glob("*.log")))

    def close_services(self) -> None:
        """SIGTERM every service: in-flight work finishes and is acked (``liaison down``)."""
        self.spare.stop()
        self.group.stop()

    def close(self) -> None:
        for step in (lambda: self.spare.stop(), lambda: self.group.stop(),
                     lambda: self.smtp.stop(), lambda: self.rabbit.close(),
                     lambda: self.postgres.close()):
            with contextlib.suppress(Exception):
                step()
