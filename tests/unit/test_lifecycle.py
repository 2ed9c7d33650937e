"""The case lifecycle: every path, every refusal with its reason."""

import pytest

from services.routing.rules.lifecycle import ACTIONS, ActionRefused, Actor, CaseSnapshot, decide

STAFF = Actor("张丽", "staff", "shuipo-street")
DEPUTY = Actor("王建国", "deputy", "shuipo-street")
OTHER = Actor("李强", "staff", "quanpu-coop")
OFFICE = Actor("赵敏", "county_office", None)


def case(status="routed", station="shuipo-street", paused=False):
    return CaseSnapshot("LS-2026-000001", status, station, paused)


def walk(*steps, start="routed"):
    """Apply (action, details) steps from ``start``; returns the statuses passed through."""
    status, seen = start, [start]
    for name, details in steps:
        status = decide(case(status), name, STAFF, details).status_after
        seen.append(status)
    return seen


def refusal(snapshot, action, actor=STAFF, details=None):
    with pytest.raises(ActionRefused) as caught:
        decide(snapshot, action, actor, details or {})
    return caught.value.code


def test_answered_on_the_spot():
    assert walk(("accept", {}), ("answer", {"answer": "已答复"}),
                ("return_visit", {"satisfaction": "satisfied"})) == [
        "routed", "accepted", "resolved", "closed"]


def test_deliberation():
    assert walk(("accept", {}), ("deliberate", {}), ("record_outcome", {}),
                ("return_visit", {"satisfaction": "basically_satisfied"})) == [
        "routed", "accepted", "deliberating", "resolved", "closed"]


def test_forwarded_replied_forwarded_again_resolved():
    assert walk(("accept", {}), ("forward", {}), ("record_reply", {}), ("forward", {}),
                ("record_reply", {}), ("resolve", {})) == [
        "routed", "accepted", "forwarded", "replied", "forwarded", "replied", "resolved"]


def test_suggestion_is_tracked_like_forwarding():
    assert walk(("accept", {}), ("suggest", {}), ("record_reply", {}), ("resolve", {}))[-3:] == [
        "suggested", "replied", "resolved"]


def test_dissatisfied_reopens_and_work_resumes():
    seen = walk(("accept", {}), ("answer", {}), ("return_visit", {"satisfaction": "dissatisfied"}),
                ("forward", {}))
    assert seen[-2:] == ["reopened", "forwarded"]
    t = decide(case("resolved"), "return_visit", STAFF, {"satisfaction": "dissatisfied"})
    assert t.starts == ("first_response", "resolution")


def test_decline_reroutes_to_the_named_station_or_to_triage():
    t = decide(case("accepted"), "decline", STAFF, {"reason": "不属本站", "to_station": "quanpu-coop"})
    assert (t.status_after, t.new_station) == ("routed", "quanpu-coop")
    t = decide(case("routed"), "decline", STAFF, {"reason": "不属本站"})
    assert t.new_station == "county-office"
    assert t.ends == ("sign_for", "first_response", "resolution") and t.starts == ("sign_for",)


def test_county_office_must_name_a_station_and_alone_may_reassign():
    assert refusal(case(station="county-office"), "decline", OFFICE, {"reason": "x"}) == \
        "needs_station"
    t = decide(case(station="county-office"), "reassign", OFFICE,
               {"reason": "人工分派", "to_station": "shuipo-street"})
    assert t.new_station == "shuipo-street"
    assert refusal(case(), "reassign", STAFF, {"to_station": "quanpu-coop"}) == "not_allowed"
    assert refusal(case(), "decline", STAFF, {"reason": "x", "to_station": "shuipo-street"}) == \
        "same_station"


def test_merge_ends_the_case():
    t = decide(case("accepted"), "merge", DEPUTY, {"into": "LS-2026-000002"})
    assert t.status_after == "merged"
    assert refusal(case("merged"), "accept") == "case_closed"
    assert refusal(case(), "merge", details={"into": "LS-2026-000001"}) == "merge_into_itself"


def test_refusals_name_why():
    assert refusal(case("routed"), "resolve") == "wrong_state"
    assert refusal(case("accepted"), "accept") == "wrong_state"
    assert refusal(case("closed"), "return_visit", details={"satisfaction": "satisfied"}) == \
        "case_closed"
    assert refusal(case(), "accept", OTHER) == "other_station"
    assert refusal(case(), "fly") == "unknown_action"
    assert refusal(case(), "accept", Actor("x", "janitor", "shuipo-street")) == "unknown_role"
    with pytest.raises(ActionRefused) as caught:
        decide(case("routed"), "resolve", STAFF, {})
    assert "cannot resolve a case that is routed" in caught.value.message


def test_the_county_office_acts_on_any_station():
    assert decide(case(station="quanpu-coop"), "accept", OFFICE, {}).status_after == "accepted"


def test_clock_actions_keep_the_status():
    assert decide(case("accepted"), "pause", STAFF, {"reason": "等待补充材料"}).status_after == \
        "accepted"
    assert refusal(case("accepted", paused=True), "pause") == "already_paused"
    assert refusal(case("accepted"), "resume") == "not_paused"
    assert decide(case("forwarded", paused=True), "resume", STAFF, {}).status_after == "forwarded"


def test_every_action_has_its_own_event():
    assert len({a.event_type for a in ACTIONS.values()}) == len(ACTIONS)
    from liaison.contracts.events import TRANSITION_EVENTS
    assert {a.event_type for a in ACTIONS.values()} == set(TRANSITION_EVENTS)
