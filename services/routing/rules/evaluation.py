"""``liaison route --eval FILE``: measure the router on labelled rows.

Each row is a submission in dev.jsonl's format with its ``expected_station``. The report
gives the accuracy, a confusion table by station (rows: the label, columns: the router's
station) and every miss with the router's reason, so that a change to the policy or the
word lists can be measured by anyone, on any labelled file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.routing.rules.registry import StationRegistry


@dataclass(frozen=True)
class Miss:
    id: str
    expected: str
    station: str
    title: str
    reason: str


@dataclass
class Evaluation:
    codes: tuple[str, ...]  # the registry's stations, in registry order
    total: int = 0
    correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # unroutable or unlabelled lines

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(rows: Iterable[tuple[dict[str, Any], dict[str, Any]]],
             registry: StationRegistry) -> Evaluation:
    """Score ``(record, result)`` pairs: the input row and what ``route_lines`` made of it."""
    ev = Evaluation(codes=registry.codes)
    for record, result in rows:
        if "error" in result:
            ev.errors.append(result)
            continue
        expected = record.get("expected_station")
        if not isinstance(expected, str) or expected not in registry:
            ev.errors.append({"id": result["id"], "line": result.get("line"),
                              "error": f"expected_station {expected!r} is not a station code"})
            continue
        ev.total += 1
        ev.confusion[(expected, result["station"])] += 1
        if expected == result["station"]:
            ev.correct += 1
        else:
            ev.misses.append(Miss(result["id"], expected, result["station"],
                                  str(record.get("title") or ""), result["reason"]))
    return ev


def render(ev: Evaluation, source: str) -> str:
    """The report a person reads (zh-CN; station codes stay as they are)."""
    lines = [f"路由评估 {source}：{ev.total} 行已标注，正确 {ev.correct}，"
             f"准确率 {ev.accuracy:.1%}" + (f"；{len(ev.errors)} 行无法评估" if ev.errors else ""),
             "", "混淆表（行：标注站点，列：路由结果；列号见行首编号）"]
    used = [c for c in ev.codes if any(c in pair for pair in ev.confusion)]
    width = max((len(c) for c in used), default=4)
    header = " " * (width + 5) + "".join(f"{i:>4}" for i in range(1, len(used) + 1)) + "   合计  正确率"
    lines.append(header)
    for i, expected in enumerate(used, start=1):
        counts = [ev.confusion[(expected, got)] for got in used]
        row_total = sum(counts)
        recall = f"{ev.confusion[(expected, expected)] / row_total:.0%}" if row_total else "—"
        cells = "".join(f"{n:>4}" if n else "   ." for n in counts)
        lines.append(f"{i:>2}  {expected:<{width}} {cells}   {row_total:>4}  {recall:>6}")
    lines += ["", f"未命中（{len(ev.misses)}）" + ("：" if ev.misses else "")]
    for miss in ev.misses:
        lines.append(f"- {miss.id}：标注 {miss.expected}，路由到 {miss.station}"
                     + (f"（{miss.title}）" if miss.title else ""))
        lines.append(f"  理由：{miss.reason}")
    if ev.errors:
        lines += ["", f"无法评估（{len(ev.errors)}）："]
        lines += [f"- 第{e.get('line')}行 {e.get('id') or ''}：{e['error']}".rstrip()
                  for e in ev.errors]
    return "\n".join(lines) + "\n"
