"""Chinese text analysis for routing: place names and vocabulary on jieba word segments.

One private ``jieba.Tokenizer`` serves the process. It is created on first use (loading
jieba's dictionary takes about a second) and taught the gazetteer names and the station
vocabulary as user words, so that "梁山街道" or "钕铁硼" come out as single words.

Place names are found by a leftmost-longest scan of the gazetteer's spellings: at each
position the longest name wins, so "梁山县" is the county and never "梁山街道", and
"梁山街道" is found inside "我住在梁山街道的一个社区".

Vocabulary is matched on segments, not raw substrings: a keyword counts when it is one
of the words jieba finds (including the sub-words of a compound, e.g. "航运" inside
"航运公司"), or when it spans whole words. "Fragments" are the deliberate exception:
stems that are matched anywhere inside a word.

A town misspelt by sound ("拳埔镇", "寿张急镇", "水泊街到": what a pinyin keyboard or a
hotline clerk writes) is found by comparing pinyin, only when the text names no town
correctly (``TextAnalyzer.respelt_places``); pypinyin is loaded for that on first use.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.routing.rules.registry import Gazetteer, Place, StationRegistry

if TYPE_CHECKING:
    import jieba

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_taught: set[str] = set()

# How far (in characters) around a weak alias a blocker word is looked for.
_WEAK_WINDOW = 6


def normalize(text: str | None) -> str:
    """NFKC-normalise (full-width letters, digits and punctuation to half-width)."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _new_tokenizer() -> jieba.Tokenizer:
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources, which warns about its own deprecation.
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenizer(words: Iterable[str] = ()) -> jieba.Tokenizer:
    """The process's private jieba tokenizer, taught ``words`` as user words."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = _new_tokenizer()
        for word in words:
            if word and word not in _taught:
                _tokenizer.add_word(word)
                _taught.add(word)
        return _tokenizer


def find_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase found in ``text`` as a substring, or None.

    A "…" in a phrase stands for up to 8 characters within one clause, so "我…开了一家"
    matches "我在开发区开了一家".
    """
    for phrase in phrases:
        if "…" in phrase:
            if _phrase_pattern(phrase).search(text):
                return phrase
        elif phrase in text:
            return phrase
    return None


@functools.lru_cache(maxsize=256)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    gap = r"[^，。！？；：,.!?;:\s]{0,8}"
    return re.compile(gap.join(re.escape(part) for part in phrase.split("…")))


@dataclass(frozen=True)
class PlaceMention:
    surface: str  # as written in the text
    place: Place
    start: int
    respelt: bool = False  # written with other characters of the same sound ("拳埔镇")

    @property
    def end(self) -> int:
        return self.start + len(self.surface)


@dataclass(frozen=True)
class Segmented:
    """A text cut into words, ready for vocabulary matching."""

    text: str
    words: tuple[str, ...]
    search_words: frozenset[str]  # words plus the dictionary sub-words of compounds
    boundaries: frozenset[int]  # character offsets where a word starts or ends

    def find(
        self,
        keywords: Iterable[str],
        fragments: Iterable[str] = (),
        exclude: Iterable[tuple[int, int]] = (),
    ) -> tuple[str, ...]:
        """The keywords and fragments present, in order of first appearance.

        A word found only inside a longer matched word is dropped ("稀土" inside
        "稀土永磁"), as is anything inside an ``exclude`` span (place names).
        """
        return tuple(dict.fromkeys(word for _, _, word in self.spans(keywords, fragments, exclude)))

    def spans(
        self,
        keywords: Iterable[str],
        fragments: Iterable[str] = (),
        exclude: Iterable[tuple[int, int]] = (),
    ) -> list[tuple[int, int, str]]:
        """Every occurrence ``(start, end, word)`` that :meth:`find` counts, in text order."""
        spans: list[tuple[int, int, str]] = []
        chars = self._chars
        for word in dict.fromkeys(keywords):
            if word[0] not in chars:  # most of a vocabulary is absent: skip it cheaply
                continue
            starts = list(_occurrences(self.text, word))
            aligned = [s for s in starts if self._aligned(s, s + len(word))]
            if word in self.search_words or aligned:
                spans.extend((s, s + len(word), word) for s in starts)
        for word in dict.fromkeys(fragments):
            if word[0] not in chars:
                continue
            spans.extend((s, s + len(word), word) for s in _occurrences(self.text, word))
        blocked = list(exclude)
        kept = [
            span for span in spans
            if not _inside_any(span, blocked) and not _inside_longer(span, spans)
        ]
        kept.sort()
        return kept

    @functools.cached_property
    def _chars(self) -> frozenset[str]:
        return frozenset(self.text)

    def is_word(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` starts and ends on word boundaries."""
        return self._aligned(start, end)

    def _aligned(self, start: int, end: int) -> bool:
        return start in self.boundaries and end in self.boundaries


def _occurrences(text: str, word: str) -> Iterator[int]:
    start = text.find(word)
    while start != -1:
        yield start
        start = text.find(word, start + 1)


def _inside_any(span: tuple[int, int, str], blocked: list[tuple[int, int]]) -> bool:
    return any(b0 <= span[0] and span[1] <= b1 for b0, b1 in blocked)


def _inside_longer(span: tuple[int, int, str], spans: list[tuple[int, int, str]]) -> bool:
    s0, s1, word = span
    return any(
        o0 <= s0 and s1 <= o1 and len(other) > len(word) for o0, o1, other in spans
    )


class TextAnalyzer:
    """Segmentation and place finding for one registry's gazetteer and vocabulary."""

    def __init__(self, registry: StationRegistry) -> None:
        self.gazetteer: Gazetteer = registry.gazetteer
        words = [*self.gazetteer.surfaces, *self.gazetteer.weak_surfaces]
        for station in registry.stations:
            words.extend(station.vocabulary)
        words.extend(registry.cues.nuisance)
        self._words = tuple(dict.fromkeys(words))
        self._strong = _by_length(self.gazetteer.surfaces)
        self._weak = _by_length(self.gazetteer.weak_surfaces)
        self._sounds = _SoundIndex.of(self.gazetteer)
        self._taught = False

    def segment(self, text: str) -> Segmented:
        """Cut ``text`` (already normalised) into words."""
        tk = tokenizer(() if self._taught else self._words)
        self._taught = True
        words = tuple(tk.cut(text, HMM=False))
        bounds = {0}
        offset = 0
        for word in words:
            offset += len(word)
            bounds.add(offset)
        search = frozenset(tk.cut_for_search(text, HMM=False))
        return Segmented(text, words, search | frozenset(words), frozenset(bounds))

    def places(self, text: str) -> list[PlaceMention]:
        """Every place name in ``text``, leftmost-longest, in order of appearance.

        Weak aliases (everyday words such as "小路口") count only when the text names no
        other town, zone or locality and no blocker word ("红绿灯", …) is near them.
        """
        mentions = _scan(text, self._strong)
        if any(m.place.kind != "county" for m in mentions):
            return mentions
        weak = [m for m in _scan(text, self._weak) if not self._blocked(text, m)]
        return sorted(mentions + weak, key=lambda m: m.start)

    def respelt_places(self, text: str) -> list[PlaceMention]:
        """Towns written with other characters of the same sound, in order of appearance.

        A candidate is the length of a town's name (or of its stem followed by 镇/乡/街道…)
        sharing all but one character with it; it counts when its pinyin equals the town's
        and no other town sounds the same ("阳营镇" is 杨营镇; a "韩港镇" could only be
        韩岗镇, never 韩垓镇). Bare two-character stems never count: too many words sound
        like them.
        """
        found: list[PlaceMention] = []
        taken: set[int] = set()
        for start, length, names in _sound_candidates(text, self._sounds):
            if start in taken:
                continue
            surface = text[start:start + length]
            key = _pinyin(surface)
            towns = {self.gazetteer.surfaces[name] for name in names
                     if self._sounds.pinyin[name] == key}
            if len(towns) != 1:
                continue
            place = towns.pop()
            found.append(PlaceMention(surface, place, start, respelt=True))
            taken.update(range(start, start + length))
        return sorted(found, key=lambda m: m.start)

    def _blocked(self, text: str, mention: PlaceMention) -> bool:
        window = text[max(0, mention.start - _WEAK_WINDOW): mention.end + _WEAK_WINDOW]
        return any(b in window for b in self.gazetteer.weak_blockers)


def _by_length(surfaces: Mapping[str, Place]) -> tuple[dict[str, Place], list[int]]:
    table = dict(surfaces)
    return table, sorted({len(s) for s in table}, reverse=True)


def _scan(text: str, index: tuple[dict[str, Place], list[int]]) -> list[PlaceMention]:
    table, lengths = index
    found: list[PlaceMention] = []
    i = 0
    while i < len(text):
        for n in lengths:
            surface = text[i: i + n]
            if len(surface) == n and surface in table:
                found.append(PlaceMention(surface, table[surface], i))
                i += n
                break
        else:
            i += 1
    return found


@dataclass(frozen=True)
class _SoundIndex:
    """The spellings of towns a misspelling is compared with, and where their characters sit.

    Every name and alias of a town of three or more characters ("拳铺镇", "寿张集",
    "水泊街道"); two-character aliases ("拳铺") sound like too many other words.
    """

    pinyin: Mapping[str, str]  # spelling → its toneless pinyin, computed on first use
    by_char: Mapping[str, tuple[tuple[str, int], ...]]  # character → (spelling, offset)
    lengths: Mapping[str, int]

    @classmethod
    def of(cls, gazetteer: Gazetteer) -> _SoundIndex:
        spellings = [s for s, p in gazetteer.surfaces.items() if p.kind == "town" and len(s) >= 3]
        by_char: dict[str, list[tuple[str, int]]] = {}
        for spelling in spellings:
            for offset, char in enumerate(spelling):
                by_char.setdefault(char, []).append((spelling, offset))
        return cls(_LazyPinyin(), {c: tuple(v) for c, v in by_char.items()},
                   {s: len(s) for s in spellings})


class _LazyPinyin(dict):  # type: ignore[type-arg]
    """Spelling → pinyin, computed the first time a misspelling is looked for."""

    def __missing__(self, key: str) -> str:
        value = _pinyin(key)
        self[key] = value
        return value


def _sound_candidates(text: str, index: _SoundIndex) -> Iterator[tuple[int, int, set[str]]]:
    """(start, length, spellings) of the stretches sharing all but one character with a town."""
    votes: dict[tuple[int, str], int] = {}
    for i, char in enumerate(text):
        for spelling, offset in index.by_char.get(char, ()):
            key = (i - offset, spelling)
            votes[key] = votes.get(key, 0) + 1
    windows: dict[tuple[int, int], set[str]] = {}
    for (start, spelling), shared in votes.items():
        length = index.lengths[spelling]
        if start < 0 or start + length > len(text) or shared != length - 1:
            continue
        if not _is_chinese(text[start:start + length]):
            continue
        windows.setdefault((start, length), set()).add(spelling)
    for (start, length), names in sorted(windows.items(), key=lambda w: (w[0][0], -w[0][1])):
        yield start, length, names


def _is_chinese(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in text)


@functools.lru_cache(maxsize=1024)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # loaded only when a text names no town correctly

    return " ".join(lazy_pinyin(text))


_analyzers: dict[int, tuple[StationRegistry, TextAnalyzer]] = {}


def analyzer_for(registry: StationRegistry) -> TextAnalyzer:
    """The analyzer of a registry, built once per registry object.

    Keyed by identity: hashing a registry (every station, every word) on each call cost
    more than a routing decision's own work.
    """
    entry = _analyzers.get(id(registry))
    if entry is None or entry[0] is not registry:
        with _lock:
            if len(_analyzers) >= 8:
                _analyzers.clear()
            entry = _analyzers[id(registry)] = (registry, TextAnalyzer(registry))
    return entry[1]
