"""``liaison route FILE``: route a JSON-lines file of submissions, one result a line.

Each input line is a JSON object in dev.jsonl's format (``id, channel, submitter_type,
town, title, content``; optional ``category``, ``enterprise_name``; any
``expected_station`` is ignored). Each output line is ``{"id", "station", "reason"}``,
or ``{"id", "error", "line"}`` for a line that cannot be routed. Blank lines are skipped.

``liaison route --eval FILE`` routes labelled rows instead and prints the accuracy, a
confusion table by station and every miss with its reason (evaluation.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from services.routing.rules.evaluation import evaluate, render
from services.routing.rules.policy import RoutingRequest, decide
from services.routing.rules.registry import RegistryError, StationRegistry, default_registry

REQUIRED_FIELDS = ("id", "channel", "submitter_type", "title", "content")
OPTIONAL_FIELDS = ("town", "category", "enterprise_name")

USAGE = ("usage: liaison route [--eval] FILE   (FILE is a JSON-lines file, or - for stdin;\n"
         "       --eval: rows carry expected_station; print accuracy, confusion table, misses)\n")


class _BadLine(ValueError):
    """A line that is not a routable submission; the message says why."""


def route_lines(lines: Iterable[str], registry: StationRegistry) -> Iterator[dict[str, Any]]:
    """Route each non-blank line; a malformed line yields an error dict, never raises."""
    for _, result in _route_records(lines, registry):
        if "error" not in result:
            del result["line"]  # kept for --eval's report only
        yield result


def _route_records(lines: Iterable[str], registry: StationRegistry
                   ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(the parsed line, its result) for each non-blank line; {} for an unparsable line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record: Any = None
        try:
            record = _parse(line)
            request = _request(record)
        except _BadLine as exc:
            yield (record if isinstance(record, dict) else {},
                   {"id": _id_of(record), "error": str(exc), "line": number})
            continue
        decision = decide(request, registry)
        yield record, {"id": request.id, "station": decision.station, "reason": decision.reason,
                       "line": number}


def main(argv: list[str] | None = None) -> int:
    """Route FILE (or stdin for "-"); print one JSON line per result.

    Returns 0, or 1 if any line had an error, or 2 if the file or registry cannot be read.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    evaluating = "--eval" in args
    if evaluating:
        args.remove("--eval")
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 2
    try:
        registry = default_registry()
    except RegistryError as exc:
        sys.stderr.write(f"liaison route: {exc}\n")
        return 2
    path = args[0]
    run = _evaluate_stream if evaluating else _route_stream
    if path == "-":
        return run(sys.stdin, registry, "标准输入")
    try:
        with open(path, encoding="utf-8-sig") as stream:
            return run(stream, registry, path)
    except OSError as exc:
        sys.stderr.write(f"liaison route: cannot read {path}: {exc.strerror or exc}\n")
        return 2
    except UnicodeDecodeError as exc:
        sys.stderr.write(f"liaison route: {path} is not UTF-8 text: {exc.reason}\n")
        return 2


def _route_stream(stream: TextIO, registry: StationRegistry, source: str) -> int:
    status = 0
    out = sys.stdout
    for result in route_lines(stream, registry):
        if "error" in result:
            status = 1
        out.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
    return status


def _evaluate_stream(stream: TextIO, registry: StationRegistry, source: str) -> int:
    """Print the evaluation report; 1 if a line could not be routed or has no label."""
    ev = evaluate(_route_records(stream, registry), registry)
    sys.stdout.write(render(ev, source))
    sys.stdout.flush()
    return 1 if ev.errors else 0


def _parse(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise _BadLine(f"expected a JSON object, got {_json_type(record)}")
    return record


def _request(record: dict[str, Any]) -> RoutingRequest:
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if missing:
        raise _BadLine("missing field" + ("s " if len(missing) > 1 else " ")
                       + ", ".join(repr(m) for m in missing))
    ident = record["id"]
    if isinstance(ident, bool) or not isinstance(ident, str | int) or str(ident).strip() == "":
        raise _BadLine("field 'id' must be a non-empty string")
    values: dict[str, str | None] = {}
    for name in REQUIRED_FIELDS[1:] + OPTIONAL_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"field {name!r} must be a string or null, got {_json_type(value)}")
        values[name] = value
    return RoutingRequest(
        id=str(ident),
        channel=values["channel"] or "",
        submitter_type=values["submitter_type"] or "",
        town=values["town"],
        title=values["title"] or "",
        content=values["content"] or "",
        category=values["category"],
        enterprise_name=values["enterprise_name"],
    )


def _id_of(record: Any) -> str | None:
    if isinstance(record, dict):
        ident = record.get("id")
        if isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident).strip():
            return str(ident)
    return None


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean",
             int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
