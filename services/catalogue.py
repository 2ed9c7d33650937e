"""THE list of services: every place that needs to know which services exist reads it here (the
command line, the process manager, health, status, migrations, metrics ports, broker permissions,
deploy's generators). Adding a service is one entry below, plus its own folder.

The shared kit (``liaison/``) never imports this: what it needs of a service (its tables, its
queue, its port) it is handed as an argument by the tools above the services (``tools/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from liaison.messaging.permissions import ServiceAccess
from services.accounts.adapters import models as accounts_models
from services.archive.adapters import models as archive_models
from services.intake.adapters import models as intake_models
from services.notify.adapters import models as notify_models
from services.routing.adapters import models as routing_models

SERVICES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ServiceEntry:
    """One service as the operator's tools see it."""

    name: str
    entrypoint: str  # what ``nameko run`` starts: "module:Class"
    metrics_port: int  # default port of /metrics, /healthz, /readyz (METRICS_PORT overrides)
    queue: str | None = None  # the queue it is scaled on; it is ready when it consumes it
    models: ModuleType | None = None  # its tables (``metadata``, ``messaging``); None: no database
    rpc_server: bool = False  # answers RPC (queue rpc-<name>)
    rpc_caller: bool = False  # calls other services over RPC
    http_port: tuple[str, int] | None = None  # an HTTP front: (the setting naming its port, default)
    publishes_to: tuple[str, ...] = ()  # exchanges it publishes to besides <name>.events

    @property
    def migrations_dir(self) -> Path:
        return SERVICES_DIR / self.name / "migrations"

    @property
    def has_tables(self) -> bool:
        return self.models is not None

    @property
    def broker_access(self) -> ServiceAccess:
        """What its broker user must be allowed (``liaison/messaging/permissions.py``)."""
        return ServiceAccess(self.name, self.rpc_server, self.rpc_caller, self.publishes_to)


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("intake", "services.intake.service:IntakeService", 9101,
                 queue="intake.submissions", models=intake_models, rpc_server=True),
    ServiceEntry("routing", "services.routing.service:RoutingService", 9102,
                 queue="routing.cases", models=routing_models, rpc_server=True),
    ServiceEntry("archive", "services.archive.service:ArchiveService", 9103,
                 queue="archive.case-events", models=archive_models, rpc_server=True,
                 publishes_to=("stations",)),
    ServiceEntry("notify", "services.notify.service:NotifyService", 9104,
                 queue="notify.case-events", models=notify_models),
    ServiceEntry("gateway", "services.gateway.service:GatewayService", 9105,
                 rpc_caller=True, http_port=("HTTP_PORT", 8000)),
    ServiceEntry("accounts", "services.accounts.service:AccountsService", 9106,
                 models=accounts_models, rpc_server=True),
)

BY_NAME: dict[str, ServiceEntry] = {entry.name: entry for entry in SERVICES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
WITH_TABLES: tuple[str, ...] = tuple(e.name for e in SERVICES if e.has_tables)
CONSUMERS: tuple[str, ...] = tuple(e.name for e in SERVICES if e.queue)  # scaled on a queue


def entry(name: str) -> ServiceEntry:
    """The service called ``name`` (``routing@2``, a second instance, is ``routing``)."""
    try:
        return BY_NAME[name.split("@", 1)[0]]
    except KeyError:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(NAMES)}") from None
