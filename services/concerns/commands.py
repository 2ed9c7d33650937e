"""Operator commands of the concerns service.

``liaison duplicates FILE`` (wired by the CLI as ``duplicates_main``; meanwhile
``python -m services.concerns.commands FILE``): reads submissions in arrival order, one JSON
object per line (the labelled sets' shape: id, title, content, town, location, submitted_at),
and prints one JSON line per submission: {"id", "duplicate_of", "score", "reason"}. The
answers of a labelled set (``group``, ``duplicate_of``) are never read.

``--topics`` prints, after the decisions, the hot topics of the stream's whole period (one JSON
line each, ``"hot_topic": true``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from services.concerns.rules.detector import Case, DuplicateIndex
from services.concerns.rules.topics import CaseRecord, Scope, hot_topics

_ANSWERS = ("group", "duplicate_of")


def _rows(stream: TextIO) -> Iterator[dict[str, Any]]:
    for n, line in enumerate(stream, 1):
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"line {n}: not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise SystemExit(f"line {n}: not a JSON object")
        yield {k: v for k, v in row.items() if k not in _ANSWERS}


def _decide(source: TextIO, out: TextIO) -> list[CaseRecord]:
    index = DuplicateIndex()
    records: list[CaseRecord] = []
    for row in _rows(source):
        case = Case.from_row(row)
        decision = index.observe(case)
        out.write(json.dumps(decision.as_dict(), ensure_ascii=False) + "\n")
        records.append(CaseRecord(case.id, case.town, case.station, case.title, case.content,
                                  case.opened_at, decision.duplicate_of))
    return records


def duplicates_main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="liaison duplicates",
        description="Decide, for each submission in arrival order, whether it repeats an earlier "
                    "concern (same concrete problem, same place, within 60 days).")
    parser.add_argument("file", help="JSON lines in arrival order; '-' for standard input")
    parser.add_argument("--topics", action="store_true",
                        help="also print the hot topics of the whole period")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    if args.file == "-":
        records = _decide(sys.stdin, out)
    else:
        try:
            with Path(args.file).open(encoding="utf-8") as source:
                records = _decide(source, out)
        except OSError as exc:
            print(f"liaison duplicates: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if args.topics and records:
        start = min(r.opened_at for r in records)
        end = max(r.opened_at for r in records) + timedelta(seconds=1)
        for topic in hot_topics(records, start, end, Scope.county()):
            out.write(json.dumps({"hot_topic": True, **topic.as_dict()}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(duplicates_main())
