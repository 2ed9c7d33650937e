"""Appending to and reading the hash chains in the archive's database (the SQL side of chain.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from liaison.db.statements import insert_ignore
from services.archive.adapters.models import chains, entries
from services.archive.deputies.rules.chain import GENESIS, Break, entry_hash, verify_chain


@dataclass(frozen=True)
class NewEntry:
    """An entry to append; one per chain and source event (appending it again changes nothing)."""

    chain: str
    kind: str
    occurred_at: datetime
    source_event_id: str
    data: dict[str, Any] = field(default_factory=dict)
    deputy_id: str | None = None
    station: str | None = None
    case_id: str | None = None
    record_id: str | None = None


def append(session: Session, new: Iterable[NewEntry], now: datetime) -> int:
    """Append the entries not yet in their chains; returns how many were appended.

    Each chain's head row is locked first (chains in sorted order, so two writers never wait on
    each other in a circle), then its entries follow the head's hash one after another.
    """
    by_chain: dict[str, list[NewEntry]] = defaultdict(list)
    for entry in _not_yet_appended(session, list(new)):
        by_chain[entry.chain].append(entry)
    appended = 0
    for chain in sorted(by_chain):
        insert_ignore(session, chains, {"chain": chain, "seq": 0, "head_hash": GENESIS,
                                        "updated_at": now})
        head = session.execute(select(chains.c.seq, chains.c.head_hash)
                               .where(chains.c.chain == chain).with_for_update()).one()
        wanted = by_chain[chain]
        present = set(session.execute(
            select(entries.c.source_event_id).where(
                entries.c.chain == chain,
                entries.c.source_event_id.in_({e.source_event_id for e in wanted}))
        ).scalars())
        seq, previous = head.seq, head.head_hash
        for entry in wanted:
            if entry.source_event_id in present:
                continue
            seq += 1
            row = {
                "chain": chain, "seq": seq, "kind": entry.kind, "deputy_id": entry.deputy_id,
                "station": entry.station, "case_id": entry.case_id, "record_id": entry.record_id,
                "occurred_at": entry.occurred_at, "recorded_at": now,
                "source_event_id": entry.source_event_id,
                # exactly what the database gives back, so the hash can be re-checked from it
                "data": json.loads(json.dumps(entry.data, ensure_ascii=False)),
                "prev_hash": previous,
            }
            row["hash"] = entry_hash(row)
            session.execute(insert(entries).values(**row))
            present.add(entry.source_event_id)
            previous = row["hash"]
            appended += 1
        if seq != head.seq:
            session.execute(update(chains).where(chains.c.chain == chain)
                            .values(seq=seq, head_hash=previous, updated_at=now))
    return appended


def _not_yet_appended(session: Session, new: list[NewEntry]) -> list[NewEntry]:
    """Those of ``new`` not in their chains yet (read without locks: most case events link
    nothing new, and need not wait on the deputies' chain heads)."""
    if not new:
        return []
    present = {(chain, source) for chain, source in session.execute(
        select(entries.c.chain, entries.c.source_event_id).where(
            entries.c.source_event_id.in_({e.source_event_id for e in new})))}
    return [e for e in new if (e.chain, e.source_event_id) not in present]


def chain_rows(session: Session, chain: str) -> list[dict[str, Any]]:
    rows = session.execute(select(entries).where(entries.c.chain == chain)
                           .order_by(entries.c.seq, entries.c.id))
    return [dict(row._mapping) for row in rows]


def verify_all(session: Session) -> tuple[int, int, list[Break]]:
    """Re-check every chain: (chains checked, entries checked, the first break of each broken one)."""
    heads = {row.chain: dict(row._mapping) for row in session.execute(select(chains))}
    names = sorted(set(heads) | set(session.execute(select(entries.c.chain).distinct()).scalars()))
    breaks: list[Break] = []
    count = 0
    for name in names:
        rows = chain_rows(session, name)
        count += len(rows)
        problem = verify_chain(name, rows, heads.get(name))
        if problem is not None:
            breaks.append(problem)
    return len(names), count, breaks


def verify_one(session: Session, chain: str) -> Break | None:
    head = session.execute(select(chains).where(chains.c.chain == chain)).first()
    return verify_chain(chain, chain_rows(session, chain), dict(head._mapping) if head else None)


def iter_entries(session: Session, *where: Any) -> Iterator[dict[str, Any]]:
    query = select(entries).order_by(entries.c.occurred_at, entries.c.id)
    for clause in where:
        query = query.where(clause)
    for row in session.execute(query):
        yield dict(row._mapping)
