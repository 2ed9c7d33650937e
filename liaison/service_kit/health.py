"""Health of a service: broker reachable (and its queue consumed), database reachable, outbox not
stuck. Used two ways:

* ``liaison health SERVICE`` (a command: JSON on stdout, exit 0 healthy / 1 not), for compose
  healthchecks, exec probes and people; it checks from the outside with the service's config, and
  with ``--process`` also asks the running process's own ``/readyz`` (``liaison.service_kit.metrics``);
* in the process, :func:`register_database_check` and :func:`register_consumer_check` add the same
  checks to the process's ``/readyz``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from liaison.config import float_setting, process_config
from liaison.db.messaging_tables import MessagingTables

# An unpublished outbox row older than this means the relay is stuck (broker unreachable?).
DEFAULT_STALE_SECONDS = 120.0


def stale_after() -> float:
    return float_setting(process_config(), "OUTBOX_STALE_SECONDS", DEFAULT_STALE_SECONDS)


def database_status(engine: Engine, tables: MessagingTables) -> dict[str, Any]:
    """Reachable? How many events wait in the outbox, and since when?"""
    outbox = tables.outbox
    started = time.perf_counter()
    query = select(func.count(), func.min(outbox.c.created_at)).where(
        outbox.c.published_at.is_(None))
    try:
        backlog, oldest = _one(engine, query)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # A pooled connection the server dropped (a restart): the pool is now discarded, and a
        # new connection answers for the database (there is no pre-ping, see db/engine.py).
        backlog, oldest = _one(engine, query)
    if oldest is not None and oldest.tzinfo is None:  # SQLite keeps no zone; stored as UTC
        oldest = oldest.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    return {
        "ok": age < stale_after(),
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        "outbox_backlog": int(backlog),
        "oldest_unpublished_s": round(age, 1),
    }


def _one(engine: Engine, query) -> Any:
    with engine.connect() as conn:
        return conn.execute(query).one()


def broker_status(amqp_uri: str, queue: str | None) -> dict[str, Any]:
    """Reachable? With ``queue``: its depth and consumers (passive declare: changes nothing)."""
    from kombu import Connection

    from liaison.messaging import topology

    started = time.perf_counter()
    with Connection(amqp_uri, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1)
        result: dict[str, Any] = {"ok": True}
        if queue:
            channel = conn.channel()
            _, depth, consumers = topology.consumer_queue(queue)(channel).queue_declare(passive=True)
            result.update(queue=queue, depth=int(depth), consumers=int(consumers))
            channel.close()
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check(service: str, queue: str | None, tables: MessagingTables | None, config: dict[str, Any],
          process_url: str | None = None) -> dict[str, Any]:
    """The whole report of ``liaison health SERVICE`` for a service consuming ``queue`` with its
    outbox in ``tables`` (None: no database); ``report["status"]`` is ok or failing."""
    checks: dict[str, Any] = {}
    checks["broker"] = _guard(lambda: broker_status(config["AMQP_URI"], queue))
    if tables is not None:
        checks["database"] = _guard(lambda: _database_check(service, tables, config))
    else:  # an HTTP front without tables: it must answer
        port = str(config.get("WEB_SERVER_ADDRESS", ":8000")).rsplit(":", 1)[1]
        checks["http"] = _guard(lambda: _http_json(f"http://127.0.0.1:{port}/health"))
    if process_url:
        checks["process"] = _guard(lambda: _http_json(process_url))
    ok = all(c.get("ok") for c in checks.values())
    return {"service": service, "status": "ok" if ok else "failing", "checks": checks}


def _database_check(service: str, tables: MessagingTables,
                    config: dict[str, Any]) -> dict[str, Any]:
    from liaison.config import database_url
    from liaison.db.engine import make_engine

    engine = make_engine(database_url(config, service), pool_size=1)
    try:
        return database_status(engine, tables)
    finally:
        engine.dispose()


def _http_json(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local endpoint
            body = json.loads(response.read() or b"{}")
            return {"ok": response.status == 200, **({"answer": body} if body else {})}
    except urllib.error.HTTPError as error:
        return {"ok": False, "status": error.code, "answer": json.loads(error.read() or b"null")}


def _guard(probe) -> dict[str, Any]:
    try:
        return probe()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


# --- in the service process ----------------------------------------------------------------


def register_database_check(service: str, engine: Engine, tables: MessagingTables) -> None:
    from liaison.service_kit import metrics

    metrics.register_check("database", lambda: database_status(engine, tables))
    metrics.register_backlog(service, lambda: database_status(engine, tables)["outbox_backlog"])


def register_consumer_check(queue_name: str, queue_consumer: Any) -> None:
    """The process's consumer of ``queue_name`` has started and its green thread is alive."""
    from liaison.service_kit import metrics

    def consumer_alive() -> dict[str, Any]:
        thread = getattr(queue_consumer, "_gt", None)
        started = queue_consumer._consumers_ready.ready()  # nameko 2.14's QueueConsumer
        alive = thread is not None and not thread.dead
        return {"ok": bool(started and alive), "queue": queue_name}

    metrics.register_check(f"consumer:{queue_name}", consumer_alive)
