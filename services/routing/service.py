"""The routing service: ``case_opened`` in, ``case_routed`` (station, deputies on duty, reason) out."""

from __future__ import annotations

from functools import lru_cache

from nameko.dependency_providers import Config
from nameko.rpc import rpc

from liaison.config import setting
from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from services.routing import handlers
from services.routing.models import messaging
from services.routing.registry import StationRegistry, default_registry, load_registry


class RoutingService:
    name = "routing"

    db = Database(messaging)
    config = Config()

    def _registry(self) -> StationRegistry:
        """The registry is data an operator edits; it is read once per process."""
        return _registry(setting(self.config, "STATIONS_FILE"))

    @consume("routing.cases")
    def handle_case_opened(self, event: Event) -> None:
        handlers.route_case(self.db.uow(), self._registry(), event)

    @rpc
    def stations(self) -> list[dict]:
        """The station registry, for the gateway and the CLI."""
        return [
            {"code": s.code, "name": s.name, "kind": s.kind, "town": s.town}
            for s in self._registry().stations
        ]


@lru_cache(maxsize=4)
def _registry(path: str | None) -> StationRegistry:
    return load_registry(path) if path else default_registry()
