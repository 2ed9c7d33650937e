"""The routing service: ``case_opened`` in, ``case_routed`` (station, deputies on duty, reason) out."""

from __future__ import annotations

from nameko.dependency_providers import Config
from nameko.rpc import rpc

from liaison.config import setting
from liaison.events import Event
from liaison.service_kit.consumer import consume
from liaison.service_kit.database import Database
from services.routing import handlers
from services.routing.models import messaging
from services.routing.registry import load_registry


class RoutingService:
    name = "routing"

    db = Database(messaging)
    config = Config()

    def _registry(self):
        # Loaded once per process (the registry is data an operator edits, read at start).
        return _cached_registry(setting(self.config, "STATIONS_FILE"))

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


_REGISTRIES: dict[str | None, object] = {}


def _cached_registry(path: str | None):
    if path not in _REGISTRIES:
        _REGISTRIES[path] = load_registry(path or None)
    return _REGISTRIES[path]
