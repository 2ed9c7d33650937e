"""Kinds of concrete problem, the words people use for them, and the broad theme of each.

Two cases are one concern only when they report the same concrete problem: the detector
compares the kinds found here (a street light that is out, sewage that overflows, a lift that
stops). The broad theme (路灯照明, 冬季供暖, 船闸通航) is what hot topics count across places.

The words are the ways people say it, formal and colloquial ("路灯损坏", "晚上黑乎乎的"; "水压
不足", "二楼上不去水"). They are matched leftmost-longest on normalised text, so each word
belongs to exactly one kind.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str  # stable identifier
    label: str  # zh-CN, for people
    theme: str  # zh-CN, the broad theme hot topics count
    words: tuple[str, ...]
    per_building: bool = False  # the problem belongs to one building (a lift), not the compound


KINDS: tuple[Kind, ...] = (
    Kind("streetlight", "路灯不亮", "路灯照明",
         ("路灯", "照明", "灯不亮", "不亮", "黑乎乎", "漆黑", "黑咕隆咚", "打手电", "黑灯瞎火", "太黑",
          "没有灯", "灯坏")),
    Kind("sewage", "污水外溢", "生活污水",
         ("污水", "下水井", "下水道", "窨井", "检查井", "冒黑水", "返水", "返污水", "冒水", "污水管网",
          "排污沟", "化粪池", "粪水", "臭水", "黑水", "外溢", "漫溢", "坑塘", "生活污水")),
    Kind("wastewater", "企业废水排放", "环境污染",
         ("废水", "偷排", "排放废水", "生产废水", "工业废水", "排污口")),
    Kind("garbage", "垃圾清运", "垃圾处理",
         ("垃圾", "清运", "垃圾点", "垃圾池", "垃圾箱", "垃圾桶", "垃圾收集点", "垃圾接收点", "垃圾堆",
          "环卫", "保洁", "没人扫", "没人打扫", "清扫", "塑料袋", "烂菜叶")),
    Kind("lift", "电梯故障", "电梯安全",
         ("电梯", "困人", "困在里面", "梯控", "电梯停运"), per_building=True),
    Kind("water_pressure", "供水不足", "农村供水",
         ("水压", "上不去水", "没水", "不来水", "停水", "断水", "用不上水", "用不上自来水", "吃水难",
          "加压", "出水很小", "水小", "供水压力", "水压低", "接点水")),
    Kind("water_quality", "自来水水质差", "农村供水",
         ("水质", "浑浊", "发黄", "发浑", "黄汤", "铁锈", "锈渣", "锈蚀", "沉淀", "泥沙", "不敢喝")),
    Kind("heating", "暖气不热", "冬季供暖",
         ("暖气", "供暖", "取暖", "不热", "室温", "冰凉", "受冻", "换热站", "暖气片", "热力", "供热",
          "温吞", "取暖费", "温度不达标", "冻手"), per_building=True),
    Kind("noise", "噪声扰民", "环境污染",
         ("噪音", "噪声", "吵", "扰民", "睡不着", "砸铁", "敲打", "冲压", "轰鸣", "咣咣", "打磨",
          "切割", "吵得"),),
    Kind("odour", "废气异味", "环境污染",
         ("废气", "喷漆", "油漆味", "刺鼻", "异味", "臭气", "熏得", "气味", "味道")),
    Kind("dust", "扬尘污染", "环境污染",
         ("扬尘", "煤灰", "粉尘", "尘土", "灰尘", "黑灰", "煤面", "防尘", "抑尘", "苫盖", "盖网",
          "尘土飞扬", "起风", "刮风", "煤堆", "堆场")),
    Kind("wages", "拖欠工资", "劳动权益",
         ("工资", "欠薪", "讨薪", "发工资", "薪水", "工钱", "薪资", "拖欠工资", "补发")),
    Kind("social_insurance", "未缴社保", "劳动权益",
         ("社保", "社会保险", "养老保险", "医疗保险", "缴纳社保", "补缴")),
    Kind("dividend", "合作社分红未兑现", "合作社权益",
         ("分红", "盈余分配", "股金", "入股", "按股")),
    Kind("land_rent", "土地流转费拖欠", "土地流转",
         ("流转费", "流转租金", "土地租金", "租金", "地租", "承包费", "流转款", "租地", "地钱")),
    Kind("purchase_payment", "拖欠货款", "拖欠款项",
         ("货款", "收购款", "菜钱", "粮款", "菜款", "结账", "欠款", "工程款", "尾款")),
    Kind("leak", "房屋渗漏", "住房质量",
         ("漏雨", "漏水", "渗水", "渗漏", "防水", "屋顶", "顶楼", "墙皮", "发霉", "外墙", "长霉",
          "黑毛", "结霜", "屋面"), per_building=True),
    Kind("lock_wait", "船闸待闸", "船闸通航",
         ("待闸", "过闸", "堵船", "压船", "闸次", "开闸", "通航", "排队过闸", "过闸难")),
    Kind("port_queue", "港口装卸排队", "港口物流",
         ("装船", "泊位", "压港", "装卸", "卸船")),
    Kind("traffic_safety", "交通安全设施缺失", "交通安全",
         ("减速带", "斑马线", "红绿灯", "信号灯", "人行横道", "车速", "飞快", "交通安全", "过马路",
          "减速", "撞伤", "交通设施", "开得快", "车太快")),
    Kind("road_damage", "道路破损", "道路交通",
         ("坑洼", "坑坑洼洼", "坑连着坑", "坑槽", "路烂", "烂路", "路面破损", "破损", "压坏", "没法走",
          "修路", "翻浆", "路况", "道路修复", "裂开")),
    Kind("congestion", "占道拥堵", "市容秩序",
         ("堵车", "占道", "摆摊", "乱停", "拥堵", "堵得", "占道经营", "乱停车", "通行困难",
          "乱摆")),
    Kind("irrigation_well", "机井损坏", "农田水利",
         ("机井", "水泵", "浇地", "冬灌", "灌溉", "浇不上", "浇麦子", "眼井", "口井")),
    Kind("canal", "水渠损坏", "农田水利",
         ("水渠", "U型渠", "渠", "沟渠", "斗渠", "毛渠", "跑水", "漏到渠外")),
    Kind("power", "停电", "供电",
         ("停电", "供电", "断电", "跳闸", "电压", "变压器", "双回路", "线路老化", "来电就停")),
    Kind("property_fee", "物业费上涨", "物业管理",
         ("物业费", "涨价", "上调", "涨到", "涨了", "物业收支", "公开账目")),
    Kind("fee", "收费过高", "收费",
         ("收费", "收费标准", "过桥钱", "桥钱", "票价", "收钱", "减免")),
    Kind("doctor", "缺少医生", "医疗卫生",
         ("卫生室", "村医", "医生", "坐诊", "看病", "儿科", "卫生院", "就医", "大夫", "拿药")),
    Kind("elderly_meals", "老年食堂停办", "养老服务",
         ("幸福院", "老年食堂", "供餐", "停伙", "热乎饭", "助餐", "吃饭成了问题", "独居老人")),
    Kind("school_meals", "学校食堂伙食差", "教育",
         ("学生食堂", "学校食堂", "伙食", "饭菜", "吃不饱")),
    Kind("permit", "审批拖延", "营商环境",
         ("许可证", "排污许可", "审批", "办结", "获批", "公告申报", "申报", "批准", "办理进度",
          "许可申请")),
    Kind("illegal_soil", "非法取土", "黄河防汛",
         ("取土", "挖土", "挖沙", "盗采", "深坑", "挖掘机")),
    Kind("refund", "预付费不退", "消费维权",
         ("退费", "卷款", "跑路", "预交", "课时费", "退不回来", "退不了", "人去楼空", "突然关门",
          "年卡", "退钱", "追回")),
    Kind("kindergarten", "幼儿园未开园", "教育",
         ("开园", "入园", "上幼儿园")),
    Kind("green_space", "绿地被占", "物业管理",
         ("绿化带", "种菜", "毁绿", "绿地", "刨了")),
    Kind("flooding", "积水进水", "排水防涝",
         ("积水", "进水", "淹", "排水泵", "内涝", "泡了", "地库进水", "排水设施", "水没过")),
    Kind("charging", "充电设施不足", "物业管理",
         ("充电桩", "充电", "拉线", "飞线")),
    Kind("manhole", "井盖缺失", "市政设施",
         ("井盖", "窨井盖", "掉进去", "掉入")),
    Kind("recruitment", "用工短缺", "就业",
         ("招聘", "用工", "缺口", "招工", "招聘会")),
    Kind("bridge", "桥梁损坏", "道路交通",
         ("桥塌", "坍塌", "塌了", "生产桥", "护栏", "桥面", "危桥", "翘起")),
    Kind("food_hygiene", "食品卫生", "食品安全",
         ("虫子", "不卫生", "变质", "过期", "三无食品")),
    Kind("gas", "燃气供应", "燃气",
         ("燃气", "天然气", "煤气", "燃气管道", "通气", "开通燃气", "燃气费", "漏气")),
    Kind("signal", "网络信号差", "通信网络",
         ("信号", "网络", "宽带", "没信号", "网速", "断网")),
    Kind("illegal_building", "违章建筑", "违法建设",
         ("违建", "私搭乱建", "违章建筑", "乱搭乱建", "违法建设", "私建")),
    Kind("compensation", "征地拆迁补偿", "征地拆迁",
         ("拆迁", "补偿款", "征地补偿", "安置费", "补偿标准", "征地", "青苗费")),
    Kind("subsidy", "补贴救助", "社会救助",
         ("低保", "补贴", "救助", "困难补助", "高龄补贴", "残疾补贴", "养老金")),
    Kind("homestead", "宅基地纠纷", "土地管理",
         ("宅基地", "确权", "地界", "占地")),
    Kind("bus", "公交出行", "公共交通",
         ("公交", "班车", "公交车", "通公交", "站牌", "末班车")),
    Kind("burning", "焚烧冒烟", "大气污染",
         ("焚烧", "秸秆", "烧垃圾", "烟雾", "冒黑烟", "浓烟", "黑烟", "冒烟", "除尘", "烟囱")),
    Kind("water_body", "河道坑塘黑臭", "水环境",
         ("黑臭", "河道污染", "死鱼", "水体", "发臭的河")),
    Kind("property_certificate", "不动产证办理", "房产办证",
         ("房产证", "不动产证", "办证", "网签", "产权证")),
    Kind("trees", "树木管护", "园林绿化",
         ("树枝", "树木", "砍树", "枯树", "遮挡", "修剪")),
    Kind("parking", "停车位不足", "停车管理",
         ("停车位", "车位", "停车难", "停车费")),
    Kind("security", "治安防范", "社会治安",
         ("门禁", "监控", "被盗", "失窃", "小偷", "偷盗")),
    Kind("farm_inputs", "假冒农资", "农资市场",
         ("假种子", "假化肥", "假农药", "农资", "种子不发芽")),
    Kind("toilet", "公厕问题", "公共设施",
         ("公厕", "厕所", "茅房", "如厕", "旱厕", "改厕")),
    Kind("livestock_smell", "养殖场污染", "环境污染",
         ("养殖场", "猪场", "鸡场", "牛粪", "猪粪", "鸡粪", "粪便")),
)

BY_CODE: dict[str, Kind] = {k.code: k for k in KINDS}

# Words that belong to no kind but contain a word of one: matched first so that "自来水" is not
# "来水", "老年食堂" is not a school canteen, "供水管网" is not sewage.
NEUTRAL: tuple[str, ...] = ("自来水", "食堂", "管网", "供水管网", "渠道", "吵架", "裂缝", "偷工减料",
                            "豆腐渣", "网络安全")


@functools.cache
def _matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for kind in KINDS:
        for word in kind.words:
            if word in owner:
                raise ValueError(f"problem word {word!r} belongs to {owner[word]} and {kind.code}")
            owner[word] = kind.code
    for word in NEUTRAL:
        owner.setdefault(word, "")
    words = sorted(owner, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))), owner


def find_kinds(text: str) -> Counter[str]:
    """How many words of each kind ``text`` (normalised) contains, leftmost-longest."""
    pattern, owner = _matcher()
    return Counter(owner[m.group(0)] for m in pattern.finditer(text) if owner[m.group(0)])


def kind_words(text: str) -> list[tuple[str, str]]:
    """(word, kind code) pairs in ``text``, in order: for reasons a person reads."""
    pattern, owner = _matcher()
    return [(m.group(0), owner[m.group(0)]) for m in pattern.finditer(text) if owner[m.group(0)]]


def main_kinds(weights: dict[str, float]) -> frozenset[str]:
    """The kinds a case is mostly about: those of the highest weight."""
    if not weights:
        return frozenset()
    top = max(weights.values())
    return frozenset(code for code, w in weights.items() if w == top)


def profile(title: str, content: str) -> dict[str, float]:
    """Weight of each kind in a case: the title says what it is about, so it counts double.

    2 for a kind named in the title, 1 for one in the content, 0.5 more when the content
    names it more than once.
    """
    weights: dict[str, float] = {}
    in_title = find_kinds(title)
    in_content = find_kinds(content)
    for code in in_title.keys() | in_content.keys():
        w = 2.0 if code in in_title else 0.0
        if in_content[code]:
            w += 1.0 + (0.5 if in_content[code] > 1 else 0.0)
        weights[code] = w
    return weights
