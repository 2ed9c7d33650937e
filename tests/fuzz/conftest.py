"""Counts of what the fuzz tests threw at intake and what came back, printed after the run."""

from __future__ import annotations

from collections import Counter

import pytest

# (test name, payload kind, outcome) -> how many
OUTCOMES: Counter[tuple[str, str, str]] = Counter()
NOTES: list[str] = []


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter) -> None:
    if not OUTCOMES and not NOTES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz: payloads tried and outcomes")
    for test in sorted({t for t, _, _ in OUTCOMES}):
        rows = {(k, o): n for (t, k, o), n in OUTCOMES.items() if t == test}
        write(f"{test}: {sum(rows.values())} payloads tried")
        by_outcome: Counter[str] = Counter()
        for (_kind, outcome), n in rows.items():
            by_outcome[outcome] += n
        write("  outcomes: " + ", ".join(f"{o}={n}" for o, n in sorted(by_outcome.items())))
        for kind in sorted({k for k, _ in rows}):
            cells = ", ".join(f"{o}={n}" for (k, o), n in sorted(rows.items()) if k == kind)
            write(f"    {kind:14} {cells}")
    for note in NOTES:
        write(note)
