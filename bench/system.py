"""One end-to-end scenario: the four consuming services as separate OS processes (``liaison run``)
on a fresh vhost and database; submissions published like an external form does; completion read
from the services' own databases."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kombu import Connection, Exchange
from sqlalchemy import func, select

from bench import infra
from bench.procstats import CpuMeter, pid_listening, with_children
from bench.watcher import Watcher
from liaison.db.engine import make_engine
from liaison.messaging import topology
from services.catalogue import CONSUMERS
from tools.migrations import upgrade
from tools.processes import ProcessGroup

SERVICES = CONSUMERS
FORMS = Exchange("forms.events", type="topic", durable=True)


@dataclass
class PhaseResult:
    """One batch of submissions through the running system."""

    label: str
    n: int
    wall_s: float  # first publish -> last case complete (archived with its notifications)
    publish_per_s: float
    e2e_per_s: float
    routed_ms: list[float]
    archived_ms: list[float]
    cpu_s: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)


class System:
    """Context manager: vhost, database, migrated schemas, running processes; all removed after."""

    def __init__(self, db_kind: str, env: dict[str, str] | None = None,
                 services: tuple[str, ...] = SERVICES, label: str = "e2e"):
        self.db_kind = db_kind
        self.extra_env = env or {}
        self.services = services
        self.label = label

    def __enter__(self) -> System:
        self.root = Path(tempfile.mkdtemp(prefix=f"liaison-bench-{self.db_kind}-"))
        self.amqp_uri = infra.create_vhost(self.label)
        self.db_template = (f"sqlite:///{self.root}/<service>.db" if self.db_kind == "sqlite"
                            else infra.create_pg_database(self.label))
        with Connection(self.amqp_uri) as conn:
            if set(self.services) == set(SERVICES):
                topology.declare_all(conn)
            else:  # only what the running services consume; other events are dropped
                for name in (topology.FORMS_EXCHANGE, *topology.SERVICE_EXCHANGES):
                    topology.exchange(name).bind(conn.default_channel).declare()
        for service in {s.split("@")[0] for s in self.services}:
            upgrade(service, self.url(service))
        self.engines = {s: make_engine(self.url(s), pool_size=2) for s in SERVICES}
        env = {"AMQP_URI": self.amqp_uri, "DATABASE_URL": self.db_template,
               "NOTIFY_OUTBOX_DIR": str(self.root / "outbox"), "LOG_LEVEL": "INFO",
               **self.extra_env}
        self.group = ProcessGroup(run_dir=self.root, env=env)
        try:
            self.group.start(self.services, timeout=120)
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.group.stop(self.services)
        finally:
            for engine in getattr(self, "engines", {}).values():
                engine.dispose()
            infra.delete_vhost(self.amqp_uri)
            if self.db_kind == "postgresql":
                infra.drop_pg_database(self.db_template)
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, service: str) -> str:
        return self.db_template.replace("<service>", service)

    def cpu_meter(self) -> CpuMeter:
        groups = {name: [self.group.pid(name)] for name in self.services}
        groups["rabbitmq"] = [p for p in [pid_listening(5672)] if p]
        if self.db_kind == "postgresql":
            postmaster = pid_listening(5432)
            groups["postgres"] = lambda: with_children(postmaster)
        return CpuMeter(groups)

    def count(self, service: str, query) -> int:
        with self.engines[service].connect() as conn:
            return int(conn.execute(query).scalar_one())


def publish(amqp_uri: str, bodies: list[tuple[str, bytes]], rate: float | None = None
            ) -> dict[str, float]:
    """Publish like an external form (persistent, confirmed); returns external_id -> publish time.
    ``rate`` paces the publishing (per second); None: as fast as the broker confirms."""
    sent: dict[str, float] = {}
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer(conn.channel())
        started = time.time()
        for i, (external_id, body) in enumerate(bodies):
            if rate:
                delay = started + i / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            sent[external_id] = time.time()
            producer.publish(body, exchange=FORMS, routing_key="submission_received",
                             delivery_mode=2, content_type="application/json",
                             content_encoding="utf-8", message_id=external_id)
    return sent


def wait_complete(system: System, expected_cases: int, timeout: float,
                  progress: Callable[[str], None] = lambda _: None) -> None:
    """Until every case is routed and archived, has its notifications delivered (every bench case
    has at least one: the submitters are not anonymous) and their outcomes archived."""
    from services.archive.adapters.models import case_events
    from services.notify.adapters.models import notifications
    from services.routing.adapters.models import decisions

    deadline = time.monotonic() + timeout
    last = ""
    while True:
        routed = system.count("routing", select(func.count()).select_from(decisions))
        notified = system.count("notify", select(func.count(notifications.c.case_id.distinct()))
                                .where(notifications.c.status.in_(("sent", "failed"))))
        unsettled = system.count("notify", select(func.count()).select_from(notifications)
                                 .where(notifications.c.status.in_(("pending", "sending"))))
        settled = system.count("notify", select(func.count()).select_from(notifications)
                               .where(notifications.c.status.in_(("sent", "failed"))))
        archived_routed = system.count("archive", select(func.count()).select_from(case_events)
                                       .where(case_events.c.event_type == "case_routed"))
        archived_outcomes = system.count("archive", select(func.count()).select_from(case_events)
                                         .where(case_events.c.event_type.in_(
                                             ("notification_sent", "notification_failed"))))
        state = (f"routed {routed} notified {notified} unsettled {unsettled} archived "
                 f"{archived_routed} outcomes {archived_outcomes}/{settled}")
        if (routed == notified == archived_routed == expected_cases and unsettled == 0
                and archived_outcomes == settled):
            return
        if state != last:
            progress(state)
            last = state
        if time.monotonic() > deadline:
            raise TimeoutError(f"not complete after {timeout}s: {state} of {expected_cases}")
        time.sleep(0.25)


def case_times(system: System) -> dict[str, tuple[float, float]]:
    """external_id -> (archive recorded case_routed, archive recorded the case's last event)."""
    from services.archive.adapters.models import case_events, cases

    with system.engines["archive"].connect() as conn:
        external = dict(conn.execute(select(cases.c.case_id, cases.c.external_id)).all())
        routed = dict(conn.execute(select(case_events.c.case_id, case_events.c.recorded_at)
                                   .where(case_events.c.event_type == "case_routed")).all())
        last = dict(conn.execute(select(case_events.c.case_id, func.max(case_events.c.recorded_at))
                                 .group_by(case_events.c.case_id)).all())
    return {external[c]: (routed[c].timestamp(), last[c].timestamp())
            for c in routed if external.get(c)}


def run_phase(system: System, label: str, bodies: list[tuple[str, bytes]], expected_total: int,
              rate: float | None, timeout: float, progress: Callable[[str], None]) -> PhaseResult:
    meter = system.cpu_meter()
    watcher = Watcher(system.amqp_uri).start()
    meter.start()
    started = time.time()
    sent = publish(system.amqp_uri, bodies, rate)
    publish_s = time.time() - started
    wait_complete(system, expected_total, timeout, progress)
    meter.stop()
    seen = watcher.stop()
    times = case_times(system)
    routed_ms, archived_ms, finished = [], [], []
    for case_id, at in seen["routed"].items():
        external_id = seen["opened"].get(case_id, (None, 0))[0]
        if external_id in sent:
            routed_ms.append((at - sent[external_id]) * 1000)
    for external_id, (archived_at, last_at) in times.items():
        if external_id in sent:
            archived_ms.append((archived_at - sent[external_id]) * 1000)
            finished.append(last_at)
    wall = max(finished) - min(sent.values())
    return PhaseResult(label, len(bodies), wall, len(bodies) / publish_s, len(bodies) / wall,
                       routed_ms, archived_ms, meter.cpu, meter.peak)
