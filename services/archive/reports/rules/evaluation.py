"""Yearly evaluation data for outstanding deputies and outstanding suggestions (评先表彰): per
deputy and per suggestion, the figures the archive holds, a weighted score and a rank. It is
advice for the committee, so every input is shown next to the score it gave.

How a score is made (weights in ``data/evaluation.yaml``): every input becomes a value between 0
and 1 (a count divided by the year's highest among those ranked; a rate as it is; a suggestion's
result, the deputy's satisfaction with the answer, whether it grew out of a constituent's case,
its co-signers up to a cap); score = 100 × Σ weight × value / Σ weight, over the inputs that have a
value (a rate with nothing to rate is left out rather than counted as 0). Ties share no rank: they
are ordered by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from liaison.contracts.periods import Period, local_date
from services.archive.reports.rules.case_facts import CaseFacts

EVALUATION_PATH = Path(__file__).resolve().parents[1] / "data" / "evaluation.yaml"
COUNTS = {"cases": "经手诉求", "cases_resolved": "诉求办结", "receptions": "进站接待",
          "visits": "走访选民", "inspections": "视察调研", "trainings": "学习培训",
          "group_activities": "小组活动", "suggestions": "议案建议", "suggestions_resolved": "建议办结",
          "constituent_reports": "述职"}
RATES = {"on_time_rate": "按时签收率", "satisfaction_rate": "满意率"}
DUTY_INPUTS = {"receptions": "reception", "visits": "visit", "inspections": "inspection",
               "trainings": "training", "group_activities": "group_activity"}


@dataclass(frozen=True)
class Weights:
    deputies: dict[str, float]
    result_scores: dict[str, float]
    satisfaction_scores: dict[str, float]
    co_signers_cap: int
    suggestions: dict[str, float]


def load_weights(path: str | Path = EVALUATION_PATH) -> Weights:
    with open(path, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    unknown = set(doc["deputies"]["weights"]) - set(COUNTS) - set(RATES)
    if unknown:
        raise ValueError(f"{path}: unknown deputy inputs {sorted(unknown)}")
    s = doc["suggestions"]
    return Weights({k: float(v) for k, v in doc["deputies"]["weights"].items()},
                   {k: float(v) for k, v in s["result_scores"].items()},
                   {k: float(v) for k, v in s["satisfaction_scores"].items()},
                   int(s["co_signers_cap"]), {k: float(v) for k, v in s["weights"].items()})


# --- deputies -----------------------------------------------------------------------------------


def deputy_inputs(entries: Iterable[Mapping[str, Any]], facts: Mapping[str, CaseFacts],
                  year: Period, answers: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One deputy's figures for ``year`` from their archive entries; ``facts`` of every case,
    ``answers``: each suggestion's latest answer (:func:`latest_answers`)."""
    entries = list(entries)
    in_year = [e for e in entries if year.contains(e["occurred_at"])]
    cases = [facts[c] for c in sorted({e["case_id"] for e in entries if e.get("case_id")})
             if c in facts and facts[c].opened_at and year.contains(facts[c].opened_at)
             and not facts[c].merged]
    visited = [c for c in cases if c.return_visited]
    inputs: dict[str, Any] = {
        "cases": len(cases),
        "cases_resolved": sum(c.resolved for c in cases),
        "on_time_rate": _rate(sum(c.accepted_on_time for c in cases), len(cases)),
        "satisfaction_rate": _rate(sum(c.satisfied for c in visited), len(visited)),
    }
    for name, kind in DUTY_INPUTS.items():
        inputs[name] = sum(1 for e in in_year if e["kind"] == kind)
    filed = [e for e in in_year if e["kind"] == "suggestion_filed"]
    from_cases = [e for e in in_year if e["kind"] == "case_suggested"
                  and "actor" in (e["data"].get("roles") or [])]
    inputs["suggestions"] = len(filed) + len(from_cases)
    inputs["suggestions_resolved"] = (
        sum(1 for e in filed if (answers.get(e["record_id"]) or {}).get("result") == "resolved")
        + sum(1 for e in from_cases if e["case_id"] in facts and facts[e["case_id"]].resolved))
    inputs["constituent_reports"] = sum(1 for e in in_year if e["kind"] == "constituent_report")
    return inputs


def rank_deputies(candidates: Iterable[Mapping[str, Any]], weights: Weights) -> list[dict]:
    """``candidates``: ``{deputy_id, name, group, inputs}``; ranked, each input with its value,
    weight and contribution."""
    candidates = list(candidates)
    highest = {name: max((c["inputs"][name] for c in candidates), default=0) for name in COUNTS}

    def value(name: str, raw: Any) -> float | None:
        if name in RATES:
            return raw
        return raw / highest[name] if highest[name] else 0.0

    ranked = []
    for c in candidates:
        scored = _score({name: value(name, raw) for name, raw in c["inputs"].items()},
                        weights.deputies, {**COUNTS, **RATES}, c["inputs"])
        ranked.append({"deputy_id": c["deputy_id"], "name": c["name"], "group": c.get("group"),
                       **scored})
    return _ranked(ranked, key="name")


# --- suggestions --------------------------------------------------------------------------------


def latest_answers(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """suggestion id → its latest answer (by answer date, then as recorded)."""
    latest: dict[str, dict[str, Any]] = {}
    for e in sorted((e for e in entries if e["kind"] == "suggestion_answered"),
                    key=lambda e: (e["data"]["answered_on"], e["recorded_at"])):
        latest[e["data"]["suggestion_id"]] = e["data"]
    return latest


def suggestions_of(entries: Iterable[Mapping[str, Any]], facts: Mapping[str, CaseFacts],
                   year: Period, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every proposal and suggestion of ``year`` (filed ones, and cases a deputy turned into a
    suggestion), with what the evaluation looks at."""
    entries = list(entries)
    answers = latest_answers(entries)
    found: dict[str, dict[str, Any]] = {}
    for e in entries:
        if not year.contains(e["occurred_at"]):
            continue
        data = e["data"]
        if e["kind"] == "suggestion_filed" and e["record_id"] not in found:
            answer = answers.get(e["record_id"]) or {}
            found[e["record_id"]] = {
                "id": e["record_id"], "title": data["title"], "form": data["form"],
                "deputies": [names.get(d, d) for d in data["deputies"]],
                "filed_on": data["filed_on"], "department": answer.get("department")
                or data.get("department"), "case_id": data.get("case_id"),
                "result": answer.get("result") or "unanswered",
                "deputy_satisfaction": answer.get("deputy_satisfaction"),
                "co_signers": len(data["deputies"]) - 1}
        elif e["kind"] == "case_suggested" and "actor" in (data.get("roles") or []):
            key = f"case:{e['case_id']}"
            case = facts.get(e["case_id"])
            found.setdefault(key, {
                "id": key, "title": data.get("title") or e["case_id"], "form": "suggestion",
                "deputies": [], "filed_on": local_date(e["occurred_at"]).isoformat(),
                "department": data.get("department"), "case_id": e["case_id"],
                "result": "resolved" if case and case.resolved else "unanswered",
                "deputy_satisfaction": None, "co_signers": 0})
            found[key]["deputies"].append(names.get(e["deputy_id"], e["deputy_id"]))
    for item in found.values():
        if item["id"].startswith("case:"):
            item["co_signers"] = len(item["deputies"]) - 1
    return list(found.values())


def rank_suggestions(items: Iterable[Mapping[str, Any]], weights: Weights) -> list[dict]:
    ranked = []
    labels = {"result": "办理结果", "deputy_satisfaction": "代表满意度",
              "from_constituents": "源自群众诉求", "co_signers": "联名代表"}
    for item in items:
        raw = {"result": item["result"], "deputy_satisfaction": item["deputy_satisfaction"],
               "from_constituents": bool(item.get("case_id")), "co_signers": item["co_signers"]}
        values = {
            "result": weights.result_scores.get(item["result"], 0.0),
            "deputy_satisfaction": (weights.satisfaction_scores.get(item["deputy_satisfaction"])
                                    if item["deputy_satisfaction"] else None),
            "from_constituents": 1.0 if item.get("case_id") else 0.0,
            "co_signers": min(item["co_signers"], weights.co_signers_cap) / weights.co_signers_cap
            if weights.co_signers_cap else 0.0,
        }
        ranked.append({**{k: item[k] for k in ("id", "title", "form", "deputies", "filed_on",
                                               "department")},
                       **_score(values, weights.suggestions, labels, raw)})
    return _ranked(ranked, key="id")


# --- shared -------------------------------------------------------------------------------------


def _score(values: Mapping[str, float | None], weights: Mapping[str, float],
           labels: Mapping[str, str], raw: Mapping[str, Any]) -> dict[str, Any]:
    inputs, total, weight_sum = {}, 0.0, 0.0
    for name, weight in weights.items():
        value = values.get(name)
        contribution = None
        if value is not None and weight:
            total += weight * value
            weight_sum += weight
            contribution = weight * value
        inputs[name] = {"label": labels.get(name, name), "raw": raw.get(name),
                        "value": None if value is None else round(value, 4), "weight": weight,
                        "contribution": None if contribution is None else round(contribution, 4)}
    score = round(100 * total / weight_sum, 2) if weight_sum else 0.0
    return {"score": score, "inputs": inputs}


def _ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (-r["score"], r[key]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
