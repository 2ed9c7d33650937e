"""Who is told what: every kind of notification, masking, anonymity, merged cases, retries."""

from datetime import UTC, datetime, timedelta

from services.notify.adapters.rendering import render
from services.notify.rules.notices import Addresses, CaseInfo, Contact, next_attempt_after, plan

CASE = CaseInfo("LS-2026-000009", "灌溉渠年久失修", "web_form", "小路口镇", "灌溉渠失修，联系我13812345678",
                "xiaolukou-yellow-river", "小路口镇代表联络站", "xlk@stations.example", None)
ROUTED = {"station": {"code": "xiaolukou-yellow-river", "name": "小路口镇代表联络站",
                      "contact_email": "xlk@stations.example",
                      "webhook_url": "http://xlk.example/hook"},
          "deputies": [{"name": "孙二"}, {"name": "周三"}], "reason": "规则1：涉及“灌溉”"}
ADDRESSES = Addresses("office@example", "committee@example")
NAMED = Contact("LS-2026-000009", False, "王小明", "13812345678", None, "resident")
WITH_EMAIL = Contact("LS-2026-000009", False, "王小明", "13812345678", "wxm@example.com", "resident")
ANONYMOUS = Contact("LS-2026-000009", True, None, None, None, "resident")
FOLLOWER = Contact("LS-2026-000012", False, "赵大", "13900002222", None, "resident")


def by_kind(items):
    result = {}
    for item in items:
        result.setdefault((item.kind, item.channel), []).append(item)
    return result


def transition(status, **details):
    return {"status": status, "details": details, "station": CASE.station}


def test_routed_case_receipt_and_assignment_by_email_and_webhook():
    planned = by_kind(plan("case_routed", "evt-1", ROUTED, CASE, WITH_EMAIL, [], ADDRESSES))
    receipt = planned[("receipt", "email")][0]
    assert (receipt.recipient, receipt.recipient_masked) == ("wxm@example.com", "w***@example.com")
    assert "LS-2026-000009" in receipt.subject and "小路口镇代表联络站" in receipt.body
    assert planned[("assignment", "email")][0].recipient == "xlk@stations.example"
    assert planned[("assignment", "webhook")][0].recipient == "http://xlk.example/hook"


def test_receipt_by_sms_without_email_and_none_when_anonymous():
    receipt = plan("case_routed", "e", ROUTED, CASE, NAMED, [], ADDRESSES)[0]
    assert (receipt.kind, receipt.channel, receipt.recipient_masked) == (
        "receipt", "sms", "138****5678")
    planned = plan("case_routed", "e", ROUTED, CASE, ANONYMOUS, [], ADDRESSES)
    assert {p.kind for p in planned} == {"assignment"}
    assert all("反映人：匿名" in p.body for p in planned)


def test_staff_never_see_the_submitter_unmasked():
    for event_type, data in [("case_routed", ROUTED),
                             ("case_overdue", {"phase": "resolution", "step": "reminder",
                                               "level": "red", "due_at": "2026-11-24T00:00:00+08:00",
                                               "station": CASE.station}),
                             ("case_escalated", {"phase": "sign_for", "step": "supervise",
                                                 "level": "red", "due_at": "2026-11-24T00:00:00+08:00",
                                                 "station": CASE.station})]:
        staff_items = [i for i in plan(event_type, "e", data, CASE, NAMED, [], ADDRESSES)
                       if i.audience != "submitter"]
        assert staff_items
        for item in staff_items:
            assert "王小明" not in item.body and "13812345678" not in item.body
            assert "王*" in item.body and "138****5678" in item.body


def test_submitter_is_told_of_each_step():
    kinds = {
        "case_accepted": transition("accepted"),
        "case_forwarded": transition("forwarded", department="县水务局", request="修渠",
                                     due_date="2026-12-01"),
        "case_department_replied": transition("replied", department="县水务局", reply="已安排维修"),
        "case_resolved": transition("resolved", summary="已修复"),
        "case_answered": transition("resolved", answer="当场答复"),
        "case_return_visited": transition("reopened", satisfaction="dissatisfied"),
    }
    got = {}
    for event_type, data in kinds.items():
        (item,) = plan(event_type, f"evt-{event_type}", data, CASE, NAMED, [], ADDRESSES)
        assert item.audience == "submitter" and item.recipient == "13812345678"
        got[event_type] = item
    assert got["case_forwarded"].kind == "forwarded" and "县水务局" in got["case_forwarded"].body
    assert "已安排维修" in got["case_department_replied"].body
    assert "是否满意" in got["case_resolved"].body and "已修复" in got["case_resolved"].body
    assert got["case_return_visited"].kind == "reopened"
    assert plan("case_return_visited", "e", transition("closed", satisfaction="satisfied"), CASE,
                NAMED, [], ADDRESSES) == []
    assert plan("case_clock_paused", "e", transition("accepted"), CASE, NAMED, [], ADDRESSES) == []


def test_merged_submitters_follow_the_case():
    items = plan("case_accepted", "evt-9", transition("accepted"), CASE, NAMED, [FOLLOWER],
                 ADDRESSES)
    assert sorted(i.recipient for i in items) == ["13812345678", "13900002222"]
    follower = next(i for i in items if i.recipient == "13900002222")
    assert "LS-2026-000012" in follower.body  # their own number, for their own records
    assert len({i.dedupe_key for i in items}) == 2


def test_escalation_goes_up_the_ladder():
    data = {"phase": "resolution", "step": "supervise", "level": "red",
            "due_at": "2026-11-24T00:00:00+08:00", "station": CASE.station}
    (item,) = plan("case_escalated", "e", data, CASE, NAMED, [], ADDRESSES)
    assert (item.kind, item.audience, item.recipient) == ("supervise", "county_office",
                                                          "office@example")
    assert "2026-11-24 00:00" in item.body
    (item,) = plan("case_escalated", "e", {**data, "step": "report"}, CASE, NAMED, [], ADDRESSES)
    assert (item.audience, item.recipient) == ("standing_committee", "committee@example")
    warning = plan("case_deadline_warning", "e", {**data, "step": "warning", "level": "yellow"},
                   CASE, NAMED, [], ADDRESSES)
    assert [(w.kind, w.recipient) for w in warning] == [("warning", "xlk@stations.example")]


def test_templates_render_to_chinese_subjects():
    subject, body = render("receipt", {"tracking_number": "LS-1", "title": "t", "station_name": "s"})
    assert subject.startswith("【梁山县人大代表联络站】") and "LS-1" in body


def test_retry_schedule_ends():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_attempt_after(1, now) == now + timedelta(seconds=10)
    assert next_attempt_after(5, now) == now + timedelta(seconds=1800)
    assert next_attempt_after(6, now) is None
    assert next_attempt_after(2, now, (1.0, 2.0)) == now + timedelta(seconds=2)
