"""Engines for the embedded default (SQLite files) and for PostgreSQL."""

from __future__ import annotations

import os

# psycopg 3's C wait function blocks eventlet's hub; the select-based one cooperates.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

from sqlalchemy import Engine, create_engine, event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, pool_size: int = 10) -> Engine:
    """An engine that never puts bound parameters (personal data) into exception messages."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(
        url,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it is a round trip on every checkout (a quarter of notify's statements).
        # A connection the server dropped fails its statement once, SQLAlchemy then discards the
        # whole pool, and the message is retried (the db-outage fault of scripts/chaos.sh).
        pool_pre_ping=False,
        pool_recycle=1800,
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    """Take the write lock when a transaction starts, not at its first write.

    Two processes that both read and then write in deferred transactions can deadlock on the lock
    upgrade (SQLITE_BUSY at once, no waiting); BEGIN IMMEDIATE makes the second wait its turn.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")
