"""The accounts' operator commands (``liaison staff …``), on the accounts' own database.

``tools/cli.py`` registers them and hands over what they need of other services (the station
codes an account may belong to)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from liaison.config import database_url, load_config
from liaison.contracts.county_time import utcnow
from liaison.db.engine import make_engine
from services.accounts.handlers import staff_accounts
from services.accounts.rules.staff import StaffError, StaffMember


@contextmanager
def accounts_session() -> Iterator[Session]:
    engine = make_engine(database_url(load_config(), "accounts"), pool_size=1)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def add_staff(name: str, role: str, station: str | None,
              known_stations: tuple[str, ...]) -> tuple[StaffMember, str]:
    with accounts_session() as session:
        member, token = staff_accounts.create(session, name, role, station, utcnow(),
                                              known_stations)
        session.commit()
    return member, token


def revoke_staff(staff_id: int) -> bool:
    with accounts_session() as session:
        done = staff_accounts.revoke(session, staff_id, utcnow())
        session.commit()
    return done


def list_staff() -> list[dict]:
    with accounts_session() as session:
        return staff_accounts.members(session)


def add_commands(sub: argparse._SubParsersAction,
                 known_stations: Callable[[], tuple[str, ...]]) -> None:
    """``liaison staff add|list|revoke``."""

    def run(args: argparse.Namespace) -> int:
        if args.staff_command == "add":
            try:
                member, token = add_staff(args.name, args.role, args.station, known_stations())
            except StaffError as exc:
                print(f"refused: {exc}", file=sys.stderr)
                return 2
            where = member.station or "all stations"
            print(f"staff #{member.id} {member.name} ({member.role}, {where})")
            print(f"token (shown once; keep it secret): {token}")
            return 0
        if args.staff_command == "revoke":
            print("revoked" if revoke_staff(args.id) else "no such active account")
            return 0
        for row in list_staff():
            state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
            print(f"#{row['id']:<4} {row['name']:<10} {row['role']:<14} "
                  f"{row['station'] or '*':<26} {state}")
        return 0

    staff_cmd = sub.add_parser("staff", help="staff accounts for the HTTP API (bearer tokens)")
    staff_sub = staff_cmd.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="make an account and print its token once")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["staff", "deputy", "county_office"])
    add.add_argument("--station", help="the station code (not for county_office)")
    revoke = staff_sub.add_parser("revoke", help="revoke an account's token")
    revoke.add_argument("id", type=int)
    staff_sub.add_parser("list", help="list accounts")
    staff_cmd.set_defaults(func=run)
