"""The subject of a submission: which enterprise speaks, and what it says of others.

Rule 2 sends an enterprise to its own industry's station, so it must not be misled by the
other firms a text mentions: the flour mill's "附近的挂车厂也有同样的问题" names trailers, but
the mill is no trailer maker. A person reading such a text hears three things, and so does
this module, clause by clause (a clause ends at ，。；：！？ or a line break):

- in passing: a firm's name after a word that points at somebody else (``others``:
  附近, 周边, 听说, 人家 …) in the same clause, introduced as an example (``examples``:
  像开发区那些稀土企业) or followed by "也一样/也有同样的问题" (``same_as``). Such words never
  feed rule 2. A product is never in passing ("做周边配套的，为专用车企业生产车桥": the
  专用车企业 is a customer, the 车桥 are the submitter's).
- the submitter itself: an industry word after a first-person word (``self``: 我们, 俺们,
  其公司 …) in the same clause, before anything turns the clause towards another party
  (``parties``: 给, 跟, 被 …; or an ``others`` word).
- what the firm is or does: an industry word naming a firm (followed by 公司, 企业, 厂 …,
  ``firms``) or following a trade verb (生产, 做, 跑 …, ``trades``).

:func:`rank` orders the candidate industries by these: the submitter's own statement of
what it is or does first, then anything it says of itself, then firms named, then how many
words; the earliest word breaks a tie. Every word list is data (``cues`` in stations.yaml);
markers count only as whole words of the segmentation, so "比" in "比较" or "像" in "录像"
is never a marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.routing.rules.registry import Cues
from services.routing.rules.text import Segmented

_CLAUSE_END = re.compile(r"[，。；：！？,.;:!?\n]")
_FIRM_GAP = 3  # characters allowed between an industry word and the firm noun after it

PASSING = "passing"
SELF = "self"
PLAIN = "plain"


@dataclass(frozen=True)
class Mention:
    """One occurrence of an industry word, and how the submission uses it."""

    start: int
    end: int
    word: str
    role: str  # PASSING | SELF | PLAIN
    names_firm: bool  # names a firm of the industry, or what the submitter makes or does
    marker: str = ""  # for PASSING: the word that made it so ("附近", "也有同样")


@dataclass(frozen=True)
class Standing:
    """What a submission says about one industry."""

    key: str  # the station code
    own: tuple[Mention, ...]  # the mentions that count (not in passing), in text order
    passing: tuple[Mention, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.word for m in self.own))

    @property
    def self_words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.word for m in self.own if m.role == SELF))

    def rank_key(self) -> tuple[int, int, int, int, int]:
        own_trade = sum(1 for m in self.own if m.role == SELF and m.names_firm)
        said_of_self = sum(1 for m in self.own if m.role == SELF)
        firms = sum(1 for m in self.own if m.names_firm)
        return (own_trade, said_of_self, firms, len(self.words), -self.own[0].start)


class SubjectReader:
    """Reads one segmented text for who speaks and who is spoken of."""

    def __init__(self, text: Segmented, cues: Cues) -> None:
        self.text = text
        self.cues = cues
        self._clauses = _clause_starts(text.text)

    def mention(self, start: int, end: int, word: str) -> Mention:
        clause_start, clause_end = self._clause(start)
        before = self._markers_before(clause_start, start)
        firm = self._names_firm(end, word, clause_end)
        trade = self._follows_trade(start)
        marker = (self._passing_marker(end, clause_start, clause_end, before)
                  if firm and not trade else "")
        if marker:
            return Mention(start, end, word, PASSING, True, marker)
        role = SELF if self._said_of_self(before) else PLAIN
        return Mention(start, end, word, role, firm or trade)

    def place_is_compared(self, start: int) -> str:
        """The comparison word before a place name in its clause ("人家"), or ""."""
        clause_start, _ = self._clause(start)
        compared = ""
        for _, word, kind in self._markers_before(clause_start, start):
            if kind == "comparison":
                compared = word
            elif kind == "self":  # "像我们梁山街道这样的": the submitter's own town
                compared = ""
        return compared

    def place_is_destination(self, start: int) -> str:
        """The motion word right before a place name ("发往"), or ""."""
        head = self.text.text[max(0, start - 3): start]
        return next((w for w in self.cues.destination if head.endswith(w)), "")

    # ------------------------------------------------------------------ internals

    def _clause(self, position: int) -> tuple[int, int]:
        start = 0
        for boundary in self._clauses:
            if boundary > position:
                return start, boundary
            start = boundary + 1
        return start, len(self.text.text)

    def _markers_before(self, clause_start: int, position: int) -> list[tuple[int, str, str]]:
        """(offset, word, kind) of every marker between the clause start and ``position``."""
        found: list[tuple[int, str, str]] = []
        lists = (("others", self.cues.others), ("examples", self.cues.examples),
                 ("self", self.cues.self), ("parties", self.cues.parties),
                 ("comparison", self.cues.comparison))
        stretch = self.text.text[clause_start:position]
        for kind, words in lists:
            for word in words:
                for offset in _occurrences(stretch, word):
                    at = clause_start + offset
                    if self.text.is_word(at, at + len(word)):
                        found.append((at, word, kind))
        found.sort()
        # "像" inside "不像": the longer marker speaks.
        return [m for m in found if not any(
            o[0] <= m[0] and m[0] + len(m[1]) <= o[0] + len(o[1]) and len(o[1]) > len(m[1])
            for o in found)]

    def _names_firm(self, end: int, word: str, clause_end: int) -> bool:
        """The word names a firm: 物流公司, 挂车厂, 半挂车生产企业."""
        if any(word.endswith(f) for f in self.cues.firms):
            return True
        after = self.text.text[end: min(clause_end, end + _FIRM_GAP + 2)]
        return any(after[gap:].startswith(f) for gap in range(_FIRM_GAP + 1)
                   for f in self.cues.firms)

    def _follows_trade(self, start: int) -> bool:
        """The word says what somebody makes or does: 生产半挂车, 做快递分拣."""
        head = self.text.text[max(0, start - 3): start]
        return any(head.endswith(t) and self.text.is_word(start - len(t), start)
                   for t in self.cues.trades)

    def _passing_marker(self, end: int, clause_start: int, clause_end: int,
                        before: Sequence[tuple[int, str, str]]) -> str:
        """Why a firm's name is said of another party, or "" (only firms, never products)."""
        for offset, word, kind in reversed(before):
            if kind == "others" and not self._locates_self(offset, word, clause_start):
                return word
            if kind == "examples":
                return word
        if not any(kind == "self" for _, _, kind in before):
            tail = self.text.text[end:clause_end]
            same = next((w for w in self.cues.same_as if w in tail), "")
            if same:
                return same
        return ""

    def _locates_self(self, offset: int, word: str, clause_start: int) -> bool:
        """ "我们是开发区周边的一家挂车厂": 周边 places the submitter, not another firm."""
        text = self.text.text
        after = text[offset + len(word): offset + len(word) + 3]
        if not after.startswith(("的一家", "的一个")):
            return False
        lead = text[clause_start:offset]
        return any(lead.startswith(s) or f"{s}是" in lead for s in self.cues.self)

    def _said_of_self(self, before: Sequence[tuple[int, str, str]]) -> bool:
        """A first-person word opens the stretch, and nothing turned it to somebody else."""
        speaking = False
        for _, _, kind in before:
            if kind == "self":
                speaking = True
            elif kind in ("parties", "others"):
                speaking = False
        return speaking


def echo_title(mentions: Sequence[Mention], title_end: int) -> list[Mention]:
    """A title word takes the role its content gives it.

    A title sums up the content ("驿站占道" over "隔壁的快递驿站天天占道"): when every
    occurrence in the content of a title word (or of a longer word containing it) is said
    in passing, so is the title's.
    """
    out: list[Mention] = []
    for m in mentions:
        if m.end <= title_end and m.role != PASSING:
            body = [c for c in mentions if c.start >= title_end and m.word in c.word]
            if body and all(c.role == PASSING for c in body):
                m = Mention(m.start, m.end, m.word, PASSING, m.names_firm, body[0].marker)
        out.append(m)
    return out


def rank(standings: Iterable[Standing]) -> list[Standing]:
    """The industries a submission speaks of as its own, best first (see module doc)."""
    return sorted((s for s in standings if s.own), key=Standing.rank_key, reverse=True)


def _clause_starts(text: str) -> list[int]:
    return [m.start() for m in _CLAUSE_END.finditer(text)]


def _occurrences(text: str, word: str) -> Iterable[int]:
    start = text.find(word)
    while start != -1:
        yield start
        start = text.find(word, start + 1)
