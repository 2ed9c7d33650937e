"""The hash chain that makes every archive entry tamper-evident (plain Python, no SQL).

Each chain (``deputy:<id>`` or ``station:<code>``) is a sequence 1, 2, 3, … of entries. An entry's
hash is the SHA-256 of its canonical JSON: every stored field (chain, seq, kind, deputy, station,
case, record, times, source event, data) and the previous entry's hash (``GENESIS`` for the first).
Changing any field of any entry, removing one, reordering or truncating a chain (the chain head
keeps the length and last hash) is found by :func:`verify_chain`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("chain", "seq", "kind", "deputy_id", "station", "case_id", "record_id",
                 "occurred_at", "recorded_at", "source_event_id", "data", "prev_hash")


def deputy_chain(deputy_id: str) -> str:
    return f"deputy:{deputy_id}"


def station_chain(code: str) -> str:
    return f"station:{code}"


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash is taken over: its hashed fields as sorted, compact JSON."""
    doc = {name: _plain(entry.get(name)) for name in HASHED_FIELDS}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value


@dataclass(frozen=True)
class Break:
    """The first entry of a chain that does not check out, and why."""

    chain: str
    seq: int | None
    entry_id: int | None
    kind: str | None
    reason: str

    def describe(self) -> str:
        where = f"entry #{self.seq} (row id {self.entry_id}, {self.kind})" if self.seq else "head"
        return f"{self.chain}: {where}: {self.reason}"


def verify_chain(chain: str, rows: Iterable[Mapping[str, Any]],
                 head: Mapping[str, Any] | None) -> Break | None:
    """Re-check one chain (``rows`` in seq order, each with ``id`` and ``hash``); None if intact."""
    previous = GENESIS
    expected_seq = 1
    for row in rows:
        def broken(reason: str, row: Mapping[str, Any] = row) -> Break:
            return Break(chain, row["seq"], row["id"], row["kind"], reason)

        if row["seq"] != expected_seq:
            return broken(f"sequence jumps from {expected_seq - 1} to {row['seq']} "
                          "(an entry was removed or renumbered)")
        if row["prev_hash"] != previous:
            return broken("does not link to the previous entry's hash (changed or reordered)")
        if entry_hash(row) != row["hash"]:
            return broken("its content no longer matches its hash (the entry was altered)")
        previous = row["hash"]
        expected_seq += 1
    length = expected_seq - 1
    if head is None:
        return Break(chain, None, None, None, "no chain head recorded") if length else None
    if head["seq"] != length or head["head_hash"] != previous:
        return Break(chain, None, None, None,
                     f"the chain head says {head['seq']} entries ending {head['head_hash'][:12]}…, "
                     f"the table holds {length} ending {previous[:12]}… (entries removed?)")
    return None
