"""Normalisation of concern texts: numbers, dialect words, homophone keys of place names."""

from __future__ import annotations

import pytest

from services.concerns.rules.normalise import chinese_number, normalise, sound_key


@pytest.mark.parametrize(("text", "expected"), [
    ("三个月没发工资", "3个月没发工资"),
    ("3个月没发工资", "3个月没发工资"),
    ("等了两三天", "等了2-3天"),
    ("困了四十多分钟", "困了40多分钟"),
    ("排了七八十条船", "排了70-80条船"),
    ("屋里才十五六度", "屋里才15-16度"),
    ("一百二十亩地", "120亩地"),
    ("快60个钟头了", "快60个小时了"),
])
def test_numbers_read_alike(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_words_that_merely_contain_numerals_are_left_alone() -> None:
    # (NFKC makes the full-width comma a plain one)
    assert normalise("一直没人管，三轮车翻了，十字路口") == "一直没人管,三轮车翻了,十字路口"


def test_dialect_words_become_plain_ones() -> None:
    assert normalise("俺们村咋还没人管。上礼拜") == "我们村怎么还没人管。上星期"


def test_full_width_and_spaces() -> None:
    assert normalise("３号楼 ２单元") == "3号楼2单元"


@pytest.mark.parametrize(("numeral", "value"), [
    ("十", "10"), ("二十", "20"), ("十二", "12"), ("一千零五", "1005"), ("两万", "20000"),
    ("两三", "2-3"), ("一二", "1-2"), ("二二", None),
])
def test_chinese_number(numeral: str, value: str | None) -> None:
    assert chinese_number(numeral) == value


@pytest.mark.parametrize(("a", "b"), [("翠湖园", "翠湖苑"), ("贾固堆", "贾堌堆"), ("苗庄", "庙庄")])
def test_homophone_spellings_share_a_key(a: str, b: str) -> None:
    assert sound_key(a) == sound_key(b)


@pytest.mark.parametrize(("a", "b"), [("金河湾", "银河湾"), ("前王楼", "后王楼"), ("东李", "西李")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert sound_key(a) != sound_key(b)


def test_sound_key_keeps_length_and_non_chinese() -> None:
    assert len(sound_key("翠湖苑7号楼")) == 6
    assert sound_key("7号楼")[0] == "7"
