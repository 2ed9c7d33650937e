"""SIGTERM (what ``docker stop`` and Kubernetes send): the process stops taking messages, lets the
handlers in flight finish, commit and ack, relays what they committed, and exits 0. A message in
flight is neither lost nor left unacknowledged; one not yet started stays in the queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kombu import Connection, Queue, binding
from sqlalchemy import func, select

from liaison.config import REPO_ROOT, config_path
from liaison.contracts.events import new_event
from liaison.db.engine import make_engine
from liaison.messaging import topology
from services.routing.adapters.models import messaging
from tests.support import broker
from tests.support.waiting import wait_for
from tools.migrations import upgrade
from tools.processes import consumer_count

pytestmark = pytest.mark.broker


def _case_opened(i: int):
    now = datetime.now(UTC)
    tracking = f"LS-2026-{900000 + i:06d}"
    return new_event("case_opened", tracking, {
        "tracking_number": tracking, "external_id": f"sigterm-{i}", "channel": "wechat",
        "submitter": {"type": "resident", "anonymous": True}, "town": None, "title": "路灯",
        "content": "路灯不亮。", "submitted_at": now, "received_at": now, "source": "amqp"},
        actor="anonymous", occurred_at=now)


def _routing_env(amqp_uri: str, tmp_path: Path, **settings: str) -> tuple[str, Path, dict[str, str]]:
    """A migrated routing database, the marker directory and the service's environment."""
    database = f"sqlite:///{tmp_path}/<service>.db"
    url = database.replace("<service>", "routing")
    upgrade("routing", url)
    markers = tmp_path / "started"
    markers.mkdir()
    env = {**os.environ, "AMQP_URI": amqp_uri, "DATABASE_URL": database, "METRICS_PORT": "0",
           "SLOW_MARKER_DIR": str(markers), "OUTBOX_POLL_SECONDS": "30", "LOG_LEVEL": "WARNING",
           "PYTHONWARNINGS": "ignore::UserWarning,ignore::DeprecationWarning", **settings}
    return url, markers, env


def _start(service: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from liaison.service_kit.metrics import main; main()", "routing", "0", "run",
         "--config", str(config_path()), f"tests.deploy.slow_service:{service}"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _publish(amqp_uri: str, events: list) -> None:
    with Connection(amqp_uri) as conn:
        producer = conn.Producer(conn.default_channel)
        for event in events:
            producer.publish(event.to_json().encode(), exchange=topology.exchange("intake.events"),
                             routing_key="case_opened", delivery_mode=2,
                             content_type="application/json", message_id=event.event_id)


def _sigterm_when(process: subprocess.Popen, amqp_uri: str, events: list, ready,
                  what: str) -> tuple[bytes, float]:
    """Publish ``events`` once the service consumes, SIGTERM it once ``ready()``; returns its
    output and how long it took to exit."""
    try:
        wait_for(lambda: consumer_count(amqp_uri, "routing.cases") > 0, timeout=60,
                 message="the service to consume")
        _publish(amqp_uri, events)
        wait_for(ready, timeout=20, message=what)
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = process.communicate(timeout=60)
        return output, time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()


def _applied_and_unpublished(url: str) -> tuple[set[str], int]:
    """The event ids the handlers committed, and how many of their events were not relayed."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            applied = set(conn.execute(select(messaging.inbox.c.message_id)).scalars())
            unpublished = conn.execute(select(func.count()).where(
                messaging.outbox.c.published_at.is_(None))).scalar_one()
    finally:
        engine.dispose()
    return applied, unpublished


def test_sigterm_finishes_in_flight_work_and_loses_nothing(amqp_uri, tmp_path):
    url, markers, env = _routing_env(amqp_uri, tmp_path, MAX_WORKERS="2", SLOW_SECONDS="2")
    watch = Queue("test.sigterm.routed", exclusive=False, durable=False, auto_delete=False,
                  bindings=[binding(topology.exchange("routing.events"), routing_key="#")])
    with Connection(amqp_uri) as conn:
        watch(conn.default_channel).declare()
        conn.default_channel.queue_purge("routing.cases")
    events = [_case_opened(i) for i in range(4)]
    # two workers: two handlers in flight, two messages waiting in the queue
    process = _start("SlowService", env)
    output, took = _sigterm_when(process, amqp_uri, events,
                                 lambda: len(list(markers.iterdir())) == 2, "two in flight")
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]
    assert took < 30
    in_flight = {p.name for p in markers.iterdir()}
    assert len(in_flight) == 2

    applied, unpublished = _applied_and_unpublished(url)
    assert applied == in_flight  # the handlers in flight committed
    assert unpublished == 0  # and what they committed was relayed before the exit
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        _, waiting, consumers = topology.consumer_queue("routing.cases")(channel).queue_declare(
            passive=True)
        routed = []
        while (message := watch(channel).get(no_ack=True)) is not None:
            routed.append(message)
        remaining = []
        while (message := topology.consumer_queue("routing.cases")(channel).get(no_ack=True)):
            remaining.append(message.properties["message_id"])
        watch(channel).delete()
    assert consumers == 0
    assert len(routed) == 2  # the two case_routed events were published
    # acked after commit: the two applied are gone; the two never started wait for the next start
    assert waiting == 2 and set(remaining) == {e.event_id for e in events} - in_flight


def test_sigterm_lets_a_batch_consumer_commit_and_ack_what_it_holds(amqp_uri, tmp_path):
    """A batch consumer holds more than it runs (its prefetch): at SIGTERM the batch in flight and
    the messages already handed to it are committed and acked; the rest stay in the queue."""
    url, markers, env = _routing_env(amqp_uri, tmp_path, BATCH_SIZE="2", BATCH_CONCURRENCY="1",
                                     PREFETCH_COUNT="3", SLOW_SECONDS="1")
    with Connection(amqp_uri) as conn:
        conn.default_channel.queue_purge("routing.cases")
    events = [_case_opened(100 + i) for i in range(8)]
    process = _start("SlowBatchService", env)
    output, took = _sigterm_when(process, amqp_uri, events,
                                 lambda: len(list(markers.iterdir())) >= 1, "a batch running")
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]
    assert took < 30

    handled = {p.name for p in markers.iterdir()}
    applied, unpublished = _applied_and_unpublished(url)
    with Connection(amqp_uri) as conn:
        queue = topology.consumer_queue("routing.cases")(conn.channel())
        remaining = []
        while (message := queue.get(no_ack=True)) is not None:
            remaining.append(message.properties["message_id"])
    assert applied == handled and applied  # whatever it started, it committed
    assert unpublished == 0  # and relayed
    assert len(applied) < len(events)  # it stopped taking more ...
    assert sorted(remaining) == sorted({e.event_id for e in events} - applied)  # ... and acked


def test_sigterm_with_the_broker_gone_exits_after_the_stop_timeout(tmp_path):
    """The consumer thread is stuck reconnecting, so the graceful stop cannot finish: past
    STOP_TIMEOUT_SECONDS the process says why and exits 1 instead of waiting for SIGKILL."""
    amqp_uri = broker.create_vhost()
    _, _, env = _routing_env(amqp_uri, tmp_path, STOP_TIMEOUT_SECONDS="3")
    process = _start("SlowService", env)
    try:
        wait_for(lambda: consumer_count(amqp_uri, "routing.cases") > 0, timeout=60,
                 message="the service to consume")
        broker.delete_vhost(amqp_uri)  # the broker closes its connections and refuses new ones
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        broker.delete_vhost(amqp_uri)
    waited = time.monotonic() - started
    assert process.returncode == 1, output.decode(errors="replace")[-3000:]
    assert 3 <= waited < 20
    assert b"graceful stop did not finish in 3s" in output
