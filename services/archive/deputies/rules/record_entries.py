"""Which archive entries an event of the registry or of the records desk makes (plain Python).

An entry's ``kind`` says what it is, in every deputy's archive the same way:

=====================  ================================================================
registration           basic information at registration (代表基本信息登记)
registration_update    a change of it (``data.changes`` names the fields)
reception … training   duty records: ``reception`` 进站接待, ``visit`` 走访选民,
group_activity         ``inspection`` 视察调研, ``training`` 学习培训, ``group_activity`` 代表小组活动
suggestion_filed       a proposal or suggestion (议案、建议) the deputy filed or co-signed
suggestion_answered    the handling department's answer and result
constituent_report     a report to constituents (述职) with their ratings
photo note award form  activity photos, duty notes (履职笔记), awards, registration forms
other                  anything else staff file
case_*                 cases the deputy handled (services/archive/deputies/rules/case_links.py)
station_*              in a station's chain: its registration, monthly activity, quarterly
                       focus, annual theme
=====================  ================================================================
"""

from __future__ import annotations

from datetime import date
from typing import Any

from liaison.contracts.events import Event
from liaison.contracts.periods import local_midnight, parse_period
from services.archive.deputies.adapters.ledger import NewEntry
from services.archive.deputies.rules.chain import deputy_chain, station_chain

DUTY_KINDS = ("reception", "visit", "inspection", "training", "group_activity")
KIND_NAMES = {
    "registration": "代表基本信息登记", "registration_update": "基本信息变更",
    "reception": "进站接待", "visit": "走访选民", "inspection": "视察调研", "training": "学习培训",
    "group_activity": "代表小组活动", "suggestion_filed": "议案建议",
    "suggestion_answered": "议案建议办理结果",
    "constituent_report": "向选民述职", "photo": "履职照片", "note": "履职笔记", "award": "表彰奖励",
    "form": "登记表", "other": "其他资料",
    "case_on_duty": "值班受理诉求", "case_accepted": "签收诉求", "case_answered": "当场答复",
    "case_deliberation_scheduled": "代表议政", "case_deliberated": "议政结果",
    "case_forwarded": "转交部门", "case_suggested": "转为代表建议", "case_department_replied": "部门答复",
    "case_resolved": "办结诉求", "case_declined": "退回诉求", "case_return_visited": "回访评价",
    "station_registered": "联络站登记", "station_updated": "联络站信息变更",
    "station_activity": "月度活动", "station_focus": "季度重点", "station_theme": "年度主题",
}


def entries_for(event: Event) -> list[NewEntry]:
    """The entries ``event`` (one of liaison.contracts.events.ARCHIVE_RECORD_EVENTS) adds to the archives."""
    data = event.data
    kind = event.event_type
    if kind in ("deputy_registered", "deputy_updated"):
        return [NewEntry(deputy_chain(data["deputy_id"]),
                         "registration" if kind == "deputy_registered" else "registration_update",
                         event.occurred_at, event.event_id, _without(data, "deputy_id"),
                         deputy_id=data["deputy_id"])]
    if kind in ("station_registered", "station_updated"):
        return [NewEntry(station_chain(data["code"]), kind, event.occurred_at, event.event_id,
                         dict(data), station=data["code"])]
    if kind == "station_activity_recorded":
        when = _day(data.get("date")) or parse_period(data["period"]).first
        return [NewEntry(station_chain(data["station"]), f"station_{data['cadence']}",
                         local_midnight(when), event.event_id, _without(data, "record_id"),
                         station=data["station"], record_id=data["record_id"])]
    if kind == "constituent_report_held":
        return [_for_deputy(event, data["deputy"], "constituent_report", data["date"])]
    if kind == "duty_recorded":
        return [_for_deputy(event, d, data["activity"], data["date"], station=data.get("station"))
                for d in data["deputies"]]
    if kind == "suggestion_filed":
        lead = data["deputies"][0]
        return [_for_deputy(event, d, "suggestion_filed", data["filed_on"], lead=d == lead)
                for d in data["deputies"]]
    if kind == "suggestion_answered":
        return [_for_deputy(event, d, "suggestion_answered", data["answered_on"])
                for d in data["deputies"]]
    if kind == "archive_item_added":
        return [_for_deputy(event, d, data["item"], data["date"]) for d in data["deputies"]]
    return []


def _for_deputy(event: Event, deputy_id: str, kind: str, day: str, station: str | None = None,
                **extra: Any) -> NewEntry:
    data = {**_without(event.data, "record_id"), **extra}
    return NewEntry(deputy_chain(deputy_id), kind, local_midnight(_day(day)), event.event_id, data,
                    deputy_id=deputy_id, station=station, record_id=event.data.get("record_id"))


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}
