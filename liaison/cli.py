"""``liaison``: the command line of the system (README, "Command line")."""

from __future__ import annotations

import argparse
import os
import sys
from liaison.config import config_path

SERVICES: dict[str, str] = {
    "intake": "services.intake.service:IntakeService",
    "routing": "services.routing.service:RoutingService",
    "archive": "services.archive.service:ArchiveService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "services.gateway.service:GatewayService",
}


def cmd_run(args: argparse.Namespace) -> int:
    """Run one service in this process (``nameko run`` with the shared config)."""
    argv = [sys.executable, "-m", "nameko", "run", "--config", str(config_path()), SERVICES[args.service]]
    # nameko 2.14 imports pkg_resources and eventlet announces its deprecation: known, pinned, noise.
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning,ignore::DeprecationWarning")
    os.execv(sys.executable, argv)
    return 0  # not reached


def cmd_migrate(args: argparse.Namespace) -> int:
    from liaison.db.migrate import SERVICES_WITH_TABLES, upgrade

    for service in args.services or SERVICES_WITH_TABLES:
        upgrade(service)
        print(f"{service}: schema up to date")
    return 0


def cmd_topology(args: argparse.Namespace) -> int:
    from kombu import Connection

    from liaison.config import load_config
    from liaison.messaging.topology import declare_all

    with Connection(load_config()["AMQP_URI"], connect_timeout=10) as connection:
        connection.ensure_connection(max_retries=args.retries)
        declare_all(connection)
    print("exchanges and queues declared")
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    from services.routing.route_file import main as route_main

    return route_main([args.file])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one service in the foreground")
    run.add_argument("service", choices=sorted(SERVICES))
    run.set_defaults(func=cmd_run)

    migrate = sub.add_parser("migrate", help="bring the services' database schemas up to date")
    migrate.add_argument("services", nargs="*", help="default: all four")
    migrate.set_defaults(func=cmd_migrate)

    topology = sub.add_parser("topology", help="declare every exchange and queue on the broker")
    topology.add_argument("--retries", type=int, default=30)
    topology.set_defaults(func=cmd_topology)

    route = sub.add_parser("route", help="route JSON lines (dev.jsonl format); print decisions")
    route.add_argument("file", help="a .jsonl file, or - for standard input")
    route.set_defaults(func=cmd_route)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
