"""The archive's reports, read from its database: a deputy's archive, the yearly check, the
evaluation data, the statistics, the monthly report and the term book's content (as plain data;
rendering.py turns them into HTML, PDF, CSV and charts)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.contracts.periods import Period, local_date, month, parse_period, year_of
from services.archive.adapters.models import case_events, cases, deputies, entries, stations
from services.archive.cases.rules.projection import HistoryEntry
from services.archive.deputies.adapters import ledger
from services.archive.deputies.rules.chain import deputy_chain, station_chain
from services.archive.deputies.rules.record_entries import KIND_NAMES
from services.archive.deputies.rules.registry import deputy_of_row
from services.archive.reports.rules import evaluation, obligations, statistics
from services.archive.reports.rules.case_facts import CaseFacts, case_facts

# --- reading ------------------------------------------------------------------------------------


def registry_deputies(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(deputies).order_by(deputies.c.deputy_id))
    return [deputy_of_row(dict(row._mapping)) for row in rows]


def station_infos(session: Session) -> dict[str, statistics.StationInfo]:
    return {row.code: statistics.StationInfo(row.code, row.name, row.town, row.feature)
            for row in session.execute(select(stations))}


def station_rows(session: Session) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(select(stations).order_by(stations.c.code))]


def all_entries(session: Session) -> list[dict[str, Any]]:
    return list(ledger.iter_entries(session))


def facts_of_cases(session: Session, as_of: datetime, period: Period | None = None
                   ) -> dict[str, CaseFacts]:
    """Every case's facts (or those opened in ``period``), as of ``as_of``."""
    query = select(case_events).order_by(case_events.c.id)
    if period is not None:
        opened = select(cases.c.case_id).where(cases.c.opened_at >= period.start,
                                               cases.c.opened_at < period.end)
        query = query.where(case_events.c.case_id.in_(opened))
    histories: dict[str, list[HistoryEntry]] = defaultdict(list)
    for row in session.execute(query):
        histories[row.case_id].append(HistoryEntry(row.event_id, row.event_type, row.case_id,
                                                   row.occurred_at, row.producer, row.actor,
                                                   row.data))
    return {case_id: case_facts(case_id, history, as_of) for case_id, history in histories.items()}


def deputies_of_cases(session: Session, names: dict[str, str]) -> dict[str, set[str]]:
    """case id → names of the deputies whose archives hold it."""
    found: dict[str, set[str]] = defaultdict(set)
    query = select(entries.c.case_id, entries.c.deputy_id).where(entries.c.case_id.is_not(None),
                                                                  entries.c.deputy_id.is_not(None))
    for case_id, deputy_id in session.execute(query):
        found[case_id].add(names.get(deputy_id, deputy_id))
    return found


def _by_deputy(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["deputy_id"]:
            grouped[row["deputy_id"]].append(row)
    return grouped


def _as_of(as_of: datetime | None) -> datetime:
    return as_of or utcnow()


# --- a deputy's archive -------------------------------------------------------------------------


def deputy_archive(session: Session, deputy_id: str) -> dict[str, Any] | None:
    """The registry facts of a deputy and every entry of their chain, in chain order."""
    row = session.execute(select(deputies).where(deputies.c.deputy_id == deputy_id)).first()
    if row is None:
        return None
    chain = deputy_chain(deputy_id)
    rows = ledger.chain_rows(session, chain)
    problem = ledger.verify_one(session, chain)
    return {"deputy": deputy_of_row(dict(row._mapping)),
            "chain": {"name": chain, "entries": len(rows),
                      "head_hash": rows[-1]["hash"] if rows else None,
                      "intact": problem is None,
                      "problem": problem.describe() if problem else None},
            "entries": [entry_view(r) for r in rows]}


def entry_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"seq": row["seq"], "kind": row["kind"], "kind_name": KIND_NAMES.get(row["kind"], row["kind"]),
            "date": local_date(row["occurred_at"]).isoformat(),
            "occurred_at": row["occurred_at"].isoformat(), "station": row["station"],
            "case_id": row["case_id"], "record_id": row["record_id"], "data": row["data"],
            "hash": row["hash"], "prev_hash": row["prev_hash"]}


# --- yearly check ------------------------------------------------------------------------------


def yearly_check(session: Session, year: int, as_of: datetime | None = None,
                 deputy: str | None = None, group: str | None = None) -> dict[str, Any]:
    """一年一检查: each deputy (in their term that year) and each deputy group, against
    obligations.py."""
    rules = obligations.load_obligations()
    today = local_date(_as_of(as_of))
    by_deputy = _by_deputy(all_entries(session))
    checks = []
    for doc in registry_deputies(session):
        if not doc["active"] or (deputy and deputy not in (doc["deputy_id"], doc["name"])):
            continue
        if group and doc["group"] != group:
            continue
        check = obligations.check_deputy(doc, by_deputy.get(doc["deputy_id"], []), year, rules,
                                         today)
        if check is not None:
            checks.append(check)
    groups = defaultdict(list)
    for check in checks:
        groups[check.group or "（未编组）"].append(check)
    group_checks = [
        obligations.check_group(name, year, members,
                                [e for c in members for e in by_deputy.get(c.deputy_id, [])], rules)
        for name, members in sorted(groups.items())]
    return {"year": year, "as_of": today.isoformat(), "obligations": rules.__dict__,
            "deputies": [c.as_dict() for c in checks],
            "groups": [g.as_dict() for g in group_checks]}


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(session: Session, year: int, as_of: datetime | None = None) -> dict[str, Any]:
    """评先表彰 data: deputies and suggestions of ``year``, ranked, with their inputs."""
    weights = evaluation.load_weights()
    period = year_of(year)
    facts = facts_of_cases(session, _as_of(as_of))
    rows = all_entries(session)
    by_deputy = _by_deputy(rows)
    answers = evaluation.latest_answers(rows)
    docs = [d for d in registry_deputies(session) if _in_term(d, year)]
    candidates = [{"deputy_id": d["deputy_id"], "name": d["name"], "group": d["group"],
                   "inputs": evaluation.deputy_inputs(by_deputy.get(d["deputy_id"], []), facts,
                                                      period, answers)} for d in docs]
    names = {d["deputy_id"]: d["name"] for d in registry_deputies(session)}
    return {"year": year, "weights": weights.__dict__,
            "deputies": evaluation.rank_deputies(candidates, weights),
            "suggestions": evaluation.rank_suggestions(
                evaluation.suggestions_of(rows, facts, period, names), weights)}


def _in_term(doc: dict[str, Any], year: int) -> bool:
    return (date.fromisoformat(doc["term"]["start"]).year <= year
            <= date.fromisoformat(doc["term"]["end"]).year)


# --- statistics ---------------------------------------------------------------------------------


def case_statistics(session: Session, period_text: str, dimensions: tuple[str, ...] = statistics.DIMENSIONS,
                    as_of: datetime | None = None) -> dict[str, Any]:
    """Figures for the cases received in a period, in total and per dimension."""
    period = parse_period(period_text)
    facts = list(facts_of_cases(session, _as_of(as_of), period).values())
    cohort = statistics.received_in(facts, period)
    infos = station_infos(session)
    names = {d["deputy_id"]: d["name"] for d in registry_deputies(session)}
    deputies_of = deputies_of_cases(session, names)
    merged = sum(1 for f in facts if f.merged and f.opened_at and period.contains(f.opened_at))
    return {
        "period": period.label, "kind": period.kind, "as_of": _as_of(as_of).isoformat(),
        "totals": {**statistics.totals(cohort).as_dict(), "merged": merged},
        "by": {dim: [{"key": key, **figures.as_dict()} for key, figures in
                     statistics.breakdown(cohort, dim, infos, deputies_of).items()]
               for dim in dimensions},
    }


def statistics_csv(report: dict[str, Any], dimension: str) -> str:
    table = {row["key"]: statistics.Figures(**{k: row[k] for k in statistics.Figures.__annotations__})
             for row in report["by"][dimension]}
    return statistics.to_csv(table, dimension)


# --- the monthly report -------------------------------------------------------------------------


def monthly_report(session: Session, month_text: str, as_of: datetime | None = None
                   ) -> dict[str, Any]:
    """The month's case statistics and each station's cadence, flags first."""
    period = parse_period(month_text)
    if period.kind != "month":
        raise ValueError(f"a month, like 2026-11, not {month_text!r}")
    rules = obligations.load_obligations()
    report = case_statistics(session, period.label, as_of=as_of)
    rows = all_entries(session)
    cadence = []
    for station in station_rows(session):
        if station["kind"] == "triage":
            continue  # the county office routes by hand; it is not a liaison station
        mine = [e for e in rows if e["chain"] == station_chain(station["code"])
                or (e["deputy_id"] and e["station"] == station["code"])]
        cadence.append(obligations.check_station_month(station["code"], station["name"], period,
                                                       mine, rules).as_dict())
    report["cadence"] = cadence
    report["inactive_stations"] = [c["name"] for c in cadence if c["inactive"]]
    report["month"] = period.label
    return report


def months_of(year: int) -> list[Period]:
    return [month(year, m) for m in range(1, 13)]
