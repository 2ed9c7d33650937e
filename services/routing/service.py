"""The routing service: routes new cases, runs the case lifecycle for staff, and keeps the clocks.

``case_opened`` in → ``case_routed`` out; staff actions over RPC → one event per action; a timer
that takes warning and escalation steps; a timer that orders erasure after the retention period.
"""

from __future__ import annotations

from nameko.timer import timer

from liaison.contracts.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from liaison.service_kit.rpc import rpc
from services.routing.adapters.dependencies import RulesProvider
from services.routing.adapters.models import messaging
from services.routing.handlers import act, check_deadlines, expire_personal_data, route_case


class RoutingService:
    name = "routing"

    db = Database(messaging)
    rules = RulesProvider()

    @consume("routing.cases", batch=True)
    def handle_case_opened(self, events: list[Event]) -> list[BaseException | None]:
        return self.db.each(events, lambda uow, event: route_case.route_case(uow, self.rules, event))

    @rpc
    def act(self, case_id: str, request: dict) -> dict:
        """A staff action: ``{"action", "actor": {name, role, station}, "details": {...}}``."""
        return act.act(self.db.uow(), self.rules, case_id, request)

    @rpc
    def stations(self) -> list[dict]:
        """The station registry, for the gateway and the CLI."""
        return [{"code": s.code, "name": s.name, "kind": s.kind, "town": s.town}
                for s in self.rules.registry.stations]

    @timer(interval=5)
    def check_deadlines(self) -> None:
        check_deadlines.check_deadlines(self.db.uow, self.rules)

    @timer(interval=60, eager=True)
    def check_retention(self) -> None:
        expire_personal_data.anonymize_expired(self.db.uow, self.rules.now(),
                                               self.rules.retention_days)
