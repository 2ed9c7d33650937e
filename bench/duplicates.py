"""``python -m bench.duplicates [--n 100000] [--checks 2000]``: speed of the duplicate index.

Generates N synthetic cases spread over 60 days (villages, compounds, companies, schools and ship
locks in every town; ~30 kinds of problem in several wordings each, formal, hotline and dialect;
a third with coordinates; concerns of one to dozens of reports, a few places far busier than
the rest), builds a ``DuplicateIndex`` of them with their concern links (as a service rebuilds
from its stored rows), then checks new cases (half repeat a concern of
the window in new words, half are new) and prints:

    build: N cases in S s (features T ms/case), RSS +M MiB
    check: p50/p95/p99 (features + candidates + judgement), candidates judged per check

Deterministic for a given --seed. Speed is printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from services.concerns.rules.detector import WINDOW, Case, DuplicateIndex, features
from services.concerns.rules.places import gazetteer

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 10, 1, tzinfo=TZ)

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
            "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟")
VILLAGE_TAILS = "庄楼集屯营店寨洼坊堂岗"
VILLAGE_PREFIX = ("", "", "", "前", "后", "东", "西", "大", "小")
COMPOUND_A = ("翠湖", "锦绣", "金河", "阳光", "御景", "东方", "华馨", "书香", "福康", "凤凰", "盛世",
              "明珠", "紫金", "龙泉", "康乐", "幸福", "和谐", "丽景", "碧水", "泰和", "祥和", "瑞丰",
              "润泽", "枫林", "桂香", "兰亭", "清华", "水木", "嘉禾", "鸿福", "宏盛", "金色", "春晖")
COMPOUND_B = ("苑", "园", "华府", "家园", "花园", "新城", "湾", "华庭", "名苑", "雅居", "公寓")
BRANDS = ("鲁运", "华稀", "恒通", "顺达", "泰丰", "瑞祥", "金源", "宏达", "兴旺", "丰禾", "鑫泰", "永兴",
          "安泰", "隆盛", "正通", "中联", "海川", "远航", "昌盛", "汇丰", "众诚", "德润", "佳和", "天元",
          "腾飞", "聚源", "万通", "福瑞", "嘉信", "宝丰", "新华", "齐鲁", "亿达", "盛源", "金鼎", "华通")
TRADES = ("专用车制造有限公司", "新材料有限公司", "物流有限公司", "食品有限公司", "挂车制造公司",
          "农产品加工有限公司", "建材厂", "机械厂", "化工有限公司")
COOP_TRADES = ("果蔬种植专业合作社", "肉牛养殖专业合作社", "粮食种植合作社", "蔬菜专业合作社")
ROADS = ("杏林路", "青年路", "学府路", "人民路", "文化路", "建设路", "水泊中路", "工业三路", "公园路",
         "府前街", "新华路", "振兴路", "梁山大道", "凤凰路", "金线岭路")


@dataclass(frozen=True)
class Place:
    kind: str  # village, compound, org, coop, school, lock
    name: str  # as written
    town: str
    lat: float
    lng: float
    road: str | None = None


# (title, content) templates per problem; {p} is the place as a person names it.
TEMPLATES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "village": {
        "sewage": [
            ("{p}污水外溢",
             "{p}主街污水管网堵塞，雨后污水从检查井外溢，漫到村民门前，气味难闻，已经{d}了。"),
            ("来电反映{p}下水井冒黑水",
             "来电人反映：{p}大街上的下水井老往外冒黑水，一下雨更厉害，请有关部门处理。"),
            ("{p}又返污水了",
             "俺们{p}那几个窨井又往外返污水，小孩上学得绕着走，盼着上面想想办法。"),
        ],
        "garbage": [
            ("{p}垃圾没人拉",
             "{p}村西的垃圾点{d}没人清运，垃圾堆到路上，臭得很。"),
            ("来电反映{p}垃圾池满溢",
             "来电人反映：{p}垃圾池长期无人清运，垃圾满溢，要求环卫部门处理。"),
            ("关于{p}垃圾清运不及时的报告",
             "本村垃圾收集点清运频次减少，垃圾大量积存，请镇政府督促保洁公司恢复清运。"),
        ],
        "water_pressure": [
            ("{p}自来水上不去",
             "{p}自来水水压不足，二楼以上上不去水，已有{d}。"),
            ("来电反映{p}水压低",
             "来电人反映：{p}位于管网末端，白天基本不来水，只有半夜能接点水。"),
            ("{p}又没水了",
             "俺们{p}东头{d}了自来水就跟滴答的一样，洗个澡都得去闺女家。"),
        ],
        "water_quality": [
            ("{p}自来水发黄",
             "{p}自来水放出来是黄的，锅底一层沉淀，有铁锈味，不敢喝。"),
            ("来电反映{p}水质浑浊",
             "来电人反映：{p}近期自来水浑浊发黄，疑似管道锈蚀，要求检测水质。"),
        ],
        "streetlight": [
            ("{p}路灯不亮",
             "{p}大街上的太阳能路灯一半不亮了，晚上出门得打手电。"),
            ("{p}晚上黑咕隆咚",
             "俺们{p}的路灯坏了{d}，晚上走路黑咕隆咚的，希望找人修修。"),
        ],
        "road_damage": [
            ("{p}村道路烂得没法走",
             "{p}那条村道坑连着坑，下雨全是水，三轮车都翻过好几回了。"),
            ("关于{p}道路修复的申请",
             "{p}村级公路路面破损严重，坑槽密布，群众出行困难，恳请列入养护计划。"),
        ],
        "irrigation_well": [
            ("{p}机井坏了浇不上地",
             "{p}村北的机井水泵坏了{d}，麦子等着冬灌，报修了一直没人来。"),
            ("{p}北地那口井还没修好",
             "{p}北地那口井还是没修好，只能拉水管从二里地外接水浇麦子。"),
        ],
        "doctor": [
            ("{p}卫生室没有医生",
             "{p}卫生室的村医退休后一直没人，老人量个血压拿个药都得跑去镇上。"),
            ("来电反映{p}村医空缺",
             "来电人反映：{p}卫生室已有{d}无村医坐诊，村民看病拿药很不方便。"),
        ],
        "elderly_meals": [
            ("{p}幸福院老年食堂停了",
             "{p}幸福院老年食堂停止供餐，三十多位独居老人吃饭成了问题。"),
        ],
    },
    "compound": {
        "streetlight": [
            ("{p}路灯坏了好久没人修",
             "{p}小区里的路灯从上个月就不亮了，晚上黑乎乎的，物业说报上去了。"),
            ("来电反映{p}夜间照明缺失",
             "来电人反映：{p}小区内多盏路灯损坏，夜间主路无照明，有老人摔倒。"),
        ],
        "lift": [
            ("{p}{b}号楼电梯老停",
             "{p}{b}号楼电梯最近老是停在半截，前天困了人，物业说零件得从厂家订。"),
            ("来电反映{p}电梯困人",
             "来电人反映：{p}{b}号楼电梯频繁故障，多次困人，要求市场监管部门检查。"),
        ],
        "heating": [
            ("{p}暖气不热",
             "{p}小区{b}号楼供暖后屋里才十四五度，暖气片温乎的，交了全额取暖费。"),
            ("来电反映{p}供暖温度低",
             "来电人反映：{p}{b}号楼供暖后室温偏低，老人孩子受冻，热力公司未解决。"),
            ("{p}{b}号楼还是冰凉",
             "{p}{b}号楼暖气还是温吞水，屋里穿着羽绒服都冻手。"),
        ],
        "property_fee": [
            ("{p}物业费上涨",
             "{p}物业贴出通知物业费每平米涨两毛，没开业主大会，服务还越来越差。"),
            ("物业费说涨就涨合理吗",
             "{p}物业一下把物业费涨了一半，保安都撤了一个，凭啥涨价？"),
        ],
        "flooding": [
            ("{p}地下车库进水",
             "{p}地下车库排水泵坏了，下雨车库进水半米深，好几辆车泡了。"),
        ],
        "charging": [
            ("{p}充电桩太少",
             "{p}小区只有十个充电桩，很多人从楼上拉线充电，很危险。"),
        ],
        "parking": [
            ("{p}停车难",
             "{p}小区车位太少，晚上回来找不到停车位，消防通道都停满了。"),
        ],
    },
    "org": {
        "wages": [
            ("{p}拖欠工资",
             "来电人反映：其在{p}上班，公司已拖欠{d}工资，涉及员工约几十人。"),
            ("{p}{d}没发工资了",
             "{p}{d}没给我们发工资了，问就说回款慢，一家老小等着吃饭。"),
        ],
        "noise": [
            ("{p}夜里噪音扰民",
             "{p}最近天天加班到半夜，敲打钢板和切割的声音很大，附近居民睡不着。"),
            ("来电投诉{p}夜间噪声",
             "来电人反映：{p}夜间作业至凌晨，金属撞击声持续不断，请求环保部门查处。"),
        ],
        "odour": [
            ("{p}喷漆味太大",
             "{p}喷漆车间味道特别大，刮北风的时候附近都是油漆味，熏得人头疼。"),
        ],
        "dust": [
            ("{p}扬尘严重",
             "{p}料堆没有苫盖，起风时粉尘刮进附近村里，晾的衣服都是黑的。"),
        ],
        "wastewater": [
            ("{p}偷排废水",
             "{p}晚上偷排生产废水，排水沟里的水发红发臭，请环保部门夜查。"),
        ],
        "permit": [
            ("{p}审批进度慢",
             "我公司（{p}）申请材料已提交{d}，至今未办结，恳请协调加快审批。"),
        ],
        "social_insurance": [
            ("{p}未缴社保",
             "来电人反映：{p}今年以来未给职工缴纳社会保险，要求社保部门核查。"),
        ],
    },
    "coop": {
        "dividend": [
            ("{p}分红没兑现",
             "我们是{p}的入股社员，说好年底按股分红，到现在还没发。"),
            ("{p}拖欠社员分红",
             "{p}去年的分红一直拖着不给，好几十户社员都没拿到。"),
        ],
        "land_rent": [
            ("{p}拖欠土地流转费",
             "来电人反映：其家中地流转给{p}，今年的土地流转租金到现在还没给。"),
        ],
    },
    "school": {
        "traffic_safety": [
            ("{p}门口需要减速带",
             "{p}校门口正对主干道，车速很快，没有减速带也没有斑马线，很危险。"),
            ("家长反映{p}门前交通安全隐患",
             "多名家长反映，{p}门前道路无减速设施、无人行横道，请求设置。"),
        ],
        "school_meals": [
            ("{p}食堂饭菜又贵又差",
             "{p}学生食堂一份菜十块钱，量少还经常是凉的，孩子吃不饱。"),
        ],
    },
    "lock": {
        "lock_wait": [
            ("{p}待闸时间太长",
             "这一个月在{p}下游待闸一般要等两三天，船上的菜和水都不够了。"),
            ("船民来电反映{p}过闸排队久",
             "来电人反映{p}近期过闸排队时间长，平均待闸48小时以上。"),
            ("{p}下面又堵船了",
             "{p}下游又压了一大片船，俺这条船在这儿漂了快60个钟头了还没轮上。"),
        ],
        "garbage": [
            ("{p}锚地没有垃圾接收点",
             "{p}上下游锚地停的船多，岸上没有接收船舶生活垃圾的地方。"),
        ],
    },
}
DURATIONS = ("三个月", "3个月", "两个多月", "半个多月", "一个多月", "二十多天", "一个星期", "两个礼拜")


def make_places(rng: random.Random) -> list[Place]:
    towns = sorted(set(gazetteer().towns.values()))
    places: list[Place] = []
    seen: set[str] = set()

    def unique(name: str) -> bool:
        if name in seen:
            return False
        seen.add(name)
        return True

    for t_i, town in enumerate(towns):
        base_lat, base_lng = 35.70 + 0.02 * (t_i % 7), 116.00 + 0.03 * (t_i // 7)
        for _ in range(80):
            name = rng.choice(VILLAGE_PREFIX) + rng.choice(SURNAMES) + rng.choice(VILLAGE_TAILS) + "村"
            if unique(name):
                places.append(Place("village", name, town, base_lat + rng.uniform(0, 0.05),
                                    base_lng + rng.uniform(0, 0.05)))
        for _ in range(6):
            name = town.rstrip("镇乡街道") + rng.choice(("中心小学", "初级中学", "第二小学"))
            if unique(name):
                places.append(Place("school", name, town, base_lat + rng.uniform(0, 0.05),
                                    base_lng + rng.uniform(0, 0.05)))
    urban = [t for t in towns if t.endswith("街道")] + ["开发区"]
    for _ in range(700):
        name = rng.choice(COMPOUND_A) + rng.choice(COMPOUND_B)
        if unique(name):
            places.append(Place("compound", name, rng.choice(urban), 35.78 + rng.uniform(0, 0.04),
                                116.08 + rng.uniform(0, 0.06), rng.choice(ROADS)))
    for _ in range(500):
        brand = rng.choice(BRANDS) + rng.choice(("", "", rng.choice(SURNAMES)))
        if rng.random() < 0.3:
            name, kind = brand + rng.choice(COOP_TRADES), "coop"
        else:
            name, kind = brand + rng.choice(TRADES), "org"
        if unique(name):
            places.append(Place(kind, name, rng.choice(towns), 35.75 + rng.uniform(0, 0.1),
                                116.05 + rng.uniform(0, 0.1)))
    for lock in ("郭楼船闸", "邓楼船闸", "国那里船闸", "长沟船闸"):
        places.append(Place("lock", lock, "寿张集镇", 35.94 + rng.uniform(0, 0.02), 116.05))
    return places


def spoken(place: Place, rng: random.Random) -> str:
    """How a person names the place: with or without the town, the 村/小区 word, the brand only."""
    name = place.name
    if place.kind == "village" and rng.random() < 0.3:
        name = name[:-1]
    if place.kind in ("org", "coop") and rng.random() < 0.3:
        name = name[:2] + ("公司" if place.kind == "org" else "合作社")
    if place.kind == "lock" and rng.random() < 0.3:
        name = name.replace("船闸", "闸")
    if rng.random() < 0.4 and place.kind != "lock":
        name = place.town + name
    return name


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.places = make_places(self.rng)
        # a few places are far busier than the rest (Zipf-like weights)
        self.weights = [1.0 / (1 + i) ** 0.8 for i in range(len(self.places))]
        self.rng.shuffle(self.weights)
        self.concerns: list[tuple[Place, str, int, str]] = []  # place, kind, building, first id
        # by the rule, a second "new" report of the same problem at the same place (and building,
        # for a lift or a radiator) is the same concern: it is stored linked to the first
        self.first_of: dict[tuple[str, str, int], str] = {}
        self.n = 0

    def case(self, when: datetime, repeat: bool) -> Case:
        """A new case; ``duplicate_of`` is the first case of its concern (what a service stored)."""
        rng = self.rng
        cid = f"bench-{self.n + 1:06d}"
        if repeat and self.concerns:
            place, kind, building, first = rng.choice(self.concerns)
        else:
            place = rng.choices(self.places, self.weights)[0]
            kind = rng.choice(sorted(TEMPLATES[place.kind]))
            building = rng.randint(1, 20)
            key = (place.name, kind, building if kind in ("lift", "heating") else 0)
            first = self.first_of.setdefault(key, cid)
            if first == cid:
                self.concerns.append((place, kind, building, first))
        title, content = rng.choice(TEMPLATES[place.kind][kind])
        p = spoken(place, rng)
        fill = {"p": p, "d": rng.choice(DURATIONS), "b": building}
        self.n += 1
        located = rng.random() < 0.33
        return Case(
            id=cid, title=title.format(**fill)[:30], content=content.format(**fill),
            opened_at=when, town=place.town if rng.random() < 0.6 else None,
            address=(f"梁山县{place.town}{place.road or ''}{place.name}" if located else None),
            lat=place.lat + rng.uniform(-0.0004, 0.0004) if located else None,
            lng=place.lng + rng.uniform(-0.0004, 0.0004) if located else None,
            duplicate_of=None if first == cid else first,
        )


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="cases in the 60-day window")
    parser.add_argument("--checks", type=int, default=2000, help="new cases to check")
    parser.add_argument("--repeat-share", type=float, default=0.5,
                        help="share of cases that repeat an earlier concern")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)

    gen = Generator(args.seed)
    span = WINDOW.total_seconds() - 3600
    times = sorted(START + timedelta(seconds=gen.rng.uniform(0, span)) for _ in range(args.n))
    t0 = time.perf_counter()
    cases = [gen.case(when, gen.rng.random() < args.repeat_share) for when in times]
    gen_s = time.perf_counter() - t0
    features(cases[0])  # load jieba and pypinyin before timing
    print(f"generated: {len(cases)} cases at {len(gen.places)} places, {len(gen.concerns)} concerns "
          f"in {gen_s:.1f} s", flush=True)

    rss0 = rss_mib()
    index = DuplicateIndex()
    t0 = time.perf_counter()
    feats_s = 0.0
    for case in cases:
        t1 = time.perf_counter()
        f = features(case)
        feats_s += time.perf_counter() - t1
        index.add(f, case.duplicate_of)  # as a service rebuilds: with the stored links
    build_s = time.perf_counter() - t0
    rss1 = rss_mib()
    print(f"build: {len(index)} cases in {build_s:.1f} s ({build_s / len(cases) * 1000:.2f} ms/case, "
          f"of which features {feats_s / len(cases) * 1000:.2f} ms); RSS {rss0:.0f} -> {rss1:.0f} MiB "
          f"(+{rss1 - rss0:.0f} MiB, {(rss1 - rss0) * 1024 / len(cases):.1f} KiB/case)", flush=True)

    when = times[-1]
    totals, lookups, judged, dups = [], [], [], 0
    for _ in range(args.checks):
        case = gen.case(when, gen.rng.random() < args.repeat_share)
        t1 = time.perf_counter()
        f = features(case)
        t2 = time.perf_counter()
        decision = index.check(f)
        t3 = time.perf_counter()
        totals.append((t3 - t1) * 1000)
        lookups.append((t3 - t2) * 1000)
        judged.append(len(index._candidate_ids(f)))
        dups += decision.duplicate_of is not None
    print(f"check ({args.checks} new cases, features + candidates + judgement): "
          f"p50={pct(totals, 50):.2f} ms p95={pct(totals, 95):.2f} ms p99={pct(totals, 99):.2f} ms "
          f"max={max(totals):.2f} ms")
    print(f"  of which candidates + judgement: p50={pct(lookups, 50):.2f} ms p95={pct(lookups, 95):.2f} ms "
          f"p99={pct(lookups, 99):.2f} ms; candidates judged per check: "
          f"median {statistics.median(judged):.0f}, p95 {pct(judged, 95):.0f}, max {max(judged)}")
    print(f"  decided duplicate: {dups} of {args.checks} ({dups / args.checks:.0%})")
    print(f"summary n={len(index)} build_s={build_s:.1f} rss_mib={rss1 - rss0:.0f} "
          f"p50_ms={pct(totals, 50):.2f} p95_ms={pct(totals, 95):.2f} p99_ms={pct(totals, 99):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
