"""How a history entry reads to a person. Free text is masked (a phone number typed into an
answer is still a phone number); staff and deputies are named, submitters never."""

from __future__ import annotations

from typing import Any

from liaison.contracts.privacy import mask_text
from liaison.contracts.vocabulary import PHASE_NAMES, SATISFACTION_NAMES
from services.archive.cases.rules.projection import HistoryEntry

KIND_NAMES = {"receipt": "受理回执", "assignment": "分派通知", "accepted": "签收告知",
              "forwarded": "转交告知", "replied": "部门答复告知", "resolved": "办结告知",
              "reopened": "重新办理告知", "warning": "黄色预警", "overdue": "红色预警",
              "supervise": "督办通知", "report": "超期通报"}
AUDIENCE_NAMES = {"submitter": "反映人", "station": "联络站", "county_office": "县代表联络工作室",
                  "standing_committee": "县人大常委会"}
SATISFACTION = SATISFACTION_NAMES
STEP_TEXT = {"warning": "即将到期（黄色预警）", "reminder": "已超期（红色预警），提醒联络站",
             "supervise": "超期督办，通知县人大常委会代表联络工作室",
             "report": "超期通报，报告县人大常委会"}


def describe(entry: HistoryEntry) -> str:
    return mask_text(_describe(entry.event_type, entry.data))


def _describe(kind: str, data: dict[str, Any]) -> str:
    if kind == "case_opened":
        return f"受理诉求：{data.get('title', '')}（{data.get('channel', '')}）"
    if kind == "case_routed":
        station = data["station"]["name"]
        deputies = "、".join(d["name"] for d in data.get("deputies", []))
        return f"分派至{station}（值班代表：{deputies or '无'}）。{data.get('reason', '')}"
    if kind in ("notification_sent", "notification_failed"):
        name = KIND_NAMES.get(data.get("kind"), data.get("kind"))
        audience = AUDIENCE_NAMES.get(data.get("audience"), data.get("audience"))
        verb = "已发送" if kind == "notification_sent" else "发送失败"
        return f"{name}{verb}：{audience} {data.get('recipient')}（{data.get('channel')}）"
    if kind in ("case_deadline_warning", "case_overdue", "case_escalated"):
        phase = PHASE_NAMES.get(data["phase"], data["phase"])
        return f"{phase}时限{STEP_TEXT.get(data['step'], data['step'])}（时限 {data['due_at']}）"
    if kind == "case_anonymized":
        return f"反映人个人信息已按保存期限（{data.get('retention_days')}天）删除"
    if "action" in data:
        return _describe_action(data["action"], data.get("details") or {}, data)
    return kind


def _describe_action(action: str, d: dict[str, Any], data: dict[str, Any]) -> str:
    texts = {
        "accept": lambda: "签收",
        "answer": lambda: f"当场答复：{d.get('answer')}",
        "deliberate": lambda: (f"列为代表议政议题“{d.get('topic')}”，{d.get('meeting_date')}召开，"
                               f"参加：{'、'.join(d.get('participants') or [])}"),
        "record_outcome": lambda: f"议政结果：{d.get('outcome')}",
        "forward": lambda: f"转交{d.get('department')}：{d.get('request')}（{d.get('due_date')}前答复）",
        "suggest": lambda: (f"转为代表建议“{d.get('suggestion')}”，交{d.get('department')}"
                            f"（{d.get('due_date')}前答复）"),
        "record_reply": lambda: f"{d.get('department')}答复：{d.get('reply')}",
        "resolve": lambda: f"办结：{d.get('summary')}",
        "decline": lambda: f"退回：{d.get('reason')}；转{data.get('new_station')}",
        "reassign": lambda: f"改派至{data.get('new_station')}：{d.get('reason')}",
        "return_visit": lambda: (f"回访：{SATISFACTION.get(d.get('satisfaction'), '')}"
                                 + (f"，{d['comment']}" if d.get("comment") else "")),
        "merge": lambda: f"与{d.get('into')}重复，合并办理",
        "pause": lambda: f"暂停计时：{d.get('reason')}",
        "resume": lambda: "恢复计时",
        "extend": lambda: (f"延期{d.get('working_days')}个工作日（{d.get('approved_by')}批准）："
                           f"{d.get('reason')}"),
    }
    return texts.get(action, lambda: action)()
