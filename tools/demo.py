"""The demo workload: publish realistic submissions (over AMQP, and two over HTTP), wait until each
is routed, archived and notified, and print what happened to each."""

from __future__ import annotations

import json
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from liaison.config import REPO_ROOT
from tools.forms_client import connect, publish_submission

DEMO_FILE = REPO_ROOT / "deploy" / "demo" / "submissions.jsonl"
HTTP_EVERY = 7  # every 7th submission goes through the HTTP API instead of AMQP


def load_submissions(path: Path = DEMO_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def http_json(method: str, url: str, body: bytes | None = None,
              token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method,  # noqa: S310
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def expected_notifications(submission: dict[str, Any]) -> int:
    """The assignment notice, plus a receipt unless the submitter is anonymous."""
    return 1 if submission["submitter"].get("anonymous") else 2


def run(amqp_uri: str, base_url: str, token: str, timeout: float = 90) -> list[dict[str, Any]]:
    """Publish the demo set; ``token`` (the county office's) reads the cases back.

    Each run's submissions get external ids of their own (``demo-0001-<run>``), so every run
    shows new cases going through, whatever earlier runs left behind."""
    run_id = time.strftime("%Y%m%d%H%M%S")
    submissions = [{**s, "external_id": f"{s['external_id']}-{run_id}"} for s in load_submissions()]
    with connect(amqp_uri) as connection:
        for i, submission in enumerate(submissions):
            if i % HTTP_EVERY == HTTP_EVERY - 1:
                body = json.dumps(submission, ensure_ascii=False).encode("utf-8")
                status, answer = http_json("POST", f"{base_url}/api/submissions", body)
                if status != 202:
                    raise RuntimeError(f"HTTP submission refused: {status} {answer}")
            else:
                publish_submission(connection, submission)
    return wait_for_cases(base_url, submissions, token, timeout)


def wait_for_cases(base_url: str, submissions: list[dict[str, Any]], token: str,
                   timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    cases: dict[str, dict] = {}
    while len(cases) < len(submissions) and time.monotonic() < deadline:
        for submission in submissions:
            external_id = submission["external_id"]
            if external_id in cases:
                continue
            query = urllib.parse.urlencode({"external_id": external_id})
            status, case = http_json("GET", f"{base_url}/api/cases?{query}", token=token)
            if status == 200 and case["status"] == "routed" and (
                case["notifications"]["sent"] >= expected_notifications(submission)
            ):
                cases[external_id] = case
        time.sleep(0.3)
    return [cases.get(s["external_id"], {"external_id": s["external_id"], "status": "(waiting)"})
            for s in submissions]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(size - width(text), 0)


def table(cases: list[dict[str, Any]]) -> str:
    header = ["tracking number", "station", "status", "notified", "reason"]
    rows = [
        [
            case.get("tracking_number", "-"),
            (case.get("station") or {}).get("code", "-"),
            case.get("status", "-"),
            str((case.get("notifications") or {}).get("sent", 0)),
            case.get("routing_reason") or "",
        ]
        for case in cases
    ]
    sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [" | ".join(pad(c, sizes[i]) if i < 4 else c for i, c in enumerate(r))
             for r in [header, *rows]]
    lines.insert(1, "-+-".join("-" * s for s in sizes) + "-+-" + "-" * 20)
    return "\n".join(lines)


# One case worked the way the seed describes it: signed for, forwarded to a department, the
# department's reply, resolved, and the return visit.
WALK = (
    ("accept", {"note": "值班代表已签收"}),
    ("forward", {"department": "县住房和城乡建设局", "request": "尽快完善石头园村污水管网",
                 "due_date": "2026-12-15"}),
    ("record_reply", {"department": "县住房和城乡建设局",
                      "reply": "已制定管网完善方案，12月底前完成施工"}),
    ("resolve", {"summary": "污水管网已接通，街面无污水横流"}),
    ("return_visit", {"satisfaction": "satisfied", "comment": "问题解决了，感谢代表"}),
)


def walk(base_url: str, case: dict[str, Any], staff_token: str,
         timeout: float = 30) -> dict[str, Any]:
    """Work ``case`` through WALK as its station's staff (``staff_token``); returns the case as
    the API shows it."""
    tracking = case["tracking_number"]
    for action, details in WALK:
        body = json.dumps({"action": action, "details": details}, ensure_ascii=False).encode()
        status, answer = http_json("POST", f"{base_url}/api/cases/{tracking}/actions", body,
                                   token=staff_token)
        if status != 200:
            raise RuntimeError(f"{action} refused: {status} {answer}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, current = http_json("GET", f"{base_url}/api/cases/{tracking}", token=staff_token)
        if status == 200 and current["status"] == "closed" and current["notifications"]["sent"] >= 6:
            return current
        time.sleep(0.3)
    return current


def history(case: dict[str, Any]) -> str:
    lines = [f"{case['tracking_number']}  {case['title']}  status={case['status']}  "
             f"station={case['station']['code']}"]
    for entry in case["history"]:
        lines.append(f"  {entry['at'][:19]}  {entry['event_type']:<24} {entry['actor']:<32} "
                     f"{entry['summary']}")
    return "\n".join(lines)
