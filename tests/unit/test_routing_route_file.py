"""``liaison route FILE``: routing JSON lines, and malformed input."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

# ../shared sits beside the repository (CI puts it there); SHARED_DIR overrides.
from liaison.config import REPO_ROOT  # noqa: E402
from services.routing.commands import main, route_lines
from services.routing.rules.registry import StationRegistry, load_registry

DEV_PATH = Path(os.environ.get("SHARED_DIR", REPO_ROOT.parent / "shared")) / "routing" / "dev.jsonl"


@pytest.fixture(scope="module")
def registry() -> StationRegistry:
    return load_registry()


def _line(**fields: object) -> str:
    base = {"id": "r-1", "channel": "wechat", "submitter_type": "resident",
            "town": "拳铺镇", "title": "停水", "content": "村里经常停水。"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...}, ensure_ascii=False)


def test_routes_a_good_line(registry: StationRegistry) -> None:
    (result,) = route_lines([_line(expected_station="ignored")], registry)
    assert result["id"] == "r-1"
    assert result["station"] == "quanpu-coop"
    assert result["reason"].startswith("规则3：拳铺镇（表单填写）")
    assert set(result) == {"id", "station", "reason"}


def test_malformed_lines_yield_errors_and_routing_continues(registry: StationRegistry) -> None:
    lines = [
        _line(id="a"),
        "{not json",
        "",
        "   ",
        "[1, 2]",
        _line(id="b", content=...),
        _line(id="c", title=7),
        _line(id=None),
        _line(id="d", channel=..., submitter_type=...),
        _line(id="e", town=...),
    ]
    results = list(route_lines(lines, registry))
    assert results[0] == {"id": "a", "station": "quanpu-coop", "reason": results[0]["reason"]}
    assert results[1]["id"] is None and results[1]["line"] == 2
    assert results[1]["error"].startswith("invalid JSON")
    assert results[2] == {"id": None, "error": "expected a JSON object, got array", "line": 5}
    assert results[3] == {"id": "b", "error": "missing field 'content'", "line": 6}
    assert results[4] == {"id": "c", "error": "field 'title' must be a string or null, got number",
                          "line": 7}
    assert results[5] == {"id": None, "error": "field 'id' must be a non-empty string", "line": 8}
    assert results[6] == {"id": "d", "error": "missing fields 'channel', 'submitter_type'",
                          "line": 9}
    # "town" may be absent: the town then comes from the text, here none.
    assert results[7]["id"] == "e" and results[7]["station"] == "county-office"
    assert len(results) == 8


def test_null_fields_are_accepted(registry: StationRegistry) -> None:
    (result,) = route_lines([_line(town=None, submitter_type=None, title=None,
                                   content="水泊街道小区下水道堵了。")], registry)
    assert result["station"] == "shuipo-street"


def test_main_prints_compact_json_and_returns_0(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_line(id="x1") + "\n\n" + _line(id="x2", town="韩岗镇") + "\n",
                    encoding="utf-8")
    assert main([str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert '"station":"quanpu-coop"' in out[0] and "拳铺镇" in out[0]  # not \u-escaped
    assert json.loads(out[1])["station"] == "county-office"


def test_main_returns_1_on_any_bad_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_line(id="x1") + "\n{oops\n", encoding="utf-8")
    assert main([str(path)]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["station"] == "quanpu-coop"
    assert out[1]["line"] == 2 and "error" in out[1]


def test_main_reads_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(_line(id="s1") + "\n"))
    assert main(["-"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "s1"


def test_main_usage_and_missing_file(tmp_path: Path, capsys) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
    assert main([str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_main_on_dev_file(capsys) -> None:
    assert main([str(DEV_PATH)]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(results) == 40
    expected = [json.loads(line)["expected_station"]
                for line in DEV_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    agree = sum(r["station"] == e for r, e in zip(results, expected, strict=True))
    assert agree == 40
    assert all(r["reason"] for r in results)


# --------------------------------------------------------------------------- --eval


def test_eval_reports_accuracy_confusion_and_each_miss(tmp_path: Path, capsys) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join([
        _line(id="ok", expected_station="quanpu-coop"),
        _line(id="wrong", town="韩岗镇", title="路灯", content="村里路灯坏了。",
              expected_station="quanpu-coop"),
    ]) + "\n", encoding="utf-8")
    assert main(["--eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 行已标注，正确 1，准确率 50.0%" in out
    table = out.split("混淆表")[1].split("未命中")[0].splitlines()
    quanpu = next(row for row in table if "quanpu-coop" in row)
    # label quanpu-coop: one routed to quanpu-coop (column 1), one to county-office (column 2)
    assert quanpu.split()[2:4] == ["1", "1"]
    assert "- wrong：标注 quanpu-coop，路由到 county-office（路灯）" in out
    assert "理由：规则4：韩岗镇（表单填写）暂未设立代表联络站" in out


def test_eval_counts_unlabelled_and_bad_lines_as_errors(tmp_path: Path, capsys) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text(_line(id="nolabel") + "\n{oops\n"
                    + _line(id="badlabel", expected_station="no-such-station") + "\n",
                    encoding="utf-8")
    assert main(["--eval", str(path)]) == 1
    out = capsys.readouterr().out
    assert "0 行已标注" in out and "3 行无法评估" in out
    assert "第1行 nolabel：expected_station None is not a station code" in out
    assert "第2行" in out and "invalid JSON" in out


def test_eval_through_the_cli(capsys) -> None:
    from tools.cli import main as cli_main

    assert cli_main(["route", "--eval", str(DEV_PATH)]) == 0
    assert "40 行已标注，正确 40，准确率 100.0%" in capsys.readouterr().out
