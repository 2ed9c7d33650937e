"""The routing service: routes new cases, runs the case lifecycle for staff, and keeps the clocks.

``case_opened`` in → ``case_routed`` out; staff actions over RPC → one event per action; a timer
that takes warning and escalation steps.
"""

from __future__ import annotations

from nameko.timer import timer

from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from liaison.service_kit.rpc import rpc
from services.routing import escalation, handlers, retention, staff, workflow
from services.routing.dependencies import RulesProvider
from services.routing.models import messaging


class RoutingService:
    name = "routing"

    db = Database(messaging)
    rules = RulesProvider()

    @consume("routing.cases", batch=True)
    def handle_case_opened(self, events: list[Event]) -> list[BaseException | None]:
        return self.db.each(events, lambda uow, event: handlers.route_case(uow, self.rules, event))

    @rpc
    def act(self, case_id: str, request: dict) -> dict:
        """A staff action: ``{"action", "actor": {name, role, station}, "details": {...}}``."""
        return workflow.act(self.db.uow(), self.rules, case_id, request)

    @rpc
    def authenticate(self, token: str) -> dict | None:
        """The staff member a bearer token belongs to (``{name, role, station}``), or None."""
        with self.db.read() as session:
            member = staff.authenticate(session, token)
        return member.as_actor() if member else None

    @rpc
    def stations(self) -> list[dict]:
        """The station registry, for the gateway and the CLI."""
        return [{"code": s.code, "name": s.name, "kind": s.kind, "town": s.town}
                for s in self.rules.registry.stations]

    @timer(interval=5)
    def check_deadlines(self) -> None:
        escalation.check_deadlines(self.db.uow, self.rules)

    @timer(interval=60, eager=True)
    def check_retention(self) -> None:
        retention.anonymize_expired(self.db.uow, self.rules.now(), self.rules.retention_days)
