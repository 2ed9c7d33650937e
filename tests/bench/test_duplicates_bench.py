"""The duplicate-index benchmark runs end to end on a small window (numbers are not asserted)."""

from __future__ import annotations

from bench import duplicates


def test_bench_runs_small(capsys) -> None:  # type: ignore[no-untyped-def]
    assert duplicates.main(["--n", "400", "--checks", "20"]) == 0
    out = capsys.readouterr().out
    assert "build: 400 cases" in out and "p95=" in out and out.rstrip().splitlines()[-1].startswith("summary")


def test_generated_cases_name_their_concern() -> None:
    gen = duplicates.Generator(1)
    first = gen.case(duplicates.START, repeat=False)
    again = gen.case(duplicates.START, repeat=True)
    assert first.duplicate_of is None and again.duplicate_of == first.id
