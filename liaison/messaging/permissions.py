"""Who may do what on the broker: THE file for RabbitMQ users and their permissions.

Each service connects as its own user, allowed only the exchanges and queues it needs (RabbitMQ
checks *configure* to declare, *write* to publish or to bind a queue, *read* to consume or to bind
from an exchange). External forms may only publish to ``forms.events``. A station's own system may
only declare, bind and read ``station.<code>`` queues, and — through topic permissions on the
``stations`` exchange — only bind them to its own station's routing keys.

``deploy/rabbitmq/generate.py`` writes these into the broker's definitions; the tests check them on
a live broker (a service runs with them; a form cannot consume; a station cannot read another's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liaison.messaging import topology

# nameko's RPC: requests go through this exchange to queue rpc-<service>; replies come back on
# each caller's rpc.reply-<caller>-<uuid> queue.
RPC_EXCHANGE = "nameko-rpc"
DEFAULT_EXCHANGE = "amq.default"  # failed messages are moved to <queue>.retry/.dead through it


@dataclass(frozen=True)
class ServiceAccess:
    """What the permissions need to know of a service (the caller takes it from its catalogue)."""

    name: str
    rpc_server: bool = False
    rpc_caller: bool = False
    publishes_to: tuple[str, ...] = ()  # exchanges besides its own <name>.events


@dataclass(frozen=True)
class Permission:
    configure: str
    write: str
    read: str


@dataclass(frozen=True)
class TopicPermission:
    exchange: str
    write: str
    read: str


def _any_of(names: list[str]) -> str:
    """A regex matching exactly these names (``^$``: nothing)."""
    unique = sorted(set(names))
    return "^(" + "|".join(re.escape(n) for n in unique) + ")$" if unique else "^$"


def _queues_of(service: str) -> list[topology.ConsumerQueue]:
    return [q for q in topology.CONSUMER_QUEUES.values() if q.name.startswith(f"{service}.")]


def service_permission(access: ServiceAccess) -> Permission:
    """What a service declares, publishes to and consumes, derived from the topology."""
    service = access.name
    queues = _queues_of(service)
    own_queues = [name for q in queues for name in (q.name, q.retry_name, q.dead_name)]
    sources = [b.exchange for q in queues for b in q.bindings]
    publishes = [f"{service}.events"] if f"{service}.events" in topology.SERVICE_EXCHANGES else []
    publishes += list(access.publishes_to)
    configure = own_queues + sources + publishes
    write = own_queues + publishes + ([DEFAULT_EXCHANGE] if queues else [])
    read = own_queues + sources
    uses_rpc = access.rpc_server or access.rpc_caller
    if uses_rpc:
        configure.append(RPC_EXCHANGE)
        write.append(RPC_EXCHANGE)
        read.append(RPC_EXCHANGE)
    rpc_queues = []
    if access.rpc_server:
        rpc_queues.append(f"rpc-{service}")
    if uses_rpc:
        rpc_queues.append(rf"rpc\.reply-{service}-.+")
    return Permission(
        configure=_join(configure, rpc_queues),
        write=_join(write, rpc_queues),
        read=_join(read, rpc_queues),
    )


def _join(names: list[str], patterns: list[str]) -> str:
    exact = [re.escape(n) for n in sorted(set(names))]
    return "^(" + "|".join(exact + patterns) + ")$" if exact or patterns else "^$"


FORM_PERMISSION = Permission(configure="^$", write=_any_of([topology.FORMS_EXCHANGE]), read="^$")


def station_permission(code: str) -> tuple[Permission, TopicPermission]:
    """A station's own system: its ``station.<code>`` queues, bound only to ``<code>.*`` keys."""
    own = rf"^station\.{re.escape(code)}(\..+)?$"
    stations = re.escape(topology.STATIONS_EXCHANGE)
    return (
        Permission(configure=own, write=own, read=rf"^(station\.{re.escape(code)}(\..+)?|{stations})$"),
        TopicPermission(exchange=topology.STATIONS_EXCHANGE, write="^$",
                        read=rf"^{re.escape(code)}\."),
    )
