"""The term book (届末汇总装订, 一任一册): one document per deputy for the whole term, from the
deputy's archive, as data (JSON for machines) that rendering.py lays out as HTML and PDF."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.contracts.periods import local_date
from liaison.contracts.vocabulary import DEPUTY_LEVEL_NAMES, SATISFACTION_NAMES
from services.archive.deputies.adapters import ledger
from services.archive.deputies.rules.chain import deputy_chain
from services.archive.deputies.rules.record_entries import DUTY_KINDS, KIND_NAMES
from services.archive.reports.handlers.reports import deputy_archive, entry_view, station_rows
from services.archive.reports.rules import obligations
from services.archive.reports.rules.evaluation import latest_answers

ITEM_KINDS = ("note", "award", "form", "other")
RESULT_NAMES = {"resolved": "已解决", "in_progress": "正在解决", "planned": "列入计划",
                "explained": "留作参考", "unanswered": "尚未答复"}
LEVEL_NAMES = DEPUTY_LEVEL_NAMES


def term_book(session: Session, deputy_id: str, as_of: datetime | None = None) -> dict | None:
    archive = deputy_archive(session, deputy_id)
    if archive is None:
        return None
    as_of = as_of or utcnow()
    deputy = archive["deputy"]
    start = date.fromisoformat(deputy["term"]["start"])
    end = date.fromisoformat(deputy["term"]["end"])
    raw = ledger.chain_rows(session, deputy_chain(deputy_id))
    views = [entry_view(r) for r in raw]
    in_term = [v for v in views if start <= date.fromisoformat(v["date"]) <= end
               or v["kind"].startswith("registration")]
    rules = obligations.load_obligations()
    years = range(start.year, min(end.year, local_date(as_of).year) + 1)
    checks = [c.as_dict() for y in years
              if (c := obligations.check_deputy(deputy, raw, y, rules, local_date(as_of)))]
    names = {row["code"]: row["name"] for row in station_rows(session)}
    return {
        "title": "人大代表履职档案（一任一册）",
        "deputy": {**deputy, "level_name": LEVEL_NAMES.get(deputy["level"], deputy["level"]),
                   "station_names": [names.get(code, code) for code in deputy["stations"]]},
        "generated_at": as_of.isoformat(),
        "chain": archive["chain"],
        "registration": [v for v in in_term if v["kind"].startswith("registration")],
        "duties": {kind: {"name": KIND_NAMES[kind], "entries": [v for v in in_term
                                                                if v["kind"] == kind]}
                   for kind in DUTY_KINDS},
        "cases": _cases(in_term),
        "suggestions": _suggestions(in_term, raw),
        "reports": [_report(v) for v in in_term if v["kind"] == "constituent_report"],
        "photos": _photos(in_term),
        "materials": {kind: {"name": KIND_NAMES[kind], "entries": [v for v in in_term
                                                               if v["kind"] == kind]}
                  for kind in ITEM_KINDS},
        "yearly_checks": checks,
        "totals": {"entries": len(in_term), "cases": len(_cases(in_term)),
                   **{kind: sum(1 for v in in_term if v["kind"] == kind) for kind in DUTY_KINDS},
                   "suggestions": sum(1 for v in in_term if v["kind"] == "suggestion_filed"),
                   "constituent_reports": sum(1 for v in in_term
                                              if v["kind"] == "constituent_report")},
    }


def _cases(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_case: dict[str, dict[str, Any]] = {}
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in views:
        if not v["case_id"]:
            continue
        data = v["data"]
        case = by_case.setdefault(v["case_id"], {"case_id": v["case_id"], "title": data.get("title"),
                                                 "station": v["station"], "roles": set(),
                                                 "satisfaction": None})
        case["title"] = case["title"] or data.get("title")
        case["roles"].update(data.get("roles") or [])
        if data.get("satisfaction"):
            case["satisfaction"] = SATISFACTION_NAMES.get(data["satisfaction"])
        steps[v["case_id"]].append({"date": v["date"], "kind_name": v["kind_name"],
                                    "summary": data.get("summary")})
    role_names = {"on_duty": "值班", "actor": "经办", "participant": "议政", "handled": "经手"}
    return [{**case, "roles": "、".join(role_names.get(r, r) for r in sorted(case["roles"])),
             "steps": sorted(steps[case_id], key=lambda s: s["date"])}
            for case_id, case in sorted(by_case.items())]


def _suggestions(views: list[dict[str, Any]], raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answers = latest_answers(raw)
    found = []
    for v in views:
        if v["kind"] != "suggestion_filed":
            continue
        data = v["data"]
        answer = answers.get(v["record_id"]) or {}
        found.append({"id": v["record_id"], "form": "议案" if data["form"] == "proposal" else "建议",
                      "title": data["title"], "filed_on": data["filed_on"],
                      "role": "领衔" if data.get("lead") else "附议",
                      "department": answer.get("department") or data.get("department"),
                      "result": RESULT_NAMES.get(answer.get("result") or "unanswered"),
                      "reply": answer.get("reply"), "answered_on": answer.get("answered_on"),
                      "deputy_satisfaction": SATISFACTION_NAMES.get(
                          answer.get("deputy_satisfaction") or "")})
    return found


def _report(view: dict[str, Any]) -> dict[str, Any]:
    data = view["data"]
    ratings = data["ratings"]
    total = sum(ratings.values())
    rate = (ratings["satisfied"] + ratings["basically_satisfied"]) / total if total else None
    return {"date": data["date"], "place": data.get("place"), "attendees": data.get("attendees"),
            "summary": data.get("summary"), "ratings": ratings,
            "satisfaction_rate": None if rate is None else round(rate, 4)}


def _photos(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    photos = []
    for v in views:
        if v["kind"] == "photo" and v["data"].get("url"):
            photos.append({"date": v["date"], "url": v["data"]["url"],
                           "caption": v["data"].get("caption") or v["data"]["title"]})
        for photo in v["data"].get("photos") or []:
            photos.append({"date": v["date"], "url": photo["url"],
                           "caption": photo.get("caption") or v["data"].get("title")})
    unique = {(p["url"], p["date"]): p for p in photos}  # a group photo is in every member's file
    return sorted(unique.values(), key=lambda p: p["date"])
