"""``python -m bench.sql``: what one statement costs on SQLite, built per call or built once.

Why ``liaison/db/statements.py`` exists: ``insert(t).values(**row)`` builds and hashes a new
statement (for SQLAlchemy's compiled-SQL cache) at every call; built once and given its values as
parameters, it is hashed once. Prints microseconds per statement for each way."""

from __future__ import annotations

import time

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, insert

from liaison.contracts.county_time import utcnow
from liaison.db.statements import insert_row, update_where

COLUMNS = 12
N = 3000


def _table() -> Table:
    return Table("t", MetaData(), Column("id", Integer, primary_key=True),
                 Column("at", DateTime(timezone=True)),
                 *[Column(f"c{i}", String) for i in range(COLUMNS)])


def main() -> None:
    table = _table()
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    row = {"at": utcnow(), **{f"c{i}": f"值 {i}" for i in range(COLUMNS)}}
    ways = {
        "insert, .values(**row) per call": lambda c, i: c.execute(insert(table).values(id=i, **row)),
        "insert, built once (insert_row)": lambda c, i: insert_row(c, table, {"id": i, **row}),
        "update, .where().values() per call": lambda c, i: c.execute(
            table.update().where(table.c.id == i - N).values(c1="x", c2="y")),
        "update, built once (update_where)": lambda c, i: update_where(
            c, table, {"id": i - 2 * N}, {"c1": "x", "c2": "y"}),
    }
    print(f"SQLite in memory, a table of {COLUMNS + 2} columns, {N} statements each")
    with engine.begin() as conn:
        for n, (label, run) in enumerate(ways.items()):
            run(conn, n * N)  # compile once outside the timing
            started = time.perf_counter()
            for i in range(n * N + 1, (n + 1) * N):
                run(conn, i)
            print(f"  {label:38} {(time.perf_counter() - started) / (N - 1) * 1e6:7.0f} µs")


if __name__ == "__main__":
    main()
