"""The archive service: every case event in, the append-only case history; cases out over RPC."""

from __future__ import annotations

from nameko.rpc import rpc

from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from services.archive import handlers
from services.archive.models import messaging


class ArchiveService:
    name = "archive"

    db = Database(messaging)

    @consume("archive.case-events")
    def handle_case_event(self, event: Event) -> None:
        handlers.record_event(self.db.uow(), event)

    @rpc
    def get_case(self, tracking_number: str) -> dict | None:
        with self.db.read() as session:
            return handlers.case_view(session, tracking_number)

    @rpc
    def find_case(self, external_id: str) -> dict | None:
        with self.db.read() as session:
            case_id = handlers.find_case_id(session, external_id)
            return handlers.case_view(session, case_id) if case_id else None
