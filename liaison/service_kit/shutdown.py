"""A bound on the graceful stop (SIGTERM).

nameko's stop waits for each consumer to be cancelled by its consumer thread; while the broker is
unreachable that thread is inside kombu's reconnect loop and never gets there, so the process would
wait for SIGKILL. Past ``STOP_TIMEOUT_SECONDS`` (default 50, under the 60 s grace period deploy/ gives)
the process says so and exits 1. Nothing is lost: a message not yet acked goes back to its queue
when the connection is gone, and committed events wait in the outbox for the next start.
"""

from __future__ import annotations

import logging
import os

import eventlet
from nameko.runners import ServiceRunner

from liaison.config import float_setting, process_config

log = logging.getLogger(__name__)

DEFAULT_STOP_TIMEOUT_SECONDS = 50.0


def bound_graceful_stop(seconds: float | None = None) -> None:
    """Make every ``ServiceRunner.stop`` in this process give up after ``seconds``."""
    if seconds is None:
        seconds = float_setting(process_config(), "STOP_TIMEOUT_SECONDS",
                                DEFAULT_STOP_TIMEOUT_SECONDS)
    graceful = ServiceRunner.stop
    if getattr(graceful, "bounded", False):
        return

    def stop(self: ServiceRunner) -> None:
        timer = eventlet.spawn_after(seconds, _give_up, seconds)
        try:
            graceful(self)
        finally:
            timer.cancel()

    stop.bounded = True  # type: ignore[attr-defined]
    ServiceRunner.stop = stop  # type: ignore[method-assign]


def _give_up(seconds: float) -> None:
    log.error("graceful stop did not finish in %.0fs (broker or database unreachable?); exiting: "
              "unacked messages return to their queues, committed events stay in the outbox",
              seconds)
    logging.shutdown()
    os._exit(1)
