"""The deputy registry: deputies (name, level, deputy group 代表小组, stations, profession, term) and
stations, as the operator keeps them, and the changes a new version of it makes.

**How it relates to routing's station registry.** ``services/routing/data/stations.yaml`` stays the
authority for the duty roster (who is on duty at which station on which weekday; routing names them
in ``case_routed``). This registry is the authority for the deputies themselves and their archives.
It does not copy the rosters: a registry file names the roster file it takes stations and deputies
from (``rosters:``), and adds what the roster does not know (terms, groups, facts per deputy), so a
name is written once and a case's deputy on duty is the deputy of the same name here.

A registry file (YAML, see ``data/registry.yaml``)::

    rosters: ../../../routing/data/stations.yaml      # relative to this file; optional
    terms: {county: {code, name, start, end}, township: {...}}   # each level's current term
    groups: {<station code>: 代表小组名}           # a deputy's group: that of their first station
    deputies:                                      # by name: facts beyond the roster, or deputies
      李慧敏: {details: {性别: 女}}                 # on no roster (then level and stations too)

resolves to the document the HTTP API takes (``schemas.RegistryDocument``):
``{"stations": [{code, name, kind, town, feature}], "deputies": [{id, name, level, group, stations,
profession, term, active, details}]}``. Loading it is an upsert: a deputy missing from a later
document is left as is (set ``active: false`` to record that a deputy left office).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from liaison.contracts.events import to_jsonable
from services.archive.deputies.schemas import RegistryDocument

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_REGISTRY_PATH = DATA_DIR / "registry.yaml"
DEPUTY_FIELDS = ("name", "level", "group", "stations", "profession", "term", "active", "details")
STATION_FIELDS = ("name", "kind", "town", "feature")


class RegistryFileError(ValueError):
    pass


# --- the file ----------------------------------------------------------------------------------


def resolve_file(path: str | Path = DEFAULT_REGISTRY_PATH) -> dict[str, Any]:
    """The registry document a registry file describes (rosters included), not yet validated."""
    path = Path(path)
    doc = _read_yaml(path)
    if "stations" in doc or isinstance(doc.get("deputies"), list):
        return to_jsonable(doc)  # already a document
    terms = doc.get("terms") or {}
    groups = doc.get("groups") or {}
    stations: list[dict[str, Any]] = []
    deputies: dict[str, dict[str, Any]] = {}
    if doc.get("rosters"):
        roster = _read_yaml((path.parent / doc["rosters"]).resolve())
        for station in roster.get("stations") or []:
            stations.append({key: station.get(key) for key in ("code", "name", "kind", "town",
                                                               "feature")})
            for member in station.get("deputies") or []:
                deputy = deputies.setdefault(member["name"], {
                    "name": member["name"], "level": member.get("level"),
                    "profession": member.get("profession"), "stations": []})
                deputy["stations"].append(station["code"])
    for name, facts in (doc.get("deputies") or {}).items():
        deputy = deputies.setdefault(name, {"name": name, "stations": []})
        deputy.update(facts or {})
    for deputy in deputies.values():
        if "term" not in deputy or isinstance(deputy["term"], str):
            key = deputy.get("term") or deputy.get("level")
            if key not in terms:
                raise RegistryFileError(f"{path.name}: no term {key!r} for deputy {deputy['name']}")
            deputy["term"] = dict(terms[key])
        if deputy.get("group") is None and deputy["stations"]:
            deputy["group"] = groups.get(deputy["stations"][0])
    return to_jsonable({"stations": stations, "deputies": list(deputies.values())})


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryFileError(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise RegistryFileError(f"{path}: expected a mapping at the top")
    return doc


# --- the document --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registry:
    stations: dict[str, dict[str, Any]]  # code → {name, kind, town, feature}
    deputies: dict[str, dict[str, Any]]  # id → {name, level, group, stations, profession, term, …}


def parse_document(document: Any) -> Registry:
    """Validate a registry document; raises ValidationError with per-field messages."""
    loaded = RegistryDocument().load(document)
    stations = {s["code"]: {k: s.get(k) for k in STATION_FIELDS} for s in loaded["stations"]}
    deputies: dict[str, dict[str, Any]] = {}
    errors: dict[str, Any] = {}
    for i, d in enumerate(loaded["deputies"]):
        deputy_id = d.get("id") or d["name"]
        if deputy_id in deputies:
            errors[f"deputies.{i}"] = [f"deputy id {deputy_id!r} twice (give each an id)"]
            continue
        term = d["term"]
        deputies[deputy_id] = {
            "name": d["name"], "level": d["level"], "group": d.get("group"),
            "stations": list(dict.fromkeys(d["stations"])), "profession": d.get("profession"),
            "term": {"code": term["code"], "name": term.get("name"),
                     "start": term["start"].isoformat(), "end": term["end"].isoformat()},
            "active": d["active"], "details": d["details"],
        }
    if errors:
        raise ValidationError(errors)
    return Registry(stations, deputies)


@dataclass(frozen=True)
class Change:
    """One registry change: the event to publish and the row it leaves behind."""

    event_type: str
    key: str
    data: dict[str, Any]


def plan(registry: Registry, current_deputies: Mapping[str, dict[str, Any]],
         current_stations: Mapping[str, dict[str, Any]]) -> tuple[list[Change], list[str]]:
    """The changes ``registry`` makes to the current one, and the problems that forbid them
    (a deputy at a station neither registry knows)."""
    known_stations = set(current_stations) | set(registry.stations)
    problems = [f"deputy {d['name']}: unknown station {code!r}"
                for d in registry.deputies.values() for code in d["stations"]
                if code not in known_stations]
    changes: list[Change] = []
    for code, station in registry.stations.items():
        old = current_stations.get(code)
        changed = _changed(old, station, STATION_FIELDS)
        if old is None or changed:
            version = (old or {}).get("version", 0) + 1
            changes.append(Change("station_registered" if old is None else "station_updated", code,
                                  {"code": code, **station, "version": version,
                                   "changes": changed}))
    for deputy_id, deputy in registry.deputies.items():
        old = current_deputies.get(deputy_id)
        changed = _changed(old, deputy, DEPUTY_FIELDS)
        if old is None or changed:
            version = (old or {}).get("version", 0) + 1
            changes.append(Change("deputy_registered" if old is None else "deputy_updated",
                                  deputy_id, {"deputy_id": deputy_id, **deputy, "version": version,
                                              "changes": changed}))
    return changes, problems


def _changed(old: Mapping[str, Any] | None, new: Mapping[str, Any], names: tuple[str, ...]) -> list:
    if old is None:
        return []
    return [name for name in names if _norm(old.get(name)) != _norm(new.get(name))]


def _norm(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


# --- rows ----------------------------------------------------------------------------------------


def deputy_row(data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``archive_deputies`` row of a deputy_registered/updated event's data."""
    term = data["term"]
    return {
        "deputy_id": data["deputy_id"], "name": data["name"], "level": data["level"],
        "group_name": data.get("group"), "stations": list(data.get("stations") or []),
        "profession": data.get("profession"), "term_code": term["code"],
        "term_name": term.get("name"), "term_start": date.fromisoformat(str(term["start"])),
        "term_end": date.fromisoformat(str(term["end"])), "active": bool(data.get("active", True)),
        "details": dict(data.get("details") or {}), "version": data["version"],
    }


def deputy_of_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A registry row as the registry document spells a deputy (``plan`` compares these)."""
    return {
        "deputy_id": row["deputy_id"], "name": row["name"], "level": row["level"],
        "group": row["group_name"], "stations": list(row["stations"] or []),
        "profession": row["profession"],
        "term": {"code": row["term_code"], "name": row["term_name"],
                 "start": row["term_start"].isoformat(), "end": row["term_end"].isoformat()},
        "active": row["active"], "details": dict(row["details"] or {}), "version": row["version"],
    }


def station_row(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": data["code"], "name": data["name"], "kind": data["kind"],
            "town": data.get("town"), "feature": data.get("feature"), "version": data["version"]}
