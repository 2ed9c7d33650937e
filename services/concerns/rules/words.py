"""Words of a case for similarity: jieba segments weighted by a fixed inverse frequency.

The weight of a word is log(total / frequency) in jieba's own dictionary, the same in every
process and for every index: two instances never weigh a pair differently because they hold
different cases (an IDF learnt from the index would do that). Words jieba does not know (rare
names, dialect) get the highest weight.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import warnings
from typing import TYPE_CHECKING

from services.concerns.rules.normalise import is_han
from services.concerns.rules.problems import KINDS, NEUTRAL

if TYPE_CHECKING:
    import jieba

# Words of intake and petition prose that say nothing about which problem it is.
_STOPWORDS_TEXT = """
来电 来电人 反映 投诉 举报 称 希望 要求 请求 恳请 建议 请 麻烦 帮忙 帮助 协调 督促 解决 处理 尽快 赶紧
有关 相关 部门 有关部门 政府 镇政府 镇里 乡里 县里 上级 上面 领导 代表 联络站 接待 接待日 问题 情况
群众 村民 居民 业主 百姓 老百姓 家长 员工 职工 社员 我们 他们 你们 大家 自己 这个 那个 这些 那些
现在 目前 已经 一直 还是 还有 仍然 仍未 至今 今年 去年 最近 近期 这段 时间 时候 多次 好几 一个 几个
没有 没人 不见 不了 不行 不能 可以 能够 需要 应该 就是 但是 而且 因为 所以 如果 结果 怎么 什么 为什么
这么 那么 这样 那样 非常 特别 十分 严重 影响 造成 导致 存在 进行 发生 出现 经常 总是 老是 天天 每天
希望 盼望 盼着 能不能 谁 哪 吗 呢 吧 啊 了 的 地 得 着 过 都 也 还 就 又 再 才 很 太 真 更 最 把 被
让 给 向 对 从 到 在 于 和 与 及 或 等 个 些 点 下 上 里 中 内 外 前 后 说 讲 问 看 想 要 会 能 有 是
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


_lock = threading.Lock()


@functools.cache
def _tokenizer() -> jieba.Tokenizer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 imports pkg_resources, which warns
        import jieba
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for kind in KINDS:  # problem words come out whole ("上不去水", "待闸")
        for word in kind.words:
            tk.add_word(word, freq=max(tk.FREQ.get(word, 0), 50))
    for word in NEUTRAL:
        tk.add_word(word, freq=max(tk.FREQ.get(word, 0), 50))
    return tk


@functools.cache
def _scale() -> tuple[dict[str, int], float]:
    tk = _tokenizer()
    return tk.FREQ, float(tk.total)


@functools.lru_cache(maxsize=200_000)
def weight(word: str) -> float:
    """log(total / frequency): about 3 for "的", 8 for "路灯", 14 for an unknown word."""
    freq, total = _scale()
    return math.log(total / max(freq.get(word) or 1, 1))


MIN_WEIGHT = 6.0  # below this a word is too common to tell problems apart


def words(text: str) -> frozenset[str]:
    """The telling words of a normalised text: Chinese, two characters or more, not stop words."""
    with _lock:  # jieba's Tokenizer is not safe for concurrent cut() in threads
        cut = list(_tokenizer().cut(text, HMM=False))
    return frozenset(
        w for w in cut
        if len(w) >= 2 and all(is_han(c) for c in w) and w not in STOPWORDS and weight(w) >= MIN_WEIGHT
    )


def norm(ws: frozenset[str]) -> float:
    return math.sqrt(sum(weight(w) ** 2 for w in ws))


def similarity(a: frozenset[str], b: frozenset[str], norm_a: float | None = None,
               norm_b: float | None = None) -> tuple[float, list[str]]:
    """Weighted cosine of two word sets, and the shared words, heaviest first."""
    if not a or not b:
        return 0.0, []
    shared = a & b
    if not shared:
        return 0.0, []
    num = sum(weight(w) ** 2 for w in shared)
    den = (norm(a) if norm_a is None else norm_a) * (norm(b) if norm_b is None else norm_b)
    return num / den, sorted(shared, key=lambda w: (-weight(w), w))
