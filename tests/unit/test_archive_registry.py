"""The deputy registry: the demo file takes its deputies from routing's roster (names written
once), and a new version of the registry becomes exactly the changes it makes."""

import pytest
from marshmallow import ValidationError

from services.archive.deputies.rules import registry
from services.routing.rules.registry import load_registry as load_routing_registry

TERM = {"code": "county-19", "start": "2022-01-01", "end": "2026-12-31"}


def test_every_deputy_on_routings_roster_is_in_the_archive_registry_by_the_same_name():
    archive = registry.parse_document(registry.resolve_file())
    routing = load_routing_registry()
    by_name = {d["name"]: d for d in archive.deputies.values()}
    for station in routing.stations:
        assert station.code in archive.stations
        for deputy in station.deputies:
            registered = by_name[deputy.name]
            assert station.code in registered["stations"]
            assert (registered["level"], registered["profession"]) == (deputy.level,
                                                                      deputy.profession)
            assert registered["group"] and registered["term"]["end"] == "2026-12-31"
    assert by_name["李慧敏"]["details"]["性别"] == "女"
    assert by_name["李慧敏"]["group"] == "水泊街道代表小组"


def test_a_new_version_of_the_registry_is_the_changes_it_makes():
    old = registry.parse_document({"deputies": [
        {"name": "李一", "level": "county", "stations": [], "term": TERM},
        {"name": "王二", "level": "county", "stations": [], "term": TERM}]})
    current = {k: {**v, "deputy_id": k, "version": 1} for k, v in old.deputies.items()}
    new = registry.parse_document({
        "stations": [{"code": "s-a", "name": "甲站", "kind": "town", "town": "水泊街道"}],
        "deputies": [{"name": "李一", "level": "county", "stations": ["s-a"], "term": TERM,
                      "group": "甲组"},
                     {"name": "王二", "level": "county", "stations": [], "term": TERM},
                     {"id": "zhao-3", "name": "赵三", "level": "township", "stations": ["s-a"],
                      "term": TERM}]})
    changes, problems = registry.plan(new, current, {})
    assert problems == []
    assert [(c.event_type, c.key, c.data["version"], c.data["changes"]) for c in changes] == [
        ("station_registered", "s-a", 1, []),
        ("deputy_updated", "李一", 2, ["group", "stations"]),
        ("deputy_registered", "zhao-3", 1, [])]


def test_unknown_stations_and_twice_the_same_id_are_refused():
    doc = registry.parse_document({"deputies": [
        {"name": "李一", "level": "county", "stations": ["nowhere"], "term": TERM}]})
    assert registry.plan(doc, {}, {})[1] == ["deputy 李一: unknown station 'nowhere'"]
    with pytest.raises(ValidationError) as twice:
        registry.parse_document({"deputies": [
            {"name": "李一", "level": "county", "term": TERM},
            {"name": "李一", "level": "township", "term": TERM}]})
    assert "twice" in str(twice.value)
    with pytest.raises(ValidationError):
        registry.parse_document({"deputies": [{"name": "李一", "level": "mayor", "term": TERM}]})
