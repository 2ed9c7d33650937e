"""Least privilege on the broker (liaison/messaging/permissions.py): the five services run as users
of their own and a submission still goes all the way; a form may only publish; a station's system
may only read its own station's cases."""

import json
import secrets
import uuid

import amqp.exceptions
import pytest
from kombu import Connection, Queue

from liaison.messaging import permissions, topology
from services import catalogue
from tests.e2e.conftest import System
from tests.support import broker
from tests.support.fixtures import migrate
from tests.support.smtp import SmtpSink, free_port
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission
from tools.processes import ProcessGroup

pytestmark = pytest.mark.broker


@pytest.fixture(scope="module")
def locked_down(vhost_factory, tmp_path_factory):
    """A system whose services, forms and stations each connect as their own user."""
    root = tmp_path_factory.mktemp("locked-down")
    admin_uri = vhost_factory()
    database_url = f"sqlite:///{root}/<service>.db"
    migrate(database_url, *catalogue.WITH_TABLES)
    suffix = uuid.uuid4().hex[:6]
    users, uris = [], {}

    def user(role: str, permission, topic=None) -> str:
        name, password = f"liaison-test-{role}-{suffix}", secrets.token_hex(12)
        broker.create_user(name, password)
        broker.grant(admin_uri, name, permission.configure, permission.write, permission.read,
                     topic)
        users.append(name)
        uris[role] = broker.uri_for(admin_uri, name, password)
        return uris[role]

    for service in catalogue.NAMES:
        user(service, permissions.service_permission(catalogue.entry(service).broker_access))
    user("form", permissions.FORM_PERMISSION)
    for code in ("shuipo-street", "quanpu-coop"):
        perm, topic = permissions.station_permission(code)
        user(code, perm, (topic.exchange, topic.write, topic.read))

    smtp = SmtpSink(root).start()
    port = free_port()
    env = {"AMQP_URI": admin_uri, "DATABASE_URL": database_url, "HTTP_PORT": str(port),
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
           "NOTIFY_OUTBOX_DIR": str(root / "outbox"), "METRICS_PORT": "0",
           **{f"{s.upper()}_AMQP_URI": uris[s] for s in catalogue.NAMES}}
    group = ProcessGroup(run_dir=root, env=env)
    try:
        group.start(timeout=90)
        yield System(admin_uri, f"http://127.0.0.1:{port}", database_url, smtp, group,
                     root / "outbox"), uris
    finally:
        group.stop()
        smtp.stop()
        for name in users:
            broker.delete_user(name)


def test_services_work_as_their_own_users(locked_down):
    system, uris = locked_down
    # A station's system binds its queue before the case comes.
    with Connection(uris["shuipo-street"]) as conn:
        topology.station_queue("shuipo-street")(conn.default_channel).declare()
    doc = {"external_id": f"lp-{uuid.uuid4().hex[:8]}", "channel": "wechat",
           "submitter": {"name": "刘桂芳", "phone": "13800001101", "type": "resident",
                         "email": "lgf@example.com"},
           "town": "水泊街道", "title": "小区路灯长期不亮", "content": "路灯坏了半年没人修。",
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    with connect(uris["form"]) as conn:  # the form's own user may publish
        publish_submission(conn, doc)

    def notified():
        status, case = system.http("GET", f"/api/cases?external_id={doc['external_id']}")
        return case if status == 200 and case["notifications"]["sent"] == 2 else None
    case = wait_for(notified, timeout=40, message="routed, archived and notified")
    assert case["station"]["code"] == "shuipo-street"
    with Connection(uris["shuipo-street"]) as conn:
        message = wait_for(lambda: Queue("station.shuipo-street")(conn.default_channel).get(
            no_ack=True), timeout=20, message="the station's feed")
    assert json.loads(message.body)["case_id"] == case["tracking_number"]


def refused(uri: str, operation) -> bool:
    """Did the broker refuse ``operation``? (A refused publish closes the channel asynchronously:
    a synchronous call after it brings the refusal back.)"""
    with Connection(uri) as conn:
        channel = conn.channel()
        try:
            operation(channel)
            channel.basic_qos(0, 1, False)
        except amqp.exceptions.AccessRefused:
            return True
    return False


def test_a_form_may_only_publish(locked_down):
    _, uris = locked_down
    assert refused(uris["form"], lambda ch: ch.basic_get("intake.submissions"))
    assert refused(uris["form"], lambda ch: ch.queue_declare("my-own-queue"))
    assert refused(uris["form"], lambda ch: ch.basic_publish(
        amqp.Message(b"{}"), exchange="intake.events", routing_key="case_opened"))


def test_a_station_reads_only_its_own_cases(locked_down):
    _, uris = locked_down
    mine = uris["quanpu-coop"]
    with Connection(mine) as conn:  # its own queue: fine
        topology.station_queue("quanpu-coop")(conn.default_channel).declare()
        Queue("station.quanpu-coop")(conn.default_channel).get(no_ack=True)
    assert refused(mine, lambda ch: ch.basic_get("station.shuipo-street"))
    assert refused(mine, lambda ch: ch.queue_declare("station.shuipo-street", passive=False,
                                                     durable=True))
    # …nor bind its own queue to another station's routing keys (topic permissions)
    assert refused(mine, lambda ch: ch.queue_bind("station.quanpu-coop", "stations",
                                                  "shuipo-street.#"))
    assert refused(mine, lambda ch: ch.basic_get("routing.cases"))
