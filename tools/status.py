"""``liaison status``: what an operator looks at before scaling a service.

Per service: its instances (consumers on its queue), queue depth (ready / unacknowledged), rates in
and out, messages waiting in ``.retry`` and parked in ``.dead``, and its outbox backlog. The broker's
side comes from the RabbitMQ management API (``RABBITMQ_MANAGEMENT_URL``, default port 15672 on the
broker's host, the credentials of ``AMQP_URI``); the outbox from each service's database.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from liaison.config import process_config, setting
from liaison.service_kit.health import database_status
from services.catalogue import NAMES, entry


@dataclass
class ServiceStatus:
    service: str
    queue: str | None
    instances: int | None = None
    ready: int | None = None
    unacked: int | None = None
    rate_in: float | None = None
    rate_out: float | None = None
    retrying: int | None = None
    dead: int | None = None
    outbox_backlog: int | None = None
    oldest_unpublished_s: float | None = None
    problems: list[str] | None = None


class Management:
    """A read-only client of the management API for one vhost."""

    def __init__(self, amqp_uri: str, base_url: str | None = None):
        parts = urlsplit(amqp_uri)
        self.vhost = urllib.parse.unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        self.base_url = (base_url or setting(process_config(), "RABBITMQ_MANAGEMENT_URL")
                         or f"http://{parts.hostname or '127.0.0.1'}:15672").rstrip("/")
        user = urllib.parse.unquote(parts.username or "guest")
        password = urllib.parse.unquote(parts.password or "guest")
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.base_url + path,  # noqa: S310 - operator's broker
                                         headers={"Authorization": self._auth})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def queues(self) -> dict[str, dict[str, Any]]:
        vhost = urllib.parse.quote(self.vhost, safe="")
        columns = ("name,messages_ready,messages_unacknowledged,consumers,"
                   "message_stats.publish_details.rate,message_stats.ack_details.rate,"
                   "message_stats.deliver_get_details.rate")
        rows = self.get(f"/api/queues/{vhost}?columns={columns}")
        return {row["name"]: row for row in rows}


def _rate(row: dict[str, Any], key: str) -> float:
    stats = row.get("message_stats") or {}
    return float((stats.get(f"{key}_details") or {}).get("rate", 0.0))


def collect(config: dict[str, Any], services: tuple[str, ...] = NAMES) -> list[ServiceStatus]:
    from liaison.config import database_url
    from liaison.db.engine import make_engine

    problems: list[str] = []
    try:
        queues = Management(config["AMQP_URI"]).queues()
    except (OSError, urllib.error.URLError, ValueError) as exc:
        queues = {}
        problems.append(f"management API: {exc}")
    result = []
    for service in services:
        spec = entry(service)
        queue = spec.queue
        status = ServiceStatus(service, queue, problems=list(problems))
        if queue and queue in queues:
            row = queues[queue]
            status.instances = int(row.get("consumers", 0))
            status.ready = int(row.get("messages_ready", 0))
            status.unacked = int(row.get("messages_unacknowledged", 0))
            status.rate_in = _rate(row, "publish")
            status.rate_out = _rate(row, "ack")
            status.retrying = int(queues.get(f"{queue}.retry", {}).get("messages_ready", 0))
            status.dead = int(queues.get(f"{queue}.dead", {}).get("messages_ready", 0))
        elif spec.rpc_caller and queues:
            # nameko RPC clients: one reply queue per process
            status.instances = sum(1 for name in queues
                                   if name.startswith(f"rpc.reply-{service}-"))
        if spec.models is not None:
            try:
                tables = spec.models.messaging
                engine = make_engine(database_url(config, service), pool_size=1)
                try:
                    db = database_status(engine, tables)
                finally:
                    engine.dispose()
                status.outbox_backlog = db["outbox_backlog"]
                status.oldest_unpublished_s = db["oldest_unpublished_s"]
            except Exception as exc:
                status.problems = [*(status.problems or []), f"database: {type(exc).__name__}"]
        result.append(status)
    return result


def _cell(value: Any, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def render(rows: list[ServiceStatus]) -> str:
    header = (f"{'service':<9}{'instances':>10}{'queue':>22}{'ready':>8}{'unacked':>9}{'in/s':>8}"
              f"{'out/s':>8}{'retry':>7}{'dead':>6}{'outbox':>8}{'oldest':>8}")
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r.service:<9}{_cell(r.instances):>10}{_cell(r.queue):>22}{_cell(r.ready):>8}"
            f"{_cell(r.unacked):>9}{_cell(r.rate_in, '{:.1f}'):>8}{_cell(r.rate_out, '{:.1f}'):>8}"
            f"{_cell(r.retrying):>7}{_cell(r.dead):>6}{_cell(r.outbox_backlog):>8}"
            f"{_cell(r.oldest_unpublished_s, '{:.0f}s'):>8}")
    notes = sorted({p for r in rows for p in (r.problems or [])})
    advice = [f"{r.service}: {r.ready} waiting and in/s > out/s; more instances would help"
              for r in rows if r.ready and (r.rate_in or 0) > (r.rate_out or 0) and r.ready > 100]
    advice += [f"{r.service}: {r.dead} parked in {r.queue}.dead (liaison dlq {r.queue})"
               for r in rows if r.dead]
    return "\n".join(lines + [""] * bool(notes or advice) + notes + advice)


def as_json(rows: list[ServiceStatus]) -> str:
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2)
