"""Chinese text analysis: place names (longest match) and vocabulary on word segments."""

from __future__ import annotations

import pytest

from services.routing.rules.registry import StationRegistry, load_registry
from services.routing.rules.text import TextAnalyzer, analyzer_for, find_phrase, normalize


@pytest.fixture(scope="module")
def registry() -> StationRegistry:
    return load_registry()


@pytest.fixture(scope="module")
def analyzer(registry: StationRegistry) -> TextAnalyzer:
    return analyzer_for(registry)


def _places(analyzer: TextAnalyzer, text: str) -> list[tuple[str, str, str | None]]:
    return [(m.surface, m.place.kind, m.place.town) for m in analyzer.places(text)]


def test_county_is_never_the_subdistrict(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "梁山县人民医院") == [("梁山县", "county", None)]
    assert _places(analyzer, "建议在全县推广") == [("全县", "county", None)]


def test_subdistrict_inside_a_sentence(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "我住在梁山街道的一个社区") == [("梁山街道", "town", "梁山街道")]


def test_longest_match_for_zone_and_aliases(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "梁山经济开发区的企业") == [("梁山经济开发区", "zone", None)]
    assert _places(analyzer, "寿张集港区的航运公司") == [("寿张集港区", "town", "寿张集镇")]
    assert _places(analyzer, "梁山县拳铺镇后集村") == [
        ("梁山县", "county", None), ("拳铺镇", "town", "拳铺镇")]


def test_landmark_hides_county_prefix(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "梁山港的码头") == [("梁山港", "landmark", None)]


def test_scenic_area_is_not_shuipo(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "水泊梁山风景区停车难") == [("水泊梁山风景区", "zone", None)]


def test_weak_alias_needs_no_competitor_and_no_traffic_word(analyzer: TextAnalyzer) -> None:
    assert _places(analyzer, "小路口的滩区道路") == [("小路口", "town", "小路口镇")]
    assert _places(analyzer, "村口的小路口没有红绿灯") == []
    assert _places(analyzer, "家住拳铺镇，去小路口赶集") == [("拳铺镇", "town", "拳铺镇")]


def test_vocabulary_matches_words_not_substrings(analyzer: TextAnalyzer) -> None:
    seg = analyzer.segment("香港来的货物")
    assert seg.find(["港"]) == ()
    seg = analyzer.segment("运煤船夜间鸣笛")
    assert seg.find(["运煤船", "煤船", "鸣笛"]) == ("运煤船", "鸣笛")


def test_compound_sub_words_count(analyzer: TextAnalyzer) -> None:
    seg = analyzer.segment("我们是一家航运公司")
    assert seg.find(["航运"]) == ("航运",)


def test_shorter_keyword_inside_longer_match_is_dropped(analyzer: TextAnalyzer) -> None:
    seg = analyzer.segment("村集体经济薄弱")
    assert seg.find(["集体经济", "村集体经济", "村集体"]) == ("村集体经济",)


def test_fragments_match_inside_words(analyzer: TextAnalyzer) -> None:
    seg = analyzer.segment("附近稀土厂夜间噪音大")
    assert seg.find([], ["稀土"]) == ("稀土",)


def test_place_spans_are_excluded(analyzer: TextAnalyzer) -> None:
    text = "寿张集港区的一家航运公司"
    seg = analyzer.segment(text)
    assert seg.find(["港区", "航运"], exclude=[(0, 5)]) == ("航运",)


def test_find_phrase_with_gap() -> None:
    assert find_phrase("我在开发区开了一家物流公司", ["我…开了一家"]) == "我…开了一家"
    assert find_phrase("我。在开发区开了一家", ["我…开了一家"]) is None
    assert find_phrase("我们公司很好", ["本公司", "我们公司"]) == "我们公司"


def test_normalize_full_width() -> None:
    assert normalize("  ＡＢＣ，１２３！ ") == "ABC,123!"
    assert normalize(None) == ""
