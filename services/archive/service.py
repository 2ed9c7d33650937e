"""The archive service: every case event in, the append-only case history; cases out over RPC.
Also the deputies' archives (一人一档): the registry and the records desk (commands in, events
out), the consumer that builds the archives from those events, and the reports."""

from __future__ import annotations

from typing import Any

from liaison.contracts.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from liaison.service_kit.rpc import rpc
from services.archive.adapters.models import messaging
from services.archive.cases.handlers import record_event as handlers
from services.archive.deputies.adapters import ledger
from services.archive.deputies.handlers import desk
from services.archive.reports.handlers import reports, term_book


class ArchiveService:
    name = "archive"

    db = Database(messaging)

    @consume("archive.case-events", batch=True)
    def handle_case_event(self, events: list[Event]) -> list[BaseException | None]:
        return self.db.each(events, handlers.record_event)

    @rpc
    def get_case(self, tracking_number: str) -> dict | None:
        with self.db.read() as session:
            return handlers.case_view(session, tracking_number)

    @rpc
    def find_case(self, external_id: str) -> dict | None:
        with self.db.read() as session:
            case_id = handlers.find_case_id(session, external_id)
            return handlers.case_view(session, case_id) if case_id else None

    # --- deputies' archives ----------------------------------------------------------------------

    @consume("archive.records")
    def handle_record(self, event: Event) -> None:
        handlers.apply_record(self.db.uow(), event)

    @rpc
    def load_registry(self, document: dict, actor: dict | None = None) -> dict:
        """A registry document (services/archive/deputies/rules/registry.py); one event per change."""
        return desk.load_registry(self.db.uow(), document, actor)

    @rpc
    def record(self, payload: dict) -> dict:
        """One record of the desk (services/archive/deputies/schemas.py); its event goes out."""
        return desk.record(self.db.uow(), payload)

    @rpc
    def deputies(self) -> list[dict]:
        with self.db.read() as session:
            return reports.registry_deputies(session)

    @rpc
    def deputy_archive(self, deputy_id: str) -> dict | None:
        with self.db.read() as session:
            return reports.deputy_archive(session, deputy_id)

    @rpc
    def term_book(self, deputy_id: str, html: bool = False) -> Any:
        from services.archive.reports.adapters.rendering import term_book_html

        with self.db.read() as session:
            book = term_book.term_book(session, deputy_id)
        if book is None or not html:
            return book
        return {"html": term_book_html(book)}

    @rpc
    def yearly_check(self, year: int, deputy: str | None = None, group: str | None = None) -> dict:
        with self.db.read() as session:
            return reports.yearly_check(session, year, deputy=deputy, group=group)

    @rpc
    def evaluation(self, year: int) -> dict:
        with self.db.read() as session:
            return reports.evaluate(session, year)

    @rpc
    def statistics(self, period: str, csv_dimension: str | None = None) -> Any:
        """The period's figures; ``{"error": …}`` for a period or dimension that is not one."""
        try:
            with self.db.read() as session:
                report = reports.case_statistics(session, period)
            return reports.statistics_csv(report, csv_dimension) if csv_dimension else report
        except (ValueError, KeyError) as exc:
            return {"error": str(exc)}

    @rpc
    def monthly_report(self, month: str) -> dict:
        try:
            with self.db.read() as session:
                return reports.monthly_report(session, month)
        except ValueError as exc:
            return {"error": str(exc)}

    @rpc
    def verify(self) -> dict:
        with self.db.read() as session:
            chains, count, breaks = ledger.verify_all(session)
        return {"chains": chains, "entries": count, "intact": not breaks,
                "breaks": [b.describe() for b in breaks]}
