"""Breaking a document title into lines (GB/T 9704-2012 §7.3.1).

A title too long for one line is broken "词意完整、排列对称、长短适宜": never
inside a word, into balanced lines, arranged as a 梯形 (lines growing or
shrinking) or a 菱形 (the middle line longest).  Word and LibreOffice do not
know where a Chinese word ends, so the document carries the breaks itself
(explicit line breaks, :func:`reporter.docx.blocks.block_xml`).

Words are found with a small phrase list (the words of these titles: 对照检查
材料, 专题组织生活会, 主题教育 …) and the names the caller knows (the branch's
name); a break between two other Chinese characters is allowed but costly.

:func:`break_title` is the one entry point, for every title: the branch
document, the summary report, the bound volume, a title from the configuration.
"""

from __future__ import annotations

import bisect
import itertools
import re
from functools import lru_cache

# Words of these titles; a break never falls inside one.  Longest match wins.
PHRASES = (
    "对照检查材料", "检视剖析材料", "对照检查", "检查材料", "剖析材料", "发言材料", "发言提纲",
    "专题组织生活会", "专题民主生活会", "组织生活会", "民主生活会", "专题会议", "生活会",
    "主题教育", "党史学习教育", "党纪学习教育", "学习教育", "学习贯彻", "深入学习", "贯彻落实",
    "习近平新时代中国特色社会主义思想", "新时代中国特色社会主义思想",
    "整改措施", "整改落实", "整改方案", "整改台账", "整改情况", "落实情况", "情况报告", "情况汇总",
    "汇总报告", "汇总材料", "材料汇编", "工作报告", "工作总结", "述职报告",
    "党支部", "党总支", "党委", "党组", "支部委员会", "委员会", "领导班子", "班子成员", "党员",
    "关于", "年度", "征求意见稿", "意见建议", "上半年", "下半年", "第一季度", "第二季度", "第三季度", "第四季度",
)
_PHRASE = re.compile("|".join(sorted(PHRASES, key=len, reverse=True)))  # the longest match wins
# Words that end an organisation's name: the break goes after them, not before.
SUFFIXES = frozenset({"党支部", "党总支", "党委", "党组", "支部委员会", "委员会"})

NO_LINE_START = set("、，。．：；！？）》〉」』】〕”’…—·%％,.:;!?)]}")
NO_LINE_END = set("（《〈「『【〔“‘([{")
WEAK = 4.0  # cost of a break between two characters no phrase explains (in characters of imbalance)
_ASCII_RUN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-/]*(?:\s*年度?|\s*月)?")
_BRACKETED = re.compile(r"[（(《“〈「][^（(《“〈「）)》”〉」]{1,10}[）)》”〉」]")  # short, kept whole


def char_width(c: str) -> float:
    """Width in characters of the title's size: Chinese 1, Times New Roman digits ½."""
    if ord(c) >= 0x2E80 or c in "—…“”‘’":
        return 1.0
    if c.isdigit() or c.islower():
        return 0.5
    if c.isupper():
        return 0.7
    if c == " ":
        return 0.25
    return 0.35 if ord(c) < 0x80 else 0.5


def text_width(text: str) -> float:
    return sum(1.0 if ord(c) >= 0x2E80 else char_width(c) for c in text)


def title_capacity() -> float:
    """Characters of 2号 (22 pt) on one line of the 156 mm text block (the title is not condensed)."""
    from .docx.styles import MARGIN_LEFT, MARGIN_RIGHT, PAGE_W, TITLE_HALF_PT

    return (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT) / (TITLE_HALF_PT * 10)


def _atoms(text: str, names: tuple[str, ...]) -> list[tuple[int, int, bool]]:
    """Spans (start, end, is_word) covering ``text``: names, phrases and Latin/digit
    runs are words; every other character stands alone."""
    names = sorted(names, key=len, reverse=True)
    spans: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(text):
        name = next((n for n in names if text.startswith(n, i)), "")
        run = None if name else _PHRASE.match(text, i) or _ASCII_RUN.match(text, i) or _BRACKETED.match(text, i)
        end = i + len(name) if name else run.end() if run else i + 1
        spans.append((i, end, end - i > 1))
        i = end
    return spans


def _penalties(text: str, names: tuple[str, ...]) -> dict[int, float]:
    """Break position (index into ``text``) → its cost; positions not listed are forbidden."""
    spans = _atoms(text, names)
    costs: dict[int, float] = {}
    for (s0, e0, word0), (s1, e1, word1) in itertools.pairwise(spans):
        at = e0
        before, after = text[at - 1], text[at]
        if after in NO_LINE_START or before in NO_LINE_END:
            continue
        if text[s1:e1] in SUFFIXES:
            cost = WEAK + 2  # before 党支部: inside the organisation's name
        elif word0 or word1 or not before.strip() or not after.strip() or before in NO_LINE_START:
            cost = 0.0
        else:
            cost = WEAK
        if text[s0:e0] in names or text[s0:e0] in SUFFIXES:
            cost -= 0.5  # right after the organisation's name: the best place
        costs[at] = cost
    return costs


def _shape_ok(widths: list[float]) -> bool:
    """梯形 (monotonic) or 菱形 (rising then falling); never a waist; no line under half the longest."""
    if min(widths) < max(widths) / 2:
        return False
    peak = widths.index(max(widths))
    rising = all(a <= b + 0.5 for a, b in itertools.pairwise(widths[:peak + 1]))
    falling = all(a + 0.5 >= b for a, b in itertools.pairwise(widths[peak:]))
    return rising and falling


def _lines(text: str, breaks: tuple[int, ...]) -> list[str]:
    edges = (0, *breaks, len(text))
    return [text[a:b].strip() for a, b in itertools.pairwise(edges)]


def _best(text: str, costs: dict[int, float], count: int, capacity: float, strict: bool) -> tuple | None:
    """The cheapest way to set ``text`` on ``count`` lines, or None."""
    prefix = list(itertools.accumulate((char_width(c) for c in text), initial=0.0))
    total, points, best = prefix[-1], sorted(costs), None

    def search(start: int, left: int, breaks: tuple[int, ...]) -> None:
        nonlocal best
        if left == 1:
            if total - prefix[start] > capacity:
                return
            edges = (0, *breaks, len(text))
            widths = [prefix[b] - prefix[a] for a, b in itertools.pairwise(edges)]
            if strict and not _shape_ok(widths):
                return
            lines = _lines(text, breaks)
            if not all(lines):
                return
            score = (sum(costs[b] for b in breaks) + max(widths) - min(widths), -widths[0])
            if best is None or score < best[0]:
                best = (score, lines)
            return
        for b in points:
            if b <= start or total - prefix[b] > capacity * (left - 1):
                continue
            if prefix[b] - prefix[start] > capacity:
                break
            search(b, left - 1, (*breaks, b))

    search(0, count, ())
    return best


def _greedy(text: str, costs: dict[int, float], capacity: float) -> list[str]:
    """A very long title: each line as full as it can be, broken at the cheapest place
    near its end (linear in the title's length: a cell may hold thousands of characters)."""
    prefix = list(itertools.accumulate((char_width(c) for c in text), initial=0.0))
    points = sorted(costs)
    lines, start = [], 0
    while prefix[-1] - prefix[start] > capacity:
        limit = bisect.bisect_right(prefix, prefix[start] + capacity) - 1  # the farthest end that fits
        fits = points[bisect.bisect_right(points, start):bisect.bisect_right(points, limit)]
        end = min(fits, key=lambda b: costs[b] + (capacity - prefix[b] + prefix[start]) / 2) if fits else max(
            limit, start + 1)  # a single word wider than the line: cut it
        lines.append(text[start:end].strip())
        start = end
    return [line for line in (*lines, text[start:].strip()) if line]


@lru_cache(maxsize=4096)
def _break(text: str, names: tuple[str, ...], capacity: float) -> tuple[str, ...]:
    total = text_width(text)
    if total <= capacity:
        return (text,)
    costs = _penalties(text, names)
    every = {i: WEAK * 3 for i in range(1, len(text))
             if text[i] not in NO_LINE_START and text[i - 1] not in NO_LINE_END} | costs
    fewest = int(-(-total // capacity))
    for pool, strict in ((costs, True), (every, True), (every, False)):
        for count in range(fewest, min(fewest + 1, 4) + 1):
            found = _best(text, pool, count, capacity, strict)
            if found:
                return tuple(found[1])
    return tuple(_greedy(text, every, capacity))


def break_title(text: str, names: tuple[str, ...] | list[str] = (), capacity: float | None = None) -> list[str]:
    """``text`` as the lines of a centred title: itself when it fits one line, else
    broken at phrase boundaries into balanced lines (梯形 or 菱形); a text that
    already has line breaks ("\n") keeps them.

    ``names``: words known to the caller that must stay whole and after which
    a break reads best (the branch's or the organisation's name);
    ``capacity``: characters of the title's size on a line (default: 2号 on
    the GB/T 9704 text block).  The lines joined give ``text`` back, less the
    white space at the breaks."""
    if "\n" in text:
        return [line.strip() for line in text.split("\n")]
    capacity = capacity or title_capacity() - 0.05
    if text_width(text) <= capacity:
        return [text]
    return list(_break(text.strip(), tuple(n for n in names if n), capacity))
