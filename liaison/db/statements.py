"""Statements built once per table and executed with their values passed apart.

``conn.execute(insert(t).values(**row))`` builds, and hashes for the compiled-SQL cache, a new
statement at every call: with a dozen columns that is ~10x the cost of the insert itself on SQLite
(``python -m bench.sql`` measures it). Built once and given the values as parameters, the statement
is hashed once and its compiled form reused, which is most of a handler's time on the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, Update


def insert_row(conn: Connection | Session, table: Table, row: Mapping[str, Any]) -> None:
    conn.execute(_insert(table), dict(row))


def insert_ignore(conn: Connection | Session, table: Table, row: Mapping[str, Any]) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL)."""
    conn.execute(_insert_ignore(table, _dialect(conn)), dict(row))


def insert_ignore_returning(conn: Connection | Session, table: Table, row: Mapping[str, Any],
                            column: str) -> Any | None:
    """``insert_ignore`` that returns ``column`` of the row it inserted, None if it conflicted
    (so it can stand for a claim: the natural key of what it records)."""
    return conn.execute(_insert_ignore_returning(table, _dialect(conn), column), dict(row)).scalar()


def lock_or_create(conn: Connection | Session, table: Table, row: Mapping[str, Any]) -> None:
    """Insert ``row`` or, if its primary key exists, lock that row for this transaction: one
    statement for "make sure it exists, and let no one else change it until we commit"."""
    conn.execute(_lock_or_create(table, _dialect(conn)), dict(row))


def update_where(conn: Connection | Session, table: Table, where: Mapping[str, Any],
                 values: Mapping[str, Any]) -> int:
    """``UPDATE table SET values WHERE col = value AND …``; returns the rows matched."""
    statement = _update(table, tuple(where), tuple(values))
    params = {f"w_{k}": v for k, v in where.items()}
    params.update({f"v_{k}": v for k, v in values.items()})
    return conn.execute(statement, params).rowcount


def update_rows(conn: Connection | Session, table: Table, key: tuple[str, ...],
                rows: list[Mapping[str, Any]]) -> None:
    """Update many rows in one go (executemany): each row names its ``key`` columns' values and
    the new values of the others; every row must have the same columns."""
    if not rows:
        return
    values = tuple(column for column in rows[0] if column not in key)
    conn.execute(_update(table, key, values), [
        {**{f"w_{k}": row[k] for k in key}, **{f"v_{k}": row[k] for k in values}} for row in rows])


def _dialect(conn: Connection | Session) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


@cache
def _insert_ignore(table: Table, dialect: str) -> Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


@cache
def _insert_ignore_returning(table: Table, dialect: str, column: str) -> Insert:
    return _insert_ignore(table, dialect).returning(table.c[column])


@cache
def _lock_or_create(table: Table, dialect: str) -> Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    key = list(table.primary_key.columns)
    statement = module.insert(table)
    # a no-op update of the key: PostgreSQL locks the existing row, SQLite holds the database lock
    return statement.on_conflict_do_update(index_elements=key,
                                           set_={key[0].name: statement.excluded[key[0].name]})


@cache
def _update(table: Table, where: tuple[str, ...], values: tuple[str, ...]) -> Update:
    columns = table.c
    condition = and_(*(columns[k] == bindparam(f"w_{k}", type_=columns[k].type) for k in where))
    return update(table).where(condition).values(
        {columns[k]: bindparam(f"v_{k}", type_=columns[k].type) for k in values})
