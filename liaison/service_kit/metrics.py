"""Prometheus metrics of one service process, served with its health on ``METRICS_PORT``.

``liaison run SERVICE`` starts the service through :func:`main` here: eventlet is patched, a small
HTTP endpoint is started in a green thread of the service's own hub (so a blocked hub fails the
liveness probe), then ``nameko run`` takes over as before.

    GET /metrics   Prometheus text format
    GET /healthz   liveness: 200 while the process's hub answers
    GET /readyz    readiness: 200 when the checks the service registered pass (broker consumer
                   connected, database reachable, outbox not stuck); 503 otherwise, with the details

Port: ``METRICS_PORT`` (0 disables it); by default the service's own (the service catalogue:
intake 9101, routing 9102, …), handed to :func:`main` by ``liaison run``. Several instances on one
host: give each its own ``METRICS_PORT``, or leave the default and a busy port moves the instance
to the next free one of port+10, port+20, … (logged).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

PORT_TRIES = 10
SERVICE_ENV = "LIAISON_SERVICE"

# --- the metrics --------------------------------------------------------------------------------

EVENTS_CONSUMED = Counter(
    "liaison_events_consumed_total",
    "Messages taken off a queue and settled, by outcome (ok, retried, dead_lettered, requeued).",
    ["service", "queue", "event_type", "outcome"],
)
EVENTS_FAILED = Counter(
    "liaison_events_failed_total",
    "Handler failures, by kind (transient, error, permanent).",
    ["service", "queue", "event_type", "kind"],
)
DEAD_LETTERED = Counter(
    "liaison_dead_lettered_total", "Messages parked in <queue>.dead.", ["service", "queue"]
)
EVENTS_PUBLISHED = Counter(
    "liaison_events_published_total",
    "Outbox events published and confirmed by the broker.",
    ["service", "event_type"],
)
PUBLISH_UNCONFIRMED = Counter(
    "liaison_outbox_unconfirmed_total",
    "Outbox events the broker did not confirm (kept for the next round).",
    ["service"],
)
HANDLER_SECONDS = Histogram(
    "liaison_handler_seconds",
    "Time from a message's arrival in the process to its ack (handler, commit, ack).",
    ["service", "queue", "event_type"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RELAY_BATCH = Histogram(
    "liaison_outbox_relay_batch_size",
    "Events published per outbox relay round (one confirm wait each).",
    ["service"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
CONSUMER_BATCH = Histogram(
    "liaison_consumer_batch_size",
    "Messages handled per batch (one transaction) by a batch consumer; grows with the queue.",
    ["service", "queue"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


class _BacklogCollector:
    """``liaison_outbox_backlog{service}``: committed events not yet published, counted at scrape
    time by the function each service's database dependency registered."""

    def __init__(self) -> None:
        self.sources: dict[str, Callable[[], int]] = {}

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("liaison_outbox_backlog", "Committed events waiting to be "
                                   "published (-1: the database did not answer).",
                                   labels=["service"])
        for service, count in list(self.sources.items()):
            try:
                value = float(count())
            except Exception:
                value = -1.0
            family.add_metric([service], value)
        yield family


_BACKLOG = _BacklogCollector()
REGISTRY.register(_BACKLOG)


def register_backlog(service: str, count: Callable[[], int]) -> None:
    _BACKLOG.sources[service] = count


# --- readiness checks registered by the service's own extensions --------------------------------

Check = Callable[[], dict[str, Any]]
_CHECKS: dict[str, Check] = {}
_STARTED = time.time()


def register_check(name: str, check: Check) -> None:
    """``check()`` returns a dict with ``ok`` (bool) and anything worth showing; raising = not ok."""
    _CHECKS[name] = check


def unregister_check(name: str) -> None:
    _CHECKS.pop(name, None)


def run_checks() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    for name, check in list(_CHECKS.items()):
        try:
            results[name] = check()
        except Exception as exc:  # a check that raises is a failed check, with the reason
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    ok = bool(results) and all(r.get("ok") for r in results.values())
    return ok, results


# --- the HTTP endpoint --------------------------------------------------------------------------


def app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    """WSGI: /metrics, /healthz, /readyz."""
    path = environ.get("PATH_INFO", "/")
    service = os.environ.get(SERVICE_ENV, "")
    if path == "/metrics":
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(REGISTRY)]
    if path == "/healthz":
        body: dict[str, Any] = {"status": "ok", "service": service, "pid": os.getpid(),
                                "uptime_s": round(time.time() - _STARTED, 1)}
        return _json(start_response, "200 OK", body)
    if path == "/readyz":
        ok, checks = run_checks()
        body = {"status": "ok" if ok else "failing", "service": service, "checks": checks}
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", body)
    return _json(start_response, "404 Not Found", {"error": "try /metrics, /healthz or /readyz"})


def _json(start_response: Callable, status: str, body: dict[str, Any]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")]


def metrics_port(default: int, config: dict[str, Any] | None = None) -> tuple[int, bool]:
    """(port, explicit): ``METRICS_PORT`` if set (0 = off), else the service's default."""
    from liaison.config import process_config, setting

    value = str(setting(config if config is not None else process_config(), "METRICS_PORT", "")
                ).strip()
    if value:
        return int(value), True
    return default, False


def serve(default_port: int, host: str | None = None) -> int | None:
    """Start the endpoint in a green thread of this process; returns the port (None: disabled)."""
    import eventlet
    import eventlet.wsgi

    port, explicit = metrics_port(default_port)
    if port == 0:
        return None
    from liaison.config import process_config, setting

    host = host or setting(process_config(), "METRICS_HOST", "0.0.0.0")  # noqa: S104 - scraped
    tries = 1 if explicit else PORT_TRIES
    for attempt in range(tries):
        candidate = port + 10 * attempt
        try:
            sock = eventlet.listen((host, candidate))
        except OSError as exc:
            log.warning("metrics port %d is taken (%s)", candidate, exc.strerror)
            continue
        eventlet.spawn_n(eventlet.wsgi.server, sock, app, log_output=False,
                         log=logging.getLogger("liaison.service_kit.metrics.http"))
        log.info("metrics and health on port %d", candidate, extra={"metrics_port": candidate})
        return candidate
    log.error("no metrics port free from %d; metrics are off in this process", port)
    return None


# --- ``liaison run``: the service under nameko, with the endpoint ------------------------------


def main(argv: list[str] | None = None) -> None:
    """``main(["routing", "9102", "run", "--config", …])`` (the service, its default metrics
    port, then nameko's arguments): what ``liaison run`` executes (as ``python -c``, not ``-m``:
    this module must be imported once, under its own name)."""
    import warnings

    argv = list(sys.argv[1:] if argv is None else argv)
    service, default_port, nameko_args = argv[0], int(argv[1]), argv[2:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet's deprecation notice: known, pinned
        import eventlet
    eventlet.monkey_patch()
    os.environ[SERVICE_ENV] = service
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nameko 2.14 imports pkg_resources
        from nameko.cli.main import main as nameko_main
    sys.argv = ["nameko", *nameko_args]
    from liaison.service_kit.shutdown import bound_graceful_stop

    bound_graceful_stop()
    # The endpoint starts when the hub first runs, i.e. once nameko is starting the service;
    # nameko configures logging first, so the chosen port is logged in the service's format.
    eventlet.spawn_after(0, serve, default_port)
    nameko_main()

