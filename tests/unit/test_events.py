from datetime import UTC, datetime

import pytest

from liaison.contracts.events import EventSchemaError, new_event, parse_event


def routed_data(**changes):
    data = {"station": {"code": "shuipo-street", "name": "水泊街道代表联络站",
                        "contact_email": "s@example"},
            "deputies": [{"name": "赵一", "profession": "教师", "level": "county"}],
            "rule": "town-general", "reason": "规则3", "town": "水泊街道",
            "town_source": "form", "matched": []}
    data.update(changes)
    return data


def test_round_trip_keeps_every_envelope_field():
    at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    event = new_event("case_routed", "LS-2026-000001", routed_data(), actor="routing", occurred_at=at)
    parsed = parse_event(event.to_json().encode())
    assert parsed == event
    assert parsed.exchange == "routing.events" and parsed.routing_key == "case_routed"
    assert parsed.schema_version == 1


def test_new_event_refuses_data_that_does_not_fit():
    with pytest.raises(EventSchemaError) as caught:
        new_event("case_routed", "LS-1", routed_data(reason=""), actor="routing")
    assert "reason" in caught.value.reasons["data"]


@pytest.mark.parametrize(("body", "field"), [
    (b"not json", "_body"),
    (b"[]", "_body"),
    (b'{"event_type": "case_exploded"}', "event_type"),
])
def test_parse_event_names_what_is_wrong(body, field):
    with pytest.raises(EventSchemaError) as caught:
        parse_event(body)
    assert field in caught.value.reasons


def test_an_event_in_another_unicode_encoding_is_refused():
    # json.loads alone detects UTF-16/32 and would accept it; the contract says UTF-8
    event = new_event("case_routed", "LS-1", routed_data(), actor="routing")
    for encoding in ("utf-16", "utf-32"):
        with pytest.raises(EventSchemaError) as caught:
            parse_event(event.to_json().encode(encoding))
        assert "not UTF-8" in caught.value.reasons["_body"][0]


def test_parse_event_checks_the_data_schema():
    event = new_event("case_routed", "LS-1", routed_data(), actor="routing")
    body = event.to_json().replace('"rule":"town-general",', "")
    with pytest.raises(EventSchemaError) as caught:
        parse_event(body)
    assert caught.value.reasons == {"data": {"rule": ["Missing data for required field."]}}


def test_future_schema_versions_are_refused():
    body = new_event("case_routed", "LS-1", routed_data(), actor="r").to_json()
    with pytest.raises(EventSchemaError):
        parse_event(body.replace('"schema_version":1', '"schema_version":2'))


def test_a_field_a_newer_producer_added_passes_at_every_level():
    event = new_event("case_routed", "LS-1", routed_data(), actor="routing")
    body = event.to_json().replace('"code":"shuipo-street"',
                                   '"code":"shuipo-street","phone_hours":"9-17"')
    parsed = parse_event(body.replace('"rule":', '"priority":"high","rule":'))
    assert parsed.data["station"]["phone_hours"] == "9-17" and parsed.data["priority"] == "high"
