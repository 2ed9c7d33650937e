"""Notify's HTTP channels against real local HTTP servers: a station's webhook that fails at first
(retried with backoff until it answers), and the SMS gateway."""

import hashlib
import hmac
import json

import pytest
from kombu import Exchange, Producer

from liaison.contracts.events import new_event
from services.notify.service import NotifyService
from tests.support.fixtures import migrate, running, service_config
from tests.support.http_sink import HttpSink
from tests.support.waiting import wait_for
from tools.forms_client import connect

pytestmark = pytest.mark.broker


def publish(amqp_uri, event):
    with connect(amqp_uri) as conn:
        Producer(conn.default_channel).publish(
            event.to_json().encode(), exchange=Exchange(event.exchange, type="topic", durable=True),
            routing_key=event.routing_key, delivery_mode=2, content_type="application/json",
            content_encoding="utf-8", message_id=event.event_id)


def test_webhook_retried_until_delivered_and_sms_through_the_gateway(
        database_url, clean_queues, tmp_path):
    migrate(database_url, "notify")
    hook = HttpSink(tmp_path / "hook", fail_first=2)
    (tmp_path / "hook").mkdir()
    sms = HttpSink(tmp_path / "sms")
    (tmp_path / "sms").mkdir()
    hook.start()
    sms.start()
    case = "LS-2026-000201"
    opened = new_event("case_opened", case, {
        "tracking_number": case, "external_id": "f-201", "channel": "hotline",
        "submitter": {"type": "resident", "name": "王小明", "phone": "13812345678",
                      "anonymous": False},
        "town": "拳铺镇", "title": "大蒜滞销", "content": "合作社大蒜滞销，电话13812345678",
        "submitted_at": "2026-11-20T01:00:00+00:00", "received_at": "2026-11-20T01:00:01+00:00",
        "source": "amqp"}, actor="resident via hotline")
    routed = new_event("case_routed", case, {
        "station": {"code": "quanpu-coop", "name": "拳铺镇代表联络站", "contact_email": None,
                    "webhook_url": hook.url + "/cases"},
        "deputies": [{"name": "赵一", "profession": None, "level": "township"}],
        "rule": "town-specialty", "reason": "规则1", "town": "拳铺镇", "town_source": "form",
        "matched": ["合作社"]}, actor="routing")
    config = service_config(clean_queues, database_url, SMS_GATEWAY_URL=sms.url + "/send",
                            SMS_GATEWAY_TOKEN="test-token", WEBHOOK_SECRET="s3cret",
                            NOTIFY_RETRY_DELAYS="0.2,0.2,0.2")
    try:
        with running(NotifyService, config):
            publish(clean_queues, opened)
            publish(clean_queues, routed)
            wait_for(lambda: [r for r in hook.requests() if r["status"] == 200], timeout=30,
                     message="the webhook delivered after two failures")
            wait_for(lambda: sms.requests(), timeout=10, message="the SMS receipt")
    finally:
        hook.stop()
        sms.stop()

    attempts = hook.requests()
    assert [r["status"] for r in attempts] == [500, 500, 200]
    keys = {r["headers"]["Idempotency-Key"] for r in attempts}
    assert len(keys) == 1  # the same notification, three tries
    delivered = attempts[-1]
    raw = json.dumps(delivered["body"], ensure_ascii=False).encode()
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert delivered["headers"]["X-Liaison-Signature"] == expected
    assert delivered["body"]["kind"] == "assignment" and delivered["body"]["case_id"] == case
    assert "13812345678" not in delivered["body"]["text"] and "王*" in delivered["body"]["text"]

    (text,) = sms.requests()
    assert text["headers"]["Authorization"] == "Bearer test-token"
    assert text["body"]["to"] == "13812345678"  # the submitter's own receipt
    assert case in text["body"]["text"]
