"""Each service's consumer against the real broker and database: duplicates and redeliveries change
nothing, bad input is recorded with its reason, poison messages end in the dead-letter queue."""

import json
import uuid

import pytest
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, func, select

from liaison.contracts.events import new_event
from liaison.db.engine import normalise_url
from liaison.service_kit.consumer import consume
from services.archive.adapters.models import case_events
from services.archive.service import ArchiveService
from services.intake.adapters.models import cases as intake_cases
from services.intake.adapters.models import rejections
from services.intake.service import IntakeService
from services.notify.adapters.models import notifications
from services.notify.service import NotifyService
from services.routing.adapters.models import decisions
from services.routing.service import RoutingService
from tests.support.fixtures import migrate, running, service_config, url_for
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission

pytestmark = pytest.mark.broker


def count(database_url, service, table, *where) -> int:
    engine = create_engine(normalise_url(url_for(database_url, service)))
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(table)
            for clause in where:
                query = query.where(clause)
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


def submission(external_id: str, **changes) -> dict:
    doc = {"external_id": external_id, "channel": "wechat",
           "submitter": {"name": "王小明", "phone": "13812345678", "type": "resident",
                         "email": "wxm@example.com"},
           "town": "水泊街道", "title": "菜市场周边占道经营",
           "content": "菜市场周边占道经营严重，早晚高峰交通拥堵。",
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    doc.update(changes)
    return doc


def publish_raw(amqp_uri, exchange: str, routing_key: str, body: bytes, **props) -> None:
    with connect(amqp_uri) as conn:
        Producer(conn.default_channel).publish(
            body, exchange=Exchange(exchange, type="topic", durable=True), routing_key=routing_key,
            delivery_mode=2, content_type=props.pop("content_type", "application/json"),
            content_encoding="utf-8", **props)


def publish_event(amqp_uri, event) -> None:
    publish_raw(amqp_uri, event.exchange, event.routing_key, event.to_json().encode(),
                message_id=event.event_id)


def queue_depth(amqp_uri, name: str) -> int:
    with Connection(amqp_uri) as conn:
        return Queue(name)(conn.default_channel).queue_declare(passive=True).message_count


def get_message(amqp_uri, name: str):
    with Connection(amqp_uri) as conn:
        return Queue(name)(conn.default_channel).get(no_ack=True)


def probe(amqp_uri, name: str, exchange: str, routing_key: str) -> str:
    """A queue of the test's own, bound to what it wants to watch."""
    with Connection(amqp_uri) as conn:
        Queue(name, Exchange(exchange, type="topic", durable=True), routing_key=routing_key,
              durable=True)(conn.default_channel).declare()
        conn.default_channel.queue_purge(name)
    return name


def opened_event(tracking="LS-2026-000101", **changes):
    data = {"tracking_number": tracking, "external_id": f"f-{tracking}", "channel": "hotline",
            "submitter": {"type": "resident", "name": "王小明", "phone": "13812345678",
                          "email": "wxm@example.com", "anonymous": False},
            "town": "寿张集镇", "title": "枯水期航道水深不足",
            "content": "航道枯水期水深不足，货船经常搁浅。",
            "submitted_at": "2026-11-20T01:00:00+00:00", "received_at": "2026-11-20T01:00:01+00:00",
            "source": "amqp"}
    data.update(changes)
    return new_event("case_opened", tracking, data, actor="resident via hotline")


# --- intake ----------------------------------------------------------------------------------


def test_intake_same_external_id_twice_is_one_case(database_url, clean_queues):
    migrate(database_url, "intake")
    with running(IntakeService, service_config(clean_queues, database_url)), \
            connect(clean_queues) as conn:
        publish_submission(conn, submission("dup-1"))
        publish_submission(conn, submission("dup-1"))
        publish_submission(conn, submission("dup-1", title="换了标题"))  # same key, other content
        wait_for(lambda: queue_depth(clean_queues, "intake.submissions") == 0, message="drain")
        wait_for(lambda: queue_depth(clean_queues, "routing.cases") >= 1, message="case_opened")
    assert count(database_url, "intake", intake_cases) == 1
    assert queue_depth(clean_queues, "routing.cases") == 1  # one case_opened, not three


INVALID = {
    "bad json": (b'{"external_id": "x",', "_body", "not valid JSON"),
    "wrong encoding": ("标题".encode("gbk"), "_body", "not valid UTF-8"),
    "oversize": (b'{"content": "' + b"x" * 70000 + b'"}', "_body", "too large"),
    "missing fields": (b'{"external_id": "only-id"}', "title", "Missing data"),
    "wrong types": (json.dumps(submission("wt", title=5)).encode(), "title", "Not a valid string"),
}


def test_intake_records_each_invalid_submission_with_its_reason(database_url, clean_queues):
    migrate(database_url, "intake")
    probe(clean_queues, "probe.rejections", "intake.events", "submission_rejected")
    with running(IntakeService, service_config(clean_queues, database_url)):
        for body, _, _ in INVALID.values():
            publish_raw(clean_queues, "forms.events", "submission_received", body)
        publish_raw(clean_queues, "forms.events", "submission_received", INVALID["bad json"][0])
        wait_for(lambda: count(database_url, "intake", rejections) == len(INVALID), timeout=20,
                 message="rejections recorded")
        wait_for(lambda: queue_depth(clean_queues, "probe.rejections") == len(INVALID),
                 message="submission_rejected events")
    assert queue_depth(clean_queues, "intake.submissions.dead") == 0  # not poison: handled
    reasons = []
    while (message := get_message(clean_queues, "probe.rejections")) is not None:
        reasons.append(json.loads(message.body)["data"]["reasons"])
    for _, field, text in INVALID.values():
        assert any(text in " ".join(r.get(field, [])) for r in reasons), (field, text, reasons)
    # the same bad body twice was recorded once
    assert count(database_url, "intake", rejections) == len(INVALID)


# --- routing, archive, notify: the same event delivered twice ---------------------------------


def test_routing_applies_a_redelivered_event_once(database_url, clean_queues):
    migrate(database_url, "routing")
    event = opened_event()
    watch = probe(clean_queues, "probe.routed", "routing.events", "case_routed")
    with running(RoutingService, service_config(clean_queues, database_url)):
        publish_event(clean_queues, event)
        publish_event(clean_queues, event)
        wait_for(lambda: queue_depth(clean_queues, watch) >= 1, message="routed")
        wait_for(lambda: queue_depth(clean_queues, "routing.cases") == 0, message="drain")
    assert count(database_url, "routing", decisions) == 1
    data = json.loads(get_message(clean_queues, watch).body)["data"]
    assert data["station"]["code"] == "shouzhangji-port"
    assert data["deputies"] and data["reason"]
    assert get_message(clean_queues, watch) is None  # only one case_routed


def test_archive_records_a_redelivered_event_once(database_url, clean_queues):
    migrate(database_url, "archive")
    event = opened_event("LS-2026-000102")
    with running(ArchiveService, service_config(clean_queues, database_url)) as container:
        publish_event(clean_queues, event)
        publish_event(clean_queues, event)
        wait_for(lambda: count(database_url, "archive", case_events) == 1, message="recorded")
        wait_for(lambda: queue_depth(clean_queues, "archive.case-events") == 0, message="drain")
        from nameko.standalone.rpc import ServiceRpcProxy
        with ServiceRpcProxy("archive", container.config) as archive:
            case = archive.get_case("LS-2026-000102")
    assert count(database_url, "archive", case_events) == 1
    assert case["status"] == "opened" and len(case["history"]) == 1
    assert case["submitter"]["phone"] == "138****5678"


def test_notify_sends_once_however_often_the_event_comes(database_url, clean_queues, smtp_sink):
    migrate(database_url, "notify")
    opened = opened_event("LS-2026-000103")
    routed = new_event("case_routed", "LS-2026-000103", {
        "station": {"code": "shouzhangji-port", "name": "寿张集镇代表联络站",
                    "contact_email": "szj@stations.example"},
        "deputies": [{"name": "赵一", "profession": None, "level": "township"}],
        "rule": "town-specialty", "reason": "规则1", "town": "寿张集镇", "town_source": "form",
        "matched": ["航道"]}, actor="routing")
    config = service_config(clean_queues, database_url, SMTP_HOST="127.0.0.1",
                            SMTP_PORT=smtp_sink.port)
    with running(NotifyService, config):
        publish_event(clean_queues, routed)  # before case_opened: retried until it has arrived
        publish_event(clean_queues, opened)
        wait_for(lambda: len(smtp_sink.messages_for_case("LS-2026-000103")) == 2, timeout=20,
                 message="two mails")
        publish_event(clean_queues, routed)  # redelivered
        publish_event(clean_queues, opened)
        wait_for(lambda: queue_depth(clean_queues, "notify.case-events") == 0, message="drain")
        wait_for(lambda: queue_depth(clean_queues, "notify.case-events.retry") == 0, message="retry")
    mails = smtp_sink.messages_for_case("LS-2026-000103")
    assert sorted(m["To"] for m in mails) == ["szj@stations.example", "wxm@example.com"]
    assert count(database_url, "notify", notifications, notifications.c.status == "sent") == 2


# --- poison ----------------------------------------------------------------------------------


class AlwaysFails:
    name = "routing"

    @consume("routing.cases")
    def handle(self, event):
        raise RuntimeError("this handler always fails, e.g. a bug for this input")


def test_a_message_that_keeps_failing_is_dead_lettered_with_its_reason(clean_queues):
    event = opened_event("LS-2026-000104")
    with running(AlwaysFails, service_config(clean_queues, "sqlite://", MAX_ATTEMPTS=3)):
        publish_event(clean_queues, event)
        wait_for(lambda: queue_depth(clean_queues, "routing.cases.dead") == 1, timeout=30,
                 message="the message in routing.cases.dead")
    parked = get_message(clean_queues, "routing.cases.dead")
    assert parked.properties["message_id"] == event.event_id
    assert json.loads(parked.body)["event_id"] == event.event_id  # the body as it was
    assert parked.headers["x-liaison-attempts"] == 3
    assert parked.headers["x-liaison-error"].startswith("RuntimeError: this handler always fails")
    assert queue_depth(clean_queues, "routing.cases") == 0
    assert queue_depth(clean_queues, "routing.cases.retry") == 0


def test_a_body_that_is_not_an_event_is_dead_lettered_at_once(clean_queues):
    with running(AlwaysFails, service_config(clean_queues, "sqlite://")):
        publish_raw(clean_queues, "intake.events", "case_opened", b"\x00\x01 not an event",
                    message_id=str(uuid.uuid4()))
        wait_for(lambda: queue_depth(clean_queues, "routing.cases.dead") == 1, timeout=10,
                 message="the poison message parked")
    parked = get_message(clean_queues, "routing.cases.dead")
    body = parked.body if isinstance(parked.body, bytes) else parked.body.encode()
    assert body == b"\x00\x01 not an event"
    assert parked.headers["x-liaison-error-kind"] == "permanent"
    assert "not JSON" in parked.headers["x-liaison-error"]


# --- batches -----------------------------------------------------------------------------------


class BatchRecorder:
    """A batch consumer that fails, every time, the one event whose case is ``LS-2026-000666``."""

    name = "routing"
    batches: list[list[str]] = []

    @consume("routing.cases", batch=True)
    def handle(self, events):
        BatchRecorder.batches.append([event.case_id for event in events])
        return [RuntimeError("bad case") if event.case_id == "LS-2026-000666" else None
                for event in events]


def test_a_batch_acks_each_message_on_its_own_and_retries_only_the_failed_one(clean_queues):
    BatchRecorder.batches = []
    good = [opened_event(f"LS-2026-{n:06d}") for n in range(200, 240)]
    bad = opened_event("LS-2026-000666")
    for event in [*good[:20], bad, *good[20:]]:  # waiting before the consumer starts: batches
        publish_event(clean_queues, event)
    with running(BatchRecorder, service_config(clean_queues, "sqlite://", MAX_ATTEMPTS=3,
                                               BATCH_SIZE=16)):
        wait_for(lambda: queue_depth(clean_queues, "routing.cases.dead") == 1, timeout=30,
                 message="the failing message parked")
        wait_for(lambda: queue_depth(clean_queues, "routing.cases") == 0, message="drained")
    assert queue_depth(clean_queues, "routing.cases") == 0  # all acked: none came back at stop
    handled = [case for batch in BatchRecorder.batches for case in batch]
    assert sorted(set(handled) - {bad.case_id}) == sorted(e.case_id for e in good)
    assert handled.count(bad.case_id) == 3  # its own attempts; the others ran once
    assert len(handled) == len(good) + 3
    assert max(len(batch) for batch in BatchRecorder.batches) == 16  # not one by one
    parked = get_message(clean_queues, "routing.cases.dead")
    assert parked.properties["message_id"] == bad.event_id
    assert parked.headers["x-liaison-error"] == "RuntimeError: bad case"


class BatchHandlerCrashes:
    name = "routing"
    calls = 0

    @consume("routing.cases", batch=True)
    def handle(self, events):
        BatchHandlerCrashes.calls += 1
        if BatchHandlerCrashes.calls == 1:
            raise RuntimeError("the whole batch failed (e.g. its commit)")
        return [None] * len(events)


def test_a_batch_that_fails_as_a_whole_is_retried_message_by_message(clean_queues):
    BatchHandlerCrashes.calls = 0
    events = [opened_event(f"LS-2026-{n:06d}") for n in range(300, 310)]
    for event in events:
        publish_event(clean_queues, event)
    with running(BatchHandlerCrashes, service_config(clean_queues, "sqlite://")):
        wait_for(lambda: BatchHandlerCrashes.calls >= 2 and queue_depth(
            clean_queues, "routing.cases") + queue_depth(clean_queues, "routing.cases.retry") == 0,
            timeout=30, message="the retried batch")
    assert queue_depth(clean_queues, "routing.cases.dead") == 0
