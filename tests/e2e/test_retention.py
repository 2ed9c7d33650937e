"""Personal data past its retention period is erased everywhere, while the case's steps, its
station and its statistics stay."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select

from liaison.db.engine import normalise_url
from services.intake.adapters.models import cases as intake_cases
from services.notify.adapters.models import cases as notify_cases
from services.notify.adapters.models import notifications
from tests.support.fixtures import url_for
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission
from tools.processes import ProcessGroup

pytestmark = pytest.mark.broker
# One backend is enough here: the erasure is plain UPDATEs, the same on both.
BACKENDS = ("sqlite",)

STAFF = {"name": "张丽", "role": "staff", "station": "shuipo-street"}


def rows(system, service, query):
    engine = create_engine(normalise_url(url_for(system.database_url, service)))
    try:
        with engine.connect() as conn:
            return conn.execute(query).all()
    finally:
        engine.dispose()


def test_a_closed_case_is_anonymised_after_its_retention_period(system, tmp_path):
    doc = {"external_id": f"ret-{uuid.uuid4().hex[:10]}", "channel": "wechat",
           "submitter": {"name": "刘桂芳", "phone": "13800001101", "type": "resident",
                         "email": "lgf@example.com"},
           "town": "水泊街道", "title": "小区路灯长期不亮",
           "content": "我们小区的路灯坏了半年没人修，我的电话13800001101。",
           "location": {"address": "水泊街道幸福小区3号楼"},
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)

    def case_in(status):
        code, case = system.http("GET", f"/api/cases?external_id={doc['external_id']}")
        return case if code == 200 and case["status"] == status else None

    case = wait_for(lambda: case_in("routed"), timeout=30, message="routed")
    tracking = case["tracking_number"]
    token = system.token(STAFF)
    for action, details in (("accept", {}), ("answer", {"answer": "已修复"}),
                            ("return_visit", {"satisfaction": "satisfied"})):
        status, _ = system.http("POST", f"/api/cases/{tracking}/actions",
                                {"action": action, "details": details}, token=token)
        assert status == 200
    wait_for(lambda: case_in("closed"), timeout=30, message="closed")
    wait_for(lambda: len(system.smtp.messages_for_case(tracking)) >= 4, message="notices sent")

    # Routing again, its clock two days on, with a one-day retention period.
    env = {**system.processes.env, "RETENTION_DAYS": "1",
           "CLOCK_OFFSET_SECONDS": str(timedelta(days=2).total_seconds())}
    system.processes.stop(["routing"])
    later = ProcessGroup(run_dir=tmp_path / "later", env=env)
    try:
        later.start(["routing"])

        def anonymised():
            _, current = system.http("GET", f"/api/cases/{tracking}")
            return current if any(h["event_type"] == "case_anonymized"
                                  for h in current["history"]) else None
        after = wait_for(anonymised, timeout=40, message="case_anonymized in the history")
    finally:
        later.stop(["routing"])
        system.processes.start(["routing"])

    assert after["submitter"] == {"anonymous": True, "type": "resident"}
    assert after["content"] == "（已按保存期限删除）"
    assert (after["status"], after["station"]["code"], after["satisfaction"]) == (
        "closed", "shuipo-street", "satisfied")
    assert [h["event_type"] for h in after["history"] if h["producer"] == "routing"][:4] == [
        "case_routed", "case_accepted", "case_answered", "case_return_visited"]
    assert "13800001101" not in str(after) and "刘桂芳" not in str(after)

    def intake_erased():
        (row,) = rows(system, "intake", select(intake_cases).where(
            intake_cases.c.tracking_number == tracking))
        return row if row.content == "（已按保存期限删除）" else None
    row = wait_for(intake_erased, timeout=20, message="intake erased")
    assert row.submitter == {"type": "resident", "anonymous": True, "anonymized": True}
    assert row.location is None and row.title == "小区路灯长期不亮"

    def notify_erased():
        (contact,) = rows(system, "notify", select(notify_cases).where(
            notify_cases.c.case_id == tracking))
        return contact if contact.email is None else None
    contact = wait_for(notify_erased, timeout=20, message="notify erased")
    assert (contact.name, contact.phone, contact.anonymous) == (None, None, True)
    sent = rows(system, "notify", select(notifications).where(
        notifications.c.case_id == tracking))
    assert sent and all(n.recipient == n.recipient_masked for n in sent)
    assert not any("lgf@example.com" in (n.recipient + n.body) for n in sent)
