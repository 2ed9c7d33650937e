"""Station registry and gazetteer: packaged data, validation errors, duty rosters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from services.routing.rules.registry import (
    DEFAULT_STATIONS_PATH,
    Deputy,
    RegistryError,
    Station,
    StationRegistry,
    load_gazetteer,
    load_registry,
)

GAZETTEER_PATH = DEFAULT_STATIONS_PATH.parent / "gazetteer.yaml"
INDUSTRIES_PATH = DEFAULT_STATIONS_PATH.parent / "industries.yaml"
POLICY_CODES = {
    "shuipo-street", "liangshan-street", "shouzhangji-port", "quanpu-coop",
    "xiaolukou-yellow-river", "devzone-special-vehicles", "devzone-education",
    "devzone-rare-earth", "devzone-port-logistics", "county-office",
}
COUNTY_TOWNS = {
    "水泊街道", "梁山街道", "拳铺镇", "杨营镇", "韩岗镇", "韩垓镇", "馆驿镇", "小路口镇",
    "寿张集镇", "黑虎庙镇", "小安山镇", "马营镇", "大路口乡", "赵堌堆乡",
}


@pytest.fixture(scope="module")
def registry() -> StationRegistry:
    return load_registry()


# --------------------------------------------------------------------------- packaged data


def test_packaged_registry_has_exactly_the_policy_stations(registry: StationRegistry) -> None:
    assert set(registry.codes) == POLICY_CODES
    assert len(registry.stations) == 10


def test_station_kinds_and_towns(registry: StationRegistry) -> None:
    kinds = {s.code: (s.kind, s.town) for s in registry.stations}
    assert kinds["shuipo-street"] == ("town", "水泊街道")
    assert kinds["liangshan-street"] == ("town", "梁山街道")
    assert kinds["shouzhangji-port"] == ("town", "寿张集镇")
    assert kinds["quanpu-coop"] == ("town", "拳铺镇")
    assert kinds["xiaolukou-yellow-river"] == ("town", "小路口镇")
    assert kinds["devzone-rare-earth"] == ("industry", None)
    assert kinds["county-office"] == ("triage", None)
    assert registry.triage.code == "county-office"
    assert {s.code for s in registry.industry_stations} == {
        "devzone-special-vehicles", "devzone-education", "devzone-rare-earth",
        "devzone-port-logistics"}


def test_every_station_is_complete(registry: StationRegistry) -> None:
    for station in registry.stations:
        assert isinstance(station, Station)
        assert station.name and station.specialty
        assert station.contact_email == f"{station.code}@stations.liangshan.example"
        assert 2 <= len(station.deputies) <= 4
        for deputy in station.deputies:
            assert deputy.level in ("county", "township")
            assert all(0 <= d <= 6 for d in deputy.duty_weekdays)
    for code in ("shouzhangji-port", "quanpu-coop", "xiaolukou-yellow-river",
                 "devzone-special-vehicles", "devzone-education", "devzone-rare-earth",
                 "devzone-port-logistics"):
        assert len(registry.get(code).keywords) >= 15, code


def test_get_unknown_code_raises_key_error(registry: StationRegistry) -> None:
    assert registry.get("quanpu-coop").town == "拳铺镇"
    assert "quanpu-coop" in registry
    with pytest.raises(KeyError, match="no-such-station"):
        registry.get("no-such-station")


@pytest.mark.parametrize(
    ("town", "code"),
    [("水泊街道", "shuipo-street"), ("梁山街道", "liangshan-street"),
     ("寿张集", "shouzhangji-port"), ("寿张集港区", "shouzhangji-port"),
     ("拳铺", "quanpu-coop"), ("石头园村", "shuipo-street"),
     ("小路口镇", "xiaolukou-yellow-river")],
)
def test_station_for_town(registry: StationRegistry, town: str, code: str) -> None:
    station = registry.station_for_town(town)
    assert station is not None and station.code == code


@pytest.mark.parametrize("town", ["梁山县", "梁山", "全县", "开发区", "梁山经济开发区",
                                  "馆驿镇", "韩岗镇", "东平县", "", None])
def test_no_general_station(registry: StationRegistry, town: str | None) -> None:
    assert registry.station_for_town(town) is None


# --------------------------------------------------------------------------- gazetteer


def test_gazetteer_lists_the_county_towns() -> None:
    gazetteer = load_gazetteer(GAZETTEER_PATH)
    assert set(gazetteer.towns) == COUNTY_TOWNS


@pytest.mark.parametrize(
    ("name", "kind", "town"),
    [("梁山县", "county", None), ("全县", "county", None), ("梁山", "county", None),
     ("梁山街道", "town", "梁山街道"), ("开发区", "zone", None),
     ("梁山经济开发区", "zone", None), ("寿张集港区", "town", "寿张集镇"),
     ("石头园村", "locality", "水泊街道"), ("徐集", "locality", "拳铺镇"),
     ("赵固堆乡", "town", "赵堌堆乡")],
)
def test_gazetteer_resolve(name: str, kind: str, town: str | None) -> None:
    place = load_gazetteer(GAZETTEER_PATH).resolve(name)
    assert place is not None
    assert (place.kind, place.town) == (kind, town)


# --------------------------------------------------------------------------- validation


def _write(tmp_path: Path, mutate) -> Path:
    """A copy of the packaged registry, changed by ``mutate(doc)``."""
    doc = yaml.safe_load(DEFAULT_STATIONS_PATH.read_text(encoding="utf-8"))
    doc["gazetteer"] = str(GAZETTEER_PATH)
    doc["industries"] = str(INDUSTRIES_PATH)
    mutate(doc)
    path = tmp_path / "stations.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _station(doc: dict, code: str) -> dict:
    return next(s for s in doc["stations"] if s["code"] == code)


def test_copy_of_packaged_registry_loads(tmp_path: Path) -> None:
    assert len(load_registry(_write(tmp_path, lambda doc: None)).stations) == 10


def test_unknown_kind_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda doc: _station(doc, "quanpu-coop").update(kind="village"))
    with pytest.raises(RegistryError, match=r"stations\[3\] \(code 'quanpu-coop'\): "
                                            r"unknown kind 'village'"):
        load_registry(path)


def test_duplicate_code_is_named(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        _station(doc, "devzone-education")["code"] = "devzone-rare-earth"
    with pytest.raises(RegistryError, match="duplicate code 'devzone-rare-earth'"):
        load_registry(_write(tmp_path, mutate))


@pytest.mark.parametrize("field", ["contact_email", "name", "specialty", "deputies", "kind"])
def test_missing_field_is_named(tmp_path: Path, field: str) -> None:
    path = _write(tmp_path, lambda doc: _station(doc, "shouzhangji-port").pop(field))
    with pytest.raises(RegistryError, match=rf"code 'shouzhangji-port'.*missing field '{field}'"):
        load_registry(path)


def test_missing_town_of_town_station(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda doc: _station(doc, "shuipo-street").pop("town"))
    with pytest.raises(RegistryError, match="code 'shuipo-street'.*missing field 'town'"):
        load_registry(path)


def test_town_not_in_gazetteer(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda doc: _station(doc, "quanpu-coop").update(town="拳铺"))
    with pytest.raises(RegistryError, match="town '拳铺' is not a town of the gazetteer"):
        load_registry(path)


def test_industry_station_with_a_town(tmp_path: Path) -> None:
    path = _write(tmp_path,
                  lambda doc: _station(doc, "devzone-education").update(town="开发区"))
    with pytest.raises(RegistryError, match="code 'devzone-education'.*set town: null"):
        load_registry(path)


def test_bad_weekday_is_named(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        _station(doc, "quanpu-coop")["deputies"][0]["duty_weekdays"] = [1, 7]
    with pytest.raises(RegistryError, match=r"quanpu-coop'\): deputies\[0\] \(马振华\): "
                                            r"duty_weekdays"):
        load_registry(_write(tmp_path, mutate))


def test_bad_deputy_level(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        _station(doc, "quanpu-coop")["deputies"][1]["level"] = "city"
    with pytest.raises(RegistryError, match="unknown level 'city'"):
        load_registry(_write(tmp_path, mutate))


def test_misspelt_field_is_rejected(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        _station(doc, "quanpu-coop")["keyword"] = _station(doc, "quanpu-coop").pop("keywords")
    with pytest.raises(RegistryError, match="unknown field 'keyword'"):
        load_registry(_write(tmp_path, mutate))


def test_two_stations_for_one_town(tmp_path: Path) -> None:
    path = _write(tmp_path,
                  lambda doc: _station(doc, "liangshan-street").update(town="水泊街道"))
    with pytest.raises(RegistryError, match="town '水泊街道' already has station 'shuipo-street'"):
        load_registry(path)


def test_triage_station_is_required(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        doc["stations"] = [s for s in doc["stations"] if s["kind"] != "triage"]
    with pytest.raises(RegistryError, match="exactly one station of kind 'triage'"):
        load_registry(_write(tmp_path, mutate))


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("stations: [\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="invalid YAML"):
        load_registry(bad)


def test_duplicate_gazetteer_name_is_named(tmp_path: Path) -> None:
    doc = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))
    doc["localities"].append({"name": "新村", "town": "馆驿镇", "aliases": ["拳铺"]})
    path = tmp_path / "gazetteer.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="'拳铺' is already used by town '拳铺镇'"):
        load_gazetteer(path)


def test_locality_in_unknown_town(tmp_path: Path) -> None:
    doc = yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))
    doc["localities"].append({"name": "新村", "town": "徐集镇"})
    path = tmp_path / "gazetteer.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"localities\[\d+\] \(新村\): unknown town '徐集镇'"):
        load_gazetteer(path)


# --------------------------------------------------------------------------- on duty

MONDAY = datetime(2026, 11, 16, 10, 0)  # a Monday
SUNDAY = datetime(2026, 11, 22, 10, 0)


def _names(deputies: list[Deputy]) -> list[str]:
    return [d.name for d in deputies]


def test_on_duty_by_weekday(registry: StationRegistry) -> None:
    assert _names(registry.on_duty("quanpu-coop", MONDAY)) == ["马振华"]
    assert _names(registry.on_duty("quanpu-coop", MONDAY + timedelta(days=1))) == ["高翠英"]
    assert _names(registry.on_duty("quanpu-coop", MONDAY + timedelta(days=4))) == ["邵明亮"]


def test_on_duty_falls_back_to_everyone(registry: StationRegistry) -> None:
    everyone = list(registry.get("quanpu-coop").deputies)
    assert registry.on_duty("quanpu-coop", SUNDAY) == everyone
    assert len(everyone) == 3


def test_on_duty_uses_county_time_for_aware_datetimes(registry: StationRegistry) -> None:
    # 20:00 UTC on Sunday is 04:00 on Monday in Liangshan.
    sunday_evening_utc = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert _names(registry.on_duty("quanpu-coop", sunday_evening_utc)) == ["马振华"]


def test_on_duty_unknown_station(registry: StationRegistry) -> None:
    with pytest.raises(KeyError):
        registry.on_duty("nowhere", MONDAY)
