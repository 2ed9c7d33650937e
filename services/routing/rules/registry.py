"""Station registry and gazetteer, loaded from YAML into frozen dataclasses.

The data lives in ``data/stations.yaml`` (stations, deputies, routing word lists),
``data/industries.yaml`` (the four industry stations' vocabulary, each word with its source)
and ``data/gazetteer.yaml`` (the county's towns and the other ways people write them).
All are validated on load: a bad entry raises :class:`RegistryError` naming it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from liaison.contracts.county_time import LOCAL_TZ
from liaison.contracts.vocabulary import DEPUTY_LEVELS, STATION_KINDS

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_STATIONS_PATH = DATA_DIR / "stations.yaml"

PLACE_KINDS = ("county", "town", "zone", "locality", "landmark")


# libyaml's safe loader when PyYAML was built with it (5x faster on the word lists), else
# the pure-Python one; both are safe loaders.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VOCABULARY_FIELDS = frozenset({"source", "note", "keywords", "fragments"})
_STATION_FIELDS = frozenset(
    {"code", "name", "kind", "town", "feature", "specialty", "keywords", "fragments",
     "contact_email", "webhook_url", "deputies"}
)
_DEPUTY_FIELDS = frozenset({"name", "level", "profession", "duty_weekdays"})


class RegistryError(ValueError):
    """The station registry or gazetteer YAML is unreadable or invalid."""


@dataclass(frozen=True)
class Deputy:
    name: str
    level: str  # "county" | "township"
    profession: str
    duty_weekdays: tuple[int, ...]  # 0 = Monday … 6 = Sunday


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    kind: str  # "town" | "industry" | "triage"
    town: str | None
    specialty: str
    keywords: tuple[str, ...]
    contact_email: str
    deputies: tuple[Deputy, ...]
    fragments: tuple[str, ...] = ()
    feature: str = ""
    webhook_url: str | None = None  # the station's own system, told of each case (optional)
    # Where each word of the vocabulary comes from (industries.yaml), for reasons.
    citations: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """Keywords and fragments together (what jieba must know as words)."""
        return self.keywords + self.fragments


@dataclass(frozen=True)
class Place:
    """One gazetteer entry. ``town`` is the town it lies in (a town's own name for a town)."""

    name: str
    kind: str  # "county" | "town" | "zone" | "locality" | "landmark"
    town: str | None
    note: str = ""


@dataclass(frozen=True)
class Gazetteer:
    county: Place
    places: tuple[Place, ...]
    # Every spelling (canonical names and aliases) → its place.
    surfaces: Mapping[str, Place] = field(compare=False, repr=False)
    # Spellings that are also everyday words: used only with care (see text.py).
    weak_surfaces: Mapping[str, Place] = field(compare=False, repr=False)
    weak_blockers: tuple[str, ...] = ()

    @property
    def towns(self) -> tuple[str, ...]:
        """Canonical names of the county's towns, subdistricts and townships."""
        return tuple(p.name for p in self.places if p.kind == "town")

    def resolve(self, name: str | None) -> Place | None:
        """The place a whole field value names (alias or canonical), or None."""
        if not name:
            return None
        key = name.strip()
        return self.surfaces.get(key) or self.weak_surfaces.get(key)


@dataclass(frozen=True)
class Cues:
    """Word lists the routing rules use beyond the stations' own vocabulary."""

    enterprise_voice: tuple[str, ...] = ()
    employee: tuple[str, ...] = ()
    nuisance: tuple[str, ...] = ()
    accused: tuple[str, ...] = ()
    neighbour: tuple[str, ...] = ()
    # The subject of the submission (subject.py): see the comments in stations.yaml.
    others: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    self: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    firms: tuple[str, ...] = ()
    trades: tuple[str, ...] = ()
    comparison: tuple[str, ...] = ()
    destination: tuple[str, ...] = ()


@dataclass(frozen=True)
class StationRegistry:
    stations: tuple[Station, ...]
    gazetteer: Gazetteer
    cues: Cues = Cues()
    source: str = ""
    _by_code: Mapping[str, Station] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_code = MappingProxyType({s.code: s for s in self.stations})
        object.__setattr__(self, "_by_code", by_code)

    def get(self, code: str) -> Station:
        """The station with this code; raises KeyError for an unknown code."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown station code: {code!r}") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)

    @property
    def industry_stations(self) -> tuple[Station, ...]:
        return tuple(s for s in self.stations if s.kind == "industry")

    @property
    def triage(self) -> Station:
        """The county office that takes what no other station takes (exactly one)."""
        return next(s for s in self.stations if s.kind == "triage")

    def station_for_town(self, town: str | None) -> Station | None:
        """The general station of a town (canonical name or alias), if it has one."""
        place = self.gazetteer.resolve(town)
        if place is None or place.town is None:
            return None
        return next(
            (s for s in self.stations if s.kind == "town" and s.town == place.town), None
        )

    def on_duty(self, code: str, when: datetime) -> list[Deputy]:
        """Deputies of a station on duty on ``when``'s weekday (county time).

        An aware ``when`` is converted to county time first; a naive one is taken as
        county time. If nobody is rostered that day, every deputy of the station is
        returned: a case must always have someone.
        """
        station = self.get(code)
        local = when.astimezone(LOCAL_TZ) if when.tzinfo is not None else when
        day = local.weekday()
        rostered = [d for d in station.deputies if day in d.duty_weekdays]
        return rostered or list(station.deputies)


# --------------------------------------------------------------------------- loading


def load_registry(
    path: str | Path | None = None, gazetteer_path: str | Path | None = None
) -> StationRegistry:
    """Load and validate the station registry (default: the packaged stations.yaml).

    The gazetteer comes from ``gazetteer_path`` if given, else from the file the
    registry's ``gazetteer:`` key names (relative to the registry file).
    """
    stations_path = Path(path) if path is not None else DEFAULT_STATIONS_PATH
    doc = _read_yaml(stations_path)
    where = stations_path.name
    if gazetteer_path is None:
        ref = _opt_str(doc, "gazetteer", where) or "gazetteer.yaml"
        gazetteer_path = stations_path.parent / ref
    gazetteer = load_gazetteer(gazetteer_path)
    cues = _parse_cues(doc.get("cues") or {}, f"{where}: cues")
    raw_stations = doc.get("stations")
    if not isinstance(raw_stations, list) or not raw_stations:
        raise RegistryError(f"{where}: 'stations' must be a non-empty list")
    stations = tuple(
        _parse_station(entry, f"{where}: stations[{i}]", gazetteer)
        for i, entry in enumerate(raw_stations)
    )
    _check_stations(stations, where)
    industries_ref = _opt_str(doc, "industries", where)
    if industries_ref is not None:
        stations = _with_industry_vocabulary(stations, stations_path.parent / industries_ref)
    for station in stations:
        if station.kind == "industry" and not station.keywords:
            raise RegistryError(f"{where}: station {station.code!r}: an industry station needs "
                                "keywords naming its industry (in industries.yaml)")
    return StationRegistry(stations=stations, gazetteer=gazetteer, cues=cues,
                           source=str(stations_path))


@functools.cache
def default_registry() -> StationRegistry:
    """The packaged registry, loaded once per process."""
    return load_registry()


def load_gazetteer(path: str | Path) -> Gazetteer:
    """Load and validate a gazetteer YAML file."""
    gpath = Path(path)
    doc = _read_yaml(gpath)
    where = gpath.name
    surfaces: dict[str, Place] = {}
    weak: dict[str, Place] = {}

    county_doc = _mapping(doc.get("county"), f"{where}: county")
    county = Place(_req_str(county_doc, "name", f"{where}: county"), "county", None)
    _add_surfaces(surfaces, county, county_doc, f"{where}: county")

    places: list[Place] = []
    for i, entry in enumerate(_list(doc, "towns", where)):
        ctx = f"{where}: towns[{i}]"
        entry = _mapping(entry, ctx)
        name = _req_str(entry, "name", ctx)
        place = Place(name, "town", name, _opt_str(entry, "level", ctx) or "")
        _add_surfaces(surfaces, place, entry, f"{ctx} ({name})")
        for alias in _str_list(entry, "weak_aliases", f"{ctx} ({name})"):
            _claim(surfaces | weak, alias, place, f"{ctx} ({name})")
            weak[alias] = place
        places.append(place)
    towns = {p.name for p in places}

    for i, entry in enumerate(_list(doc, "zones", where, required=False)):
        ctx = f"{where}: zones[{i}]"
        entry = _mapping(entry, ctx)
        name = _req_str(entry, "name", ctx)
        place = Place(name, "zone", None, _opt_str(entry, "note", ctx) or "")
        _add_surfaces(surfaces, place, entry, f"{ctx} ({name})")
        places.append(place)

    for i, entry in enumerate(_list(doc, "localities", where, required=False)):
        ctx = f"{where}: localities[{i}]"
        entry = _mapping(entry, ctx)
        name = _req_str(entry, "name", ctx)
        town = _req_str(entry, "town", f"{ctx} ({name})")
        if town not in towns:
            raise RegistryError(f"{ctx} ({name}): unknown town {town!r}; not in 'towns'")
        place = Place(name, "locality", town, _opt_str(entry, "note", ctx) or "")
        _add_surfaces(surfaces, place, entry, f"{ctx} ({name})")
        places.append(place)

    for i, entry in enumerate(_list(doc, "landmarks", where, required=False)):
        ctx = f"{where}: landmarks[{i}]"
        entry = _mapping(entry, ctx)
        name = _req_str(entry, "name", ctx)
        place = Place(name, "landmark", None, _opt_str(entry, "note", ctx) or "")
        _add_surfaces(surfaces, place, entry, f"{ctx} ({name})")
        places.append(place)

    blockers = _str_list(doc, "weak_alias_blockers", where)
    return Gazetteer(county=county, places=tuple(places),
                     surfaces=MappingProxyType(surfaces), weak_surfaces=MappingProxyType(weak),
                     weak_blockers=blockers)


# --------------------------------------------------------------------------- parsing helpers


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        doc = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (_YAML_LOADER is a safe loader)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path.name}: invalid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RegistryError(f"{path.name}: top level must be a mapping")
    return doc


def _parse_station(entry: Any, ctx: str, gazetteer: Gazetteer) -> Station:
    entry = _mapping(entry, ctx)
    code = _req_str(entry, "code", ctx)
    ctx = f"{ctx} (code {code!r})"
    unknown = sorted(set(entry) - _STATION_FIELDS)
    if unknown:
        raise RegistryError(f"{ctx}: unknown field {unknown[0]!r}")
    if not _CODE_RE.match(code):
        raise RegistryError(f"{ctx}: code must be lowercase letters, digits and dashes")
    kind = _req_str(entry, "kind", ctx)
    if kind not in STATION_KINDS:
        raise RegistryError(
            f"{ctx}: unknown kind {kind!r}; expected one of {', '.join(STATION_KINDS)}"
        )
    town = _parse_station_town(entry, kind, ctx, gazetteer)
    email = _req_str(entry, "contact_email", ctx)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise RegistryError(f"{ctx}: contact_email {email!r} is not an e-mail address")
    raw_deputies = entry.get("deputies")
    if raw_deputies is None:
        raise RegistryError(f"{ctx}: missing field 'deputies'")
    if not isinstance(raw_deputies, list) or not raw_deputies:
        raise RegistryError(f"{ctx}: 'deputies' must be a non-empty list")
    deputies = tuple(
        _parse_deputy(d, f"{ctx}: deputies[{j}]") for j, d in enumerate(raw_deputies)
    )
    keywords = _str_list(entry, "keywords", ctx)
    return Station(
        code=code, name=_req_str(entry, "name", ctx), kind=kind, town=town,
        specialty=_req_str(entry, "specialty", ctx).strip(), keywords=keywords,
        contact_email=email, deputies=deputies,
        fragments=_str_list(entry, "fragments", ctx),
        feature=_opt_str(entry, "feature", ctx) or "",
        webhook_url=_webhook_url(entry, ctx),
    )


def _webhook_url(entry: Mapping[str, Any], ctx: str) -> str | None:
    url = _opt_str(entry, "webhook_url", ctx)
    if url is not None and not url.startswith(("http://", "https://")):
        raise RegistryError(f"{ctx}: webhook_url {url!r} must be an http(s) URL")
    return url


def _parse_station_town(
    entry: Mapping[str, Any], kind: str, ctx: str, gazetteer: Gazetteer
) -> str | None:
    town = _opt_str(entry, "town", ctx)
    if kind != "town":
        if town is not None:
            raise RegistryError(f"{ctx}: a {kind} station serves no single town; set town: null")
        return None
    if "town" not in entry:
        raise RegistryError(f"{ctx}: missing field 'town'")
    if town is None or town not in gazetteer.towns:
        raise RegistryError(f"{ctx}: town {town!r} is not a town of the gazetteer")
    return town


def _parse_deputy(entry: Any, ctx: str) -> Deputy:
    entry = _mapping(entry, ctx)
    name = _req_str(entry, "name", ctx)
    ctx = f"{ctx} ({name})"
    unknown = sorted(set(entry) - _DEPUTY_FIELDS)
    if unknown:
        raise RegistryError(f"{ctx}: unknown field {unknown[0]!r}")
    level = _req_str(entry, "level", ctx)
    if level not in DEPUTY_LEVELS:
        raise RegistryError(
            f"{ctx}: unknown level {level!r}; expected one of {', '.join(DEPUTY_LEVELS)}"
        )
    if "duty_weekdays" not in entry:
        raise RegistryError(f"{ctx}: missing field 'duty_weekdays'")
    days = entry["duty_weekdays"]
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
    ):
        raise RegistryError(f"{ctx}: duty_weekdays must be a list of integers 0 (Mon) to 6 (Sun)")
    return Deputy(name=name, level=level, profession=_req_str(entry, "profession", ctx),
                  duty_weekdays=tuple(sorted(set(days))))


def _parse_cues(doc: Any, ctx: str) -> Cues:
    doc = _mapping(doc, ctx)
    unknown = sorted(set(doc) - set(Cues.__dataclass_fields__))
    if unknown:
        raise RegistryError(f"{ctx}: unknown cue list {unknown[0]!r}")
    return Cues(**{name: _str_list(doc, name, ctx) for name in Cues.__dataclass_fields__})


def _with_industry_vocabulary(stations: tuple[Station, ...], path: Path) -> tuple[Station, ...]:
    """The stations, each industry station given its cited vocabulary from ``path``."""
    doc = _read_yaml(path)
    where = path.name
    industries = _mapping(doc.get("industries"), f"{where}: industries")
    by_code = {s.code: s for s in stations}
    merged: dict[str, Station] = {}
    for code, groups in industries.items():
        station = by_code.get(code)
        if station is None or station.kind != "industry":
            raise RegistryError(f"{where}: {code!r} is not an industry station of the registry")
        keywords, fragments = list(station.keywords), list(station.fragments)
        citations: dict[str, str] = dict(station.citations)
        if not isinstance(groups, list) or not groups:
            raise RegistryError(f"{where}: {code}: expected a non-empty list of groups")
        for i, group in enumerate(groups):
            ctx = f"{where}: {code}[{i}]"
            group = _mapping(group, ctx)
            unknown = sorted(set(group) - _VOCABULARY_FIELDS)
            if unknown:
                raise RegistryError(f"{ctx}: unknown field {unknown[0]!r}")
            source = _req_str(group, "source", ctx)
            words = _str_list(group, "keywords", ctx)
            stems = _str_list(group, "fragments", ctx)
            if not words and not stems:
                raise RegistryError(f"{ctx}: a group needs keywords or fragments")
            keywords.extend(words)
            fragments.extend(stems)
            for word in (*words, *stems):
                citations.setdefault(word, source)
        merged[code] = replace(
            station, keywords=tuple(dict.fromkeys(keywords)),
            fragments=tuple(dict.fromkeys(fragments)), citations=MappingProxyType(citations))
    return tuple(merged.get(s.code, s) for s in stations)


def _check_stations(stations: tuple[Station, ...], where: str) -> None:
    seen: dict[str, int] = {}
    towns: dict[str, str] = {}
    for i, station in enumerate(stations):
        if station.code in seen:
            raise RegistryError(
                f"{where}: stations[{i}]: duplicate code {station.code!r} "
                f"(first at stations[{seen[station.code]}])"
            )
        seen[station.code] = i
        if station.town is not None:
            if station.town in towns:
                raise RegistryError(
                    f"{where}: stations[{i}] (code {station.code!r}): town {station.town!r} "
                    f"already has station {towns[station.town]!r}"
                )
            towns[station.town] = station.code
    triage = [s.code for s in stations if s.kind == "triage"]
    if len(triage) != 1:
        raise RegistryError(
            f"{where}: exactly one station of kind 'triage' is required, found {len(triage)}"
        )


def _add_surfaces(
    surfaces: dict[str, Place], place: Place, entry: Mapping[str, Any], ctx: str
) -> None:
    for surface in (place.name, *_str_list(entry, "aliases", ctx)):
        _claim(surfaces, surface, place, ctx)
        surfaces[surface] = place


def _claim(surfaces: Mapping[str, Place], surface: str, place: Place, ctx: str) -> None:
    other = surfaces.get(surface)
    if other is not None:
        raise RegistryError(
            f"{ctx}: name {surface!r} is already used by {other.kind} {other.name!r}"
        )


def _mapping(value: Any, ctx: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise RegistryError(f"{ctx}: expected a mapping, got {type(value).__name__}")
    return value


def _list(doc: Mapping[str, Any], key: str, ctx: str, required: bool = True) -> list[Any]:
    value = doc.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise RegistryError(f"{ctx}: '{key}' must be a list")
    return value


def _req_str(entry: Mapping[str, Any], key: str, ctx: str) -> str:
    if key not in entry or entry[key] is None:
        raise RegistryError(f"{ctx}: missing field {key!r}")
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{ctx}: field {key!r} must be a non-empty string")
    return value.strip()


def _opt_str(entry: Mapping[str, Any], key: str, ctx: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RegistryError(f"{ctx}: field {key!r} must be a string")
    return value.strip() or None


def _str_list(entry: Mapping[str, Any], key: str, ctx: str) -> tuple[str, ...]:
    value = entry.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegistryError(f"{ctx}: '{key}' must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))
