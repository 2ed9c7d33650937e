"""How a history entry reads to a person (no personal data: notify's events are masked already)."""

from __future__ import annotations

from services.archive.lifecycle import HistoryEntry

KIND_NAMES = {"receipt": "受理回执", "assignment": "分派通知"}
AUDIENCE_NAMES = {"submitter": "反映人", "station": "联络站"}


def describe(entry: HistoryEntry) -> str:
    data = entry.data
    if entry.event_type == "case_opened":
        return f"受理诉求：{data.get('title', '')}（{data.get('channel', '')}）"
    if entry.event_type == "case_routed":
        station = data["station"]["name"]
        deputies = "、".join(d["name"] for d in data.get("deputies", []))
        return f"分派至{station}（值班代表：{deputies or '无'}）。{data.get('reason', '')}"
    if entry.event_type in ("notification_sent", "notification_failed"):
        kind = KIND_NAMES.get(data.get("kind"), data.get("kind"))
        audience = AUDIENCE_NAMES.get(data.get("audience"), data.get("audience"))
        verb = "已发送" if entry.event_type == "notification_sent" else "发送失败"
        return f"{kind}{verb}：{audience} {data.get('recipient')}（{data.get('channel')}）"
    return entry.event_type
