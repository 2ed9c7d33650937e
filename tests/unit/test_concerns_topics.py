"""Hot topics: problems that many different concerns share, per period and scope."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.concerns.rules.topics import CaseRecord, Scope, concern_roots, hot_topics, main_kind

TZ = timezone(timedelta(hours=8))
NOV = datetime(2026, 11, 1, tzinfo=TZ)
DEC = datetime(2026, 12, 1, tzinfo=TZ)
OCT = datetime(2026, 10, 1, tzinfo=TZ)


def _r(cid: str, title: str, day: int, town: str = "水泊街道", station: str | None = "shuipo-street",
       dup: str | None = None, start: datetime = NOV, content: str = "") -> CaseRecord:
    return CaseRecord(cid, town, station, title, content or title, start + timedelta(days=day), dup)


HEATING = [
    _r("h1", "锦绣华庭9号楼暖气不热", 16, "梁山街道", "liangshan-street"),
    _r("h2", "来电反映锦绣华庭9号楼暖气不热", 18, "梁山街道", "liangshan-street", dup="h1"),
    _r("h3", "锦绣华庭9号楼还是冰凉", 20, "梁山街道", "liangshan-street", dup="h2"),
    _r("h4", "金河湾小区暖气不热", 21, "梁山街道", "liangshan-street"),
    _r("h5", "华馨家园暖气不热", 22),
    _r("h6", "书香苑小区供暖温度低", 23),
    _r("h7", "帝都花园暖气片不热", 24),
]
LOCK = [
    _r(f"l{i}", "郭楼船闸待闸时间太长", i, "寿张集镇", "shouzhangji-port", dup="l0" if i else None)
    for i in range(6)
]
OCTOBER = [  # the period before: two heating concerns
    _r("o1", "华馨家园暖气不热", 28, start=OCT),
    _r("o2", "东方名苑暖气不热", 29, start=OCT),
]


def test_one_concern_with_many_reports_is_no_hot_topic() -> None:
    topics = hot_topics(LOCK, NOV, DEC)
    assert topics == []  # six reports, one concern


def test_a_problem_shared_by_many_concerns_is() -> None:
    [topic] = hot_topics(HEATING + LOCK, NOV, DEC)
    assert topic.code == "heating" and topic.label == "暖气不热" and topic.theme == "冬季供暖"
    assert topic.concerns == 5 and topic.cases == 7
    assert topic.places == ("锦绣华庭", "金河湾", "华馨家园", "书香苑", "帝都花园")
    assert topic.examples == ("h1", "h4", "h5", "h6", "h7")


def test_trend_against_the_period_before() -> None:
    [topic] = hot_topics(HEATING + OCTOBER, NOV, DEC)
    assert topic.previous_concerns == 2 and topic.trend == "上升"
    [topic] = hot_topics(HEATING, NOV, DEC)
    assert topic.previous_concerns == 0 and topic.trend == "新出现"
    # the other way round: five in November, two in December
    [topic] = hot_topics(HEATING + [_r("d1", "华馨家园暖气不热", 3, start=DEC),
                                    _r("d2", "阳光小区暖气不热", 4, start=DEC),
                                    _r("d3", "金河湾暖气不热", 5, start=DEC)],
                         DEC, DEC + timedelta(days=30))
    assert (topic.concerns, topic.previous_concerns, topic.trend) == (3, 5, "下降")


def test_scopes() -> None:
    records = HEATING + LOCK
    assert [t.concerns for t in hot_topics(records, NOV, DEC, Scope.of_town("水泊街道"))] == [3]
    assert hot_topics(records, NOV, DEC, Scope.of_station("liangshan-street")) == []  # 2 concerns
    assert [t.concerns for t in hot_topics(records, NOV, DEC, Scope.of_station("liangshan-street"),
                                           min_concerns=2)] == [2]
    specialty = Scope.of_specialty("港航", ["shouzhangji-port", "devzone-port-logistics"])
    assert hot_topics(records, NOV, DEC, specialty, min_concerns=1)[0].code == "lock_wait"


def test_cases_outside_the_period_do_not_count() -> None:
    assert hot_topics(HEATING, NOV, NOV + timedelta(days=16)) == []


def test_concern_roots_follow_chains_and_unknown_roots() -> None:
    records = [_r("a", "x", 0), _r("b", "x", 1, dup="a"), _r("c", "x", 2, dup="b"),
               _r("d", "x", 3, dup="gone")]
    assert concern_roots(records) == {"a": "a", "b": "a", "c": "a", "d": "gone"}


def test_main_kind_weighs_titles_double() -> None:
    records = [_r("a", "来电反映企业未给职工缴社保", 0, content="工资条上却扣了个人部分，未缴纳社会保险")]
    assert main_kind(records) == "social_insurance"
    assert main_kind([_r("b", "你好", 0)]) is None
