"""Routing that reads like a person: the hard set, the subject of a submission, words said in
passing, comparisons, towns misspelt by sound, and the cited industry vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from services.routing.rules.policy import (
    RULE_INDUSTRY,
    RULE_TOWN_GENERAL,
    RULE_TOWN_SPECIALTY,
    RULE_TRIAGE,
    RoutingDecision,
    RoutingRequest,
    decide,
)
from services.routing.rules.registry import (
    DEFAULT_STATIONS_PATH,
    RegistryError,
    StationRegistry,
    load_registry,
)
from services.routing.rules.text import analyzer_for

HARD_PATH = Path(__file__).parent / "data" / "routing_hard.jsonl"
DATA = DEFAULT_STATIONS_PATH.parent
RULE_NAMES = {RULE_TOWN_SPECIALTY: "规则1", RULE_INDUSTRY: "规则2", RULE_TOWN_GENERAL: "规则3",
              RULE_TRIAGE: "规则4"}


@pytest.fixture(scope="module")
def registry() -> StationRegistry:
    return load_registry()


def route(registry: StationRegistry, town: str | None, content: str, title: str = "",
          submitter_type: str = "enterprise", channel: str = "enterprise_form") -> RoutingDecision:
    return decide(RoutingRequest(id="t", channel=channel, submitter_type=submitter_type,
                                 town=town, title=title, content=content), registry)


# --------------------------------------------------------------------------- the hard set


def test_hard_set_is_routed_as_labelled(registry: StationRegistry) -> None:
    rows = [json.loads(line) for line in HARD_PATH.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    assert len(rows) >= 50
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["expected_station"] for r in rows} == set(registry.codes)
    wrong = []
    for row in rows:
        fields = {k: v for k, v in row.items() if k != "expected_station"}
        decision = decide(RoutingRequest(**fields), registry)
        assert decision.reason.startswith(RULE_NAMES[decision.rule] + "："), row["id"]
        if decision.station != row["expected_station"]:
            wrong.append(f"{row['id']}: expected {row['expected_station']}, got "
                         f"{decision.station} ({decision.reason})")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- words in passing


def test_neighbours_industry_is_not_the_submitters(registry: StationRegistry) -> None:
    d = route(registry, "韩垓镇", "我们面粉厂用电负荷不够，附近的挂车厂也有同样的问题。")
    assert (d.station, d.rule) == ("county-office", RULE_TRIAGE)
    assert "“挂车”（“附近”）是顺带提及的其他企业" in d.reason


def test_same_trouble_after_a_firm_name_is_in_passing(registry: StationRegistry) -> None:
    d = route(registry, "梁山街道", "我们饭店生意差，物流公司那边也一样。")
    assert (d.station, d.rule) == ("liangshan-street", RULE_TOWN_GENERAL)
    assert "“物流公司”（“也一样”）" in d.reason


def test_examples_of_own_products_are_not_in_passing(registry: StationRegistry) -> None:
    d = route(registry, "马营镇", "我们生产多种车型，比如洒水车、垃圾车，回款慢。")
    assert (d.station, d.rule) == ("devzone-special-vehicles", RULE_INDUSTRY)


def test_examples_of_other_firms_are_in_passing(registry: StationRegistry) -> None:
    d = route(registry, "拳铺镇", "我们服装厂招不到工，像开发区那些稀土企业都给高工资。")
    assert (d.station, d.rule) == ("quanpu-coop", RULE_TOWN_GENERAL)


def test_a_product_after_a_neighbour_word_is_still_the_submitters(
    registry: StationRegistry,
) -> None:
    d = route(registry, "马营镇", "我们给周边的几家厂做车桥，回款慢。")
    assert (d.station, d.rule) == ("devzone-special-vehicles", RULE_INDUSTRY)


def test_a_place_word_locating_the_submitter_is_not_another_firm(
    registry: StationRegistry,
) -> None:
    d = route(registry, None, "我们是开发区周边的一家挂车厂，用地指标批不下来。")
    assert d.station == "devzone-special-vehicles"


def test_title_word_takes_its_role_from_the_content(registry: StationRegistry) -> None:
    d = route(registry, "梁山街道", "我们超市门口，隔壁的快递驿站天天占道。", title="驿站占道")
    assert d.station == "liangshan-street"


def test_what_the_submitter_is_outranks_what_it_handles(registry: StationRegistry) -> None:
    d = route(registry, "韩岗镇", "我们是一家物流公司，主要给专用车厂运底盘和半挂车，运费被拖欠。")
    assert (d.station, d.rule) == ("devzone-port-logistics", RULE_INDUSTRY)
    assert "企业自述“物流公司”" in d.reason


def test_worker_speaking_of_the_employer_is_not_the_enterprise(
    registry: StationRegistry,
) -> None:
    d = route(registry, None, "我在一家物流公司上班，我们公司拖欠工资三个月。",
              submitter_type="resident", channel="hotline")
    assert (d.station, d.rule) == ("county-office", RULE_TRIAGE)
    assert "“我在…上班”：职工反映所在单位的事" in d.reason
    # An enterprise saying the same words still speaks as the enterprise …
    d = route(registry, None, "我在一家物流公司上班，我们公司拖欠工资三个月。")
    assert d.station == "devzone-port-logistics"
    # … and so does a first-person company speaking of where its staff work.
    d = route(registry, None, "我们公司员工在开发区上班，快递分拣中心没有公交。",
              submitter_type="resident", channel="wechat")
    assert (d.station, d.rule) == ("devzone-port-logistics", RULE_INDUSTRY)


def test_dialect_and_transcript_voices(registry: StationRegistry) -> None:
    for content in ("俺们厂是做半挂车的，贷款批不下来，咋弄？",
                    "来电人反映：其公司生产半挂车，贷款批不下来。"):
        d = route(registry, "馆驿镇", content, submitter_type="resident", channel="hotline")
        assert (d.station, d.rule) == ("devzone-special-vehicles", RULE_INDUSTRY), content


# --------------------------------------------------------------------------- industries by products


@pytest.mark.parametrize(
    ("content", "station", "source"),
    [
        ("我们公司生产教学一体机和录播教室设备。", "devzone-education", "3953"),
        ("我们厂专做混凝土搅拌运输车上装，底盘到货慢。", "devzone-special-vehicles", "3630"),
        ("我们公司有五条内河散货船，船员社保难。", "devzone-port-logistics", "552"),
        ("我厂生产烧结钕铁硼，需要晶界扩散设备。", "devzone-rare-earth", "3985"),
    ],
)
def test_industry_named_by_its_products_cites_the_class(
    registry: StationRegistry, content: str, station: str, source: str
) -> None:
    d = route(registry, "韩岗镇", content)
    assert (d.station, d.rule) == (station, RULE_INDUSTRY)
    assert f"GB/T 4754-2017 {source}" in d.reason


def test_shipping_enterprise_outside_shouzhangji_goes_to_the_industry_station(
    registry: StationRegistry,
) -> None:
    d = route(registry, "黑虎庙镇", "我们有几条运输船跑京杭运河，船舶营运证换证难。")
    assert (d.station, d.rule) == ("devzone-port-logistics", RULE_INDUSTRY)
    assert "寿张集镇港航融合发展特色站只受理本镇诉求" in d.reason
    # … while in 寿张集镇 the town's own specialty takes it (rule 1 first).
    d = route(registry, "寿张集镇", "我们有几条运输船，船舶营运证换证难。")
    assert (d.station, d.rule) == ("shouzhangji-port", RULE_TOWN_SPECIALTY)


# --------------------------------------------------------------------------- places


def test_town_named_as_a_comparison_is_not_the_submissions(registry: StationRegistry) -> None:
    d = route(registry, None, "人家拳铺镇的合作社都分红了，我们马营镇的村集体啥也没有。",
              submitter_type="resident", channel="wechat")
    assert (d.station, d.town) == ("county-office", "马营镇")
    assert "“拳铺镇”前有“人家”，是比较，不是所在地" in d.reason


def test_own_town_after_a_comparison_word_is_still_own(registry: StationRegistry) -> None:
    d = route(registry, None, "像我们梁山街道这样的老小区，停车太难了。",
              submitter_type="resident", channel="wechat")
    assert (d.station, d.town) == ("liangshan-street", "梁山街道")


def test_hearsay_about_a_town_still_places_the_submission(registry: StationRegistry) -> None:
    d = route(registry, None, "听说小路口镇黄河滩区要迁建，俺们村啥时候搬？",
              submitter_type="resident", channel="hotline")
    assert (d.station, d.rule) == ("xiaolukou-yellow-river", RULE_TOWN_SPECIALTY)


def test_comparison_only_leaves_no_town(registry: StationRegistry) -> None:
    d = route(registry, None, "俺们村的路比小路口镇差远了。", submitter_type="resident",
              channel="hotline")
    assert (d.station, d.town) == ("county-office", None)


def test_destination_counts_only_when_nothing_else_is_named(registry: StationRegistry) -> None:
    d = route(registry, None, "产品发往寿张集镇，我们厂在马营镇，道路限高。",
              submitter_type="resident", channel="wechat")
    assert d.town == "马营镇"
    d = route(registry, None, "货物运到寿张集镇码头以后没人卸。", submitter_type="resident",
              channel="wechat")
    assert (d.station, d.town) == ("shouzhangji-port", "寿张集镇")


@pytest.mark.parametrize(
    ("text", "town"),
    [("拳埔镇", "拳铺镇"), ("寿张急镇", "寿张集镇"), ("小陆口镇", "小路口镇"), ("韩港镇", "韩岗镇"),
     ("阳营镇", "杨营镇"), ("黑虎苗", "黑虎庙镇"), ("水泊街到", "水泊街道")],
)
def test_town_misspelt_by_sound(registry: StationRegistry, text: str, town: str) -> None:
    (mention,) = analyzer_for(registry).respelt_places(f"{text}我们村的路灯坏了")
    assert (mention.surface, mention.place.name, mention.respelt) == (text, town, True)


@pytest.mark.parametrize("text", ["中路口镇的路", "全铺满了拳头", "小区门口路灯坏了", "阳光镇"])
def test_no_town_where_none_sounds_alike_or_two_do(registry: StationRegistry, text: str) -> None:
    assert analyzer_for(registry).respelt_places(text) == []


def test_misspelt_town_in_form_and_text_reads_in_the_reason(registry: StationRegistry) -> None:
    d = route(registry, "梁山接道", "老旧小区没有停车位。", submitter_type="resident",
              channel="web_form")
    assert (d.station, d.town, d.town_source) == ("liangshan-street", "梁山街道", "form")
    assert "梁山街道（表单填写“梁山接道”，按读音视为梁山街道）" in d.reason
    d = route(registry, None, "寿张急镇的渡口没有救生设施。", submitter_type="resident",
              channel="hotline")
    assert (d.station, d.rule) == ("shouzhangji-port", RULE_TOWN_SPECIALTY)
    assert "正文提及“寿张急镇”，按读音视为寿张集镇" in d.reason


def test_correct_town_is_never_replaced_by_a_sound_alike(registry: StationRegistry) -> None:
    d = route(registry, "韩垓镇", "韩港镇方向来的车很多。", submitter_type="resident",
              channel="wechat")
    assert d.town == "韩垓镇"


# --------------------------------------------------------------------------- cited vocabulary


def test_every_industry_word_has_a_source(registry: StationRegistry) -> None:
    for station in registry.industry_stations:
        assert len(station.keywords) >= 30, station.code
        for word in (*station.keywords, *station.fragments):
            source = station.citations.get(word)
            assert source and source.split("：")[0].split(" ")[0] in (
                "GB/T", "种子文章", "POLICY.md", "行业通称", "准入规定"), (station.code, word)


def _write(tmp_path: Path, industries: dict) -> Path:
    doc = yaml.safe_load((DATA / "stations.yaml").read_text(encoding="utf-8"))
    doc["gazetteer"] = str(DATA / "gazetteer.yaml")
    doc["industries"] = "industries.yaml"
    (tmp_path / "stations.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True),
                                            encoding="utf-8")
    (tmp_path / "industries.yaml").write_text(
        yaml.safe_dump({"industries": industries}, allow_unicode=True), encoding="utf-8")
    return tmp_path / "stations.yaml"


def test_vocabulary_of_an_unknown_or_town_station_is_rejected(tmp_path: Path) -> None:
    for code in ("devzone-nothing", "quanpu-coop"):
        path = _write(tmp_path, {code: [{"source": "x", "keywords": ["挂车"]}]})
        with pytest.raises(RegistryError, match=f"'{code}' is not an industry station"):
            load_registry(path)


def test_vocabulary_group_needs_a_source_and_words(tmp_path: Path) -> None:
    path = _write(tmp_path, {"devzone-education": [{"keywords": ["教具"]}]})
    with pytest.raises(RegistryError, match=r"devzone-education\[0\]: missing field 'source'"):
        load_registry(path)
    path = _write(tmp_path, {"devzone-education": [{"source": "x"}]})
    with pytest.raises(RegistryError, match="needs keywords or fragments"):
        load_registry(path)


def test_industry_station_without_any_vocabulary_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, {"devzone-education": [{"source": "x", "keywords": ["教具"]}]})
    with pytest.raises(RegistryError, match="'devzone-special-vehicles': an industry station needs"):
        load_registry(path)
