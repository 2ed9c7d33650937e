"""`liaison duplicates FILE`: one JSON line per submission, answers never read."""

from __future__ import annotations

import io
import json
from pathlib import Path

from services.concerns.commands import duplicates_main

OWN = Path(__file__).parent / "data" / "concerns_own.jsonl"


def _run(*argv: str) -> list[dict]:
    out = io.StringIO()
    assert duplicates_main(list(argv), out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_line_per_submission_in_order() -> None:
    rows = [json.loads(line) for line in OWN.read_text(encoding="utf-8").splitlines()]
    lines = _run(str(OWN))
    assert [line["id"] for line in lines] == [r["id"] for r in rows]
    assert all(set(line) == {"id", "duplicate_of", "score", "reason"} for line in lines)
    earlier: set[str] = set()
    for line in lines:
        assert line["duplicate_of"] is None or line["duplicate_of"] in earlier
        assert isinstance(line["reason"], str) and line["reason"]
        earlier.add(line["id"])


def test_answers_in_the_file_change_nothing(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in OWN.read_text(encoding="utf-8").splitlines()]
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({k: v for k, v in r.items() if k not in ("group", "duplicate_of")},
                                       ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert _run(str(bare)) == _run(str(OWN))


def test_topics_flag_adds_hot_topic_lines() -> None:
    lines = _run(str(OWN), "--topics")
    topics = [line for line in lines if line.get("hot_topic")]
    # bridges at 苗庄, 孙楼浮桥 and 后码头 (4 cases); cold radiators at 书香苑, 帝都花园, 阳光小区
    assert [(t["topic"], t["concerns"], t["cases"]) for t in topics] == [("bridge", 3, 4), ("heating", 3, 3)]


def test_missing_file(tmp_path: Path) -> None:
    assert duplicates_main([str(tmp_path / "none.jsonl")], out=io.StringIO()) == 2
