"""A separate process that notes when each case_opened and case_routed reaches the broker's
consumers (what an outside observer of the system sees), so the publishing process's own load
does not skew the timestamps."""

from __future__ import annotations

import json
import multiprocessing as mp
import time

from kombu import Connection, Consumer, Queue, binding

from liaison.messaging.topology import exchange

QUEUE = "bench.watch"


def _watch(amqp_uri: str, ready, stop, results) -> None:
    opened: dict[str, tuple[str, float]] = {}  # case_id -> (external_id, seen at)
    routed: dict[str, float] = {}
    queue = Queue(QUEUE, exclusive=True, auto_delete=True, bindings=[
        binding(exchange("intake.events"), routing_key="case_opened"),
        binding(exchange("routing.events"), routing_key="case_routed"),
    ])

    def on_message(message) -> None:
        now = time.time()
        event = json.loads(message.body)
        if event["event_type"] == "case_opened":
            opened[event["case_id"]] = (event["data"]["external_id"], now)
        else:
            routed.setdefault(event["case_id"], now)
        message.ack()

    with Connection(amqp_uri) as conn, Consumer(conn.channel(), queues=[queue], accept=None,
                                                on_message=on_message, prefetch_count=500):
        ready.set()
        while not stop.is_set():
            try:
                conn.drain_events(timeout=0.2)
            except TimeoutError:
                continue
    results.send({"opened": opened, "routed": routed})


class Watcher:
    def __init__(self, amqp_uri: str):
        ctx = mp.get_context("spawn")
        self._ready, self._stop = ctx.Event(), ctx.Event()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_watch, args=(amqp_uri, self._ready, self._stop, send),
                                 daemon=True)

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def start(self) -> Watcher:
        self._proc.start()
        if not self._ready.wait(30):
            raise RuntimeError("the watcher did not start")
        return self

    def stop(self) -> dict:
        self._stop.set()
        result = self._recv.recv() if self._recv.poll(30) else {"opened": {}, "routed": {}}
        self._proc.join(10)
        return result
