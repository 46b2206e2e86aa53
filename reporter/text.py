"""Text rules shared by the reader, the documents and the summary."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache
from typing import Callable, NamedTuple


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """The compiled pattern, made on first call (``_NAME().match(…)``): compiling all of them
    took ~10 ms, paid by every command that imports this module though most use none."""
    return cache(lambda: re.compile(pattern, flags))

# Characters XML 1.0 cannot hold (C0 controls except tab/LF/CR, U+FFFE/FFFF,
# lone surrogates).  They are removed wherever workbook text can reach.
_XML_ILLEGAL = _lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL().sub("", text)


# Surrounding whitespace: str.strip() already covers U+3000 and U+00A0; add
# the zero-width characters people paste in from web pages.
_STRIP = " \t\r\n\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_LINEBREAK = _lazy(r"[ \t\u3000\u00a0]*(?:\r\n|\r|\n|\u2028|\u2029|\x0b)+[ \t\u3000\u00a0]*")
_CJK_CHAR = _lazy(f"[{_CJK}]")
_LINES = _lazy(r"\r\n|[\r\n\u2028\u2029\x0b]")


def _join(match: re.Match, text: str) -> str:
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if _CJK_CHAR().match(before) or _CJK_CHAR().match(after):
        return ""
    return " "


def as_text(value: object) -> str:
    """str(value), also for an int too long for str() (more than 4,300 digits)."""
    try:
        return str(value)
    except ValueError:
        return "（位数过多的数字）"


def clean(value: object) -> str:
    """Normalise one cell's text: XML-safe, stripped, line breaks joined.

    A line break between Chinese characters (or next to Chinese punctuation)
    disappears; between Latin words it becomes one space.
    """
    if value is None:
        return ""
    text = xml_safe(as_text(value)).strip(_STRIP)
    if not text:
        return ""
    if "\n" in text or "\r" in text or "\u2028" in text or "\u2029" in text or "\x0b" in text:
        text = _LINEBREAK().sub(lambda m: _join(m, text), text)
    return text


_CN_DIGITS = "零一二三四五六七八九"
_CN_NUM = f"[{_CN_DIGITS}十百]+"
_DIGITS = "0-9０-９"
_NUM = rf"(?:{_CN_NUM}|[{_DIGITS}]{{1,3}})"
# Circled ①–⑳, parenthesized ⑴–⒇, full stop ⒈–⒛, ㈠–㈩, ㊀–㊉, dingbats ❶–❿ ➀–➉.
_SYMBOLS = "\u2460-\u2473\u2474-\u2487\u2488-\u249b\u3220-\u3229\u3280-\u3289\u2776-\u277f\u2780-\u2789"
_DOT = rf"[.．](?![{_DIGITS}])"  # 1. but not 1.5
_SEP = rf"(?:[、，,：:]|{_DOT})"
_LABEL = "(?:问题|原因|措施|整改措施|举措)"
# A numbering prefix that cannot be the start of a sentence: （一） (1) 1） 一） ① ⑶ ⒈ ㈡
# 第一， 第四条␣ 问题一： 原因1： 措施一、 【问题一】 [1]
_MARKER = _lazy(
    rf"""^(?:
        [（(]\s*{_NUM}\s*[）)]\s*{_SEP}?
      | {_NUM}\s*[）)]\s*{_SEP}?
      | [{_SYMBOLS}]\s*{_SEP}?
      | 第\s*{_NUM}\s*(?:[条项点](?:\s*{_SEP}|(?=\s))|{_SEP})
      | {_LABEL}\s*(?:[（(]\s*{_NUM}\s*[）)]|{_NUM})\s*(?:{_SEP}|(?=\s))
      | [【\[]\s*(?:{_LABEL}\s*)?{_NUM}\s*[】\]]\s*{_SEP}?
    )\s*""",
    re.VERBOSE,
)
# A bare numeral and a separator: 一、 1. 1、 — a prefix only when no other numeral of a list
# follows ("一、二季度", "2、3月份", "一、二、三级" are text).
_BARE = _lazy(rf"^(?:(?P<cn>{_CN_NUM})\s*[、，,.．]|(?P<digits>[{_DIGITS}]{{1,3}})\s*(?:[、，,]|{_DOT}))\s*")
_LIST_CN = _lazy(f"[〇{_CN_DIGITS}十]")
_LIST_DIGITS = _lazy(f"[{_DIGITS}]{{1,2}}(?![{_DIGITS}])")
# Words that begin with a numeral but are no numeral of a list: "一、十分重视…", "一、四风问题…".
_NUMERAL_WORDS = _lazy(
    r"十分|十四五|十五五|[一二]?十[一二三四五六七八九]?[大届]|一些|一把手|一岗双责|一线|一贯|一直|一定|一味|一度|"
    r"一批|一个|一次|一体|一以贯之|一般|一切|一项|一方面|三会一课|三重一大|三严三实|三个|四风|四个|五个|八项规定"
)


def _numbering(text: str) -> int:
    """Length of the numbering prefix at the start of text (0 when there is none)."""
    m = _MARKER().match(text)
    if m:
        return m.end()
    m = _BARE().match(text)
    if not m:
        return 0
    rest = text[m.end():]
    if m.group("cn"):
        if _LIST_CN().match(rest) and not _NUMERAL_WORDS().match(rest):
            return 0
    elif _LIST_DIGITS().match(rest):
        return 0
    return m.end()


def strip_numbering(text: str) -> str:
    """Remove the numbering the user typed before a headline (the document numbers items itself).

    Stacked prefixes go too ("（一）问题一：…", "（一）措施1、…"), at most three.  A prefix
    is removed only when text follows it: "一、", "（一）" alone, "一、二季度…", "2、3月份…",
    "一、二、三级…" stay whole, and so do words that merely begin with a numeral (十分, 一些,
    一把手, 三会一课, 两学一做) and "一是…" (a sentence that usually goes on with 二是).
    """
    rest = text
    for _ in range(3):
        n = _numbering(rest)
        if not n or not any(ch.isalnum() for ch in rest[n:]):
            break
        rest = rest[n:].strip(_STRIP)
    return rest


# "一是…", "1.…", "（一）…" at the start of a line: a list pasted into one cell.
_LIST_LINE = _lazy(rf"^[{_CN_DIGITS}十]+是")


def looks_like_list(raw: str) -> bool:
    """True when the raw cell text (line breaks not yet joined) holds a numbered list:
    two or more lines that begin with a list marker (一是/二是, 1./2., 1、, （一）, ① …)."""
    if not isinstance(raw, str):
        return False
    lines = (line.strip(_STRIP) for line in _LINES().split(raw))
    return sum(1 for line in lines if line and (_LIST_LINE().match(line) or _numbering(line))) >= 2


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (for （一）-style numbering)."""
    if n <= 0:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _CN_DIGITS[tens] + "十" + (_CN_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = ""
        if rest:
            tail = ("零" + _CN_DIGITS[rest]) if rest < 10 else (
                "一" + chinese_number(rest) if rest < 20 else chinese_number(rest))
        return _CN_DIGITS[hundreds] + "百" + tail
    return str(n)


_FINAL_STOPS = "。？！?!…"
_REPLACEABLE = "，；：、,;:. "


def headline_sentence(text: str) -> str:
    """The headline with exactly one closing 。 (kept if it ends in 。？！)."""
    text = text.rstrip(_STRIP + _REPLACEABLE) if text and text[-1] in _REPLACEABLE else text
    if not text:
        return text
    if text[-1] in _FINAL_STOPS:
        # Collapse repeated stops "。。" → "。"
        return text.rstrip("。") + "。" if text.endswith("。") else text
    return text + "。"


# ---------------------------------------------------------------- numbers

# Full-width ASCII (０-９ － ／ ． ： Ｑ …) as typed with a Chinese input method → ASCII.
_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def half_width(text: str) -> str:
    """２０２４－０６－３０ → 2024-06-30 (full-width ASCII forms and the ideographic space)."""
    return text.translate(_HALF_WIDTH)


_CN_VALUE = {ch: i for i, ch in enumerate(_CN_DIGITS)} | {"〇": 0, "○": 0}
_CN_ONE = "[一二三四五六七八九]"
_CN_UNITS = _lazy(rf"[零〇○{_CN_DIGITS}]")
_CN_TENS = _lazy(rf"({_CN_ONE})?十({_CN_ONE})?")
_CN_HUNDREDS = _lazy(rf"({_CN_ONE})百(?:[零〇]({_CN_ONE})|({_CN_ONE})十({_CN_ONE})?)?")


def parse_chinese_int(text: str) -> int | None:
    """A whole number written in digits (also full-width) or in Chinese numerals up to 999.

    "11", "１１", "十一" → 11; "二十" → 20; "十" → 10; "二十三" → 23; "一百" → 100;
    "一百零五" → 105; "零"/"〇" → 0.  None for anything else (①, ², 1.5, 两, 十十, "").
    """
    if not isinstance(text, str):
        return None
    text = half_width(text).strip(_STRIP)
    if re.fullmatch(r"[0-9]{1,9}", text):
        return int(text)
    if _CN_UNITS().fullmatch(text):
        return _CN_VALUE[text]
    if m := _CN_TENS().fullmatch(text):
        return _CN_VALUE.get(m.group(1), 1) * 10 + _CN_VALUE.get(m.group(2), 0)
    if m := _CN_HUNDREDS().fullmatch(text):
        tens = _CN_VALUE[m.group(3)] * 10 + _CN_VALUE.get(m.group(4), 0) if m.group(3) else 0
        return _CN_VALUE[m.group(1)] * 100 + _CN_VALUE.get(m.group(2), 0) + tens
    return None


# ---------------------------------------------------------------- bidi

# Bidirectional embeddings/overrides (U+202A–202E), isolates (U+2066–2069) and marks
# (U+200E/200F, U+061C): invisible, and they reorder what is printed ("evil" shown as "live").
_BIDI = _lazy("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def remove_bidi(text: str) -> tuple[str, bool]:
    """(text without bidirectional control characters, whether there were any).

    Call it on a cell's raw text, before :func:`clean`: clean() then strips and joins
    what the removal leaves ("名称 \u200e" → "名称"), exactly as for any other cell.
    """
    clean_text = _BIDI().sub("", text)
    return clean_text, len(clean_text) != len(text)


# ---------------------------------------------------------------- dates

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = _lazy(
    r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?|(\d{2})(\d{2}))\s*$"
)
# Year, month and day in Chinese numerals: 二〇二四年一月五日, 二〇二三年十二月二十日.
_CN_YEAR = "[〇○零一二三四五六七八九]{4}"
_CN_SMALL_NUM = "[〇零一二三四五六七八九十]{1,3}"
_CN_DATE_TEXT = _lazy(
    rf"^({_CN_YEAR}|[0-9]{{4}})\s*年\s*({_CN_SMALL_NUM}|[0-9]{{1,2}})\s*月\s*({_CN_SMALL_NUM}|[0-9]{{1,2}})\s*[日号]$")



def plain_text(value: object) -> str:
    """A cell value as clean text with bidi controls removed (no finding made):
    for labels, names and other text that is compared rather than quoted."""
    return "" if value is None else clean(remove_bidi(as_text(value))[0])

def _year(text: str) -> int:
    """2024 or 二〇二四 (matched by [0-9]{4} or _CN_YEAR)."""
    return int(text) if text.isascii() else int("".join(str(_CN_VALUE[ch]) for ch in text))


def _make_date(year: int | None, month: int | None, day: int | None) -> date | None:
    try:
        return date(year, month, day)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_date(value: object) -> date | None:
    """A date from a date cell, an Excel serial number or text; None if not a date.

    Text forms: 2023-12-20, 2023/12/20, 2023.12.20, 2023年12月20日 (日 or 号), 20231220,
    the same with full-width digits and punctuation (２０２４－０６－３０, 2024／6／30),
    and in Chinese numerals (二〇二三年十二月二十日, 〇/○/零 as zero); a time part after
    the date is ignored.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if 20000101 <= value <= 21001231 and float(value).is_integer():
            return parse_date(str(int(value)))
        if 1 <= value < 2958466:  # Excel serials up to 9999-12-31
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = half_width(str(value)).strip(_STRIP)
    text = re.split(r"[ T]\d{1,2}:\d{2}", text, maxsplit=1)[0]
    if m := _DATE_TEXT().match(text):
        return _make_date(int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5)))
    if m := _CN_DATE_TEXT().match(text):
        return _make_date(_year(m.group(1)), parse_chinese_int(m.group(2)), parse_chinese_int(m.group(3)))
    return None


def chinese_date(d: date) -> str:
    """2023年12月20日 — full year, no zero padding (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- deadlines


class Deadline(NamedTuple):
    """A 完成时限 as read: the due date (for overdue), the text as written when it is not a
    plain date, whether it is an ongoing commitment (长期坚持), and whether it was understood."""

    due: date | None
    text: str | None
    ongoing: bool
    ok: bool


# Known values meaning "no deadline, never overdue" (alone or several: 长期坚持、持续推进).
_ONGOING = frozenset({"长期坚持", "长期", "持续推进", "持续开展", "持续整改", "持续", "常态化推进", "常态化",
                      "常态长效", "长效", "常抓不懈", "久久为功", "坚持", "立行立改"})
_ONGOING_SPLIT = _lazy(r"[、，,；;/\s和及并。.]+")
_BY = "(?:前|之前|以前|止)?"  # "…前" (by): due on that day / at the end of that month or year
_Y = rf"({_CN_YEAR}|[0-9]{{4}})"
_M = rf"({_CN_SMALL_NUM}|[0-9]{{1,2}})"
_MONTH = _lazy(rf"{_Y}\s*(?:年\s*{_M}\s*月\s*份?\s*(?:[底末]{_BY}|内)?|[-/.]\s*([0-9]{{1,2}}))")
_YEAR = _lazy(rf"{_Y}\s*(?:年度?)?\s*(?:年?[底末]{_BY}|年?内)?")
_HALF = _lazy(rf"{_Y}\s*年?度?\s*([上下])半年\s*(?:[底末]{_BY}|内)?")
_DAY_BY = _lazy(r"(.+?)(?:前|之前|以前|止)")
_QUARTER = _lazy(rf"{_Y}\s*年?度?\s*(?:第?\s*([一二三四1-4])\s*季度|[Qq]\s*([1-4]))\s*(?:[底末]{_BY}|内)?")


def _month_end(year: int, month: int) -> date | None:
    if month == 12:
        return _make_date(year, 12, 31)
    following = _make_date(year, month + 1, 1) if 1 <= month < 12 else None
    return following - timedelta(days=1) if following else None


def _due(text: str) -> date | None:
    """The due date of a 完成时限 written with month, quarter, half-year or year precision."""
    if m := _MONTH().fullmatch(text):
        month = parse_chinese_int(m.group(2) or m.group(3))
        return _month_end(_year(m.group(1)), month) if month is not None else None
    if m := _QUARTER().fullmatch(text):
        return _month_end(_year(m.group(1)), 3 * parse_chinese_int(m.group(2) or m.group(3)))
    if m := _HALF().fullmatch(text):
        return _month_end(_year(m.group(1)), 6 if m.group(2) == "上" else 12)
    if m := _YEAR().fullmatch(text):
        return _make_date(_year(m.group(1)), 12, 31)
    if m := _DAY_BY().fullmatch(text):  # 2024年6月30日前
        return parse_date(m.group(1))
    return None


def parse_deadline(value: object) -> Deadline:
    """Read a 完成时限 cell (a date, an Excel serial number or text); never raises.

    - empty → Deadline(None, None, False, True)
    - a date, or text parse_date reads → Deadline(that date, None, False, True)
    - month precision (2024年6月, 2024.6, 2024-06, 2024年6月底) → the last day of that month;
      quarter (2024年第二季度, 2024年二季度, 2024年Q2) → the quarter's last day; half year
      (2024年上半年 / 下半年) → 6-30 / 12-31; year (2024年底, 2024年年底, 2024年末, 2024年内,
      2024年, 2024) → 12-31; 底前/末前 is the same, and a day with 前 (2024年6月30日前) is
      that day; text = as written (cleaned; "2024年6月前" and "2024年前" are ambiguous: not ok)
    - a number 1900–2199 is a year, with a fraction a year and month as Excel shows it
      (2024.6 → 2024-06-30; 2024.1 → 2024-01-31)
    - ongoing (长期坚持, 长期, 持续推进, 常态化, 立行立改, and lists of them) →
      Deadline(None, text, True, True): never overdue, no warning
    - anything else → Deadline(None, text, False, False): the caller warns and keeps the text
    """
    if value is None or isinstance(value, bool):
        return Deadline(None, None, False, True) if value is None else Deadline(None, as_text(value), False, False)
    if isinstance(value, (int, float)):
        if 1900 <= value < 2200:
            shown = str(int(value)) if float(value).is_integer() else str(value)
            due = _due(shown)
            return Deadline(due, shown, False, due is not None)
        due = parse_date(value)
        return Deadline(due, None, False, True) if due else Deadline(None, as_text(value), False, False)
    if isinstance(value, date):
        return Deadline(parse_date(value), None, False, True)
    text = plain_text(value)
    if not text:
        return Deadline(None, None, False, True)
    due = parse_date(text)
    if due is not None:
        return Deadline(due, None, False, True)
    words = set(filter(None, _ONGOING_SPLIT().split(text)))
    if words and words <= _ONGOING:
        return Deadline(None, text, True, True)
    due = _due(half_width(text).replace(" ", ""))
    return Deadline(due, text, False, due is not None)
