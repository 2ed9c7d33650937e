"""Places in a concern's text: towns, villages, compounds, organisations, roads, buildings.

A concern is one only at one place, so the detector first asks "is this the same place?".
Names are found character by character (jieba cuts rare names apart: 翠/湖苑, 贾/堌/堆村):

* the county's gazetteer gives towns, zones, localities and landmarks by leftmost-longest
  match; towns and the county are boundaries, localities are places;
* a place word (村, 社区, 小区, N号楼, 公司, 合作社, 厂, 市场, 船闸, 小学, 卫生室, 路, …) marks
  a name, read leftwards up to a boundary: punctuation, a digit, a gazetteer name, another
  place, or a function word (反映, 家住, 的, 那个, 对面, …);
* an organisation's name is reduced to its own part by dropping trade words from its end
  (鲁运专用车制造公司 -> 鲁运, 丰禾果蔬种植专业合作社 -> 丰禾); a name that is nothing but trade
  words (热力公司, 保洁公司, 挂车配件厂) names no place;
* a school or clinic is named by what stands before it (杨营镇中心小学 -> 杨营镇·小学,
  孙庄村卫生室 -> 孙庄·卫生室).

Names are compared by ``sound_key`` (homophone typos read alike: 翠湖园/翠湖苑).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from services.concerns.rules.normalise import is_han, normalise, sound_key

# The county's gazetteer, read only through ``gazetteer()``. When it moves to a shared place,
# this line is the one to change.
GAZETTEER_PATH = Path(__file__).resolve().parents[2] / "routing" / "data" / "gazetteer.yaml"

# Kinds of place, grouped for conflicts: two cases naming different places of one group
# (two villages, two companies) are at different places.
RESIDENTIAL = "residential"  # village, community, residential compound
ORGANISATION = "organisation"  # company, cooperative, factory, market, park
INSTITUTION = "institution"  # school, clinic, home for the elderly
FACILITY = "facility"  # ship lock, port, bridge, landmark
ROAD = "road"

# Beyond this, two points are not one place even when the names agree (two villages of one
# name in two towns, or a misread name).
FAR_APART_M = 3000.0
# Within this, two points may be one place ("points of one place lie within about 100 m").
NEAR_M = 150.0


@dataclass(frozen=True)
class Gazetteer:
    towns: dict[str, str]  # surface -> town (or zone) name
    localities: dict[str, tuple[str, str]]  # surface -> (locality name, its town)
    landmarks: dict[str, str]  # surface -> landmark name
    county: frozenset[str]

    @functools.cached_property
    def scan_table(self) -> tuple[dict[str, tuple[str, str]], re.Pattern[str]]:
        table: dict[str, tuple[str, str]] = {}
        for s in self.county:
            table[s] = ("county", s)
        for s, t in self.towns.items():
            table[s] = ("town", t)
        for s, (name, _) in self.localities.items():
            table[s] = ("locality", name)
        for s, name in self.landmarks.items():
            table[s] = ("landmark", name)
        # longest first: the alternation then finds the leftmost-longest name
        return table, re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))


@functools.cache
def gazetteer(path: Path = GAZETTEER_PATH) -> Gazetteer:
    """The county's towns, localities and landmarks (read once per process)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    towns: dict[str, str] = {}
    for entry in [*doc.get("towns", []), *doc.get("zones", [])]:
        for surface in [entry["name"], *entry.get("aliases", [])]:
            towns[surface] = entry["name"]
        # weak aliases (小路口, 大路口) are everyday words: never read as a town here
    localities: dict[str, tuple[str, str]] = {}
    for entry in doc.get("localities", []):
        for surface in [entry["name"], *entry.get("aliases", [])]:
            localities[surface] = (entry["name"], entry["town"])
    landmarks: dict[str, str] = {}
    for entry in doc.get("landmarks", []):
        for surface in [entry["name"], *entry.get("aliases", [])]:
            landmarks[surface] = entry["name"]
    county = doc.get("county", {})
    return Gazetteer(towns, localities, landmarks,
                     frozenset([county.get("name", ""), *county.get("aliases", [])]) - {""})


@dataclass(frozen=True)
class PlaceName:
    group: str  # RESIDENTIAL, ORGANISATION, INSTITUTION, FACILITY or ROAD
    label: str  # for people: "石头园村", "鲁运公司", "杨营镇小学"
    key: str  # sound key of the name's own part: what is compared
    reference: bool = False  # only named to say where something else is ("医院东边那个小区")

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Places:
    towns: frozenset[str]  # explicit: the form's field or a town named in the text
    names: tuple[PlaceName, ...]
    buildings: frozenset[str]  # "3号楼" -> "3"
    lat: float | None = None
    lng: float | None = None
    text_key: str = field(default="", repr=False)  # sound key of the whole text (mentions)
    residue: str = field(default="", repr=False)  # the text without its place names

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None

    def keys(self) -> frozenset[str]:
        return frozenset(n.key for n in self.names)

    def label_of(self, key: str) -> str:
        return next((n.label for n in self.names if n.key == key), key)


# --------------------------------------------------------------------------- vocabulary

# Words that end a name when read leftwards from a place word (they are never part of one).
BOUNDARY_WORDS = (
    "来电人", "来电", "反映", "投诉", "举报", "家住", "住在", "居住", "位于", "地处", "关于", "我们",
    "他们", "你们", "这个", "那个", "这座", "那座", "这段", "那段", "这家", "那家", "一家", "一个",
    "整个", "半个", "每个", "两个", "几个", "多个", "附近", "旁边", "对面", "周边", "周围", "紧邻",
    "相邻", "北侧", "南侧", "东侧", "西侧", "北边", "南边", "东边", "西边", "北段", "南段", "东段",
    "西段", "北头", "南头", "东头", "西头", "门口", "门前", "东门", "西门", "南门", "北门", "路口",
    "上游", "下游", "里面", "要求", "希望", "恳请", "请求", "协调", "督促", "建议", "联系", "通知",
    "帮助", "帮忙", "推动", "监管", "检查", "查处", "村委会", "村委", "镇上", "镇里", "乡里",
    "县里", "城区", "市区", "从事", "入驻", "流转给", "租给", "经过", "待闸", "过闸", "以来", "以后",
    "以前", "之前", "之后", "期间", "目前", "现在", "今年", "去年", "最近", "近期", "时候", "夜间",
    "晚上", "白天", "早上", "中午", "下午", "上午", "平时", "小区", "催促", "个月", "不是", "就是",
    "还是", "也是", "都是", "只是", "可是", "但是", "而是", "社区",
    "我", "的", "在", "是", "了", "和", "与", "及", "到", "从", "给", "对", "向", "往", "把", "被",
    "让", "说", "称", "系", "这", "那", "个", "座", "段", "里", "内", "本", "各", "全", "该", "为",
    "由", "经", "等", "待", "过", "开", "去", "上", "下", "即", "边", "旁", "住", "找", "跟", "进",
    "出", "回", "无", "外", "条", "催", "叫", "问", "至", "月", "村",
)
_SINGLE_BOUNDARIES = frozenset(w for w in BOUNDARY_WORDS if len(w) == 1)
_BOUNDARY_RE = re.compile("|".join(map(re.escape, sorted(BOUNDARY_WORDS, key=len, reverse=True))))

# Words that say what kind of village or facility it is, not which one (安置社区, 黄河浮桥).
GENERIC_PLACE_WORDS = (
    "滩区迁建", "迁建", "安置", "滩区", "搬迁", "移民", "新型农村", "农村", "城市", "老旧", "回迁",
    "拆迁", "隔壁", "京杭运河", "大运河", "运河", "黄河", "河道", "生产", "村口", "村头", "港区",
    "村东", "村西", "村南", "村北", "小区",
)
# Read inside a name, these are dropped wherever they stand (京杭运河郭楼船闸 -> 郭楼).
_GENERIC_INSIDE = re.compile("|".join(sorted(map(re.escape, GENERIC_PLACE_WORDS), key=len, reverse=True)))
# 村 after these is a word, not a village: 农村, 进村, 本村, 全村, 无村医.
_NOT_VILLAGE_BEFORE = frozenset("农乡进出回全本邻各该此无一整过下驻包入离到条外我")
# 路 before these is a word, not a road: 路灯, 路面, 十字路口.
_NOT_ROAD_AFTER = frozenset("灯面况基费途程障标牌口肩沿")

# After a name, these make it a reference point, not the place itself: "人民医院东边那个小区".
REFERENCE_WORDS = (
    "对面", "附近", "旁边", "东边", "西边", "南边", "北边", "东侧", "西侧", "南侧", "北侧", "周边",
    "周围", "后面", "前面", "后边", "前边", "隔壁", "往东", "往西", "往南", "往北", "以东", "以西",
    "以南", "以北", "东面", "西面", "南面", "北面", "一带", "不远",
)

# Trade words: dropped from the end of an organisation's name; a name made of them only is
# generic (热力公司, 保洁公司) and names no place.
TRADE_WORDS = (
    "有限责任", "股份有限", "有限", "股份", "集团", "控股", "制造", "生产", "科技", "实业", "工贸",
    "商贸", "贸易", "新材料", "材料", "专用车", "专用汽车", "汽车", "挂车", "车辆", "配件", "零部件",
    "加工", "农产品", "食品", "物流", "仓储", "运输", "航运", "船务", "果蔬", "蔬菜", "种植", "专业",
    "养殖", "肉牛", "生猪", "畜牧", "粮食", "教育", "培训", "舞蹈", "艺术", "文化", "传媒", "建筑",
    "建设", "工程", "劳务", "保洁", "环卫", "物业", "物业服务", "热力", "供热", "供电", "电力",
    "供水", "自来水", "水务", "燃气", "港口", "港务", "码头", "施工", "开发", "房地产", "置业",
    "稀土", "机械", "化工", "纺织", "服装", "煤炭", "砂石", "水泥", "钢铁", "电子", "医药", "环保",
    "农业", "农机", "信息", "网络", "快递", "公交", "客运", "出租", "保安", "餐饮", "酒店", "超市",
    "农贸", "综合", "蔬菜批发", "批发", "服务", "管理", "经营", "发展", "投资", "能源", "新能源",
    "光伏", "木业", "家具", "印刷", "包装", "塑料", "橡胶", "玻璃", "冷链", "电商", "网约车",
    "驾校", "驾驶", "维修", "修理", "汽修", "车", "专用", "工业", "产业", "合作", "联合", "一家", "这家",
    "那家", "新", "大", "小", "老", "县", "镇", "乡", "村", "该", "本", "某",
)

# Place words, longest first within a rule. (regex, group, kind label, keeps the word in the name)
_ORG_SUFFIX = (
    "有限责任公司|股份有限公司|有限公司|公司|专业合作社|合作社|联合社|工厂|厂(?![外内里区房子])|集团|"
    "培训机构|培训中心|培训学校|培训班|机构|物流园|产业园|工业园|园区|农贸市场|批发市场|市场|"
    "超市|商场|酒店|饭店|砂石料场|料场|煤场|堆场|搅拌站|加油站|养殖场|屠宰场"
)
_ORG_LABEL = {"有限责任公司": "公司", "股份有限公司": "公司", "有限公司": "公司",
              "专业合作社": "合作社", "农贸市场": "市场", "批发市场": "市场", "培训中心": "培训机构",
              "培训学校": "培训机构", "培训班": "培训机构"}
_INSTITUTION_SUFFIX = (
    "中心小学|完全小学|小学|初级中学|中学|初中|高中|幼儿园|中心卫生院|卫生院|卫生室|卫生所|"
    "幸福院|敬老院|养老院|医院|派出所|供水站|便民服务中心|服务中心|文化广场|广场"
)
_INSTITUTION_TYPE = {
    "中心小学": "小学", "完全小学": "小学", "初级中学": "中学", "初中": "中学",
    "中心卫生院": "卫生院", "卫生所": "卫生室", "便民服务中心": "服务中心",
}
_FACILITY_SUFFIX = "船闸|闸(?![次门口])|码头|锚地|浮桥|大桥|桥(?![面梁墩头])|水库"
_RESIDENTIAL_SUFFIX = "社区|村"
# Compound names end in one of these words, and are recognised when 小区, a building number or
# a residents' word follows (翠湖苑7号楼, 东方名苑物业); "X小区" is always a compound.
_COMPOUND_END = "苑|园|府|庭|城|湾|家园|花园|公寓|水岸|名居|雅居|华庭|新村|大院|小镇|佳苑|嘉园|公馆|首府|广场"
# Two-character ends that name a compound on their own, whatever follows (华馨家园暖气不热).
_COMPOUND_STRONG_END = "家园|花园|华府|华庭|名苑|新城|水岸|公寓|嘉园|佳苑|公馆|首府"
_COMPOUND_TAIL = (r"(?:小区|\d+(?:号楼|栋|幢)|物业|业主|居民|院内|院里|楼前|楼下|南门|北门|东门|西门"
                  r"|一期|二期|三期)")

# Roads: "X路/X街/X大道" whose X is a name, not a word such as 马路, 线路, 回路, 生产路.
_ROAD = re.compile(r"([\u4e00-\u9fff0-9]{1,6}?)(大道|大街|路|街)")
_NOT_ROAD_END = set("马道公村主大线回铁网电水思出走上下半一绕远近带引领门短歧活销套同陆退后前小"
                    "生堤顶条段那这个过修学泥土油石烂坑家城乡镇街区里跑盏至")
_GENERIC_ROADS = {"中心", "生产", "堤顶", "村级", "农村", "乡村", "进村", "通村", "环村", "田间",
                  "入户", "主干", "城乡", "背街", "老", "新", "南", "北", "东", "西", "步行"}

_BUILDING = re.compile(r"(\d+)(?:号楼|号住宅楼|栋|幢)")

_MAX_NAME = {RESIDENTIAL: 5, ORGANISATION: 10, INSTITUTION: 4, FACILITY: 4, ROAD: 5}


def _at_end(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + ")$")


_TRADE_AT_END = _at_end(TRADE_WORDS + GENERIC_PLACE_WORDS)
_GENERIC_AT_END = _at_end(GENERIC_PLACE_WORDS)


# --------------------------------------------------------------------------- extraction


@dataclass
class _Span:
    start: int
    end: int
    kind: str  # "county", "town", "locality", "landmark" or a place group
    name: PlaceName | None = None
    town: str | None = None


def _scan_gazetteer(text: str) -> list[_Span]:
    table, pattern = gazetteer().scan_table
    spans: list[_Span] = []
    for m in pattern.finditer(text):
        kind, name = table[m.group(0)]
        span = _Span(m.start(), m.end(), kind)
        if kind == "town":
            span.town = name
        elif kind == "locality":
            for tail in ("社区", "村"):  # 李官屯村: the village word belongs to the name
                if text.startswith(tail, span.end) and not name.endswith(tail):
                    span.end += len(tail)
                    break
            span.name = PlaceName(RESIDENTIAL, name, sound_key(_strip_village_word(name)))
            span.kind = RESIDENTIAL
        elif kind == "landmark":
            span.name = PlaceName(FACILITY, name, sound_key(name))
            span.kind = FACILITY
        spans.append(span)
    return spans


def _strip_village_word(name: str) -> str:
    for tail in ("片区", "社区", "村", "乡"):
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return name[: -len(tail)]
    return name


def _left_name(text: str, end: int, floor: int, max_len: int, drop: bool = False) -> str:
    """The name that ends at ``end``: read leftwards to a boundary, at most ``max_len`` chars.

    Nothing when the character right before ``end`` is a one-character boundary word
    (本村, 过闸, 我公司, 的小区).
    """
    if end <= floor or text[end - 1] in _SINGLE_BOUNDARIES:
        return ""
    start = end
    while start > floor and end - start < max_len + 6 and is_han(text[start - 1]):
        start -= 1
    run = text[start:end]
    cut = 0
    for m in _BOUNDARY_RE.finditer(run):
        # a one-character boundary inside a run may belong to the name (和园): it cuts only
        # when at least two characters remain after it
        if len(m.group(0)) >= 2 or len(run) - m.end() >= 2:
            cut = m.end()
    name = run[cut:]
    if drop:
        name = _GENERIC_INSIDE.sub("", name)
    return name[-max_len:]


def _strip_end(name: str, pattern: re.Pattern[str]) -> str:
    """``name`` without the words of ``pattern`` at its end (repeatedly)."""
    while name:
        m = pattern.search(name)
        if not m:
            break
        name = name[: m.start()]
    return name


def _org_core(name: str) -> str:
    return _strip_end(name, _TRADE_AT_END)


def _blank(text: str, spans: list[_Span]) -> str:
    """``text`` with every place name (and town) replaced by "，": what the problem words are in."""
    chars = list(text)
    for s in spans:
        for i in range(s.start, s.end):
            chars[i] = "，"
    return "".join(chars)


def _covered(spans: list[_Span], start: int, end: int) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def _floor(spans: list[_Span], pos: int) -> int:
    """Where a name ending at ``pos`` may start at the earliest: after the last span before it."""
    return max((s.end for s in spans if s.end <= pos), default=0)


def _preceding(spans: list[_Span], pos: int) -> _Span | None:
    """The span that ends exactly at ``pos`` (a school right after its town or village)."""
    return next((s for s in spans if s.end == pos), None)


def extract(text: str, town: str | None = None, lat: float | None = None,
            lng: float | None = None) -> Places:
    """The places of a normalised text (title, content and address joined by "。")."""
    spans = _scan_gazetteer(text)
    names: list[PlaceName] = [s.name for s in spans if s.name]
    towns = {s.town for s in spans if s.town}
    if town:
        towns.add(gazetteer().towns.get(town, town))

    def add(group: str, label: str, core: str, start: int, end: int) -> None:
        if len(core) < 2:
            return
        after = text[end:end + 2]
        if after.startswith("小区"):  # 新城家园小区北侧
            after = text[end + 2:end + 4]
        name = PlaceName(group, label, sound_key(core), after in REFERENCE_WORDS)
        spans.append(_Span(start, end, group, name))
        names.append(name)

    # roads first: they bound the names after them ("工业三路鲁运专用车制造公司")
    for m in _ROAD.finditer(text):
        if _covered(spans, m.start(2), m.end(2)) or text[m.end(2):m.end(2) + 1] in _NOT_ROAD_AFTER:
            continue
        core = _left_name(text, m.start(2), _floor(spans, m.start(2)), _MAX_NAME[ROAD])
        if len(core) >= 2 and core[-1] not in _NOT_ROAD_END and core not in _GENERIC_ROADS:
            add(ROAD, core + m.group(2), core, m.start(2) - len(core), m.end(2))

    for suffix, group in ((_RESIDENTIAL_SUFFIX, RESIDENTIAL), (_FACILITY_SUFFIX, FACILITY)):
        for m in re.finditer(suffix, text):
            if _covered(spans, m.start(), m.end()):
                continue
            if m.group(0) == "村" and m.start() > 0 and text[m.start() - 1] in _NOT_VILLAGE_BEFORE:
                continue
            raw = _left_name(text, m.start(), _floor(spans, m.start()), _MAX_NAME[group], drop=True)
            core = _strip_end(raw, _GENERIC_AT_END)
            if group == FACILITY:
                word = "闸" if m.group(0) == "船闸" else m.group(0)
                if len(core) >= 2:
                    add(group, core + m.group(0), core + word, m.start() - len(raw), m.end())
            else:
                add(group, core + m.group(0), core, m.start() - len(raw), m.end())

    # compounds: "X小区"; a name ending in 苑/园/城/… before 小区, a building number or a
    # residents' word; a name ending in 家园/花园/华府/… anywhere (unless the name goes on)
    ends = [(m.end(), False) for m in re.finditer(rf"(?:{_COMPOUND_END})(?={_COMPOUND_TAIL})", text)]
    ends += [(m.end(), True) for m in re.finditer(_COMPOUND_STRONG_END, text)
             if not re.match(rf"(?:{_COMPOUND_END}|{_COMPOUND_TAIL})", text[m.end():])]
    for end, strong in sorted(ends):
        if _covered(spans, end - 1, end):
            continue
        raw = _left_name(text, end, _floor(spans, end), _MAX_NAME[RESIDENTIAL] + 1, drop=True)
        if strong and len(raw) < 3:
            continue  # "家园" alone is a word, not a name
        if not raw.endswith(("幼儿园", "物流园", "产业园", "工业园", "公园", "果园", "菜园", "校园", "广场")):
            add(RESIDENTIAL, raw, raw, end - len(raw), end)
    for m in re.finditer("小区", text):
        if _covered(spans, m.start(), m.end()):
            continue
        raw = _left_name(text, m.start(), _floor(spans, m.start()), _MAX_NAME[RESIDENTIAL] + 1, drop=True)
        core = _strip_end(raw, _GENERIC_AT_END)
        add(RESIDENTIAL, core, core, m.start() - len(raw), m.end())

    for m in re.finditer(_ORG_SUFFIX, text):
        if _covered(spans, m.start(), m.end()):
            continue
        raw = _left_name(text, m.start(), _floor(spans, m.start()), _MAX_NAME[ORGANISATION])
        core = _org_core(raw)
        word = _ORG_LABEL.get(m.group(0), m.group(0))
        add(ORGANISATION, core + word, core, m.start() - len(raw), m.end())

    for m in re.finditer(_INSTITUTION_SUFFIX, text):
        if _covered(spans, m.start(), m.end()):
            continue
        kind = _INSTITUTION_TYPE.get(m.group(0), m.group(0))
        before = _preceding(spans, m.start())
        raw = _left_name(text, m.start(), _floor(spans, m.start()), _MAX_NAME[INSTITUTION])
        if raw[-1:] in ("镇", "乡") and len(towns) == 1:
            owner, raw = next(iter(towns)), raw[-1:]  # 到镇卫生院: this case's town's
        elif before is not None and (before.name or before.town):
            # 杨营镇中心小学, 孙庄村卫生室: named by the town or village right before it
            owner = _strip_village_word(before.name.label) if before.name else before.town or ""
        elif len(raw) >= 2:
            owner = raw  # 人民医院
        else:
            continue  # "村卫生室", "县医院": whose, is not said
        add(INSTITUTION, owner + kind, owner + "·" + kind, m.start() - len(raw), m.end())

    buildings = frozenset(m.group(1) for m in _BUILDING.finditer(text))
    # one name per place, the first spelling met; a reference point only if every mention is one
    first: dict[tuple[str, str], PlaceName] = {}
    direct: set[tuple[str, str]] = set()
    for n in names:
        first.setdefault((n.group, n.key), n)
        if not n.reference:
            direct.add((n.group, n.key))
    unique = [PlaceName(n.group, n.label, n.key, (g, k) not in direct) for (g, k), n in first.items()]
    return Places(frozenset(towns), tuple(unique), buildings, lat, lng, sound_key(text),
                  _blank(text, spans))


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class PlaceMatch:
    level: str  # "same", "near", "none" or "conflict"
    shared: tuple[str, ...] = ()  # labels of the shared places, for the reason
    distance_m: float | None = None
    why: str = ""  # for "conflict": what differs


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _mentions(a: Places, b: Places) -> list[PlaceName]:
    """Names of ``a`` that ``b``'s text mentions without naming them as a place itself.

    "启航教育" in quotes, "贾堌堆东头": the name is there, the place word is not. A mention
    inside a longer name of ``b`` does not count (王楼 inside 前王楼); one followed by 东边,
    对面, … is a reference point.
    """
    found = []
    b_keys = b.keys()
    for name in a.names:
        if name.group == ROAD or name.key in b_keys:
            continue
        at = b.text_key.find(name.key)
        if at < 0 or any(name.key in k and name.key != k for k in b_keys):
            continue
        after = b.residue[at + len(name.key):at + len(name.key) + 2]
        found.append(PlaceName(name.group, name.label, name.key,
                               name.reference or after in REFERENCE_WORDS))
    return found


def _shared(a: Places, b: Places) -> list[tuple[PlaceName, bool]]:
    """(name, is a reference point on either side) for every place both name or mention."""
    b_by_key = {n.key: n for n in b.names if n.group != ROAD}
    out = [(n, n.reference or b_by_key[n.key].reference) for n in a.names
           if n.group != ROAD and n.key in b_by_key]
    out += [(n, n.reference) for n in _mentions(a, b) + _mentions(b, a)]
    return out


# Places that are the source of a problem (a factory, a school, a lock): two different ones are
# two concerns even when both cases also name the same village or compound.
_SOURCES = (ORGANISATION, INSTITUTION, FACILITY)


def _differ(a: Places, b: Places, group: str, shared: set[str]) -> tuple[str, str] | None:
    ga = [n for n in a.names if n.group == group and not n.reference]
    gb = [n for n in b.names if n.group == group and not n.reference]
    if ga and gb and not any(n.key in shared for n in ga + gb):
        return ga[0].label, gb[0].label
    return None


def compare(a: Places, b: Places) -> PlaceMatch:
    """Whether two cases are at one place, and the evidence.

    conflict: other town; points over 3 km apart; another company, school or lock; or another
    village or compound when no source place is shared.
    same: a place both name directly (or one names and the other mentions).
    near: only a reference point, a road, or points within 150 m in common.
    """
    dist = distance_m(a.lat, a.lng, b.lat, b.lng) if a.has_point and b.has_point else None  # type: ignore[arg-type]
    if a.towns and b.towns and not (a.towns & b.towns):
        return PlaceMatch("conflict", distance_m=dist,
                          why=f"乡镇不同（{'、'.join(sorted(a.towns))}／{'、'.join(sorted(b.towns))}）")
    if dist is not None and dist > FAR_APART_M:
        return PlaceMatch("conflict", distance_m=dist, why=f"相距 {dist / 1000:.1f} 公里")
    shared = _shared(a, b)
    shared_keys = {n.key for n, _ in shared}
    for group in _SOURCES:
        differ = _differ(a, b, group, shared_keys)
        if differ:
            return PlaceMatch("conflict", distance_m=dist, why=f"地点不同（{differ[0]}／{differ[1]}）")
    direct = [n.label for n, ref in shared if not ref]
    if direct:
        return PlaceMatch("same", tuple(dict.fromkeys(direct)), dist)
    differ = _differ(a, b, RESIDENTIAL, shared_keys)
    if differ:
        return PlaceMatch("conflict", distance_m=dist, why=f"地点不同（{differ[0]}／{differ[1]}）")
    roads = [a.label_of(k) for k in sorted(a.keys() & b.keys()) if _group_of(a, k) == ROAD]
    if roads and dist is not None and dist > 2 * NEAR_M:
        roads = []  # the same road, but far apart along it
    evidence = [n.label for n, _ in shared] + roads
    if evidence or (dist is not None and dist <= NEAR_M):
        return PlaceMatch("near", tuple(dict.fromkeys(evidence)), dist)
    return PlaceMatch("none", distance_m=dist)


def _group_of(places: Places, key: str) -> str:
    return next(n.group for n in places.names if n.key == key)


def places_of(title: str, content: str, town: str | None = None, address: str | None = None,
              lat: float | None = None, lng: float | None = None) -> Places:
    """Convenience: normalise and extract from a case's fields."""
    text = "。".join(normalise(x) for x in (title, content, address or "") if x)
    return extract(text, town, lat, lng)


def labels(names: Iterable[PlaceName]) -> list[str]:
    return [n.label for n in names]
