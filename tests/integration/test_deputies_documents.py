"""The documents of the deputies' archives, made by the real command line from the demo's own data
(the demo registry and demo records): a demo deputy's term book as a PDF that opens as an image
with the deputy's name in its text, and the monthly report with its CSV and charts. The events go
desk → outbox → consumer in process here (test_deputies_archive.py does it over the broker)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from liaison.config import REPO_ROOT
from liaison.contracts.events import new_event, parse_event
from liaison.db.engine import make_engine
from liaison.db.uow import UnitOfWork
from services.archive.adapters.models import messaging
from services.archive.cases.handlers import record_event as handlers
from services.archive.deputies.handlers import desk
from services.archive.deputies.rules import registry
from tools.demo_deputies import DEMO_DEPUTY, load_records
from tools.migrations import upgrade

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory) -> str:
    """An archive database holding the demo registry, the demo records and two cases."""
    url = f"sqlite:///{tmp_path_factory.mktemp('documents')}/archive.db"
    upgrade("archive", url)
    engine = make_engine(url, pool_size=2)
    sessions = sessionmaker(engine, expire_on_commit=False)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessions, messaging)

    def deliver() -> None:  # what the relay and the archive.records consumer do, in process
        outbox = messaging.outbox
        with engine.begin() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.published_at.is_(None))
                                .order_by(outbox.c.id)).all()
            conn.execute(update(outbox).values(published_at=datetime.now(UTC)))
        for row in rows:
            if row.exchange == "archive.events":
                handlers.apply_record(uow(), parse_event(row.body))

    assert desk.load_registry(uow(), registry.resolve_file())["status"] == "accepted"
    deliver()
    for record in load_records(TODAY):
        assert desk.record(uow(), record)["status"] == "accepted", record
    for event in _cases():
        handlers.record_event(uow(), event)
    deliver()
    engine.dispose()
    return url


def _cases() -> list:
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    deputy = {"name": DEMO_DEPUTY, "role": "deputy", "station": "shuipo-street"}
    events = []
    for n, satisfaction in ((1, "satisfied"), (2, "dissatisfied")):
        case_id = f"LS-2026-00009{n}"
        events += [
            new_event("case_opened", case_id, {
                "tracking_number": case_id, "external_id": f"doc-{n}", "channel": "visit",
                "submitter": {"type": "resident", "name": "孙桂英", "phone": "13700001111",
                              "anonymous": False},
                "town": "水泊街道", "title": f"小区路灯不亮{n}", "content": "路灯坏了",
                "submitted_at": at.isoformat(), "received_at": at.isoformat(), "source": "http"},
                actor="resident", occurred_at=at),
            new_event("case_routed", case_id, {
                "station": {"code": "shuipo-street", "name": "水泊街道代表联络站"},
                "deputies": [{"name": DEMO_DEPUTY, "level": "county", "profession": None}],
                "rule": "town-general", "reason": "规则3",
                "deadlines": {"sign_for": (at + timedelta(days=1)).isoformat()}},
                actor="routing", occurred_at=at)]
        for i, (kind, action, before, after, details) in enumerate((
                ("case_accepted", "accept", "routed", "accepted", {}),
                ("case_answered", "answer", "accepted", "resolved", {"answer": "已修复"}),
                ("case_return_visited", "return_visit", "resolved",
                 "closed" if satisfaction == "satisfied" else "reopened",
                 {"satisfaction": satisfaction}))):
            events.append(new_event(kind, case_id, {
                "action": action, "status_before": before, "status": after,
                "station": "shuipo-street", "actor": deputy, "details": details, "deadlines": {}},
                actor=f"deputy:{DEMO_DEPUTY}", occurred_at=at + timedelta(hours=i + 1)))
    return events


def liaison(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHIVE_DATABASE_URL": url, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_term_book_of_a_demo_deputy_is_a_pdf_with_the_name_in_its_text(demo_archive,
                                                                          tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils is not installed (scripts/ensure-system-packages.sh dev)")
    done = liaison(demo_archive, "archive", "compile", DEMO_DEPUTY, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / f"term-book-{DEMO_DEPUTY}.pdf"
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes().startswith(b"%PDF")

    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3  # cover, the archive's sections
    from PIL import Image

    with Image.open(pages[0]) as cover:
        assert cover.width > 200 and cover.height > 200
        darkest, _ = cover.convert("L").getextrema()
        assert darkest < 100  # something is printed on it, not a blank page

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    assert DEMO_DEPUTY in text and "人大代表履职档案" in text
    text = "".join(text.split())  # table cells wrap their lines
    for words in ("进站接待", "已解决", "优秀人大代表", "LS-2026-000091", "向选民述职", "哈希链"):
        assert words in text, words
    assert "13700001111" not in text and "孙桂英" not in text

    book = json.loads((tmp_path / f"term-book-{DEMO_DEPUTY}.json").read_text(encoding="utf-8"))
    assert book["chain"]["intact"] and book["totals"]["reception"] == 2
    assert [c["case_id"] for c in book["cases"]] == ["LS-2026-000091", "LS-2026-000092"]


def test_the_monthly_report_of_the_demo_data(demo_archive, tmp_path):
    done = liaison(demo_archive, "archive", "report", "--month", "2026-11", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "received 2, on time 2 (100.0%), resolved 2 (100.0%), satisfied 1/2 (50.0%), " \
           "overdue 0, reopened 1" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    inactive = set(report["inactive_stations"])
    assert {"梁山街道代表联络站", "小路口镇代表联络站", "稀土行业代表联络站"} <= inactive
    assert not {"水泊街道代表联络站", "寿张集镇代表联络站", "拳铺镇代表联络站"} & inactive
    with open(tmp_path / "stats-deputy.csv", encoding="utf-8") as handle:
        rows = {row["deputy"]: row for row in csv.DictReader(handle)}
    assert rows[DEMO_DEPUTY]["received"] == "2" and rows[DEMO_DEPUTY]["satisfaction_rate"] == "0.5"
    for chart in ("chart-station-cases", "chart-station-rates"):
        assert (tmp_path / f"{chart}.png").stat().st_size > 5_000
        assert (tmp_path / f"{chart}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "本月无活动记录的联络站" in html

    check = liaison(demo_archive, "archive", "check", "--year", "2026", "--deputy", DEMO_DEPUTY,
                    "--json")
    assert check.returncode == 0, check.stderr
    findings = {f["code"]: f["status"] for f in json.loads(check.stdout)["deputies"][0]["findings"]}
    assert findings == {"receptions": "ok", "visits": "ok", "constituent_report": "ok"}
