"""Text normalisation: widths, dialect words, Chinese numerals, homophone keys.

Everything the detector compares goes through ``normalise`` first, so that "三个月" and
"3个月", "俺们" and "我们", "礼拜" and "星期" read alike.

Place names are compared through ``sound_key``: every Chinese character is replaced by one
fixed representative of its (toneless) pinyin syllable. Most typos in place names typed with
a pinyin keyboard are homophones (翠湖园/翠湖苑, 贾固堆/贾堌堆, 苗庄/庙庄), and they get the
same key; no list of known typos is needed.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Shandong colloquial words and their plain forms. Longest first is not needed: no entry is a
# prefix of another one that maps differently.
DIALECT: dict[str, str] = {
    "俺们": "我们",
    "俺家": "我家",
    "俺": "我",
    "咱们": "我们",
    "咋": "怎么",
    "啥": "什么",
    "礼拜": "星期",
    "钟头": "小时",
    "黑天": "晚上",
    "后晌": "下午",
    "晌午": "中午",
    "夜里": "晚上",
    "恁": "你们",
    "木有": "没有",
    "没啥": "没什么",
    "赶明儿": "以后",
    "庄上": "村里",
    "庄里": "村里",
}

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}

# A Chinese numeral is converted only before a measure word, so "一直", "三轮车" and
# "十字路口" stay as they are.
_MEASURES = (
    "个月|个星期|个礼拜|个小时|个钟头|个人|个|天|日|月|年|周|星期|小时|分钟|户|人|名|位|次|回|"
    "公里|米|里地|里|亩|元|块|万元|号楼|栋|层|楼|单元|盏|辆|条|斤|度|多|来|余|几|岁"
)
_NUMERAL = re.compile(rf"([零〇一二两三四五六七八九十百千万]+)(?=(?:{_MEASURES}))")
_RANGE = re.compile(r"^([一二两三四五六七八九])([一二两三四五六七八九])([十百千万]?)$")
_TEENS_RANGE = re.compile(r"^(.*十)([一二三四五六七八九])([一二三四五六七八九])$")  # 十五六, 二十五六


def chinese_number(numeral: str) -> str | None:
    """"三" -> "3", "四十" -> "40", "两三" -> "2-3", "七八十" -> "70-80"; None if unparsable."""
    m = _TEENS_RANGE.match(numeral)
    if m:
        base = chinese_number(m.group(1))
        if base is None:
            return None
        low, high = int(base) + _DIGITS[m.group(2)], int(base) + _DIGITS[m.group(3)]
        return f"{low}-{high}" if low < high else None
    m = _RANGE.match(numeral)
    if m:
        unit = _UNITS.get(m.group(3), 1)
        low, high = _DIGITS[m.group(1)] * unit, _DIGITS[m.group(2)] * unit
        return f"{low}-{high}" if low < high else None
    total, section, digit = 0, 0, None
    for ch in numeral:
        if ch in "零〇" and section:
            continue  # 一千零五: a place holder between units
        if ch in _DIGITS:
            if digit is not None:
                return None  # two digits in a row ("一二") that are not a range
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * unit
                digit = None
        else:
            return None
    return str(total + section + (digit or 0))


def _numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        return chinese_number(m.group(1)) or m.group(1)

    return _NUMERAL.sub(repl, text)


_DIALECT = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))
_SPACE = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    """NFKC (full-width to half-width), no whitespace, plain words for dialect, Arabic numbers."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _SPACE.sub("", text)
    text = _DIALECT.sub(lambda m: DIALECT[m.group(0)], text)
    return _numbers(text)


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@functools.cache
def _representatives() -> dict[str, str]:
    """Toneless syllable -> the first character (by code point) whose first reading it is."""
    from pypinyin.pinyin_dict import pinyin_dict

    reps: dict[str, str] = {}
    for code in sorted(pinyin_dict):
        syllable = _toneless(pinyin_dict[code].split(",")[0])
        reps.setdefault(syllable, chr(code))
    return reps


@functools.cache
def _reading(ch: str) -> str | None:
    from pypinyin.pinyin_dict import pinyin_dict

    readings = pinyin_dict.get(ord(ch))
    return _toneless(readings.split(",")[0]) if readings else None


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


@functools.lru_cache(maxsize=65536)
def sound_char(ch: str) -> str:
    """The representative of ``ch``'s syllable (itself when ``ch`` is not a Chinese character)."""
    if not is_han(ch):
        return ch
    syllable = _reading(ch)
    return _representatives().get(syllable, ch) if syllable else ch


def sound_key(text: str) -> str:
    """``text`` with each Chinese character replaced by its syllable's representative.

    Same length as ``text``, so offsets carry over. sound_key("翠湖园") == sound_key("翠湖苑").
    """
    return "".join(sound_char(ch) for ch in text)
