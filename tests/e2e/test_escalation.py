"""Two routing instances running at once, a case going overdue: exactly one escalation event and
one notice (the clock's steps are compare-and-set, whoever gets there first)."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest

from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission
from tools.processes import ProcessGroup

pytestmark = pytest.mark.broker
# Concurrency is what this module is about, and PostgreSQL is where two instances really race
# (SQLite serialises writers); SQLite runs it too where PostgreSQL is missing.
BACKENDS = ("postgresql",)


def test_two_routing_instances_escalate_an_overdue_case_once(system, tmp_path):
    doc = {"external_id": f"late-{uuid.uuid4().hex[:10]}", "channel": "hotline",
           "submitter": {"name": "孙德明", "phone": "13800001102", "type": "resident",
                         "email": "sdm@example.com"},
           "town": "梁山街道", "title": "小区停车位不足占用消防通道",
           "content": "老旧小区改造后停车位严重不足，很多车停在消防通道上。",
           "submitted_at": "2026-11-20T09:42:00+08:00"}
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)

    def routed():
        status, case = system.http("GET", f"/api/cases?external_id={doc['external_id']}")
        return case if status == 200 and case["status"] == "routed" else None

    case = wait_for(routed, timeout=30, message="routed")
    tracking = case["tracking_number"]
    due = datetime.fromisoformat(case["deadlines"]["sign_for"])
    # Both instances' clocks: an hour past the sign-for due time (well before 督办).
    offset = (due + timedelta(hours=1) - datetime.now(UTC)).total_seconds()
    env = {**system.processes.env, "CLOCK_OFFSET_SECONDS": str(offset)}
    system.processes.stop(["routing"])
    instances = [ProcessGroup(run_dir=tmp_path / name, env=env) for name in ("a", "b")]
    try:
        for group in instances:
            group.start(["routing"], timeout=60)

        def escalated():
            status, current = system.http("GET", f"/api/cases/{tracking}")
            return current if any(h["event_type"] == "case_overdue"
                                  for h in current["history"]) else None

        wait_for(escalated, timeout=40, message="the overdue step")
        time.sleep(12)  # more ticks of both timers (every 5 s): nothing more may happen
        _, current = system.http("GET", f"/api/cases/{tracking}")
    finally:
        for group in instances:
            group.stop(["routing"])
        system.processes.start(["routing"])

    steps = [h["event_type"] for h in current["history"]
             if h["event_type"] in ("case_deadline_warning", "case_overdue", "case_escalated")]
    assert steps == ["case_overdue"]
    assert current["alert"]["level"] == "red"
    assert current["alert"]["phases"] == {"sign_for": {"level": "red", "step": "reminder"}}
    wait_for(lambda: [m for m in system.smtp.messages_for_case(tracking)
                      if m["X-Liaison-Kind"] == "overdue"], timeout=15, message="the red notice")
    notices = [m for m in system.smtp.messages_for_case(tracking) if m["X-Liaison-Kind"] == "overdue"]
    assert len(notices) == 1
    assert notices[0]["To"] == "liangshan-street@stations.liangshan.example"
    assert "【红色预警】" in str(make_header(decode_header(notices[0]["Subject"])))
