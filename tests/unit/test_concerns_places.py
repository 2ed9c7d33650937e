"""Places in concern texts: what is named, how names compare, when two cases are at one place."""

from __future__ import annotations

from services.concerns.rules.places import (
    FACILITY,
    GAZETTEER_PATH,
    INSTITUTION,
    ORGANISATION,
    RESIDENTIAL,
    ROAD,
    Places,
    compare,
    gazetteer,
    places_of,
)


def _names(title: str, content: str = "", town: str | None = None, **kw: object) -> set[tuple[str, str]]:
    return {(n.group, n.label) for n in places_of(title, content, town, **kw).names}  # type: ignore[arg-type]


def test_gazetteer_is_read_from_one_path() -> None:
    assert GAZETTEER_PATH.name == "gazetteer.yaml" and GAZETTEER_PATH.exists()
    g = gazetteer()
    assert g.towns["寿张集港区"] == "寿张集镇"
    assert g.localities["石头园"] == ("石头园村", "水泊街道")


def test_village_read_to_a_boundary() -> None:
    assert _names("来电反映：大路口乡前宋村自来水上不去") == {(RESIDENTIAL, "前宋村")}
    assert _names("家住水泊街道石头园村，村里大街") == {(RESIDENTIAL, "石头园村")}
    # 村 inside words is no village: 农村公路, 进村, 本村, 无村医
    assert _names("列入明年农村公路养护计划，煤灰刮进村里，本村无村医") == set()


def test_compound_names_with_and_without_小区() -> None:
    assert _names("翠湖苑小区路灯坏了") == {(RESIDENTIAL, "翠湖苑")}
    assert _names("锦苑新城7号楼电梯老停") == {(RESIDENTIAL, "锦苑新城")}
    assert _names("东方名苑物业擅自上调物业费") == {(RESIDENTIAL, "东方名苑")}
    assert _names("杏林路北头那个小区晚上太黑了") == {(ROAD, "杏林路")}


def test_organisation_reduced_to_its_own_name() -> None:
    assert _names("开发区华稀新材料有限公司拖欠工资") == {(ORGANISATION, "华稀公司")}
    assert _names("李官屯村丰禾果蔬种植专业合作社") == {(RESIDENTIAL, "李官屯"), (ORGANISATION, "丰禾合作社")}
    # names that are nothing but a trade name no place
    assert _names("热力公司、保洁公司、挂车配件厂和我公司") == set()


def test_schools_and_clinics_belong_to_what_precedes_them() -> None:
    assert _names("杨营镇中心小学门口") == {(INSTITUTION, "杨营镇小学")}
    assert _names("杨营中心小学门口") == {(INSTITUTION, "杨营镇小学")}
    assert _names("孙庄村卫生室常年锁门") == {(RESIDENTIAL, "孙庄村"), (INSTITUTION, "孙庄卫生室")}


def test_lock_named_either_way() -> None:
    assert {n.key for n in places_of("郭楼船闸待闸", "").names} == {
        n.key for n in places_of("京杭运河郭楼闸过闸难", "").names}
    assert _names("在郭楼船闸下游待闸") == {(FACILITY, "郭楼船闸")}


def test_building_numbers() -> None:
    assert places_of("金河湾3号楼电梯", "").buildings == {"3"}


def test_reference_points_are_marked() -> None:
    found = places_of("人民医院东边那个小区车库进水", "").names
    assert [(n.label, n.reference) for n in found] == [("人民医院", True)]


def _p(title: str, content: str = "", town: str | None = None, lat: float | None = None,
       lng: float | None = None) -> Places:
    return places_of(title, content, town, None, lat, lng)


def test_same_place_through_a_homophone_typo() -> None:
    m = compare(_p("翠湖苑小区路灯坏了"), _p("翠湖园小区路灯"))
    assert m.level == "same" and m.shared == ("翠湖苑",)


def test_a_mention_without_the_place_word_is_the_same_place() -> None:
    assert compare(_p("启航教育培训机构关门"), _p("学府路上的“启航教育”停课")).level == "same"


def test_a_mention_inside_a_longer_name_is_not() -> None:
    assert compare(_p("王楼村道路"), _p("前王楼村道路")).level == "conflict"


def test_other_town_other_village_other_company_conflict() -> None:
    assert compare(_p("东李村垃圾", town="马营镇"), _p("东李村垃圾", town="拳铺镇")).level == "conflict"
    assert compare(_p("马营镇东李村垃圾"), _p("马营镇后刘村垃圾")).level == "conflict"
    # the same compound, but two factories: two sources of noise
    a, b = _p("鲁运专用车公司噪音", "新城家园小区"), _p("恒通挂车公司噪音", "新城家园小区")
    assert compare(a, b).level == "conflict"


def test_near_by_road_or_distance_only() -> None:
    a = _p("翠湖苑路灯", "杏林路翠湖苑小区", lat=35.8052, lng=116.0921)
    b = _p("杏林路北头那个小区晚上太黑", lat=35.8056, lng=116.0927)
    m = compare(a, b)
    assert m.level == "near" and m.distance_m is not None and m.distance_m < 100
    close = _p("路灯不亮", lat=35.8052, lng=116.0921), _p("路灯", lat=35.8053, lng=116.0922)
    assert compare(*close).level == "near"


def test_the_same_road_far_apart_is_not_near() -> None:
    a = _p("人民路井盖丢了", lat=35.7899, lng=116.1101)
    b = _p("人民路井盖破损", lat=35.7999, lng=116.1101)  # 1.1 km north
    assert compare(a, b).level == "none"


def test_same_name_far_apart_conflicts() -> None:
    a = _p("张庄村路灯", lat=35.70, lng=116.00)
    b = _p("张庄村路灯", lat=35.80, lng=116.00)
    assert compare(a, b).level == "conflict"
