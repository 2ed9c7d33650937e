"""``liaison``: the command line of the system (README, "Command line")."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from liaison.config import config_path
from services import catalogue


def cmd_run(args: argparse.Namespace) -> int:
    """Run one service in this process (``nameko run`` with the shared config), with its metrics
    and health endpoint on ``METRICS_PORT`` (``liaison.service_kit.metrics``)."""
    spec = catalogue.entry(args.service)
    argv = [sys.executable, "-c", "from liaison.service_kit.metrics import main; main()",
            spec.name, str(spec.metrics_port), "run", "--config", str(config_path()),
            spec.entrypoint]
    # A service may connect as a user of its own (deploy/rabbitmq: least privilege).
    own_uri = os.environ.get(f"{args.service.upper()}_AMQP_URI")
    if own_uri:
        os.environ["AMQP_URI"] = own_uri
    # nameko 2.14 imports pkg_resources and eventlet announces its deprecation: known, pinned, noise.
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning,ignore::DeprecationWarning")
    os.execv(sys.executable, argv)  # noqa: S606 - replace this process with the service
    return 0  # not reached


def cmd_migrate(args: argparse.Namespace) -> int:
    from tools.migrations import upgrade

    for service in args.services or catalogue.WITH_TABLES:
        upgrade(service)
        print(f"{service}: schema up to date")
    return 0


def cmd_topology(args: argparse.Namespace) -> int:
    from kombu import Connection

    from liaison.config import load_config
    from liaison.messaging.topology import declare_all

    stations: tuple[str, ...] = ()
    if args.stations:
        from services.routing.rules.registry import default_registry

        stations = default_registry().codes
    with Connection(load_config()["AMQP_URI"], connect_timeout=10) as connection:
        connection.ensure_connection(max_retries=args.retries)
        declare_all(connection, tuple(stations))
    print("exchanges and queues declared" + (f" (and {len(stations)} station queues)"
                                              if stations else ""))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """Print a station's cases as they arrive (Ctrl-C to stop)."""
    from liaison.config import load_config
    from tools.watch import format_line, watch

    def show(event: dict) -> None:
        print(format_line(event), flush=True)

    def ready() -> None:
        print(f"# watching {args.station} (Ctrl-C to stop)", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        watch(load_config()["AMQP_URI"], args.station, show, queue_name=args.queue,
              limit=args.count, timeout=args.timeout, on_ready=ready)
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    from services.routing.commands import main as route_main

    return route_main(["--eval", args.file] if args.eval else [args.file])


def cmd_up(args: argparse.Namespace) -> int:
    from tools.processes import ProcessGroup

    for proc in ProcessGroup().start(args.services or _all(), timeout=args.timeout):
        print(f"{proc.name:8} pid {proc.pid:>7}  log {proc.log_path}")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    from tools.processes import ProcessGroup

    ProcessGroup().stop(args.services or _all())
    print("stopped")
    return 0


def cmd_ps(args: argparse.Namespace) -> int:
    from tools.processes import ProcessGroup

    group = ProcessGroup()
    for name, running in group.status().items():
        print(f"{name:8} {'running pid ' + str(group.pid(name)) if running else 'stopped'}")
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    """Publish submissions (JSON lines) to forms.events, as an external form would."""
    import json

    from liaison.config import load_config
    from tools.forms_client import connect, publish_submission

    count = 0
    with open(args.file, encoding="utf-8") as handle, connect(load_config()["AMQP_URI"]) as conn:
        for line in handle:
            if line.strip():
                publish_submission(conn, json.loads(line))
                count += 1
    print(f"published {count} submissions to forms.events")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from liaison.config import load_config
    from tools import demo
    from tools import staff as admin

    config = load_config()
    port = config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    base_url = f"http://127.0.0.1:{port}"
    # Accounts for the demo's readers, revoked when it ends.
    office, office_token = admin.add_staff("演示-县代表联络工作室", "county_office", None)
    try:
        cases = demo.run(config["AMQP_URI"], base_url, office_token, timeout=args.timeout)
        print(demo.table(cases))
        waiting = [c for c in cases if c.get("status") != "routed"]
        print(f"\n{len(cases) - len(waiting)} of {len(cases)} submissions routed, archived "
              "and notified")
        if waiting:
            return 1
        if not args.no_walk:
            clerk, clerk_token = admin.add_staff("张丽", "staff", cases[0]["station"]["code"])
            try:
                worked = demo.walk(base_url, cases[0], clerk_token)
            finally:
                admin.revoke_staff(clerk.id)
            print("\nOne case worked by its station (accept, forward, reply, resolve, return visit):")
            print(demo.history(worked))
        if not args.no_deputies:  # the deputies' archives: tools/demo_deputies.py
            from tools.demo_deputies import run_demo

            print("\nDeputies' archives (registry, duty records, two cases worked by deputies):")
            print("\n".join(run_demo(demo.http_json, base_url, office_token, cases, admin)))
        return 0
    finally:
        admin.revoke_staff(office.id)


def cmd_dlq(args: argparse.Namespace) -> int:
    from liaison.config import load_config
    from liaison.contracts.privacy import mask_text
    from tools import dead_letters

    uri = load_config()["AMQP_URI"]
    if args.replay:
        print(f"replayed {dead_letters.replay(uri, args.queue, args.limit)} messages")
        return 0
    count = 0
    for letter in dead_letters.peek(uri, args.queue, args.limit or 50):
        count += 1
        print(f"{letter.failed_at}  {letter.message_id}  {letter.kind} x{letter.attempts}")
        print(f"    error: {letter.error}")
        print(f"    body:  {mask_text(letter.body_preview)}")
    print(f"{count} dead-lettered message(s) shown from {args.queue}.dead")
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    """Regenerate (or with --check, verify) the documents generated from the contracts."""
    from tools import contracts

    if args.check:
        text = contracts.README.read_text(encoding="utf-8")
        stale = contracts.render(text) != text
        print("README tables are out of date: run liaison contracts" if stale else "up to date")
        return 1 if stale else 0
    print("README tables rewritten" if contracts.write() else "README tables up to date")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """JSON on stdout; exit 0 when healthy, 1 when not (usable as an exec probe)."""
    import json

    spec = catalogue.entry(args.service)

    from liaison.config import load_config
    from liaison.service_kit import health, metrics

    process_url = None
    if args.process:
        port = args.port or metrics.metrics_port(spec.metrics_port)[0]
        process_url = f"http://127.0.0.1:{port}/readyz"
    report = health.check(spec.name, spec.queue, spec.models.messaging if spec.models else None,
                          load_config(), process_url)
    print(json.dumps(report, ensure_ascii=False))
    return 0 if report["status"] == "ok" else 1


def cmd_status(args: argparse.Namespace) -> int:
    from liaison.config import load_config
    from tools import status

    rows = status.collect(load_config(), tuple(args.services) or catalogue.NAMES)
    print(status.as_json(rows) if args.json else status.render(rows))
    return 0


def _all() -> tuple[str, ...]:
    return catalogue.NAMES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=sorted(catalogue.NAMES))
    run.set_defaults(func=cmd_run)

    migrate = sub.add_parser("migrate", help="bring the services' database schemas up to date")
    migrate.add_argument("services", nargs="*", help="default: every service with tables")
    migrate.set_defaults(func=cmd_migrate)

    topology = sub.add_parser("topology", help="declare every exchange and queue on the broker")
    topology.add_argument("--retries", type=int, default=30)
    topology.add_argument("--stations", action="store_true",
                          help="also declare a durable queue station.<code> for every station")
    topology.set_defaults(func=cmd_topology)

    up = sub.add_parser("up", help="start the services in the background and wait until ready")
    up.add_argument("services", nargs="*", default=[], help="default: all")
    up.add_argument("--timeout", type=float, default=90)
    up.set_defaults(func=cmd_up)

    down = sub.add_parser("down", help="stop the background services (SIGTERM, then SIGKILL)")
    down.add_argument("services", nargs="*", default=[])
    down.set_defaults(func=cmd_down)

    ps = sub.add_parser("ps", help="which background services are running")
    ps.set_defaults(func=cmd_ps)

    submit = sub.add_parser("submit", help="publish submissions (JSON lines) to forms.events")
    submit.add_argument("file")
    submit.set_defaults(func=cmd_submit)

    demo = sub.add_parser("demo", help="run the demo workload against running services")
    demo.add_argument("--timeout", type=float, default=120)
    demo.add_argument("--no-walk", action="store_true", help="do not work a case afterwards")
    demo.add_argument("--no-deputies", action="store_true",
                      help="skip the deputies' archives part (registry, records, monthly report)")
    demo.set_defaults(func=cmd_demo)

    dlq = sub.add_parser("dlq", help="show (or --replay) the dead-lettered messages of a queue")
    dlq.add_argument("queue", help="a consumer queue, e.g. routing.cases")
    dlq.add_argument("--replay", action="store_true", help="move them back for another try")
    dlq.add_argument("--limit", type=int, default=None)
    dlq.set_defaults(func=cmd_dlq)

    watch = sub.add_parser("watch", help="print one station's cases as they arrive")
    watch.add_argument("--station", required=True, help="a station code, e.g. shuipo-street")
    watch.add_argument("--queue", help="consume this durable queue (default: a private one)")
    watch.add_argument("--count", type=int, help="stop after this many events")
    watch.add_argument("--timeout", type=float, help="stop after this many quiet seconds")
    watch.set_defaults(func=cmd_watch)

    from services.accounts.commands import add_commands as add_accounts_commands
    from tools.staff import station_codes

    add_accounts_commands(sub, station_codes)  # liaison staff … (services/accounts/commands.py)

    health_cmd = sub.add_parser("health", help="is a service healthy? JSON; exit 0 yes, 1 no")
    health_cmd.add_argument("service", choices=sorted(catalogue.NAMES))
    health_cmd.add_argument("--process", action="store_true",
                            help="also ask the running process's /readyz on its metrics port")
    health_cmd.add_argument("--port", type=int, help="that port (default: METRICS_PORT or the "
                            "service's default)")
    health_cmd.set_defaults(func=cmd_health)

    status_cmd = sub.add_parser("status", help="per service: instances, queue depth, rates, "
                                "retries, dead letters, outbox backlog")
    status_cmd.add_argument("services", nargs="*", default=[], help="default: all")
    status_cmd.add_argument("--json", action="store_true")
    status_cmd.set_defaults(func=cmd_status)

    contracts_cmd = sub.add_parser("contracts", help="write the documents generated from the "
                                   "contracts (README's events and queues tables)")
    contracts_cmd.add_argument("--check", action="store_true", help="exit 1 if they are stale")
    contracts_cmd.set_defaults(func=cmd_contracts)

    route = sub.add_parser("route", help="route JSON lines (dev.jsonl format); print decisions")
    route.add_argument("file", help="a .jsonl file, or - for standard input")
    route.add_argument("--eval", action="store_true", help="rows carry expected_station: print "
                       "accuracy, a confusion table by station and each miss with its reason")
    route.set_defaults(func=cmd_route)

    from services.archive.commands import add_commands as add_archive_commands

    add_archive_commands(sub)  # liaison deputies …, liaison archive … (services/archive/commands.py)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
