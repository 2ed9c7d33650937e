"""The hash chain of the deputies' archives: any change to an entry, a removed entry, a reordered
or truncated chain is found, and named."""

from datetime import UTC, datetime, timedelta, timezone

from services.archive.deputies.rules.chain import GENESIS, entry_hash, verify_chain


def chain_of(n: int, name: str = "deputy:李一") -> list[dict]:
    rows, previous = [], GENESIS
    for seq in range(1, n + 1):
        row = {"id": 100 + seq, "chain": name, "seq": seq, "kind": "reception", "deputy_id": "李一",
               "station": "s-a", "case_id": None, "record_id": f"d-{seq}",
               "occurred_at": datetime(2026, 3, seq, tzinfo=UTC),
               "recorded_at": datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=UTC),
               "source_event_id": f"e-{seq}", "data": {"title": f"接待{seq}", "n": seq},
               "prev_hash": previous}
        row["hash"] = entry_hash(row)
        previous = row["hash"]
        rows.append(row)
    return rows


def head_of(rows: list[dict]) -> dict:
    return {"seq": len(rows), "head_hash": rows[-1]["hash"]}


def test_an_intact_chain_verifies():
    rows = chain_of(4)
    assert verify_chain("deputy:李一", rows, head_of(rows)) is None
    assert verify_chain("deputy:李一", [], None) is None


def test_the_hash_covers_every_field_and_ignores_key_order_and_time_zones():
    row = chain_of(1)[0]
    for field, value in (("kind", "visit"), ("deputy_id", "王二"), ("station", "s-b"),
                         ("case_id", "LS-1"), ("record_id", "x"), ("source_event_id", "e-x"),
                         ("data", {"title": "改"}), ("prev_hash", "1" * 64), ("seq", 9),
                         ("occurred_at", row["occurred_at"] + timedelta(microseconds=1))):
        assert entry_hash({**row, field: value}) != row["hash"], field
    reordered = {**row, "data": {"n": 1, "title": "接待1"}}
    shifted = {**row, "occurred_at": row["occurred_at"].astimezone(timezone(timedelta(hours=8)))}
    assert entry_hash(reordered) == entry_hash(shifted) == row["hash"]


def test_an_altered_entry_is_named():
    rows = chain_of(4)
    rows[2] = {**rows[2], "data": {**rows[2]["data"], "title": "改过"}}
    problem = verify_chain("deputy:李一", rows, head_of(rows))
    assert (problem.seq, problem.entry_id) == (3, 103) and "altered" in problem.reason
    assert problem.describe().startswith("deputy:李一: entry #3 (row id 103, reception)")


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link():
    rows = chain_of(4)
    forged = {**rows[1], "data": {"title": "伪造"}}
    forged["hash"] = entry_hash(forged)
    rows[1] = forged
    problem = verify_chain("deputy:李一", rows, head_of(chain_of(4)))
    assert problem.seq == 3 and "previous entry" in problem.reason


def test_removed_reordered_and_truncated_chains_are_found():
    rows = chain_of(4)
    assert verify_chain("c", [rows[0], rows[2], rows[3]], head_of(rows)).seq == 3  # a gap
    assert verify_chain("c", [rows[1], rows[0], *rows[2:]], head_of(rows)).seq == 2
    truncated = verify_chain("c", rows[:3], head_of(rows))
    assert truncated.seq is None and "entries removed" in truncated.reason
    assert verify_chain("c", rows, None).reason == "no chain head recorded"
