"""Working a case across the five processes: every path of the lifecycle over the real broker,
each step in the case's history and its notices at the SMTP server; refusals with their reasons;
a station's own feed."""

import os
import subprocess
import sys
import time
import uuid

import pytest

from liaison.config import REPO_ROOT
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission

pytestmark = pytest.mark.broker

SHUIPO_STAFF = {"name": "张丽", "role": "staff", "station": "shuipo-street"}
SHUIPO_DEPUTY = {"name": "王建国", "role": "deputy", "station": "shuipo-street"}
QUANPU_STAFF = {"name": "李强", "role": "staff", "station": "quanpu-coop"}
COUNTY_OFFICE = {"name": "赵敏", "role": "county_office", "station": None}


def submit(system, town="水泊街道", email=None, title="小区路灯长期不亮", **changes) -> dict:
    doc = {"external_id": f"work-{uuid.uuid4().hex[:12]}", "channel": "wechat",
           "submitter": {"name": "刘桂芳", "phone": "13800001101", "type": "resident",
                         "email": email or f"{uuid.uuid4().hex[:8]}@example.com"},
           "town": town, "title": title, "content": "我们小区的路灯坏了半年没人修，晚上出行很不安全。",
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    doc.update(changes)
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)
    return wait_for(lambda: _routed(system, doc["external_id"]), timeout=30,
                    message=f"{doc['external_id']} routed")


def _routed(system, external_id):
    status, case = system.http("GET", f"/api/cases?external_id={external_id}")
    return case if status == 200 and case["status"] == "routed" else None


def act(system, case, action, actor=SHUIPO_STAFF, expect=200, **details):
    """``actor`` acts with their own token (the body names no actor: the token does)."""
    status, answer = system.http("POST", f"/api/cases/{case['tracking_number']}/actions",
                                 {"action": action, "details": details},
                                 token=system.token(actor))
    assert status == expect, answer
    return answer


def case_after(system, case, status, events=None):
    """Wait until the archive shows ``status`` (and at least ``events`` history entries)."""
    def probe():
        code, current = system.http("GET", f"/api/cases/{case['tracking_number']}")
        if code == 200 and current["status"] == status and (
                events is None or len(current["history"]) >= events):
            return current
        return None
    return wait_for(probe, timeout=30, message=f"{case['tracking_number']} {status}")


def case_with(system, case, event_type):
    """Wait until the archive has recorded an event of ``event_type`` for the case."""
    def probe():
        code, current = system.http("GET", f"/api/cases/{case['tracking_number']}")
        if code == 200 and any(h["event_type"] == event_type for h in current["history"]):
            return current
        return None
    return wait_for(probe, timeout=30, message=f"{case['tracking_number']} {event_type}")


def mails_of_kind(system, case, kind):
    return [m for m in system.smtp.messages_for_case(case["tracking_number"])
            if m["X-Liaison-Kind"] == kind]


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_answered_on_the_spot_then_closed(system):
    case = submit(system)
    assert case["station"]["code"] == "shuipo-street"
    assert set(case["deadlines"]) == {"sign_for"}
    assert act(system, case, "accept")["status"] == "accepted"
    act(system, case, "answer", SHUIPO_DEPUTY, answer="已联系物业，本周内修复路灯")
    act(system, case, "return_visit", satisfaction="satisfied", comment="已修好")
    final = case_after(system, case, "closed")
    steps = [h["event_type"] for h in final["history"] if h["producer"] == "routing"]
    assert steps == ["case_routed", "case_accepted", "case_answered", "case_return_visited"]
    answered = next(h for h in final["history"] if h["event_type"] == "case_answered")
    assert answered["actor"] == "deputy:王建国@shuipo-street"
    assert "已联系物业" in answered["summary"]
    assert final["satisfaction"] == "satisfied" and final["deadlines"] == {}
    wait_for(lambda: mails_of_kind(system, case, "resolved"), message="resolved notice")
    assert "是否满意" in body(mails_of_kind(system, case, "resolved")[0])
    # notices are sent as their events are consumed, several at a time: in any order
    wait_for(lambda: mails_of_kind(system, case, "accepted"), message="accepted notice")


def test_deliberation_path(system):
    case = submit(system, title="石头园村污水横流")
    act(system, case, "accept")
    act(system, case, "deliberate", topic="石头园村污水管网", meeting_date="2026-12-03",
        participants=["王建国", "村民代表3人", "县住建局"])
    act(system, case, "record_outcome", outcome="规划出污水管网完善方案，年底前施工")
    act(system, case, "return_visit", satisfaction="basically_satisfied")
    final = case_after(system, case, "closed")
    summaries = " ".join(h["summary"] for h in final["history"])
    assert "列为代表议政议题“石头园村污水管网”" in summaries and "规划出污水管网完善方案" in summaries


def test_forwarded_replied_forwarded_again_resolved_reopened_closed(system):
    case = submit(system, title="菜市场周边占道经营")
    act(system, case, "accept")
    act(system, case, "forward", department="县市场监管局", request="规范摊位设置",
        due_date="2026-12-10")
    act(system, case, "record_reply", department="县市场监管局", reply="已划定临时摊位区",
        attachments=["https://files.example.com/reply.pdf"])
    act(system, case, "forward", department="县综合行政执法局", request="早晚高峰疏导",
        due_date="2026-12-20")
    act(system, case, "record_reply", department="县综合行政执法局", reply="已安排早晚执勤")
    act(system, case, "resolve", summary="摊位规范、高峰有人疏导")
    act(system, case, "return_visit", satisfaction="dissatisfied", comment="晚高峰仍拥堵")
    reopened = case_after(system, case, "reopened")
    assert set(reopened["deadlines"]) == {"first_response", "resolution"}
    act(system, case, "answer", answer="增加晚高峰执勤")
    act(system, case, "return_visit", satisfaction="satisfied")
    case_after(system, case, "closed")
    for kind in ("accepted", "forwarded", "replied", "resolved", "reopened"):
        wait_for(lambda k=kind: mails_of_kind(system, case, k), message=f"{kind} notice")
    wait_for(lambda: len(mails_of_kind(system, case, "forwarded")) == 2, message="2 forwarded")
    wait_for(lambda: len(mails_of_kind(system, case, "replied")) == 2, message="2 replied")
    assert "已划定临时摊位区" in " ".join(body(m) for m in mails_of_kind(system, case, "replied"))


def test_suggestion_is_tracked_like_forwarding(system):
    case = submit(system, title="老旧小区加装电梯")
    act(system, case, "accept")
    act(system, case, "suggest", suggestion="关于推进老旧小区加装电梯的建议",
        department="县住建局", due_date="2027-01-15")
    act(system, case, "record_reply", department="县住建局", reply="已列入明年计划")
    act(system, case, "resolve", summary="列入2027年老旧小区改造计划")
    case_after(system, case, "resolved")


def test_declined_rerouted_never_lost(system):
    case = submit(system, title="村集体经济发展缺资金")
    act(system, case, "decline", reason="属合作社、集体经济事项")
    at_office = case_with(system, case, "case_declined")
    wait_for(lambda: case_after(system, case, "routed")["station"]["code"] == "county-office",
             message="at the county office")
    assert "属合作社" in next(h["summary"] for h in at_office["history"]
                            if h["event_type"] == "case_declined")
    # The county office routes it by hand; the old station may no longer act.
    act(system, case, "reassign", COUNTY_OFFICE, reason="人工分派", to_station="quanpu-coop")
    wait_for(lambda: case_after(system, case, "routed")["station"]["code"] == "quanpu-coop",
             message="reassigned")
    refused = act(system, case, "accept", SHUIPO_STAFF, expect=403)
    assert refused["code"] == "other_station"
    act(system, case, "accept", QUANPU_STAFF)
    final = case_after(system, case, "accepted")
    assert [h["event_type"] for h in final["history"] if h["producer"] == "routing"] == [
        "case_routed", "case_declined", "case_routed", "case_reassigned", "case_routed",
        "case_accepted"]
    wait_for(lambda: len(mails_of_kind(system, case, "assignment")) == 3, message="3 assignments")
    assignments = [m["To"] for m in mails_of_kind(system, case, "assignment")]
    assert sorted(assignments) == sorted([
        "shuipo-street@stations.liangshan.example", "county-office@stations.liangshan.example",
        "quanpu-coop@stations.liangshan.example"])


def test_merged_duplicate_keeps_its_submitter_informed(system):
    first = submit(system, email="first@example.com", title="路口积水")
    second = submit(system, email="second@example.com", title="路口积水严重")
    act(system, second, "merge", into=first["tracking_number"])
    case_after(system, second, "merged")
    act(system, first, "accept")
    wait_for(lambda: len(mails_of_kind(system, first, "accepted")) == 2, message="both told")
    assert sorted(m["To"] for m in mails_of_kind(system, first, "accepted")) == [
        "first@example.com", "second@example.com"]
    merged = wait_for(lambda: mails_of_kind(system, second, "merged"), message="merged notice")
    assert merged[0]["To"] == "second@example.com"
    assert act(system, second, "accept", expect=409)["code"] == "case_closed"


def test_clock_pause_resume_extend(system):
    case = submit(system)
    act(system, case, "accept")
    before = case_after(system, case, "accepted")["deadlines"]["resolution"]
    act(system, case, "pause", reason="等待反映人补充照片")
    assert act(system, case, "pause", reason="again", expect=409)["code"] == "already_paused"
    act(system, case, "resume")
    act(system, case, "extend", reason="需协调多部门", approved_by="赵敏", working_days=5)
    extended = case_with(system, case, "case_deadline_extended")
    after = extended["deadlines"]["resolution"]
    assert after > before
    assert extended["paused"] is False
    assert [h["event_type"] for h in extended["history"] if h["producer"] == "routing"][-3:] == [
        "case_clock_paused", "case_clock_resumed", "case_deadline_extended"]


def test_refusals_say_why(system):
    case = submit(system)
    assert act(system, case, "resolve", expect=409)["code"] == "wrong_state"
    assert act(system, case, "forward", expect=409)["code"] == "wrong_state"  # not signed for
    act(system, case, "accept")
    missing = act(system, case, "forward", expect=400)
    assert missing["code"] == "invalid_fields"
    assert set(missing["errors"]) == {"department", "request", "due_date"}
    assert act(system, case, "fly", expect=400)["code"] == "invalid_fields"
    assert act(system, case, "accept", QUANPU_STAFF, expect=403)["code"] == "other_station"
    status, answer = system.http("POST", "/api/cases/LS-1999-000001/actions",
                                 {"action": "accept"}, token=system.token(SHUIPO_STAFF))
    assert (status, answer["code"]) == (404, "not_found")
    assert system.http("POST", f"/api/cases/{case['tracking_number']}/actions", b"[")[0] == 400


def test_watch_shows_only_its_station(system):
    env = {**os.environ, "AMQP_URI": system.amqp_uri}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "watch", "--station", "shuipo-street",
         "--timeout", "6"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert watcher.stdout.readline().startswith("# watching shuipo-street")
    others = [submit(system, town="拳铺镇", title="大蒜滞销"),
              submit(system, town="小路口镇", title="灌溉渠年久失修")]
    mine = submit(system, town="水泊街道", title="垃圾回收点位置不合理")
    time.sleep(0.5)
    output, _ = watcher.communicate(timeout=30)
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert mine["tracking_number"] in lines[0] and "case_routed" in lines[0]
    assert not any(o["tracking_number"] in output for o in others)
