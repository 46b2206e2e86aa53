"""Text rules shared by the reader, the documents and the summary."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# Characters XML 1.0 cannot hold (C0 controls except tab/LF/CR, U+FFFE/FFFF,
# lone surrogates).  They are removed wherever workbook text can reach.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


# Surrounding whitespace: str.strip() already covers U+3000 and U+00A0; add
# the zero-width characters people paste in from web pages.
_STRIP = " \t\r\n\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_LINEBREAK = re.compile(r"[ \t\u3000\u00a0]*(?:\r\n|\r|\n|\u2028|\u2029|\x0b)+[ \t\u3000\u00a0]*")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def _join(match: re.Match, text: str) -> str:
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if _CJK_CHAR.match(before) or _CJK_CHAR.match(after):
        return ""
    return " "


def clean(value: object) -> str:
    """Normalise one cell's text: XML-safe, stripped, line breaks joined.

    A line break between Chinese characters (or next to Chinese punctuation)
    disappears; between Latin words it becomes one space.
    """
    if value is None:
        return ""
    text = xml_safe(str(value)).strip(_STRIP)
    if not text:
        return ""
    if "\n" in text or "\r" in text or "\u2028" in text or "\u2029" in text or "\x0b" in text:
        text = _LINEBREAK.sub(lambda m: _join(m, text), text)
    return text


_CN_DIGITS = "零一二三四五六七八九"
_CN_NUM = f"[{_CN_DIGITS}十百]+"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# A numbering prefix a user typed: （一） (一) 一、 一. 1. 1、 1） (1) （1） ① 第一， …
_PREFIX = re.compile(
    rf"""^(?:
        [（(]\s*(?:{_CN_NUM}|\d{{1,3}})\s*[）)]\s*[、.．,，]?     # （一） (1)
      | (?:{_CN_NUM})\s*[、.．，,]                                # 一、
      | \d{{1,3}}\s*(?:[、．）)]|\.(?!\d))                         # 1、 1. 1）
      | [{_CIRCLED}]\s*[、.．]?                                   # ①
      | 第\s*{_CN_NUM}\s*[、，,：:]                                # 第一，
    )\s*""",
    re.VERBOSE,
)


def strip_numbering(text: str) -> str:
    """Remove one numbering prefix the user typed (the document numbers items itself)."""
    stripped = _PREFIX.sub("", text, count=1)
    return stripped.strip(_STRIP) if stripped != text else text


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


# ---------------------------------------------------------------- dates

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))\s*$"
)


def parse_date(value: object) -> date | None:
    """A date from a date cell, an Excel serial number or text; None if not a date.

    Text forms: 2023-12-20, 2023/12/20, 2023.12.20, 2023年12月20日, 20231220
    (a time part after the date is ignored).
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
    text = str(value).strip(_STRIP)
    text = re.split(r"[ T]\d{1,2}:\d{2}", text, maxsplit=1)[0]
    m = _DATE_TEXT.match(text)
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2) or m.group(4))
    day = int(m.group(3) or m.group(5))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def chinese_date(d: date) -> str:
    """2023年12月20日 — full year, no zero padding (GB/T 9704)."""
    return f"{d.year}年{d.month}月{d.day}日"
