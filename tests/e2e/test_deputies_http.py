"""The deputies' archives over HTTP, across the five processes: the registry and records from
staff (authenticated; the token says who recorded), a case worked by a deputy entering that
deputy's archive, the reports, and the chains verified."""

from __future__ import annotations

import urllib.request
import uuid
from urllib.parse import quote

import pytest

from liaison.contracts.county_time import utcnow
from liaison.contracts.periods import local_date
from services.archive.deputies.rules.registry import resolve_file
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission

pytestmark = pytest.mark.broker
# The archive's logic runs on both databases in tests/integration/test_deputies_*.py; here the
# five processes on PostgreSQL (SQLite where there is none), to keep the default run short.
BACKENDS = ("postgresql",)

DEPUTY = {"name": "李慧敏", "role": "deputy", "station": "shuipo-street"}
CLERK = {"name": "张丽", "role": "staff", "station": "shuipo-street"}


def archive_of(system, name: str) -> dict:
    status, archive = system.http("GET", f"/api/deputies/{quote(name)}/archive")
    assert status == 200, archive
    return archive


def raw_get(system, path: str, token: str) -> tuple[str, str]:
    request = urllib.request.Request(system.base_url + path,
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["Content-Type"], response.read().decode("utf-8")


def test_registry_records_a_deputys_case_and_the_reports(system):
    assert system.http("GET", "/api/deputies", token=None)[0] == 401
    status, loaded = system.http("POST", "/api/deputies/registry", resolve_file())
    assert status == 200 and len(loaded["deputy_registered"]) == 30, loaded
    assert system.http("POST", "/api/deputies/registry", resolve_file())[1]["unchanged"] == 40

    today = local_date(utcnow()).isoformat()
    duty = {"type": "duty", "record_id": f"e2e-{uuid.uuid4().hex[:8]}", "activity": "reception",
            "date": today, "station": "shuipo-street", "deputies": ["李慧敏"],
            "title": "进站接待日", "recorded_by": {"name": "冒名", "role": "county_office"}}
    status, accepted = system.http("POST", "/api/records", duty, token=system.token(CLERK))
    assert status == 202 and accepted["status"] == "accepted", accepted
    assert system.http("POST", "/api/records", duty)[1]["status"] == "duplicate"
    assert system.http("POST", "/api/records", {**duty, "record_id": "x-0", "deputies": ["孙海涛"],
                                                "station": None}, token=system.token(CLERK))[0] == 403
    assert system.http("POST", "/api/deputies/registry", resolve_file(),
                       token=system.token(CLERK))[0] == 403
    status, refused = system.http("POST", "/api/records", {**duty, "record_id": "x-1",
                                                           "activity": "dancing", "extra": 1})
    assert status == 400 and {"activity", "extra"} <= set(refused["errors"]), refused

    tracking = _submit(system)
    status, answer = system.http("POST", f"/api/cases/{tracking}/actions",
                                 {"action": "accept", "details": {}}, token=system.token(DEPUTY))
    assert status == 200, answer

    def archived() -> dict | None:
        archive = archive_of(system, "李慧敏")
        kinds = {(e["kind"], e["case_id"]) for e in archive["entries"]}
        return archive if {("reception", None), ("case_accepted", tracking)} <= kinds else None

    archive = wait_for(archived, timeout=30, message="the duty and the case in 李慧敏's archive")
    reception = next(e for e in archive["entries"] if e["kind"] == "reception")
    assert reception["data"]["recorded_by"] == CLERK  # the token's owner, not the body's claim
    assert archive["chain"]["intact"] and archive["deputy"]["group"] == "水泊街道代表小组"
    _, case = system.http("GET", f"/api/cases/{tracking}")
    routed = next(h["summary"] for h in case["history"] if h["event_type"] == "case_routed")
    on_duty = routed.split("值班代表：", 1)[1].split("）", 1)[0].split("、")
    for name in on_duty:  # whoever the roster had on duty that weekday
        assert any(e["kind"] == "case_on_duty" and e["case_id"] == tracking
                   for e in wait_for(lambda n=name: archive_of(system, n), timeout=10)["entries"])

    month = today[:7]
    status, stats = system.http("GET", f"/api/archive/statistics?period={month}")
    assert status == 200 and stats["totals"]["received"] >= 1
    by_station = {r["key"]: r for r in stats["by"]["station"]}
    assert by_station["水泊街道代表联络站"]["accepted_on_time"] >= 1
    kind, text = raw_get(system, f"/api/archive/statistics?period={month}&by=deputy&format=csv",
                         system.token())
    assert kind.startswith("text/csv") and text.startswith("deputy,received,") and "李慧敏" in text
    status, monthly = system.http("GET", f"/api/archive/monthly-report?month={month}")
    assert status == 200 and "水泊街道代表联络站" not in monthly["inactive_stations"]
    assert "梁山街道代表联络站" in monthly["inactive_stations"]
    assert system.http("GET", "/api/archive/statistics?period=2026-13")[0] == 400
    status, check = system.http("GET", f"/api/archive/check?year={today[:4]}&deputy={quote('李慧敏')}")
    assert status == 200 and check["deputies"][0]["counts"]["reception"] >= 1
    status, evaluation = system.http("GET", f"/api/archive/evaluation?year={today[:4]}")
    assert status == 200 and evaluation["deputies"][0]["rank"] == 1
    kind, html = raw_get(system, f"/api/deputies/{quote('李慧敏')}/term-book?format=html",
                         system.token())
    assert kind.startswith("text/html") and "李慧敏" in html and "进站接待" in html
    status, verified = system.http("GET", "/api/archive/verify")
    assert status == 200 and verified["intact"] and verified["entries"] >= 42, verified


def _submit(system) -> str:
    doc = {"external_id": f"dep-{uuid.uuid4().hex[:12]}", "channel": "wechat",
           "submitter": {"name": "刘桂芳", "phone": "13800001101", "type": "resident"},
           "town": "水泊街道", "title": "小区路灯长期不亮", "content": "路灯坏了半年没人修。",
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)

    def routed() -> str | None:
        status, case = system.http("GET", f"/api/cases?external_id={doc['external_id']}")
        return case["tracking_number"] if status == 200 and case["status"] == "routed" else None

    return wait_for(routed, timeout=30, message="the case routed")
