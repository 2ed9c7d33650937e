"""Fuzzing intake over the wire: generated payloads over AMQP (``forms.events``) and over HTTP (the
gateway), against intake and the gateway running as OS processes.

Every payload must end as a case or a recorded rejection (HTTP: 202, or 400 with errors, or 413),
exactly as ``parse_submission`` judges it in process; intake must not crash or restart, its queue
must drain (nothing retried or dead-lettered), and its memory must stay bounded.
``FUZZ_WIRE_EXAMPLES`` sets how many (``make fuzz``: 10,000).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer
from sqlalchemy import create_engine, select

from liaison.contracts.submission import MAX_BODY_BYTES
from liaison.db.engine import normalise_url
from services.intake.adapters.models import cases, rejections
from tests.fuzz.conftest import NOTES, OUTCOMES
from tests.fuzz.payloads import collect
from tests.fuzz.test_parse_property import judge
from tests.support.fixtures import migrate
from tests.support.smtp import free_port
from tests.support.waiting import wait_for
from tools.processes import ProcessGroup

pytestmark = [pytest.mark.broker, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_WIRE_EXAMPLES", "300"))
HTTP_SHARE = 0.4  # the rest over AMQP
RSS_GROWTH_LIMIT_MIB = 150
TEST = "over the wire"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture(scope="module")
def intake_system(vhost_factory, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    database_url = f"sqlite:///{root}/<service>.db"
    migrate(database_url, "intake")
    amqp_uri = vhost_factory()
    port = free_port()
    group = ProcessGroup(run_dir=root, env={"AMQP_URI": amqp_uri, "DATABASE_URL": database_url,
                                            "HTTP_PORT": str(port), "HTTP_HOST": "127.0.0.1",
                                            "LOG_LEVEL": "INFO",
                                            # the fuzzer is one address sending fast, on purpose
                                            "RATE_LIMIT_PER_ADDRESS": "100000000/1",
                                            "RATE_LIMIT_PER_PHONE": "100000000/1",
                                            "METRICS_PORT": "0"})
    try:
        group.start(["intake", "gateway"], timeout=90)
        yield amqp_uri, f"http://127.0.0.1:{port}", database_url.replace("<service>", "intake"), \
            group
    finally:
        group.stop(["intake", "gateway"])


def post(base_url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(base_url + "/api/submissions", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def http_outcome(status: int, answer: dict, expected: str, body: bytes) -> str:
    """What HTTP answered, checked against the in-process judgement."""
    if len(body) > MAX_BODY_BYTES:
        assert status == 413, (status, answer)
        return "413 too large"
    if expected == "accepted":
        assert status == 202 and answer["status"] in ("accepted", "duplicate"), (status, answer)
        assert answer["tracking_number"].startswith("LS-")
        return f"202 {answer['status']}"
    assert status == 400, (status, answer)
    assert answer["status"] == "rejected" and answer["errors"] and answer["rejection_id"], answer
    return "400 rejected"


def test_generated_payloads_over_amqp_and_http(intake_system):
    amqp_uri, base_url, intake_db, group = intake_system
    payloads = collect(EXAMPLES)
    pid = group.pid("intake")
    rss_before = rss_mib(pid)
    sent_amqp: list[tuple[str, bytes, str, str]] = []
    exchange = Exchange("forms.events", type="topic", durable=True)
    started = time.monotonic()
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel())
        for i, (kind, body, content_type) in enumerate(payloads):
            expected, _ = judge(body, content_type)
            if i % 10 < HTTP_SHARE * 10:
                status, answer = post(base_url, body, content_type)
                OUTCOMES[TEST + " (HTTP)", kind, http_outcome(status, answer, expected, body)] += 1
            else:
                producer.publish(body, exchange=exchange, routing_key="submission_received",
                                 content_type=content_type, content_encoding="binary",
                                 delivery_mode=2)
                sent_amqp.append((kind, body, content_type, expected))

    engine = create_engine(normalise_url(intake_db))

    def recorded() -> Counter[str] | None:
        """Each AMQP payload's fate in intake's tables (None while some are not there yet)."""
        with engine.connect() as conn:
            ids = set(conn.execute(select(cases.c.external_id)).scalars())
            digests = set(conn.execute(select(rejections.c.body_sha256)
                                       .where(rejections.c.source == "amqp")).scalars())
        fates: Counter[str] = Counter()
        for kind, body, _content_type, expected in sent_amqp:
            if expected == "accepted":
                external_id = json.loads(body)["external_id"]
                fate = "case" if external_id in ids else None
            else:
                fate = "recorded rejection" if hashlib.sha256(body).hexdigest() in digests else None
            if fate is None:
                return None
            fates[kind, fate] += 1
        return fates

    fates = wait_for(recorded, timeout=120, interval=1.0,
                     message="every AMQP payload recorded as a case or a rejection")
    elapsed = time.monotonic() - started
    for (kind, fate), n in fates.items():
        OUTCOMES[TEST + " (AMQP)", kind, fate] += n

    assert group.pid("intake") == pid and group.running("intake"), "intake crashed or restarted"
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        depths = {q: channel.queue_declare(q, passive=True)[1]
                  for q in ("intake.submissions", "intake.submissions.retry",
                            "intake.submissions.dead")}
    assert depths == dict.fromkeys(depths, 0), f"intake's queues did not drain: {depths}"
    rss_after = rss_mib(pid)
    log_text = (group.log_dir / "intake.log").read_text(errors="replace")
    errors = [line for line in log_text.splitlines() if '"level": "ERROR"' in line]
    NOTES.append(f"over the wire: {len(payloads)} payloads ({len(sent_amqp)} AMQP, "
                 f"{len(payloads) - len(sent_amqp)} HTTP) in {elapsed:.0f}s; intake RSS "
                 f"{rss_before:.0f} MiB before, {rss_after:.0f} MiB after; "
                 f"{len(errors)} ERROR log lines; queues {depths}")
    assert not errors, errors[:3]
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_MIB
