"""The deputies' part of the demo (``make demo``): load the registry, post the demo's duty records
over HTTP, have deputies work two cases (so cases enter their archives from case events), wait for
the archive, then write the month's report and one deputy's term book under ``var/reports/``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from liaison.contracts.events import to_jsonable
from liaison.contracts.periods import quarter_of
from services.archive.deputies.rules.registry import DATA_DIR, resolve_file

DEMO_RECORDS = DATA_DIR / "demo_records.yaml"
DEMO_DEPUTY = "李慧敏"
RECORDED_BY = {"name": "演示-县代表联络工作室", "role": "county_office", "station": None}
_RELATIVE = re.compile(r"^today-(\d+)$")

Http = Callable[..., tuple[int, Any]]
# (name, station) → (token, revoke): a deputy's account for the demo, revoked afterwards.
DeputyAccount = Callable[[str, str], tuple[str, Callable[[], Any]]]


def load_records(today: date, path: Path = DEMO_RECORDS) -> list[dict[str, Any]]:
    """The demo's records with ``today-N`` and ``this-month``/``-quarter``/``-year`` resolved."""
    with path.open(encoding="utf-8") as handle:
        records = to_jsonable(yaml.safe_load(handle))
    periods = {"this-month": today.strftime("%Y-%m"), "this-quarter": quarter_of(today).label,
               "this-year": str(today.year)}
    for record in records:
        for key, value in list(record.items()):
            if isinstance(value, str) and (match := _RELATIVE.match(value)):
                record[key] = (today - timedelta(days=int(match.group(1)))).isoformat()
            elif key == "period" and value in periods:
                record[key] = periods[value]
        record.setdefault("recorded_by", RECORDED_BY)
    return records


def run(http: Http, base_url: str, token: str, cases: list[dict[str, Any]], today: date,
        deputy_account: DeputyAccount, timeout: float = 60) -> list[str]:
    """Everything over HTTP, as staff would; returns lines saying what happened."""
    lines = []
    status, outcome = http("POST", f"{base_url}/api/deputies/registry", _body(resolve_file()),
                           token=token)
    if status != 200:
        raise RuntimeError(f"registry refused: {status} {outcome}")
    lines.append(f"deputy registry: {len(outcome['deputy_registered'])} deputies and "
                 f"{len(outcome['station_registered'])} stations registered, "
                 f"{outcome['unchanged']} unchanged")
    results = [http("POST", f"{base_url}/api/records", _body(r), token=token)
               for r in load_records(today)]
    refused = [answer for status, answer in results if status not in (200, 202)]
    if refused:
        raise RuntimeError(f"records refused: {refused[:3]}")
    lines.append(f"duty records: {len(results)} posted (duties, suggestions, 述职, awards, notes, "
                 "station activities)")
    _, deputies = http("GET", f"{base_url}/api/deputies", token=token)
    worked = [_work(http, base_url, case, deputies, today, deputy_account, satisfied)
              for case, satisfied in zip(cases[1:3], (True, False), strict=False)]
    lines += [line for line in worked if line]
    _wait_for_archive(http, base_url, token, cases[1:3], timeout)
    return lines


def _work(http: Http, base_url: str, case: dict[str, Any], deputies: list[dict[str, Any]],
          today: date, deputy_account: DeputyAccount, satisfied: bool) -> str | None:
    """One case worked by a deputy of its station: answered on the spot (then a satisfied return
    visit), or deliberated with the station's deputies (then a dissatisfied one: reopened)."""
    station = case["station"]["code"]
    members = [d["name"] for d in deputies if station in d["stations"]]
    if not members:
        return None
    token, revoke = deputy_account(members[0], station)
    if satisfied:
        steps = [("accept", {"note": "值班代表签收"}),
                 ("answer", {"answer": "值班代表当场协调有关单位，已答复。"}),
                 ("return_visit", {"satisfaction": "satisfied"})]
    else:
        steps = [("accept", {"note": "值班代表签收"}),
                 ("deliberate", {"topic": case["title"], "meeting_date": today.isoformat(),
                                 "participants": members}),
                 ("record_outcome", {"outcome": "议政形成处理意见，转有关部门落实。",
                                     "participants": members}),
                 ("return_visit", {"satisfaction": "dissatisfied",
                                   "comment": "问题尚未彻底解决"})]
    try:
        for action, details in steps:
            status, answer = http("POST", f"{base_url}/api/cases/{case['tracking_number']}/actions",
                                  _body({"action": action, "details": details}), token=token)
            if status != 200:
                return f"{case['tracking_number']}: {action} refused ({answer.get('code')}); skipped"
    finally:
        revoke()
    how = "answered on the spot, satisfied" if satisfied else "deliberated, dissatisfied (reopened)"
    return f"{case['tracking_number']} worked by deputy {members[0]}: {how}"


def _wait_for_archive(http: Http, base_url: str, token: str, worked: list[dict[str, Any]],
                      timeout: float) -> None:
    """Until the last records and the worked cases' return visits are in the archives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, archive = http("GET", f"{base_url}/api/deputies/{quote(DEMO_DEPUTY)}/archive",
                          token=token)
        _, check = http("GET", f"{base_url}/api/archive/verify", token=token)
        ids = {e["record_id"] for e in (archive or {}).get("entries", [])}
        visited = all(_return_visit_archived(http, base_url, token, c) for c in worked)
        if "demo-item-002" in ids and visited and check.get("intact"):
            return
        time.sleep(0.5)
    raise TimeoutError("the deputies' archives did not catch up")


def _return_visit_archived(http: Http, base_url: str, token: str, case: dict[str, Any]) -> bool:
    _, current = http("GET", f"{base_url}/api/cases/{case['tracking_number']}", token=token)
    events = [h["event_type"] for h in (current or {}).get("history", [])]
    return "case_return_visited" in events or "case_accepted" not in events


def _body(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def write_documents(month: str, out_dir: Path) -> list[str]:
    """The month's report and the demo deputy's term book, from the archive's database."""
    from services.archive.commands import monthly_summary, read_archive
    from services.archive.reports.adapters.rendering import write_monthly_report, write_term_book
    from services.archive.reports.handlers.reports import monthly_report
    from services.archive.reports.handlers.term_book import term_book

    with read_archive() as session:
        report = monthly_report(session, month)
        book = term_book(session, DEMO_DEPUTY)
    written = write_monthly_report(report, out_dir / month)
    lines = [monthly_summary(report)]
    for row in report["by"]["station"]:
        lines.append(f"  {row['key']}: received {row['received']}, on time "
                     f"{row['accepted_on_time']}, resolved {row['resolved']}, satisfied "
                     f"{row['satisfied']}/{row['return_visited']}, overdue {row['overdue']}, "
                     f"reopened {row['reopened']}")
    lines.append(f"monthly report: {written['html']} (CSV, PNG/SVG charts, JSON beside it)")
    if book is not None:
        try:
            files = write_term_book(book, out_dir / "term-books")
            lines.append(f"term book of {DEMO_DEPUTY}: {files['pdf']} (and .html, .json)")
        except OSError as exc:  # WeasyPrint without Pango: scripts/ensure-system-packages.sh
            files = write_term_book(book, out_dir / "term-books", ("html", "json"))
            lines.append(f"term book of {DEMO_DEPUTY}: {files['html']} (no PDF: {exc})")
    return lines


def run_demo(http: Http, base_url: str, token: str, cases: list[dict[str, Any]], staff_admin: Any,
             out_dir: Path | None = None) -> list[str]:
    """``liaison demo``'s deputies part; ``staff_admin`` makes and revokes HTTP accounts
    (``tools/staff.py``)."""
    from liaison.config import REPO_ROOT
    from liaison.contracts.county_time import utcnow
    from liaison.contracts.periods import local_date

    def deputy_account(name: str, station: str) -> tuple[str, Callable[[], Any]]:
        member, deputy_token = staff_admin.add_staff(name, "deputy", station)
        return deputy_token, lambda: staff_admin.revoke_staff(member.id)

    today = local_date(utcnow())
    lines = run(http, base_url, token, cases, today, deputy_account)
    return lines + write_documents(today.strftime("%Y-%m"), out_dir or REPO_ROOT / "var" / "reports")
