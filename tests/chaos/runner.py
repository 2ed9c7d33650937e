"""The fault-injection run: ``python -m tests.chaos.runner --n 10000`` (``make chaos N=10000``).

Starts a private RabbitMQ node, a private PostgreSQL cluster, an SMTP sink and the five services as
OS processes; sends N submissions in phases, one fault per phase injected halfway through its
stream; waits for each phase to drain; checks every submission from the databases, the queues and
what the SMTP server and SMS file received; prints the fault table and one summary line. Exit
status 0 only when nothing was lost, duplicated, sent twice, stuck or wrongly dead-lettered.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

from tests.chaos import checks
from tests.chaos.system import ChaosSystem
from tests.chaos.workload import (
    AmqpPublisher,
    HttpSubmitter,
    Poison,
    Stream,
    invalid_submissions,
    load_templates,
    make_submissions,
    poison_messages,
)
from tests.support.private_infra import InfraUnavailable, remove_tree

log = logging.getLogger("chaos")


@dataclass
class Fault:
    key: str
    label: str
    inject: Callable[[ChaosSystem], None]
    before: Callable[[ChaosSystem], None] = lambda s: None
    after: Callable[[ChaosSystem], None] = lambda s: None


def faults(db_outage_seconds: float) -> list[Fault]:
    def kill(name: str) -> Fault:
        return Fault(f"kill-{name}", f"kill -9 {name}, restart",
                     lambda s: s.kill_and_restart(name))

    return [
        Fault("baseline", "none (baseline)", lambda s: None),
        kill("intake"), kill("routing"), kill("archive"), kill("notify"),
        Fault("restart-broker", "restart RabbitMQ", lambda s: s.restart_broker()),
        Fault("db-outage", f"database down {db_outage_seconds:g} s",
              lambda s: s.database_outage(db_outage_seconds)),
        Fault("two-instances", "2x routing+archive, kill -9 one each",
              lambda s: s.kill_one_of_each(), before=lambda s: s.start_spares(),
              after=lambda s: s.back_to_one_each()),
    ]


@dataclass
class PhaseResult:
    fault: str
    submissions: int
    lost: int
    duplicated: int
    duplicate_notifications: int
    drain_seconds: float | None  # None: did not drain before the timeout
    resends: int
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    phases: list[PhaseResult]
    dead_lettered: int
    dead_letters_expected: int
    stuck: int
    problems: list[str]
    skipped: list[str]

    @property
    def lost(self) -> int:
        return sum(p.lost for p in self.phases)

    @property
    def duplicated(self) -> int:
        return sum(p.duplicated for p in self.phases)

    @property
    def duplicate_notifications(self) -> int:
        return sum(p.duplicate_notifications for p in self.phases)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.duplicate_notifications or self.stuck
                    or self.problems or self.dead_lettered != self.dead_letters_expected)

    def summary_line(self) -> str:
        return (f"lost={self.lost} duplicated={self.duplicated} "
                f"duplicate_notifications={self.duplicate_notifications} "
                f"dead_lettered={self.dead_lettered} stuck={self.stuck}")


class Run:
    def __init__(self, system: ChaosSystem, args: argparse.Namespace):
        self.system = system
        self.args = args
        self.run_id = uuid.uuid4().hex[:6]
        self.templates = load_templates()
        self.deliveries = checks.Deliveries(system.smtp.maildir, system.root / "outbox")
        self.poison: list[Poison] = []
        self.problems: list[str] = []

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.system.database_url, autocommit=True, connect_timeout=5)

    def phase(self, index: int, fault: Fault, count: int) -> PhaseResult:
        prefix = f"chaos-{self.run_id}-p{index}"
        planned = make_submissions(prefix, count, self.templates,
                                   http_every=self.args.http_every)
        bad = invalid_submissions(prefix)
        poison = poison_messages(prefix) if index < self.args.poison_phases else []
        self.poison.extend(poison)
        amqp = AmqpPublisher(self.system.amqp_uri)
        http = HttpSubmitter(self.system.base_url)
        # Poison first: the one that exhausts its retries takes ~MAX_ATTEMPTS x 2 s to park.
        extras = [self._poison_sender(amqp, p) for p in poison] + \
                 [self._sender(amqp, doc) for doc in bad]
        fault.before(self.system)
        notes_before = len(self.system.notes)
        stream = Stream(amqp, http, rate=self.args.rate)
        threads = stream.run(planned, extras)
        while stream.published < count // 2 and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        began = time.monotonic()
        fault.inject(self.system)
        fault_seconds = time.monotonic() - began
        for thread in threads:
            thread.join()
        fault.after(self.system)
        amqp.close()
        stream_end = time.monotonic()
        drained = self._wait_drained(prefix, count)
        drain = time.monotonic() - stream_end if drained else None
        with self.db() as conn:
            verdict = checks.verify_phase(conn, prefix, planned, len(bad), self.deliveries)
        notes = self.system.notes[notes_before:] + stream.errors + \
            [f"HTTP: {e}" for e in http.unexpected]
        if http.server_errors:
            notes.append(f"gateway answered {len(http.server_errors)} times with a 5xx other than "
                         f"503 (retried), e.g. {http.server_errors[0]}")
        if fault_seconds > 1:
            notes.append(f"fault took {fault_seconds:.1f}s")
        if verdict.duplicate_notifications:
            notes.append(f"{verdict.duplicate_notifications} deliveries repeated with the same "
                         "Message-ID (a receiving system can drop them)")
        if verdict.rejections_missing:
            notes.append(f"{verdict.rejections_missing} invalid submissions not recorded")
        result = PhaseResult(fault.label, count, len(verdict.lost), len(verdict.duplicated),
                             verdict.duplicate_notifications, drain,
                             amqp.resends + http.resends, notes,
                             (verdict.lost + verdict.duplicated)[:20])
        if verdict.rejections_missing or stream.errors or http.unexpected or http.server_errors or \
                len(self.system.notes) > notes_before:
            self.problems.append(f"{fault.label}: {'; '.join(notes)}")
        log.info("phase %s: %s", fault.key, asdict(result))
        return result

    @staticmethod
    def _sender(amqp: AmqpPublisher, doc: dict) -> Callable[[], None]:
        body = json.dumps(doc, ensure_ascii=False).encode()
        return lambda: amqp.publish(body, "forms.events", "submission_received",
                                    doc["external_id"])

    @staticmethod
    def _poison_sender(amqp: AmqpPublisher, p: Poison) -> Callable[[], None]:
        return lambda: amqp.publish(p.body, p.exchange, p.routing_key, p.message_id)

    def _wait_drained(self, prefix: str, count: int) -> bool:
        deadline = time.monotonic() + self.args.drain_timeout
        while time.monotonic() < deadline:
            try:
                depths = self.system.queue_depths()
                busy = sum(n for q, n in depths.items() if not q.endswith(".dead"))
                if busy == 0:
                    with self.db() as conn:
                        if checks.unpublished_outbox(conn) == 0 and \
                                checks.settled(conn, prefix, count):
                            return True
            except Exception as exc:  # noqa: BLE001 - the system may still be recovering
                log.debug("not drained yet: %s", exc)
            time.sleep(0.5)
        return False

    def _wait_poison_dead_lettered(self, timeout: float = 90) -> None:
        """A phase counts as drained when no message is ready anywhere, but a poison message may
        then be in a consumer's hands between two of its attempts; stopping the services at that
        moment puts it back in its queue (nothing lost), where it would count as stuck."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not checks.inspect_dead_letters(self.system.amqp_uri, self.poison).missing:
                return
            time.sleep(1)
        log.warning("poison still not dead-lettered after %.0fs", timeout)

    def finish(self, phases: list[PhaseResult]) -> RunResult:
        """Stop the services gracefully, then count what is left anywhere."""
        self._wait_poison_dead_lettered()
        self.system.close_services()
        depths = self.system.queue_depths()
        in_queues = sum(n for q, n in depths.items() if not q.endswith(".dead"))
        with self.db() as conn:
            outbox = checks.unpublished_outbox(conn)
            unsettled = checks.unsettled_notifications(conn)
        stuck = in_queues + outbox + unsettled
        if stuck:
            self.problems.append(f"stuck: {in_queues} in queues "
                                 f"{ {q: n for q, n in depths.items() if n} }, {outbox} in "
                                 f"outboxes, {unsettled} notifications pending/sending")
        dead = checks.inspect_dead_letters(self.system.amqp_uri, self.poison)
        for label, items in (("poison not dead-lettered", dead.missing),
                             ("dead-lettered without a reason", dead.without_reason),
                             ("unexpectedly dead-lettered", dead.unexpected)):
            if items:
                self.problems.append(f"{label}: {items[:10]}")
        expected = sum(len(p.dead_queues) for p in self.poison)
        return RunResult(phases, dead.total, expected, stuck, self.problems, [])


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def render(result: RunResult) -> str:
    header = ("fault", "submissions", "lost", "duplicated", "dup. notifications",
              "time to drain", "resends")
    rows = [(p.fault, str(p.submissions), str(p.lost), str(p.duplicated),
             str(p.duplicate_notifications),
             "timeout" if p.drain_seconds is None else f"{p.drain_seconds:.1f} s",
             str(p.resends)) for p in result.phases]
    total_subs = sum(p.submissions for p in result.phases)
    rows.append(("total", str(total_subs), str(result.lost), str(result.duplicated),
                 str(result.duplicate_notifications), "", ""))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    line = " | ".join
    out = [line(h.ljust(w) for h, w in zip(header, widths, strict=True)),
           "-+-".join("-" * w for w in widths)]
    out += [line(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    for p in result.phases:
        for note in p.notes:
            out.append(f"  {p.fault}: {note}")
        for detail in p.details:
            out.append(f"  {p.fault}: {detail}")
    out.append(f"dead letters: {result.dead_lettered} (poison sent to "
               f"{result.dead_letters_expected} queue slots)")
    for problem in result.problems:
        out.append(f"PROBLEM: {problem}")
    for skipped in result.skipped:
        out.append(f"SKIPPED: {skipped}")
    out.append(result.summary_line())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="valid submissions in all")
    parser.add_argument("--faults", default="all",
                        help="comma-separated keys (baseline, kill-intake, kill-routing, "
                             "kill-archive, kill-notify, restart-broker, db-outage, "
                             "two-instances) or 'all'")
    parser.add_argument("--rate", type=float, default=60.0, help="submissions per second")
    parser.add_argument("--db-outage", type=float, default=30.0, help="seconds")
    parser.add_argument("--drain-timeout", type=float, default=420.0, help="seconds per phase")
    parser.add_argument("--http-every", type=int, default=10,
                        help="every k-th submission goes over HTTP (0: none)")
    parser.add_argument("--poison-phases", type=int, default=99,
                        help="inject poison messages in the first k phases (default: all)")
    parser.add_argument("--json", type=Path, help="write the result here too")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (logs)")
    args = parser.parse_args(argv)
    # Terminated (a timeout, ^C, a background job's ignored SIGINT): still tear everything down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s",
                        stream=sys.stderr)
    chosen = [f for f in faults(args.db_outage) if args.faults == "all" or
              f.key in args.faults.split(",")]
    root = Path(tempfile.mkdtemp(prefix="liaison-chaos-"))
    system = ChaosSystem(root)
    try:
        try:
            system.start()
        except InfraUnavailable as exc:
            result = RunResult([], 0, 0, 0, [], [f"every fault: {exc}"])
            print(render(result))
            return 2
        run = Run(system, args)
        phases = []
        for index, (fault, count) in enumerate(zip(chosen, split(args.n, len(chosen)),
                                                   strict=True)):
            log.info("phase %d: %s, %d submissions", index, fault.label, count)
            phases.append(run.phase(index, fault, count))
        result = run.finish(phases)
    finally:
        system.close()
        if args.keep:
            print(f"run directory kept: {root}", file=sys.stderr)
        else:
            remove_tree(root)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps({**asdict(result), "summary": result.summary_line(),
                                         "ok": result.ok}, ensure_ascii=False, indent=1))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
