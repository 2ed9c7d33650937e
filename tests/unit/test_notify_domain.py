from datetime import UTC, datetime, timedelta

from services.notify.domain import (
    MAX_DELIVERY_ATTEMPTS,
    Contact,
    next_attempt_after,
    plan_for_routed_case,
)

CASE = {"tracking_number": "LS-2026-000009", "title": "灌溉渠年久失修", "channel": "web_form",
        "town": "小路口镇", "content": "灌溉渠失修，联系我13812345678"}
ROUTED = {"station": {"code": "xiaolukou-yellow-river", "name": "小路口镇代表联络站",
                      "contact_email": "xlk@stations.example"},
          "deputies": [{"name": "孙二"}, {"name": "周三"}], "reason": "规则1：涉及“灌溉”"}


def plan(contact):
    return {p.kind: p for p in plan_for_routed_case(CASE, ROUTED, contact, "evt-1")}


def test_receipt_by_email_when_given():
    planned = plan(Contact(False, "王小明", "13812345678", "wxm@example.com", "resident"))
    receipt = planned["receipt"]
    assert (receipt.channel, receipt.recipient, receipt.recipient_masked) == (
        "email", "wxm@example.com", "w***@example.com")
    assert "LS-2026-000009" in receipt.subject
    assert "小路口镇代表联络站" in receipt.body and "LS-2026-000009" in receipt.body


def test_receipt_by_sms_without_email():
    receipt = plan(Contact(False, "王小明", "13812345678", None, "resident"))["receipt"]
    assert (receipt.channel, receipt.recipient_masked) == ("sms", "138****5678")


def test_staff_notice_masks_the_submitter():
    notice = plan(Contact(False, "王小明", "13812345678", None, "resident"))["assignment"]
    assert notice.recipient == "xlk@stations.example"
    assert "王*" in notice.body and "138****5678" in notice.body
    assert "王小明" not in notice.body and "13812345678" not in notice.body
    assert "孙二、周三" in notice.body and "规则1" in notice.body


def test_anonymous_submitter_gets_no_receipt_and_stays_anonymous():
    planned = plan(Contact(True, None, None, None, "resident"))
    assert set(planned) == {"assignment"}
    assert "反映人：匿名" in planned["assignment"].body


def test_dedupe_keys():
    planned = plan(Contact(False, "王", "13812345678", None, "resident"))
    assert planned["receipt"].dedupe_key == "LS-2026-000009:receipt"
    assert planned["assignment"].dedupe_key == "evt-1:assignment"


def test_retry_schedule_ends():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_attempt_after(1, now) == now + timedelta(seconds=10)
    assert next_attempt_after(MAX_DELIVERY_ATTEMPTS - 1, now) is not None
    assert next_attempt_after(MAX_DELIVERY_ATTEMPTS, now) is None
