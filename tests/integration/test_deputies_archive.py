"""A deputy's archive built purely from events over the real broker: case events as routing
publishes them, and records and registry changes through the archive's desk (outbox → broker →
consumer). Then the yearly check, the evaluation ranking and the statistics against figures
computed by hand for this small fixture, and a row altered in the database that
`liaison archive verify` names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from kombu import Connection, Exchange, Producer, Queue
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liaison.config import REPO_ROOT
from liaison.contracts.county_time import LOCAL_TZ
from liaison.contracts.events import new_event
from liaison.db.engine import make_engine
from liaison.messaging import topology
from services.archive.adapters.models import entries, messaging
from services.archive.reports.handlers import reports
from services.archive.service import ArchiveService
from tests.support.fixtures import migrate, running, service_config, url_for

pytestmark = pytest.mark.broker

AS_OF = datetime(2026, 11, 26, 12, 0, tzinfo=LOCAL_TZ)
TERM = {"code": "county-19", "name": "第十九届", "start": "2022-01-01", "end": "2026-12-31"}
TOWNSHIP_TERM = {"code": "township-2022", "start": "2022-01-01", "end": "2026-12-31"}
STAFF = {"name": "张丽", "role": "staff", "station": "s-a"}
RECORDER = {"name": "赵敏", "role": "county_office", "station": None}
STATIONS = [{"code": "s-a", "name": "甲站", "kind": "town", "town": "水泊街道", "feature": "议政代表"},
            {"code": "s-b", "name": "乙站", "kind": "industry", "town": None, "feature": "稀土行业"}]
LI = {"name": "李一", "level": "county", "group": "甲组", "stations": ["s-a"], "term": TERM}
WANG = {"name": "王二", "level": "county", "group": "甲组", "stations": ["s-a"], "term": TERM}
ZHAO = {"name": "赵三", "level": "township", "group": "乙组", "stations": ["s-b"],
        "term": TOWNSHIP_TERM}


def local(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=LOCAL_TZ)


def due(day: str) -> str:
    """The end (24:00 county time) of ``day``, as routing writes due times."""
    return (local(day, 0) + timedelta(days=1)).isoformat()


# --- the fixture's cases, as routing would publish them ----------------------------------------


def opened(case_id: str, at: datetime, town: str | None) -> object:
    return new_event("case_opened", case_id, {
        "tracking_number": case_id, "external_id": f"ext-{case_id}", "channel": "visit",
        "submitter": {"type": "resident", "name": "王小明", "phone": "13812345678",
                      "anonymous": False},
        "town": town, "title": f"诉求{case_id[-1]}（联系电话13812345678）", "content": "内容",
        "submitted_at": at.isoformat(), "received_at": at.isoformat(), "source": "amqp"},
        actor="resident via visit", occurred_at=at)


def routed(case_id: str, at: datetime, station: dict, deputies: list[str], sign_for: str):
    return new_event("case_routed", case_id, {
        "station": {"code": station["code"], "name": station["name"]},
        "deputies": [{"name": n, "level": "county", "profession": None} for n in deputies],
        "rule": "town-general", "reason": "规则3", "deadlines": {"sign_for": sign_for}},
        actor="routing", occurred_at=at)


def step(case_id: str, kind: str, action: str, before: str, after: str, at: datetime,
         actor: dict, details: dict | None = None, deadlines: dict | None = None,
         station: str = "s-a"):
    return new_event(kind, case_id, {
        "action": action, "status_before": before, "status": after, "station": station,
        "actor": actor, "details": details or {}, "deadlines": deadlines or {}, "paused": False},
        actor=f"{actor['role']}:{actor['name']}", occurred_at=at)


def deputy(name: str) -> dict:
    return {"name": name, "role": "deputy", "station": "s-a"}


def case_events() -> list:
    s_a, s_b = STATIONS
    open_phases = {"first_response": due("2026-11-20"), "resolution": due("2026-11-30")}
    c1, c2, c3, c4 = "LS-2026-000001", "LS-2026-000002", "LS-2026-000003", "LS-2026-000004"
    return [
        # C1: accepted on time by deputy 李一, forwarded, replied, resolved; satisfied
        opened(c1, local("2026-11-02"), "水泊街道"),
        routed(c1, local("2026-11-02"), s_a, ["李一"], due("2026-11-03")),
        step(c1, "case_accepted", "accept", "routed", "accepted", local("2026-11-02", 10),
             deputy("李一"), deadlines=open_phases),
        step(c1, "case_forwarded", "forward", "accepted", "forwarded", local("2026-11-03"),
             deputy("李一"), {"department": "县住建局", "request": "修复路灯",
                              "due_date": "2026-11-20"}, {"resolution": due("2026-11-30")}),
        step(c1, "case_department_replied", "record_reply", "forwarded", "replied",
             local("2026-11-10"), STAFF, {"department": "县住建局", "reply": "已修复"},
             {"resolution": due("2026-11-30")}),
        step(c1, "case_resolved", "resolve", "replied", "resolved", local("2026-11-11"), STAFF,
             {"summary": "路灯已修复"}),
        step(c1, "case_return_visited", "return_visit", "resolved", "closed",
             local("2026-11-12"), STAFF, {"satisfaction": "satisfied"}),
        # C2: accepted late by staff; deliberated by 王二 with 李一; dissatisfied, reopened
        opened(c2, local("2026-11-05"), "水泊街道"),
        routed(c2, local("2026-11-05"), s_a, ["王二"], due("2026-11-06")),
        step(c2, "case_accepted", "accept", "routed", "accepted", local("2026-11-09"), STAFF,
             deadlines=open_phases),
        step(c2, "case_deliberation_scheduled", "deliberate", "accepted", "deliberating",
             local("2026-11-10"), deputy("王二"),
             {"topic": "污水管网", "meeting_date": "2026-11-12", "participants": ["王二", "李一"]},
             {"resolution": due("2026-11-30")}),
        step(c2, "case_deliberated", "record_outcome", "deliberating", "resolved",
             local("2026-11-12"), deputy("王二"), {"outcome": "形成方案"}),
        step(c2, "case_return_visited", "return_visit", "resolved", "reopened",
             local("2026-11-13"), STAFF, {"satisfaction": "dissatisfied"}),
        # C3: routed to 乙站, never signed for: overdue at AS_OF
        opened(c3, local("2026-11-10"), None),
        routed(c3, local("2026-11-10"), s_b, ["赵三"], due("2026-11-11")),
        # C4: October, accepted on time by staff, answered at once
        opened(c4, local("2026-10-20"), "水泊街道"),
        routed(c4, local("2026-10-20"), s_a, ["李一"], due("2026-10-21")),
        step(c4, "case_accepted", "accept", "routed", "accepted", local("2026-10-20", 11), STAFF,
             deadlines=open_phases),
        step(c4, "case_answered", "answer", "accepted", "resolved", local("2026-10-20", 12),
             STAFF, {"answer": "当场答复"}),
    ]


def records() -> list[dict]:
    def duty(rid, activity, day, names, station=None):
        return {"type": "duty", "record_id": rid, "activity": activity, "date": day,
                "deputies": names, "station": station, "title": f"{activity} {day}",
                "summary": "接待群众，群众电话13900001111", "recorded_by": RECORDER}

    return [
        duty("d-1", "reception", "2026-03-01", ["李一", "王二"], "s-a"),
        duty("d-2", "reception", "2026-11-03", ["李一"], "s-a"),
        duty("d-3", "visit", "2026-05-01", ["李一"]),
        duty("d-4", "group_activity", "2026-06-01", ["李一", "王二"]),
        {"type": "suggestion", "record_id": "sug-1", "form": "suggestion", "title": "完善污水管网",
         "deputies": ["李一", "王二"], "filed_on": "2026-04-01", "department": "县住建局",
         "recorded_by": RECORDER},
        {"type": "suggestion", "record_id": "sug-2", "form": "suggestion", "title": "稀土企业用电",
         "deputies": ["赵三"], "filed_on": "2026-07-01", "recorded_by": RECORDER},
        {"type": "constituent_report", "record_id": "rep-1", "deputy": "王二", "date": "2025-06-01",
         "place": "社区", "attendees": 40,
         "ratings": {"satisfied": 30, "basically_satisfied": 8, "dissatisfied": 2},
         "recorded_by": RECORDER},
        {"type": "station_activity", "record_id": "act-1", "station": "s-a",
         "cadence": "activity", "period": "2026-11", "date": "2026-11-15", "title": "议政会",
         "recorded_by": RECORDER},
        {"type": "station_activity", "record_id": "act-2", "station": "s-a", "cadence": "focus",
         "period": "2026-Q4", "title": "污水治理", "recorded_by": RECORDER},
        {"type": "station_activity", "record_id": "act-3", "station": "s-a", "cadence": "theme",
         "period": "2026", "title": "人居环境", "recorded_by": RECORDER},
    ]


ANSWERS = [
    {"type": "suggestion_answer", "record_id": "ans-1", "suggestion_id": "sug-1",
     "answered_on": "2026-06-01", "department": "县住建局", "result": "resolved",
     "reply": "已纳入改造", "deputy_satisfaction": "satisfied", "recorded_by": RECORDER},
    {"type": "suggestion_answer", "record_id": "ans-2", "suggestion_id": "sug-2",
     "answered_on": "2026-08-01", "department": "县发改局", "result": "planned",
     "reply": "列入明年计划", "recorded_by": RECORDER},
]


# --- plumbing -----------------------------------------------------------------------------------


def publish(amqp_uri: str, events: list) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.default_channel)
        for event in events:
            producer.publish(event.to_json().encode(), exchange=Exchange(event.exchange,
                             type="topic", durable=True), routing_key=event.routing_key,
                             delivery_mode=2, content_type="application/json",
                             content_encoding="utf-8", message_id=event.event_id)


def queues_empty(amqp_uri: str) -> bool:
    with Connection(amqp_uri) as conn:
        for name in ("archive.case-events", "archive.records"):
            spec = topology.CONSUMER_QUEUES[name]
            for queue in (spec.name, spec.retry_name):
                if Queue(queue)(conn.default_channel).queue_declare(passive=True).message_count:
                    return False
    return True


def settle(amqp_uri: str, engine) -> None:
    """Wait until the broker and the outbox are empty and the archive stops growing."""
    last = -1
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        with Session(engine) as session:
            count = session.execute(select(func.count()).select_from(entries)).scalar_one()
            pending = session.execute(select(func.count()).select_from(messaging.outbox).where(
                messaging.outbox.c.published_at.is_(None))).scalar_one()
        if count == last and not pending and queues_empty(amqp_uri):
            return
        last = count
        time.sleep(0.7)
    raise AssertionError("the archive did not settle")


@pytest.fixture
def archive(database_url, clean_queues):
    migrate(database_url, "archive")
    config = service_config(clean_queues, database_url)
    engine = make_engine(url_for(database_url, "archive"), pool_size=2)
    with running(ArchiveService, config), ServiceRpcProxy("archive", config) as rpc:
        yield rpc, engine, clean_queues, url_for(database_url, "archive")
    engine.dispose()


def test_a_deputys_archive_from_events_and_its_yearly_check_evaluation_and_statistics(archive):
    rpc, engine, amqp_uri, _ = archive
    # the registry without 赵三: his case arrives before he does and is linked when he registers
    first = rpc.load_registry({"stations": STATIONS, "deputies": [LI, WANG]})
    assert first["deputy_registered"] == ["李一", "王二"], first
    assert rpc.load_registry({"stations": STATIONS, "deputies": [LI, WANG]})["unchanged"] == 4
    publish(amqp_uri, case_events())
    for record in records():
        if record.get("deputies") != ["赵三"]:
            assert rpc.record(record)["status"] == "accepted", record
    assert rpc.record(records()[0])["status"] == "duplicate"
    refused = rpc.record({**records()[0], "record_id": "d-x", "deputies": ["无名氏"]})
    assert refused["status"] == "rejected" and "deputies" in refused["errors"]
    elsewhere = rpc.record({**records()[0], "record_id": "d-y", "station": "s-b",
                            "recorded_by": STAFF})
    assert elsewhere["code"] == "not_allowed", elsewhere
    settle(amqp_uri, engine)
    assert rpc.load_registry({"stations": STATIONS, "deputies": [LI, WANG, ZHAO]})[
        "deputy_registered"] == ["赵三"]
    assert rpc.record(records()[5])["status"] == "accepted"  # 赵三's suggestion
    for answer in ANSWERS:
        assert rpc.record(answer)["status"] == "accepted", answer
    settle(amqp_uri, engine)

    with Session(engine) as session:
        kinds = {d: sorted(e["kind"] for e in rows) for d, rows in
                 reports._by_deputy(reports.all_entries(session)).items()}
        check = reports.yearly_check(session, 2026, as_of=AS_OF)
        evaluation = reports.evaluate(session, 2026, as_of=AS_OF)
        stats = reports.case_statistics(session, "2026-11", as_of=AS_OF)
        monthly = reports.monthly_report(session, "2026-11", as_of=AS_OF)
        dumped = json.dumps(reports.all_entries(session), ensure_ascii=False, default=str)

    # the archives, entry by entry
    assert kinds["李一"] == sorted([
        "registration", "reception", "reception", "visit", "group_activity", "suggestion_filed",
        "suggestion_answered", "case_on_duty", "case_accepted", "case_forwarded",
        "case_return_visited", "case_deliberation_scheduled", "case_return_visited",
        "case_on_duty"])
    assert kinds["王二"] == sorted([
        "registration", "reception", "group_activity", "suggestion_filed", "suggestion_answered",
        "constituent_report", "case_on_duty", "case_deliberation_scheduled", "case_deliberated",
        "case_return_visited"])
    assert kinds["赵三"] == sorted(["registration", "case_on_duty", "suggestion_filed",
                                    "suggestion_answered"])
    assert "13812345678" not in dumped and "13900001111" not in dumped and "王小明" not in dumped

    # the yearly check (一年一检查), by hand
    by_name = {d["name"]: d for d in check["deputies"]}
    status = {n: {f["code"]: (f["status"], f["actual"]) for f in d["findings"]}
              for n, d in by_name.items()}
    assert status["李一"] == {"receptions": ("ok", 2), "visits": ("ok", 1),
                             "constituent_report": ("reminder", 0)}
    assert status["王二"] == {"receptions": ("missing", 1), "visits": ("missing", 0),
                             "constituent_report": ("ok", 1)}
    assert status["赵三"] == {"receptions": ("missing", 0), "visits": ("missing", 0)}
    groups = {g["group"]: g for g in check["groups"]}
    assert groups["甲组"]["group_activities"] == 1 and groups["甲组"]["members_meeting_all"] == 0
    assert groups["甲组"]["missing"] == {"向选民述职": ["李一"], "进站接待": ["王二"],
                                        "走访选民": ["王二"]}
    assert groups["乙组"]["group_activities"] == 0

    # the evaluation: inputs, scores and ranks, by hand (evaluation.yaml's weights)
    ranked = evaluation["deputies"]
    assert [r["name"] for r in ranked] == ["李一", "王二", "赵三"]
    raw = {r["name"]: {k: v["raw"] for k, v in r["inputs"].items()} for r in ranked}
    assert raw["李一"] == {"cases": 3, "cases_resolved": 3, "on_time_rate": 0.6667,
                          "satisfaction_rate": 0.5, "receptions": 2, "visits": 1,
                          "inspections": 0, "trainings": 0, "group_activities": 1,
                          "suggestions": 1, "suggestions_resolved": 1, "constituent_reports": 0}
    assert raw["王二"]["cases"] == 1 and raw["王二"]["on_time_rate"] == 0.0
    assert raw["赵三"]["satisfaction_rate"] is None and raw["赵三"]["suggestions"] == 1
    scores = {r["name"]: r["score"] for r in ranked}
    assert scores["李一"] == pytest.approx(100 * 14.6667 / 18.5, abs=0.01)
    assert scores["王二"] == pytest.approx(100 * (2 / 3 + 2 / 3 + 1 + 1 + 2 + 2) / 18.5, abs=0.01)
    assert scores["赵三"] == pytest.approx(100 * (2 / 3 + 2) / 16.5, abs=0.01)
    suggestions = {s["id"]: s for s in evaluation["suggestions"]}
    assert suggestions["sug-1"]["score"] == pytest.approx(100 * (3 + 1 + 0 + 0.2) / 6)
    assert suggestions["sug-2"]["score"] == pytest.approx(100 * 1.5 / 5)
    assert [s["id"] for s in evaluation["suggestions"]] == ["sug-1", "sug-2"]

    # the statistics of November, by hand
    assert {k: stats["totals"][k] for k in ("received", "accepted_on_time", "resolved",
                                            "return_visited", "satisfied", "overdue",
                                            "reopened")} == {
        "received": 3, "accepted_on_time": 1, "resolved": 2, "return_visited": 2,
        "satisfied": 1, "overdue": 2, "reopened": 1}
    assert (stats["totals"]["response_rate"], stats["totals"]["resolution_rate"],
            stats["totals"]["satisfaction_rate"]) == (0.3333, 0.6667, 0.5)

    def table(dim):
        return {r["key"]: (r["received"], r["accepted_on_time"], r["resolved"], r["satisfied"],
                           r["return_visited"], r["overdue"], r["reopened"])
                for r in stats["by"][dim]}

    assert table("station") == {"甲站": (2, 1, 2, 1, 2, 1, 1), "乙站": (1, 0, 0, 0, 0, 1, 0)}
    assert table("town") == {"水泊街道": (2, 1, 2, 1, 2, 1, 1), "（未注明镇街）": (1, 0, 0, 0, 0, 1, 0)}
    assert table("specialty") == {"议政代表": (2, 1, 2, 1, 2, 1, 1), "稀土行业": (1, 0, 0, 0, 0, 1, 0)}
    assert table("department") == {"县住建局": (1, 1, 1, 1, 1, 0, 0)}
    assert table("deputy") == {"李一": (2, 1, 2, 1, 2, 1, 1), "王二": (1, 0, 1, 0, 1, 1, 1),
                               "赵三": (1, 0, 0, 0, 0, 1, 0)}

    # the monthly report's cadence: 乙站 had no activity in November
    cadence = {c["code"]: c for c in monthly["cadence"]}
    assert monthly["inactive_stations"] == ["乙站"]
    assert [a["title"] for a in cadence["s-a"]["activities"]] == ["reception 2026-11-03", "议政会"]
    assert cadence["s-a"]["flags"] == [] and cadence["s-a"]["focus"] == ["污水治理"]
    assert len(cadence["s-b"]["flags"]) == 3


def test_verify_names_an_archive_row_altered_in_the_database(archive):
    rpc, engine, amqp_uri, url = archive
    rpc.load_registry({"stations": STATIONS, "deputies": [LI, WANG]})
    for record in records()[:4]:
        rpc.record(record)
    settle(amqp_uri, engine)
    env = {**os.environ, "ARCHIVE_DATABASE_URL": url, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "tools.cli", "archive", "verify"]
    intact = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "all intact" in intact.stdout
    with Session(engine) as session:  # someone edits 李一's third entry behind the archive's back
        target = session.execute(select(entries).where(entries.c.chain == "deputy:李一",
                                                       entries.c.seq == 3)).one()
        changed = {**target.data, "title": "改过的标题"}
        session.execute(update(entries).where(entries.c.id == target.id).values(data=changed))
        session.commit()
    broken = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"BROKEN deputy:李一: entry #3 (row id {target.id}, {target.kind})" in broken.stdout
    assert "altered" in broken.stdout and "1 broken" in broken.stdout
    assert rpc.verify()["breaks"] == [line.removeprefix("BROKEN ") for line in
                                      broken.stdout.splitlines() if line.startswith("BROKEN")]
