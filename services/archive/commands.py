"""The command line of the deputies' archives (``liaison deputies …``, ``liaison archive …``).

They work on the archive's database directly (``ARCHIVE_DATABASE_URL`` / ``DATABASE_URL``, as the
service does): registry loads and records are written to the archive's outbox, and the running
archive service publishes and applies them like any other event; reports only read.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from liaison.config import REPO_ROOT

DEFAULT_REPORTS_DIR = REPO_ROOT / "var" / "reports"


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``deputies`` and ``archive`` to the ``liaison`` parser."""
    deputies = sub.add_parser("deputies", help="the deputy registry and what staff record")
    dsub = deputies.add_subparsers(dest="deputies_command", required=True)
    load = dsub.add_parser("load", help="load or update the registry from a registry file")
    load.add_argument("file", nargs="?", help="default: services/archive/data/registry.yaml")
    dsub.add_parser("list", help="the registered deputies")
    record = dsub.add_parser("record", help="record duties, suggestions, reports … (JSON lines)")
    record.add_argument("file", help="one record a line ('-' = standard input)")
    deputies.set_defaults(func=cmd_deputies)

    archive = sub.add_parser("archive", help="deputies' archives: verify, check, evaluate, report")
    asub = archive.add_subparsers(dest="archive_command", required=True)
    asub.add_parser("verify", help="re-check every hash chain; exit 1 naming the first broken entry")
    show = asub.add_parser("show", help="a deputy's archive, entry by entry")
    show.add_argument("deputy")
    check = asub.add_parser("check", help="the yearly check (一年一检查)")
    check.add_argument("--year", type=int, required=True)
    check.add_argument("--deputy")
    check.add_argument("--group")
    evaluate = asub.add_parser("evaluate", help="the yearly evaluation data, ranked")
    evaluate.add_argument("--year", type=int, required=True)
    stats = asub.add_parser("stats", help="case statistics of a month, quarter or year")
    stats.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026")
    stats.add_argument("--by", default="station", help="station, town, specialty, department, deputy")
    stats.add_argument("--csv", help="write the table as CSV to this file ('-' = stdout)")
    report = asub.add_parser("report", help="the monthly report: HTML with charts, CSV, JSON")
    report.add_argument("--month", help="default: this month (county time)")
    report.add_argument("--out", help="default: var/reports/<month>")
    compile_ = asub.add_parser("compile", help="a deputy's term book (一任一册): HTML, PDF, JSON")
    compile_.add_argument("deputy")
    compile_.add_argument("--out", help="default: var/reports/term-books")
    compile_.add_argument("--format", default="html,pdf,json")
    for parser in (check, evaluate, stats, show):
        parser.add_argument("--json", action="store_true", help="print JSON")
    archive.set_defaults(func=cmd_archive)


# --- database ---------------------------------------------------------------------------------


@contextmanager
def _engine() -> Iterator[Any]:
    from liaison.config import database_url, load_config
    from liaison.db.engine import make_engine

    engine = make_engine(database_url(load_config(), "archive"), pool_size=2)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def read_archive() -> Iterator[Any]:
    from sqlalchemy.orm import Session

    with _engine() as engine, Session(engine) as session:
        yield session


@contextmanager
def _uow() -> Iterator[Any]:
    from sqlalchemy.orm import sessionmaker

    from liaison.db.uow import UnitOfWork
    from services.archive.adapters.models import messaging

    with _engine() as engine:
        yield UnitOfWork(sessionmaker(engine, expire_on_commit=False), messaging)


def _print_json(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


# --- deputies ---------------------------------------------------------------------------------


def cmd_deputies(args: argparse.Namespace) -> int:
    from services.archive.deputies.handlers import desk
    from services.archive.deputies.rules import registry
    from services.archive.reports.handlers import reports

    if args.deputies_command == "load":
        try:
            document = registry.resolve_file(args.file or registry.DEFAULT_REGISTRY_PATH)
        except registry.RegistryFileError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
        actor = {"name": getpass.getuser(), "role": "county_office", "station": None}
        with _uow() as uow:
            outcome = desk.load_registry(uow, document, actor)
        if outcome["status"] != "accepted":
            _print_json(outcome)
            return 2
        print(_registry_summary(outcome))
        return 0
    if args.deputies_command == "list":
        with read_archive() as session:
            for d in reports.registry_deputies(session):
                print(f"{d['deputy_id']:<10} {d['name']:<6} {d['level']:<9} "
                      f"{d['group'] or '-':<16} {','.join(d['stations'])}"
                      f"{'' if d['active'] else '  (inactive)'}")
        return 0
    return _record_file(args.file)


def _registry_summary(outcome: dict[str, Any]) -> str:
    parts = [f"{len(outcome[k])} {k.replace('_', ' ')}" for k in
             ("station_registered", "station_updated", "deputy_registered", "deputy_updated")]
    return ", ".join(parts) + f", {outcome['unchanged']} unchanged (events queued in the outbox)"


def _record_file(path: str) -> int:
    from services.archive.deputies.handlers import desk

    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    failed = 0
    with handle, _uow() as uow:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
            except ValueError as exc:
                print(f"line {number}: not JSON: {exc}")
                failed += 1
                continue
            outcome = desk.record(uow, payload)
            failed += outcome["status"] == "rejected"
            detail = outcome.get("record_id") or json.dumps(outcome.get("errors"), ensure_ascii=False)
            print(f"line {number}: {outcome['status']} {detail}")
    return 1 if failed else 0


# --- archive ----------------------------------------------------------------------------------


def cmd_archive(args: argparse.Namespace) -> int:
    handler = {"verify": _verify, "show": _show, "check": _check, "evaluate": _evaluate,
               "stats": _stats, "report": _report, "compile": _compile}[args.archive_command]
    return handler(args)


def _verify(args: argparse.Namespace) -> int:
    from services.archive.deputies.adapters import ledger

    with read_archive() as session:
        chains, count, breaks = ledger.verify_all(session)
    for problem in breaks:
        print(f"BROKEN {problem.describe()}")
    print(f"{chains} chains, {count} entries checked: "
          + ("all intact" if not breaks else f"{len(breaks)} broken"))
    return 1 if breaks else 0


def _show(args: argparse.Namespace) -> int:
    from services.archive.reports.handlers import reports

    with read_archive() as session:
        archive = reports.deputy_archive(session, args.deputy)
    if archive is None:
        print(f"no deputy {args.deputy!r}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(archive)
        return 0
    d, chain = archive["deputy"], archive["chain"]
    print(f"{d['name']} ({d['level']}, {d['group']}, {','.join(d['stations'])}) term "
          f"{d['term']['start']}–{d['term']['end']}; {chain['entries']} entries, "
          f"{'intact' if chain['intact'] else chain['problem']}")
    for e in archive["entries"]:
        text = e["data"].get("title") or e["data"].get("summary") or ""
        print(f"  #{e['seq']:<4} {e['date']}  {e['kind_name']:<10} {e['case_id'] or ''} {text}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from services.archive.reports.handlers import reports

    with read_archive() as session:
        result = reports.yearly_check(session, args.year, deputy=args.deputy, group=args.group)
    if args.json:
        _print_json(result)
        return 0
    print(f"一年一检查 {result['year']} (as of {result['as_of']})")
    for d in result["deputies"]:
        counts = d["counts"]
        print(f"  {d['name']:<6} {d['group'] or '':<14} 接待{counts['reception']} 走访{counts['visit']} "
              f"视察{counts['inspection']} 诉求{counts['cases']} 建议{counts['suggestions']}  "
              + ("；".join(d["flags"]) or "ok"))
    for g in result["groups"]:
        print(f"  [{g['group']}] {len(g['members'])} members, {g['members_meeting_all']} meet all; "
              + ("；".join(g["flags"]) or "ok"))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from services.archive.reports.handlers import reports

    with read_archive() as session:
        result = reports.evaluate(session, args.year)
    if args.json:
        _print_json(result)
        return 0
    print(f"优秀代表评选参考 {result['year']} (advice; inputs shown)")
    for row in result["deputies"]:
        inputs = " ".join(f"{v['label']}={_raw(v['raw'])}" for v in row["inputs"].values())
        print(f"  {row['rank']:>3}. {row['name']:<6} {row['score']:>6.2f}  {inputs}")
    print(f"优秀建议评选参考 {result['year']}")
    for row in result["suggestions"]:
        print(f"  {row['rank']:>3}. {row['score']:>6.2f}  {row['title']} "
              f"({'、'.join(row['deputies'])}; {row['inputs']['result']['raw']})")
    return 0


def _raw(value: Any) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.0f}%" if isinstance(value, float) else str(value)


def _stats(args: argparse.Namespace) -> int:
    from services.archive.reports.handlers import reports

    with read_archive() as session:
        try:
            report = reports.case_statistics(session, args.period)
        except ValueError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
    if args.by not in report["by"]:
        print(f"refused: --by is one of {', '.join(report['by'])}", file=sys.stderr)
        return 2
    if args.csv:
        text = reports.statistics_csv(report, args.by)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            Path(args.csv).write_text(text, encoding="utf-8")
            print(f"wrote {args.csv}")
        return 0
    if args.json:
        _print_json(report)
        return 0
    print(_figures_line(report["period"], report["totals"]))
    for row in report["by"][args.by]:
        print(_figures_line(f"  {row['key']}", row))
    return 0


def _figures_line(label: str, f: dict[str, Any]) -> str:
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.1f}%"

    return (f"{label}: received {f['received']}, on time {f['accepted_on_time']} "
            f"({pct(f['response_rate'])}), resolved {f['resolved']} ({pct(f['resolution_rate'])}), "
            f"satisfied {f['satisfied']}/{f['return_visited']} ({pct(f['satisfaction_rate'])}), "
            f"overdue {f['overdue']}, reopened {f['reopened']}")


def _report(args: argparse.Namespace) -> int:
    from liaison.contracts.county_time import utcnow
    from liaison.contracts.periods import local_date
    from services.archive.reports.adapters.rendering import write_monthly_report
    from services.archive.reports.handlers import reports

    month = args.month or local_date(utcnow()).strftime("%Y-%m")
    with read_archive() as session:
        try:
            report = reports.monthly_report(session, month)
        except ValueError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 2
    out = Path(args.out) if args.out else DEFAULT_REPORTS_DIR / month
    written = write_monthly_report(report, out)
    print(monthly_summary(report))
    print(f"report: {written['html']} (and CSV, PNG/SVG charts, JSON in {out})")
    return 0


def monthly_summary(report: dict[str, Any]) -> str:
    lines = [_figures_line(f"monthly report {report['month']}", report["totals"])]
    inactive = report["inactive_stations"]
    lines.append(f"stations without an activity this month: {'、'.join(inactive) or 'none'}")
    return "\n".join(lines)


def _compile(args: argparse.Namespace) -> int:
    from services.archive.reports.adapters.rendering import write_term_book
    from services.archive.reports.handlers.term_book import term_book

    with read_archive() as session:
        book = term_book(session, args.deputy)
    if book is None:
        print(f"no deputy {args.deputy!r}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else DEFAULT_REPORTS_DIR / "term-books"
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    for fmt, path in write_term_book(book, out, formats).items():
        print(f"{fmt}: {path}")
    return 0
