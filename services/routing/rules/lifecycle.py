"""The case lifecycle: THE file for case states, the actions that move them, and who may act.

::

    routed ──accept (签收)──▶ accepted ──answer (当场答复)───────────────▶ resolved
       │                        │ ├──deliberate (代表议政)──▶ deliberating ──record_outcome──▶ resolved
       │                        │ ├──forward (转交)──▶ forwarded ──record_reply (答复)──▶ replied
       │                        │ │                                   replied ──resolve──▶ resolved
       │                        │ │                                   replied ──forward──▶ forwarded
       │                        │ └──suggest (建议)──▶ suggested ──record_reply──▶ replied
       └──decline (with a reason) ─ from routed/accepted/reopened: re-routed to another station,
                                     or to county-office triage; never lost
    resolved ──return_visit (回访)──▶ closed  (satisfied / basically satisfied)
                                  └─▶ reopened (dissatisfied) ── same actions as accepted
    any open case ──merge into another case──▶ merged (its submitter follows the other case)

Who: station staff and deputies act on their own station's cases; the county office (the
``county_office`` role) on any case, and only it reassigns (routes by hand). Besides these steps,
an open case's clock can be paused while waiting on the submitter, resumed, and extended with an
approved reason (see ``time_limits.py``).

Every action here is an event (``event_type``) with its actor and time.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison.contracts.vocabulary import (  # noqa: F401 - the lifecycle speaks these words
    BASICALLY_SATISFIED,
    COUNTY_OFFICE,
    DEPUTY,
    DISSATISFIED,
    FIRST_RESPONSE,
    PHASES,
    RESOLUTION,
    ROLES,
    SATISFIED,
    SIGN_FOR,
    STAFF,
)

ROUTED = "routed"
ACCEPTED = "accepted"
DELIBERATING = "deliberating"
FORWARDED = "forwarded"
SUGGESTED = "suggested"
REPLIED = "replied"
RESOLVED = "resolved"
REOPENED = "reopened"
CLOSED = "closed"
MERGED = "merged"

TERMINAL = frozenset({CLOSED, MERGED})
OPEN = frozenset({ROUTED, ACCEPTED, DELIBERATING, FORWARDED, SUGGESTED, REPLIED, REOPENED})
WORKING = frozenset({ACCEPTED, REOPENED})  # signed for, nothing substantive done yet

STATION_ROLES = ROLES

TRIAGE_STATION = "county-office"
# Phases of the clock (time_limits.py) an action ends, and those it starts.
ALL_PHASES = PHASES


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    station: str | None = None

    def label(self) -> str:
        return f"{self.role}:{self.name}@{self.station or 'county'}"


@dataclass(frozen=True)
class Action:
    name: str
    event_type: str
    allowed_from: frozenset[str]
    to_status: str | None  # None: stays where it is (clock actions) or decided by the details
    roles: frozenset[str] = STATION_ROLES
    ends: tuple[str, ...] = ()
    starts: tuple[str, ...] = ()
    summary: str = ""


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("accept", "case_accepted", frozenset({ROUTED}), ACCEPTED,
           ends=(SIGN_FOR,), starts=(FIRST_RESPONSE, RESOLUTION), summary="签收"),
    Action("answer", "case_answered", WORKING, RESOLVED,
           ends=(FIRST_RESPONSE, RESOLUTION), summary="当场答复"),
    Action("deliberate", "case_deliberation_scheduled", WORKING, DELIBERATING,
           ends=(FIRST_RESPONSE,), summary="列为代表议政议题"),
    Action("record_outcome", "case_deliberated", frozenset({DELIBERATING}), RESOLVED,
           ends=(RESOLUTION,), summary="议政结果"),
    Action("forward", "case_forwarded", WORKING | {DELIBERATING, REPLIED}, FORWARDED,
           ends=(FIRST_RESPONSE,), summary="转交有关部门"),
    Action("suggest", "case_suggested", WORKING | {DELIBERATING}, SUGGESTED,
           ends=(FIRST_RESPONSE,), summary="转为代表建议"),
    Action("record_reply", "case_department_replied", frozenset({FORWARDED, SUGGESTED}), REPLIED,
           summary="部门答复"),
    Action("resolve", "case_resolved", frozenset({REPLIED}), RESOLVED,
           ends=(RESOLUTION,), summary="办结"),
    Action("decline", "case_declined", frozenset({ROUTED}) | WORKING, ROUTED,
           ends=ALL_PHASES, starts=(SIGN_FOR,), summary="退回并重新分派"),
    Action("reassign", "case_reassigned", OPEN, ROUTED, roles=frozenset({COUNTY_OFFICE}),
           ends=ALL_PHASES, starts=(SIGN_FOR,), summary="县人大常委会代表联络工作室改派"),
    Action("return_visit", "case_return_visited", frozenset({RESOLVED}), None,
           summary="回访"),
    Action("merge", "case_merged", OPEN, MERGED, ends=ALL_PHASES, summary="合并至重复诉求"),
    Action("pause", "case_clock_paused", OPEN, None, summary="等待反映人补充，暂停计时"),
    Action("resume", "case_clock_resumed", OPEN, None, summary="恢复计时"),
    Action("extend", "case_deadline_extended", OPEN, None, summary="延期（已批准）"),
)}


class ActionRefused(Exception):
    """An action that may not happen now; ``code`` for machines, the message for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: str
    status: str
    station: str
    paused: bool = False


@dataclass(frozen=True)
class Transition:
    action: Action
    status_before: str
    status_after: str
    ends: tuple[str, ...]
    starts: tuple[str, ...]
    new_station: str | None = None  # decline / reassign: where the case goes


def permitted(case: CaseSnapshot, action_name: str, actor: Actor) -> Action:
    """May ``actor`` take ``action_name`` on ``case`` in its present state? (Before its fields
    are looked at: "not now" says more than "a field is missing".)"""
    action = ACTIONS.get(action_name)
    if action is None:
        raise ActionRefused("unknown_action",
                            f"no action {action_name!r}; one of {', '.join(sorted(ACTIONS))}")
    _check_actor(case, action, actor)
    if case.status in TERMINAL:
        raise ActionRefused("case_closed", f"case {case.case_id} is {case.status}: no more actions")
    if case.status not in action.allowed_from:
        allowed = ", ".join(sorted(action.allowed_from))
        raise ActionRefused("wrong_state", f"cannot {action.name} a case that is {case.status} "
                                           f"(only when {allowed})")
    return action


def decide(case: CaseSnapshot, action_name: str, actor: Actor, details: dict) -> Transition:
    """May ``actor`` take ``action_name`` with ``details`` on ``case`` now? The transition, or
    ActionRefused naming why."""
    action = permitted(case, action_name, actor)
    status_after = action.to_status or case.status
    ends, starts = action.ends, action.starts
    new_station = None
    if action.name == "pause" and case.paused:
        raise ActionRefused("already_paused", "the clock is already paused")
    if action.name == "resume" and not case.paused:
        raise ActionRefused("not_paused", "the clock is not paused")
    if action.name == "return_visit":
        if details["satisfaction"] == DISSATISFIED:
            status_after, starts = REOPENED, (FIRST_RESPONSE, RESOLUTION)
        else:
            status_after = CLOSED
    if action.name in ("decline", "reassign"):
        if case.station == TRIAGE_STATION and not details.get("to_station"):
            raise ActionRefused("needs_station", "the county office passes a case on by naming "
                                                 "the station that takes it")
        new_station = details.get("to_station") or TRIAGE_STATION
        if new_station == case.station:
            raise ActionRefused("same_station", f"the case is already at {case.station}")
    if action.name == "merge" and details["into"] == case.case_id:
        raise ActionRefused("merge_into_itself", "a case cannot be merged into itself")
    return Transition(action, case.status, status_after, ends, starts, new_station)


def _check_actor(case: CaseSnapshot, action: Action, actor: Actor) -> None:
    if actor.role not in ROLES:
        raise ActionRefused("unknown_role", f"no role {actor.role!r}")
    if actor.role not in action.roles:
        raise ActionRefused("not_allowed", f"a {actor.role} may not {action.name} "
                                           f"(only {', '.join(sorted(action.roles))})")
    if actor.role != COUNTY_OFFICE and actor.station != case.station:
        raise ActionRefused("other_station", f"case {case.case_id} belongs to {case.station}, "
                                             f"not to {actor.station}")
