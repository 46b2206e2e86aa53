"""Word's automatic list numbering: the number a ``w:numPr`` paragraph shows.

The number is not in the paragraph's text: Word computes it from
``word/numbering.xml`` (abstract lists and their levels: start, number
format, level text such as ``%1、`` or ``（%2）``, restarts) and from the
order of the numbered paragraphs.  :class:`Numbering` does the same, one
paragraph at a time in document order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import chinese_number
from .xml import attr, child, children

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_DIGITS = "〇一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = [chr(c) for c in range(0x2460, 0x2474)]  # ①–⑳
_PAREN = [chr(c) for c in range(0x2474, 0x2488)]  # ⑴–⒇
_STOP = [chr(c) for c in range(0x2488, 0x249C)]  # ⒈–⒛
_CIRCLED_CN = [chr(c) for c in range(0x3280, 0x328A)]  # ㊀–㊉


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA (Word repeats the letter)."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _counting(n: int) -> str:
    """chineseCounting: 一 … 十 十一 … 九十九, then digit by digit (一〇〇)."""
    return chinese_number(n) if n < 100 else "".join(_DIGITS[int(d)] for d in str(n))


def _table(symbols: list[str] | str):
    return lambda n: symbols[n - 1] if 1 <= n <= len(symbols) else str(n)


_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": _letters,
    "lowerLetter": lambda n: _letters(n).lower(),
    "chineseCounting": _counting,
    "chineseCountingThousand": chinese_number,
    "japaneseCounting": chinese_number,
    "taiwaneseCounting": _counting,
    "taiwaneseCountingThousand": chinese_number,
    "ideographDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: "".join(_LEGAL[int(d)] for d in str(n)),
    "ideographTraditional": _table(_HEAVENLY),
    "ideographZodiac": _table(_EARTHLY),
    "decimalEnclosedCircle": _table(_CIRCLED),
    "decimalEnclosedCircleChinese": _table(_CIRCLED),
    "ideographEnclosedCircle": _table(_CIRCLED_CN),
    "decimalEnclosedParen": _table(_PAREN),
    "decimalEnclosedFullstop": _table(_STOP),
    "decimalFullWidth": lambda n: "".join(chr(ord(d) + 0xFEE0) for d in str(n)),
    "decimalHalfWidth": str,
    "none": lambda n: "",
}


def format_number(n: int, fmt: str) -> str:
    """``n`` in Word's number format ``fmt`` (unknown formats as decimal)."""
    if n <= 0 and fmt not in ("none", "decimal", "decimalZero"):
        return str(n)
    return _FORMATS.get(fmt, str)(n)


@dataclass(frozen=True, slots=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # lvlRestart: restart after this (1-based) level; 0 never; None after any higher
    legal: bool = False  # isLgl: every number of the label shown as decimal


@dataclass(slots=True)
class _List:
    levels: dict[int, Level]
    counts: list[int | None] = field(default_factory=lambda: [None] * 9)


def _level(lvl) -> Level:
    def val(name: str) -> str | None:
        el = child(lvl, name)
        return attr(el, "val") if el is not None else None

    start = val("start")
    restart = val("lvlRestart")
    text = val("lvlText")
    return Level(
        start=int(start) if start and start.lstrip("-").isdigit() else 0,
        fmt=val("numFmt") or "decimal",
        text=text if text is not None else "",
        restart=int(restart) if restart and restart.isdigit() else None,
        legal=child(lvl, "isLgl") is not None and (val("isLgl") or "1") not in ("0", "false", "off"),
    )


def _levels(element) -> dict[int, Level]:
    out = {}
    for lvl in children(element, "lvl"):
        ilvl = attr(lvl, "ilvl")
        if ilvl and ilvl.isdigit() and int(ilvl) < 9:
            out[int(ilvl)] = _level(lvl)
    return out


class Numbering:
    """The lists of one document; :meth:`label` numbers its paragraphs in order."""

    def __init__(self, root=None, style_num: dict[str, tuple[str, int | None]] | None = None):
        self._abstract: dict[str, object] = {}
        self._nums: dict[str, tuple[str, dict[int, int], dict[int, Level]]] = {}
        self._lists: dict[str, _List] = {}
        self._started: set[str] = set()
        self._style_num = style_num or {}
        if root is None:
            return
        for ab in children(root, "abstractNum"):
            self._abstract[attr(ab, "abstractNumId") or ""] = ab
        for num in children(root, "num"):
            ab_id = attr(child(num, "abstractNumId"), "val") if child(num, "abstractNumId") is not None else None
            if ab_id is None:
                continue
            starts, levels = {}, {}
            for override in children(num, "lvlOverride"):
                ilvl = attr(override, "ilvl") or ""
                if not ilvl.isdigit():
                    continue
                so = child(override, "startOverride")
                if so is not None and (attr(so, "val") or "").isdigit():
                    starts[int(ilvl)] = int(attr(so, "val"))
                lvl = child(override, "lvl")
                if lvl is not None:
                    levels[int(ilvl)] = _level(lvl)
            self._nums[attr(num, "numId") or ""] = (ab_id, starts, levels)

    def _list(self, ab_id: str, depth: int = 0) -> _List | None:
        if ab_id in self._lists:
            return self._lists[ab_id]
        ab = self._abstract.get(ab_id)
        if ab is None:
            return None
        link = child(ab, "numStyleLink")
        if link is not None and depth < 3:  # the list is defined by a numbering style
            target = self._style_num.get(attr(link, "val") or "")
            if target and target[0] in self._nums:
                return self._list(self._nums[target[0]][0], depth + 1)
        self._lists[ab_id] = _List(_levels(ab))
        return self._lists[ab_id]

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The number shown before the next paragraph of list ``num_id`` at level ``ilvl`` (None: no list)."""
        if num_id in ("", "0") or num_id not in self._nums or not 0 <= ilvl < 9:
            return None
        ab_id, starts, overrides = self._nums[num_id]
        lst = self._list(ab_id)
        if lst is None:
            return None
        levels = {**lst.levels, **overrides}
        if num_id not in self._started:  # a list instance with its own start values restarts there
            self._started.add(num_id)
            for level in starts:
                lst.counts[level] = None
        level = levels.get(ilvl, Level())
        current = lst.counts[ilvl]
        lst.counts[ilvl] = starts.get(ilvl, level.start) if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            restart = levels.get(deeper, Level()).restart
            if restart is None or (restart != 0 and ilvl < restart):
                lst.counts[deeper] = None
        return self._text(level, levels, lst, starts)

    def _text(self, level: Level, levels: dict[int, Level], lst: _List, starts: dict[int, int]) -> str:
        out, i, text = [], 0, level.text
        while i < len(text):
            ch = text[i]
            if ch == "%" and i + 1 < len(text) and text[i + 1] in "123456789":
                shown = int(text[i + 1]) - 1
                lv = levels.get(shown, Level())
                n = lst.counts[shown]
                n = starts.get(shown, lv.start) if n is None else n
                out.append(str(n) if level.legal and lv.fmt != "none" else format_number(n, lv.fmt))
                i += 2
                continue
            out.append(ch)
            i += 1
        return "".join(out)

