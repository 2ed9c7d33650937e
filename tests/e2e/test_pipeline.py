"""A submission becomes a routed, archived, notified case, across five processes."""

import json
import re
import uuid

import pytest

from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission

pytestmark = pytest.mark.broker


def submission(**changes) -> dict:
    doc = {
        "external_id": f"e2e-{uuid.uuid4().hex[:12]}",
        "channel": "enterprise_form",
        "submitter": {"name": "李建国", "phone": "13912345678", "email": "ljg@example.com",
                      "type": "enterprise", "enterprise_name": "梁山宏达挂车有限公司"},
        "town": "梁山街道",
        "title": "半挂车企业流动资金紧张",
        "content": "我公司生产半挂车，近期钢材价格上涨，流动资金紧张，希望协调银行贷款。",
        "category": "营商环境",
        "location": {"address": "梁山县梁山街道工业路1号", "lat": 35.80, "lng": 116.09},
        "attachments": ["https://files.example.com/a.jpg"],
        "submitted_at": "2026-11-20T09:15:00+08:00",
    }
    doc.update(changes)
    return doc


def routed_and_notified(system, external_id: str, notifications: int = 2):
    def probe():
        status, case = system.http("GET", f"/api/cases?external_id={external_id}")
        if status == 200 and case["status"] == "routed" and \
                case["notifications"]["sent"] >= notifications:
            return case
        return None
    return wait_for(probe, timeout=30, message=f"case {external_id} routed and notified")


def test_a_form_message_becomes_a_routed_archived_notified_case(system):
    doc = submission()
    with connect(system.amqp_uri) as conn:  # plain kombu, as any external form would
        publish_submission(conn, doc)
    case = routed_and_notified(system, doc["external_id"])

    assert re.fullmatch(r"LS-\d{4}-\d{6}", case["tracking_number"])
    assert case["station"]["code"] == "devzone-special-vehicles"
    assert "规则2" in case["routing_reason"]
    assert [h["event_type"] for h in case["history"]][:2] == ["case_opened", "case_routed"]
    assert sorted(h["event_type"] for h in case["history"][2:]) == ["notification_sent"] * 2
    for entry in case["history"]:
        assert entry["actor"] and entry["at"] and entry["event_id"] and entry["summary"]
    assert case["submitter"] == {"anonymous": False, "type": "enterprise", "name": "李**",
                                 "phone": "139****5678", "email": "l***@example.com",
                                 "enterprise_name": "梁山宏达挂车有限公司"}

    by_tracking = system.http("GET", f"/api/cases/{case['tracking_number']}")
    assert by_tracking == (200, case)

    mails = wait_for(lambda: len(system.smtp.messages_for_case(case["tracking_number"])) == 2
                     and system.smtp.messages_for_case(case["tracking_number"]), timeout=10,
                     message="two mails at the SMTP server")
    by_kind = {m["X-Liaison-Kind"]: m for m in mails}
    assert by_kind["receipt"]["To"] == "ljg@example.com"
    receipt = by_kind["receipt"].get_payload(decode=True).decode()
    assert case["tracking_number"] in receipt and "专用车行业代表联络站" in receipt
    assert by_kind["assignment"]["To"] == "devzone-special-vehicles@stations.liangshan.example"
    notice = by_kind["assignment"].get_payload(decode=True).decode()
    assert "李**" in notice and "13912345678" not in notice and "李建国" not in notice


def test_http_submission_duplicate_and_errors(system):
    doc = submission(external_id=f"http-{uuid.uuid4().hex[:8]}", town="小路口镇",
                     submitter={"name": "孙桂英", "phone": "13700001111", "type": "resident"},
                     title="灌溉渠年久失修", content="农田灌溉渠年久失修，影响小麦浇水。")
    status, first = system.http("POST", "/api/submissions", doc)
    assert status == 202 and first["status"] == "accepted"
    status, again = system.http("POST", "/api/submissions", doc)
    assert status == 202
    assert (again["status"], again["tracking_number"]) == ("duplicate", first["tracking_number"])

    case = routed_and_notified(system, doc["external_id"])
    assert case["tracking_number"] == first["tracking_number"]
    assert case["station"]["code"] == "xiaolukou-yellow-river"

    status, bad = system.http("POST", "/api/submissions", {"external_id": "x", "title": 5})
    assert status == 400
    assert bad["errors"]["title"] == ["Not a valid string."]
    assert bad["errors"]["submitter"] == ["Missing data for required field."]
    status, bad = system.http("POST", "/api/submissions", b"{not json")
    assert status == 400 and "not valid JSON" in bad["errors"]["_body"][0]
    status, bad = system.http("POST", "/api/submissions", b"{}" + b" " * 70000)
    assert status == 413

    assert system.http("GET", "/api/cases/LS-1999-000001")[0] == 404
    assert system.http("GET", "/api/cases")[0] == 400


def test_anonymous_submitter_gets_no_receipt_and_no_exposure(system):
    doc = submission(submitter={"type": "resident", "anonymous": True}, town="韩岗镇",
                     title="广场舞噪音扰民", content="村里广场舞音响声音太大，晚上十点还不停。")
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)
    case = routed_and_notified(system, doc["external_id"], notifications=1)
    assert case["station"]["code"] == "county-office"
    assert case["submitter"] == {"anonymous": True, "type": "resident"}
    mails = system.smtp.messages_for_case(case["tracking_number"])
    assert [m["X-Liaison-Kind"] for m in mails] == ["assignment"]
    assert "反映人：匿名" in mails[0].get_payload(decode=True).decode()


def test_no_phone_number_reaches_the_logs(system):
    logs = system.logs()
    assert "starting services" in logs  # the logs are there to scan
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", logs)
    for line in logs.splitlines():
        if line.startswith("{"):
            json.loads(line)  # structured: one JSON object a line
