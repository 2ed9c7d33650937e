"""The routing policy (POLICY.md) on labelled examples and on each hard-case note."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# ../shared sits beside the repository (CI puts it there); SHARED_DIR overrides.
from liaison.config import REPO_ROOT  # noqa: E402
from services.routing.rules.policy import (
    RULE_INDUSTRY,
    RULE_TOWN_GENERAL,
    RULE_TOWN_SPECIALTY,
    RULE_TRIAGE,
    RoutingDecision,
    RoutingRequest,
    decide,
)
from services.routing.rules.registry import StationRegistry, load_registry

DEV_PATH = Path(os.environ.get("SHARED_DIR", REPO_ROOT.parent / "shared")) / "routing" / "dev.jsonl"
HOLDOUT_PATH = Path(__file__).parent / "data" / "routing_holdout.jsonl"
RULES = {RULE_TOWN_SPECIALTY, RULE_INDUSTRY, RULE_TOWN_GENERAL, RULE_TRIAGE}


@pytest.fixture(scope="module")
def registry() -> StationRegistry:
    return load_registry()


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _request(example: dict) -> RoutingRequest:
    fields = {k: v for k, v in example.items() if k != "expected_station"}
    return RoutingRequest(**fields)


def route(registry: StationRegistry, town: str | None, title: str, content: str,
          submitter_type: str = "resident", channel: str = "wechat",
          **extra: str | None) -> RoutingDecision:
    request = RoutingRequest(id="t-1", channel=channel, submitter_type=submitter_type,
                             town=town, title=title, content=content, **extra)
    return decide(request, registry)


def _score(examples: list[dict], registry: StationRegistry) -> tuple[int, list[str]]:
    wrong = []
    for example in examples:
        decision = decide(_request(example), registry)
        assert decision.reason.strip(), example["id"]
        assert decision.rule in RULES
        if decision.station != example["expected_station"]:
            wrong.append(f"{example['id']}: expected {example['expected_station']}, "
                         f"got {decision.station} ({decision.reason})")
    return len(examples) - len(wrong), wrong


# --------------------------------------------------------------------------- labelled sets


def test_dev_examples_all_agree(registry: StationRegistry) -> None:
    examples = _load(DEV_PATH)
    assert len(examples) == 40
    correct, wrong = _score(examples, registry)
    assert correct == 40, "\n".join(wrong)


def test_holdout_examples_all_agree(registry: StationRegistry) -> None:
    examples = _load(HOLDOUT_PATH)
    assert len(examples) >= 30
    assert len({e["id"] for e in examples}) == len(examples)
    correct, wrong = _score(examples, registry)
    assert correct == len(examples), "\n".join(wrong)


def test_holdout_covers_every_station(registry: StationRegistry) -> None:
    expected = {e["expected_station"] for e in _load(HOLDOUT_PATH)}
    assert expected == set(registry.codes)


# --------------------------------------------------------------------------- rule by rule


def test_rule1_town_specialty_names_town_source_and_words(registry: StationRegistry) -> None:
    d = route(registry, "寿张集镇", "码头装卸效率低", "我们码头的装卸设备老旧。",
              submitter_type="enterprise", channel="enterprise_form")
    assert d.station == "shouzhangji-port"
    assert d.rule == RULE_TOWN_SPECIALTY
    assert d.town == "寿张集镇"
    assert d.town_source == "form"
    assert "码头" in d.matched and "装卸" in d.matched
    assert d.reason.startswith("规则1：寿张集镇（表单填写）")
    assert "“码头”" in d.reason


def test_rule1_beats_rule2_for_port_logistics_in_shouzhangji(registry: StationRegistry) -> None:
    d = route(registry, "寿张集镇", "堆场不够", "港口物流公司集装箱堆场不够用。",
              submitter_type="enterprise")
    assert (d.station, d.rule) == ("shouzhangji-port", RULE_TOWN_SPECIALTY)


def test_rule2_industry_whatever_the_town(registry: StationRegistry) -> None:
    d = route(registry, "拳铺镇", "用电增容", "我们钕铁硼磁材企业用电负荷不够。",
              submitter_type="enterprise", channel="enterprise_form")
    assert (d.station, d.rule) == ("devzone-rare-earth", RULE_INDUSTRY)
    assert d.town == "拳铺镇"
    assert "钕铁硼" in d.matched
    assert d.reason.startswith("规则2：提交人为企业")


def test_rule2_heard_from_first_person_enterprise_voice(registry: StationRegistry) -> None:
    d = route(registry, None, "货车通行证", "我在开发区开了一家物流公司，货车通行证难办。")
    assert (d.station, d.rule) == ("devzone-port-logistics", RULE_INDUSTRY)
    assert "我…开了一家" in d.reason


def test_rule2_enterprise_name_counts_as_enterprise_and_industry(
    registry: StationRegistry,
) -> None:
    d = route(registry, None, "用地指标", "扩产项目的用地指标迟迟不能落实。",
              submitter_type="resident", channel="web_form",
              enterprise_name="梁山某某专用汽车制造有限公司")
    assert d.station == "devzone-special-vehicles"


def test_rule2_enterprise_outside_the_four_industries_is_not_routed_to_one(
    registry: StationRegistry,
) -> None:
    d = route(registry, "水泊街道", "许可证难办", "我开餐饮店办理食品经营许可证跑了好几趟。",
              submitter_type="enterprise")
    assert (d.station, d.rule) == ("shuipo-street", RULE_TOWN_GENERAL)


def test_rule3_town_general_for_specialty_town(registry: StationRegistry) -> None:
    d = route(registry, "寿张集镇", "中学门口缺红绿灯", "镇上中学门口没有红绿灯。")
    assert (d.station, d.rule) == ("shouzhangji-port", RULE_TOWN_GENERAL)
    assert d.reason.startswith("规则3：")
    assert "不涉及港航融合发展特色" in d.reason


def test_rule4_without_any_town_explains_why(registry: StationRegistry) -> None:
    d = route(registry, None, "深夜放鞭炮", "最近总有人深夜放鞭炮。")
    assert (d.station, d.rule, d.town, d.town_source) == (
        "county-office", RULE_TRIAGE, None, None)
    assert "未能从表单或正文确定所在镇街" in d.reason


def test_rule4_enterprise_without_industry_and_town(registry: StationRegistry) -> None:
    d = route(registry, None, "招牌审批", "我们饭店想换户外招牌。", submitter_type="enterprise")
    assert d.station == "county-office"
    assert "企业所属行业不属于专用车行业、教育服务行业、稀土行业、港航物流行业等行业站" in d.reason


# --------------------------------------------------------------------------- hard-case notes


@pytest.mark.parametrize(
    ("content", "station", "town"),
    [
        ("我住在梁山街道的一个社区，供暖温度一直不达标。", "liangshan-street", "梁山街道"),
        ("建议梁山县全县推广垃圾分类。", "county-office", None),
        ("梁山县城区的夜市油烟很重。", "county-office", None),
        ("梁山经济开发区的公交线路太少。", "county-office", "开发区"),
    ],
)
def test_liangshan_county_is_not_liangshan_street(
    registry: StationRegistry, content: str, station: str, town: str | None
) -> None:
    d = route(registry, None, "", content)
    assert (d.station, d.town) == (station, town)


def test_county_only_reason_says_no_town(registry: StationRegistry) -> None:
    d = route(registry, None, "推广垃圾分类", "建议在全县推广垃圾分类。")
    assert d.station == "county-office"
    assert "“全县”" in d.reason


def test_form_county_falls_back_to_town_in_text(registry: StationRegistry) -> None:
    d = route(registry, "梁山县", "自来水发黄", "拳铺镇我们村的自来水发黄。")
    assert (d.station, d.town, d.town_source) == ("quanpu-coop", "拳铺镇", "text")
    assert "表单所填“梁山县”指全县" in d.reason


def test_devzone_has_no_general_station(registry: StationRegistry) -> None:
    d = route(registry, "开发区", "公交线路太少", "开发区公交线路太少，职工上下班不便。")
    assert (d.station, d.rule, d.town) == ("county-office", RULE_TRIAGE, "开发区")
    assert "开发区（表单填写）不设综合代表联络站" in d.reason


def test_devzone_enterprise_still_reaches_its_industry(registry: StationRegistry) -> None:
    d = route(registry, "开发区", "仓储用地", "物流园区仓储用地指标紧张。",
              submitter_type="enterprise")
    assert d.station == "devzone-port-logistics"


@pytest.mark.parametrize("town", ["馆驿镇", "韩岗镇", "黑虎庙镇", "杨营镇", "韩垓镇",
                                  "小安山镇", "马营镇", "大路口乡", "赵堌堆乡"])
def test_town_without_station_goes_to_county_office(
    registry: StationRegistry, town: str
) -> None:
    d = route(registry, town, "村道破损", "我们村的村道破损严重，雨天无法通行。")
    assert (d.station, d.rule, d.town) == ("county-office", RULE_TRIAGE, town)
    assert f"{town}（表单填写）暂未设立代表联络站" in d.reason


def test_town_without_station_named_only_in_text(registry: StationRegistry) -> None:
    d = route(registry, None, "村道破损", "馆驿镇我们村的村道破损严重。")
    assert (d.station, d.town, d.town_source) == ("county-office", "馆驿镇", "text")


def test_resident_noise_complaint_is_community_matter(registry: StationRegistry) -> None:
    d = route(registry, "水泊街道", "稀土厂夜间噪音", "附近稀土厂夜间噪音大，影响居民休息。")
    assert (d.station, d.rule) == ("shuipo-street", RULE_TOWN_GENERAL)
    assert "噪音" in d.matched and "稀土" in d.matched
    assert "不转稀土行业代表联络站" in d.reason


def test_resident_smell_complaint_in_devzone_is_not_industry(registry: StationRegistry) -> None:
    d = route(registry, "开发区", "稀土企业异味", "开发区有家稀土企业晚上排放异味。")
    assert d.station == "county-office"


def test_enterprise_complaining_about_neighbour_factory_is_community(
    registry: StationRegistry,
) -> None:
    d = route(registry, "梁山街道", "旁边厂子异味", "我们饭店旁边的稀土厂异味很重，顾客都跑了。",
              submitter_type="enterprise")
    assert (d.station, d.rule) == ("liangshan-street", RULE_TOWN_GENERAL)


def test_enterprise_complained_about_stays_industry(registry: StationRegistry) -> None:
    d = route(registry, "梁山街道", "被投诉噪音",
              "我们稀土永磁企业被周边居民投诉噪音，希望协调搬迁选址。",
              submitter_type="enterprise")
    assert (d.station, d.rule) == ("devzone-rare-earth", RULE_INDUSTRY)


def test_resident_about_training_school_fees_is_not_industry(registry: StationRegistry) -> None:
    d = route(registry, "梁山街道", "培训机构乱收费", "学校周边的校外培训机构乱收费。")
    assert d.station == "liangshan-street"
    assert "不是企业自身经营诉求" in d.reason


def test_township_specialty_binds_to_its_town(registry: StationRegistry) -> None:
    d = route(registry, "小路口镇", "合作社贷款难", "合作社想扩大规模，但银行不给贷款。",
              submitter_type="cooperative")
    assert d.station == "xiaolukou-yellow-river"
    assert "特色站只受理本镇诉求" in d.reason


def test_cooperative_in_town_without_station_is_not_sent_to_quanpu(
    registry: StationRegistry,
) -> None:
    d = route(registry, "韩垓镇", "土地流转纠纷", "我们合作社的土地流转合同续签谈不拢。",
              submitter_type="cooperative")
    assert d.station == "county-office"


def test_port_topic_outside_shouzhangji_is_not_sent_to_port(registry: StationRegistry) -> None:
    d = route(registry, "韩垓镇", "码头粉尘大", "京杭运河边的煤炭码头粉尘很大。")
    assert d.station == "county-office"


def test_cooperative_without_town_is_triaged(registry: StationRegistry) -> None:
    d = route(registry, None, "西瓜滞销", "我们合作社种的西瓜大量滞销。",
              submitter_type="cooperative")
    assert d.station == "county-office"


@pytest.mark.parametrize(
    ("content", "station", "surface"),
    [
        ("我们是寿张集港区的一家航运公司，船舶检验排队时间太长。", "shouzhangji-port",
         "寿张集港区"),
        ("小路口镇我们村人居环境整治缺少保洁人员经费。", "xiaolukou-yellow-river", "小路口镇"),
        ("拳铺镇集市摊位费今年上涨了一倍。", "quanpu-coop", "拳铺镇"),
        ("石头园村的路灯坏了好几盏。", "shuipo-street", "石头园村"),
        ("徐集片区几个村的排水沟堵塞。", "quanpu-coop", "徐集片区"),
    ],
)
def test_town_only_in_the_text(
    registry: StationRegistry, content: str, station: str, surface: str
) -> None:
    d = route(registry, None, "", content)
    assert (d.station, d.town_source) == (station, "text")
    assert surface in d.matched


def test_form_town_wins_over_text(registry: StationRegistry) -> None:
    d = route(registry, "梁山街道", "路灯不亮", "我上班在水泊街道，家里小区路灯不亮。")
    assert (d.station, d.town_source) == ("liangshan-street", "form")


@pytest.mark.parametrize("form", ["拳铺", "山东省济宁市梁山县拳铺镇后集村", " 拳铺镇 "])
def test_form_town_alias_or_address(registry: StationRegistry, form: str) -> None:
    d = route(registry, form, "路灯", "路灯不亮。")
    assert (d.station, d.town, d.town_source) == ("quanpu-coop", "拳铺镇", "form")


def test_unknown_form_town_is_named_in_reason(registry: StationRegistry) -> None:
    d = route(registry, "东平县", "路灯", "路灯不亮。")
    assert d.station == "county-office"
    assert "“东平县”不在本县镇街名录中" in d.reason


def test_crossroads_is_not_a_town(registry: StationRegistry) -> None:
    d = route(registry, None, "缺红绿灯", "县城的十字大路口没有红绿灯。")
    assert (d.station, d.town) == ("county-office", None)


@pytest.mark.parametrize(
    "fields",
    [
        {"town": None, "title": "", "content": ""},
        {"town": "", "title": "", "content": "   "},
        {"town": None, "title": "匿名反映", "content": "有问题。", "submitter_type": ""},
    ],
)
def test_anonymous_and_empty_fields_still_route(registry: StationRegistry, fields: dict) -> None:
    request = RoutingRequest(**{"id": "anon", "channel": "hotline",
                                "submitter_type": "resident", **fields})
    d = decide(request, registry)
    assert (d.station, d.rule, d.town, d.town_source) == (
        "county-office", RULE_TRIAGE, None, None)
    assert d.reason.startswith("规则4：")


def test_anonymous_with_town_in_text_routes_to_town(registry: StationRegistry) -> None:
    request = RoutingRequest(id="anon", channel="hotline", submitter_type="", town="",
                             title="", content="水泊街道有个小区下水道堵了一个星期。")
    assert decide(request, registry).station == "shuipo-street"


def test_full_width_text_is_normalised(registry: StationRegistry) -> None:
    d = route(registry, "ＬＳ", "码头", "寿张集镇的码头装卸设备老旧，效率低！")
    assert d.station == "shouzhangji-port"


def test_decision_is_deterministic(registry: StationRegistry) -> None:
    first = route(registry, None, "罐车改装资质", "罐式运输车改装资质办理流程不清楚。",
                  submitter_type="enterprise")
    second = route(registry, None, "罐车改装资质", "罐式运输车改装资质办理流程不清楚。",
                   submitter_type="enterprise")
    assert first == second
    assert first.station == "devzone-special-vehicles"
