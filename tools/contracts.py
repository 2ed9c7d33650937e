"""The public contracts as documents, generated from the code that defines them (never copied by
hand): the README's tables of events and of queues. ``liaison contracts`` writes them;
``liaison contracts --check`` (and the tests) fail when a committed copy has drifted.
"""

from __future__ import annotations

import re
from pathlib import Path

from liaison.config import REPO_ROOT
from liaison.contracts import events
from liaison.messaging import topology

README = REPO_ROOT / "README.md"
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) \(liaison contracts\) -->\n)(?P<body>.*?)"
                    r"(<!-- end of generated: (?P=name) -->)", re.S)


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split()).replace("``", "`")


def _fields(schema) -> str:
    return ", ".join(sorted(schema._declared_fields))


def events_table() -> str:
    """One row per event type, grouped by schema, in the order ``DATA_SCHEMAS`` lists them."""
    groups: dict[type, list[str]] = {}
    for name, schema in events.DATA_SCHEMAS.items():
        groups.setdefault(schema, []).append(name)
    lines = ["| event | exchange (topic), routing key = event type | data | what it says |",
             "| --- | --- | --- | --- |"]
    for schema, names in groups.items():
        exchanges = sorted({f"{events.PRODUCERS[n]}.events" for n in names})
        lines.append(f"| {', '.join(f'`{n}`' for n in names)} | "
                     f"{', '.join(f'`{e}`' for e in exchanges)} | {_fields(schema)} | "
                     f"{_first_line(schema.__doc__)} |")
    return "\n".join(lines) + "\n"


def queues_table() -> str:
    lines = ["| queue | bound to (exchange / routing key) | consumer | what it carries |",
             "| --- | --- | --- | --- |"]
    for queue in topology.CONSUMER_QUEUES.values():
        bindings = ", ".join(f"`{b.exchange}` / `{b.routing_key}`" for b in queue.bindings)
        lines.append(f"| `{queue.name}` | {bindings} | {queue.name.split('.', 1)[0]} | "
                     f"{queue.purpose} |")
    return "\n".join(lines) + "\n"


GENERATORS = {"events": events_table, "queues": queues_table}


def render(text: str) -> str:
    """``text`` with every generated block filled in afresh."""
    return _BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group("name")]() + m.group(4), text)


def blocks(text: str) -> list[str]:
    return [m.group("name") for m in _BLOCK.finditer(text)]


def write(path: Path = README) -> bool:
    """Regenerate the blocks in ``path``; True if it changed."""
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old
