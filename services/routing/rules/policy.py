"""The routing policy: which deputy liaison station gets a submission.

This is the file to read for the rules. The word lists they use live in
``data/stations.yaml`` and the place names in ``data/gazetteer.yaml``; the authority is
POLICY.md. The most specific match wins, in this order:

1. town-specialty – the submission's town is known and that town's station has a
   specialty whose vocabulary the submission uses: that station.
2. industry       – otherwise, the submission speaks for an enterprise's own operation
   and names one of the four county-wide industries: that industry station, whatever
   the town.
3. town-general   – otherwise, the town is known and has a station: that station
   (general community affairs).
4. triage         – otherwise the county office routes it by hand, and the reason
   says why nothing matched.

Hard cases:
- The town comes from the form's ``town`` field; where that is empty (or names no town),
  from the first place name in the text. 梁山县/全县 is the county, not 梁山街道.
  开发区 (the development zone) has no general station. A town named as a comparison
  ("人家小路口镇…") is not where the submission comes from; a destination ("发往…") counts
  only when nothing else is named; a town misspelt by sound ("拳埔镇") is that town.
- The subject (subject.py): only the submitting enterprise's own industry feeds rule 2,
  not the firms it mentions in passing ("附近的挂车厂也有同样的问题"); a worker speaking of
  the employer ("我在稀土厂上班") is not the enterprise speaking.
- A shipping enterprise outside 寿张集镇 is an enterprise of the port-logistics industry:
  the township specialty binds to its town, so rule 2 takes it.
- Towns without a station (馆驿镇, 韩岗镇, …) fall through to triage.
- A resident's complaint about a factory's noise or smell is a community matter of the
  resident's town, not an industry matter, even when it names the industry.
- A township specialty binds to its town: rule 1 only looks at the submission's own
  town, so a cooperative in 小路口镇 goes to 小路口镇's station, never to 拳铺镇's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.routing.rules.registry import Place, Station, StationRegistry
from services.routing.rules.subject import PASSING, Standing, SubjectReader, echo_title, rank
from services.routing.rules.text import (
    PlaceMention,
    Segmented,
    TextAnalyzer,
    analyzer_for,
    find_phrase,
    normalize,
)

RULE_TOWN_SPECIALTY = "town-specialty"
RULE_INDUSTRY = "industry"
RULE_TOWN_GENERAL = "town-general"
RULE_TRIAGE = "triage"

SOURCE_FORM = "form"
SOURCE_TEXT = "text"

# Rule 2 hears an enterprise when the submitter is one, files through the enterprise
# channel, names an enterprise, or speaks as one ("我们公司…", cues in stations.yaml).
ENTERPRISE_SUBMITTERS = frozenset({"enterprise"})
ENTERPRISE_CHANNELS = frozenset({"enterprise_form"})

_MAX_QUOTED = 4  # words quoted in a reason


@dataclass(frozen=True)
class RoutingRequest:
    id: str
    channel: str
    submitter_type: str
    town: str | None
    title: str
    content: str
    category: str | None = None
    enterprise_name: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    station: str
    rule: str  # "town-specialty" | "industry" | "town-general" | "triage"
    reason: str  # Chinese, for people: which rule, which words or fields decided it
    town: str | None  # the town (or zone) the submission was placed in
    town_source: str | None  # "form" | "text" | None
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Location:
    """Where the submission comes from, and how we know."""

    place: Place | None  # a town or a zone, never the county or a locality
    source: str | None
    surface: str | None  # as written in the text, for text-sourced places
    note: str = ""  # why no place was found, or what the form said that we set aside
    respelt: bool = False  # written with other characters of the same sound

    @property
    def is_town(self) -> bool:
        return self.place is not None and self.place.kind == "town"

    def phrase(self) -> str:
        """The place and how we know it, e.g. 寿张集镇（正文提及“寿张集港区”）."""
        assert self.place is not None
        sound = f"，按读音视为{self.place.name}" if self.respelt else ""
        if self.source == SOURCE_FORM:
            said = f"“{self.surface}”" if self.respelt else ""
            return f"{self.place.name}（表单填写{said}{sound}）"
        said = f"“{self.surface}”" if self.surface and self.surface != self.place.name else ""
        aside = f"；{self.note}" if self.note else ""
        return f"{self.place.name}（正文提及{said}{sound}{aside}）"


@dataclass(frozen=True)
class _Facts:
    """Everything the rules look at, computed once per request."""

    request: RoutingRequest
    registry: StationRegistry
    text: Segmented
    location: _Location
    place_spans: tuple[tuple[int, int], ...]
    voice: str | None  # how the submission speaks for an enterprise, or None
    nuisance: tuple[str, ...]  # nuisance words, when it complains about a neighbour
    reader: SubjectReader
    worker: str | None = None  # the phrase by which a worker speaks of the employer
    title_end: int = 0  # the title's end in ``text`` (the title comes first)

    @functools.cached_property
    def industries(self) -> list[Standing]:
        """The industries the text speaks of as the submitter's own, best first."""
        return rank(self.standings)

    @functools.cached_property
    def passing(self) -> tuple[tuple[str, str], ...]:
        """(word, marker) of industry words said of other parties, in text order."""
        said = sorted((m.start, m.word, m.marker) for s in self.standings for m in s.passing)
        words = {w for _, w, _ in said}
        return tuple(dict.fromkeys((w, k) for _, w, k in said
                                   if not any(w != o and w in o for o in words)))

    @functools.cached_property
    def standings(self) -> tuple[Standing, ...]:
        """What the text says of each industry: the words that count, and those in passing."""
        standings = []
        for station in self.registry.industry_stations:
            spans = self.text.spans(station.keywords, station.fragments, exclude=self.place_spans)
            mentions = echo_title([self.reader.mention(*span) for span in spans],
                                  self.title_end)
            standings.append(Standing(
                station.code,
                own=tuple(m for m in mentions if m.role != PASSING),
                passing=tuple(m for m in mentions if m.role == PASSING)))
        return tuple(standings)

    @property
    def town_station(self) -> Station | None:
        if not self.location.is_town:
            return None
        assert self.location.place is not None
        return self.registry.station_for_town(self.location.place.name)

    def find(self, station: Station) -> tuple[str, ...]:
        return self.text.find(station.keywords, station.fragments, exclude=self.place_spans)


# --------------------------------------------------------------------------- entry point


def decide(request: RoutingRequest, registry: StationRegistry) -> RoutingDecision:
    """Route one submission: the first rule that matches decides."""
    facts = _gather(request, registry)
    for rule in _RULES:
        decision = rule(facts)
        if decision is not None:
            return decision
    return _triage(facts)


# --------------------------------------------------------------------------- the rules


def _town_specialty(f: _Facts) -> RoutingDecision | None:
    """Rule 1: the town's own station, when its specialty covers the topic."""
    station = f.town_station
    if station is None or not station.vocabulary:
        return None
    words = f.find(station)
    if not words:
        return None
    reason = (f"规则1：{f.location.phrase()}设有{station.feature}特色站，"
              f"诉求涉及{_quote(words)}")
    return _decision(f, station, RULE_TOWN_SPECIALTY, reason, words)


def _industry(f: _Facts) -> RoutingDecision | None:
    """Rule 2: an enterprise's own operation in one of the county-wide industries."""
    if f.voice is None or f.nuisance:
        return None
    found = _industry_match(f)
    if found is None:
        return None
    station, words = found
    where = f"（{f.location.place.name}）" if f.location.place is not None else ""
    reason = (f"规则2：{f.voice}，所属行业为{station.feature}，涉及{_quote(words)}"
              f"{_citation(station, words, f)}{_town_aside(f)}；"
              f"行业站面向全县，不论企业所在镇街{where}{_passing_note(f)}")
    return _decision(f, station, RULE_INDUSTRY, reason, words)


def _town_general(f: _Facts) -> RoutingDecision | None:
    """Rule 3: the town's station, for general community affairs."""
    station = f.town_station
    if station is None:
        return None
    specialty = f"，诉求不涉及{station.feature}特色" if station.vocabulary else ""
    notes, cited = _notes(f)
    reason = (f"规则3：{f.location.phrase()}设有{station.name}{specialty}，"
              f"按一般事务由该站受理{notes}")
    return _decision(f, station, RULE_TOWN_GENERAL, reason, cited)


def _triage(f: _Facts) -> RoutingDecision:
    """Rule 4: nothing matched; the county office routes it by hand."""
    loc = f.location
    if loc.place is not None and loc.place.kind == "zone":
        cause = f"{loc.phrase()}不设综合代表联络站"
    elif loc.place is not None:
        cause = f"{loc.phrase()}暂未设立代表联络站"
    else:
        cause = loc.note or "未能从表单或正文确定所在镇街"
    if f.voice is not None and not f.nuisance and _industry_match(f) is None:
        industries = "、".join(s.feature for s in f.registry.industry_stations)
        cause += f"；企业所属行业不属于{industries}等行业站"
    notes, cited = _notes(f)
    reason = f"规则4：{cause}{notes}，转{f.registry.triage.name}人工分派"
    return _decision(f, f.registry.triage, RULE_TRIAGE, reason, cited)


_RULES: tuple[Callable[[_Facts], RoutingDecision | None], ...] = (
    _town_specialty,
    _industry,
    _town_general,
)


# --------------------------------------------------------------------------- facts


def _gather(request: RoutingRequest, registry: StationRegistry) -> _Facts:
    analyzer = analyzer_for(registry)
    text = "。".join(
        part for part in (normalize(request.title), normalize(request.content),
                          normalize(request.enterprise_name), normalize(request.category))
        if part
    )
    mentions = analyzer.places(text)
    if not any(m.place.kind != "county" for m in mentions):
        mentions = sorted(mentions + analyzer.respelt_places(text), key=lambda m: m.start)
    segmented = analyzer.segment(text)
    reader = SubjectReader(segmented, registry.cues)
    worker = _worker(request, segmented.text, registry)
    voice = None if worker else _enterprise_voice(request, segmented.text,
                                                   registry.cues.enterprise_voice)
    return _Facts(
        request=request,
        registry=registry,
        text=segmented,
        location=_locate(request.town, mentions, analyzer, reader),
        # Place names are not topics ("港区" in "寿张集港区"); landmarks like 梁山港 are.
        place_spans=tuple((m.start, m.end) for m in mentions if m.place.kind != "landmark"),
        voice=voice,
        nuisance=_nuisance_complaint(segmented, voice, registry),
        reader=reader,
        worker=worker,
        title_end=len(normalize(request.title)),
    )


def _locate(form_town: str | None, mentions: list[PlaceMention],
            analyzer: TextAnalyzer, reader: SubjectReader) -> _Location:
    """The form's town if it names one; else the first town or zone the text names as the
    submission's own (not a comparison; a destination only when nothing else is named)."""
    gazetteer = analyzer.gazetteer
    form = normalize(form_town)
    note = ""
    if form:
        place = _place_in_form(form, analyzer)
        if place is not None:
            return _Location(place, SOURCE_FORM, form)
        respelt = [m for m in analyzer.respelt_places(form) if m.surface == form]
        if respelt:
            return _Location(respelt[0].place, SOURCE_FORM, form, respelt=True)
        if gazetteer.resolve(form) == gazetteer.county:
            note = f"表单所填“{form}”指全县，不是具体镇街"
        else:
            note = f"表单所填“{form}”不在本县镇街名录中"
    asides: list[str] = []
    destinations: list[tuple[PlaceMention, Place]] = []
    for mention in mentions:
        place = _town_or_zone(mention.place, analyzer)
        if place is None:
            continue
        compared = reader.place_is_compared(mention.start)
        if compared:
            asides.append(f"“{mention.surface}”前有“{compared}”，是比较，不是所在地")
            continue
        if reader.place_is_destination(mention.start):
            destinations.append((mention, place))
            continue
        return _Location(place, SOURCE_TEXT, mention.surface, _join(note, *asides),
                         respelt=mention.respelt)
    if destinations:
        mention, place = destinations[0]
        return _Location(place, SOURCE_TEXT, mention.surface, _join(note, *asides),
                         respelt=mention.respelt)
    county = [m.surface for m in mentions if m.place.kind == "county"]
    if county and not note:
        note = f"正文只提及“{county[0]}”（全县），未指明具体镇街"
    return _Location(None, None, None,
                     _join(note or "未能从表单或正文确定所在镇街", *asides))


def _join(*parts: str) -> str:
    return "；".join(p for p in parts if p)


def _place_in_form(form: str, analyzer: TextAnalyzer) -> Place | None:
    """The town or zone a form value names: exactly, or inside a longer address."""
    place = _town_or_zone(analyzer.gazetteer.resolve(form), analyzer)
    if place is not None:
        return place
    for mention in analyzer.places(form):
        place = _town_or_zone(mention.place, analyzer)
        if place is not None:
            return place
    return None


def _town_or_zone(place: Place | None, analyzer: TextAnalyzer) -> Place | None:
    """A locality stands for its town; the county and landmarks stand for no place."""
    if place is None or place.kind in ("county", "landmark"):
        return None
    if place.kind == "locality" and place.town is not None:
        return analyzer.gazetteer.resolve(place.town)
    return place


def _worker(request: RoutingRequest, text: str, registry: StationRegistry) -> str | None:
    """The phrase by which a worker speaks of the employer ("在…上班"), unless the submitter
    or the channel is an enterprise's: then the enterprise speaks whatever it says."""
    if ((request.submitter_type or "").strip() in ENTERPRISE_SUBMITTERS
            or (request.enterprise_name or "").strip()
            or (request.channel or "").strip() in ENTERPRISE_CHANNELS):
        return None
    return find_phrase(text, registry.cues.employee)


def _enterprise_voice(request: RoutingRequest, text: str, phrases: Iterable[str]) -> str | None:
    """How the submission speaks for an enterprise's own operation, or None."""
    if (request.submitter_type or "").strip() in ENTERPRISE_SUBMITTERS:
        return "提交人为企业"
    name = (request.enterprise_name or "").strip()
    if name:
        return f"以企业“{name}”名义提交"
    if (request.channel or "").strip() in ENTERPRISE_CHANNELS:
        return "经企业诉求渠道提交"
    phrase = find_phrase(text, phrases)
    if phrase is not None:
        return f"以企业自身名义陈述（“{phrase}”）"
    return None


def _nuisance_complaint(text: Segmented, voice: str | None,
                        registry: StationRegistry) -> tuple[str, ...]:
    """Nuisance words, when the submission complains about someone else's nuisance.

    Anyone not speaking for an enterprise complains as a resident. An enterprise
    complains about a neighbour when it points next door ("附近的稀土厂"), unless it
    is itself the one complained about ("被周边居民投诉").
    """
    cues = registry.cues
    words = text.find(cues.nuisance)
    if not words:
        return ()
    if voice is None:
        return words
    if find_phrase(text.text, cues.accused) is None and find_phrase(text.text, cues.neighbour):
        return words
    return ()


def _industry_match(f: _Facts) -> tuple[Station, tuple[str, ...]] | None:
    """The industry the submitter speaks of as its own (subject.py), and its words.

    Words said of other parties never count; among the rest, what the submitter says it
    is or does comes first, then what it says of itself, then firms named, then how many
    words; the earliest word breaks a tie.
    """
    if not f.industries:
        return None
    best = f.industries[0]
    words = best.self_words + tuple(w for w in best.words if w not in best.self_words)
    return f.registry.get(best.key), words


def _industry_named(f: _Facts) -> tuple[Station, tuple[str, ...]] | None:
    """The industry the text names most, whoever it is said of (for notes to residents)."""
    named = [(s, tuple(dict.fromkeys(m.word for m in sorted(
        s.own + s.passing, key=lambda m: m.start)))) for s in f.standings]
    named = [(s, words) for s, words in named if words]
    if not named:
        return None
    best, words = min(named, key=lambda n: (-len(n[1]), f.text.text.find(n[1][0])))
    return f.registry.get(best.key), words


def _citation(station: Station, words: tuple[str, ...], f: _Facts) -> str:
    """Where the deciding word comes from, e.g. （“上装”见GB/T 4754-2017 3630 改装汽车制造）."""
    word = words[0]
    source = station.citations.get(word)
    if source is None:
        return ""
    own = f.industries[0]
    said = "企业自述" if word in own.self_words else ""
    return f"（{said}“{word}”：{source}）"


def _town_aside(f: _Facts) -> str:
    """Why the town's own station does not take an enterprise of a county-wide industry."""
    loc = f.location
    if not loc.is_town:
        return ""
    assert loc.place is not None
    station = f.town_station
    own = f.industries[0].words if f.industries else ()
    specialties = [s for s in f.registry.stations
                   if s.kind == "town" and s is not station and s.fragments
                   and any(stem in word for stem in s.fragments for word in own)]
    if specialties:
        other = specialties[0]
        return (f"；企业在{loc.place.name}，{other.town}{other.feature}特色站只受理本镇诉求，"
                f"{other.town}以外的此类企业属全县{_industry_feature(f)}")
    if station is not None and station.vocabulary:
        return f"；{loc.place.name}的{station.feature}特色不涉及该企业诉求"
    return ""


def _industry_feature(f: _Facts) -> str:
    return f.registry.get(f.industries[0].key).feature if f.industries else "行业站"


def _passing_note(f: _Facts) -> str:
    """The industry words said of other parties, which did not decide."""
    if f.voice is None or not f.passing:
        return ""
    said = "、".join(f"“{w}”（“{m}”）" for w, m in f.passing[:_MAX_QUOTED])
    return f"；{said}是顺带提及的其他企业，不作为提交企业自身的行业"


def _notes(f: _Facts) -> tuple[str, tuple[str, ...]]:
    """Why the industry and other towns' specialty stations did not take it.

    Returns the notes (each starting with "；") and the words they cite.
    """
    notes: list[str] = []
    cited: list[str] = []
    industry = _industry_match(f) if f.voice is not None and not f.nuisance else _industry_named(f)
    if industry is not None and f.nuisance:
        station, words = industry
        who = "居民对企业" if f.voice is None else "对周边企业"
        notes.append(f"{who}{_quote(f.nuisance)}的投诉属所在地社区事务，"
                     f"虽涉及{_quote(words)}也不转{station.name}")
        cited.extend(f.nuisance + words)
    elif industry is not None and f.voice is None:
        station, words = industry
        worker = f"（“{f.worker}”：职工反映所在单位的事）" if f.worker else ""
        notes.append(f"涉及{_quote(words)}，但不是企业自身经营诉求{worker}，不转{station.name}")
        cited.extend(words)
    passing = _passing_note(f)
    if passing:
        notes.append(passing[1:])
    for station in f.registry.stations:
        if station.kind != "town" or station is f.town_station or not station.fragments:
            continue
        # Only the distinctive stems (fragments), to keep the note to clear cases.
        words = f.text.find((), station.fragments, exclude=f.place_spans)
        if words:
            notes.append(f"{_quote(words)}属{station.town}{station.feature}特色站业务，"
                         "特色站只受理本镇诉求")
    return "".join(f"；{n}" for n in notes), tuple(cited)


# --------------------------------------------------------------------------- helpers


def _decision(f: _Facts, station: Station, rule: str, reason: str,
              words: tuple[str, ...]) -> RoutingDecision:
    loc = f.location
    surface = (loc.surface,) if loc.source == SOURCE_TEXT and loc.surface else ()
    return RoutingDecision(
        station=station.code,
        rule=rule,
        reason=reason,
        town=loc.place.name if loc.place is not None else None,
        town_source=loc.source,
        matched=tuple(dict.fromkeys(surface + words)),
    )


def _quote(words: Iterable[str]) -> str:
    return "".join(f"“{w}”" for w in list(words)[:_MAX_QUOTED])
