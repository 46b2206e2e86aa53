"""The text rules of reporter/text.py, table-driven (issue 12 items 5, 6, 15; issue 19 item 15).

Each table holds both directions: what must be read or removed, and what must stay
as written.  The last tests go through the reader with real workbooks for the parts
the reader already routes through these functions (headlines, 基本信息 dates).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from helpers import standard_bytes

from reporter.config import Config
from reporter.text import (
    Deadline,
    looks_like_list,
    parse_chinese_int,
    parse_date,
    parse_deadline,
    remove_bidi,
    strip_numbering,
)
from reporter.reader import read_workbook

# ------------------------------------------------------------ strip_numbering

STRIPPED = [
    # the forms removed before this session
    ("一、理论学习不深入", "理论学习不深入"),
    ("1.理论学习不深入", "理论学习不深入"),
    ("1. 理论学习不深入", "理论学习不深入"),
    ("1、理论学习不深入", "理论学习不深入"),
    ("1）理论学习不深入", "理论学习不深入"),
    ("(1)理论学习不深入", "理论学习不深入"),
    ("（一）理论学习不深入", "理论学习不深入"),
    ("（一）、理论学习不深入", "理论学习不深入"),
    ("①理论学习不深入", "理论学习不深入"),
    ("第一，理论学习不深入", "理论学习不深入"),
    ("十一、理论学习不深入", "理论学习不深入"),
    # issue 19 item 15: what secretaries really type, stacked forms too
    ("（一）问题一：理论学习不深入", "理论学习不深入"),
    ("（一）原因1：理想信念有所淡化", "理想信念有所淡化"),
    ("（一）措施一、强化理论武装", "强化理论武装"),
    ("问题一：理论学习不深入", "理论学习不深入"),
    ("问题（二）：理论学习不深入", "理论学习不深入"),
    ("整改措施3. 强化理论武装", "强化理论武装"),
    ("㈡理论学习不深入", "理论学习不深入"),
    ("㈩理论学习不深入", "理论学习不深入"),
    ("⑶理论学习不深入", "理论学习不深入"),
    ("⒇理论学习不深入", "理论学习不深入"),
    ("⒈理论学习不深入", "理论学习不深入"),
    ("⒛理论学习不深入", "理论学习不深入"),
    ("第四条 理论学习不深入", "理论学习不深入"),
    ("第四条：理论学习不深入", "理论学习不深入"),
    ("第二点，理论学习不深入", "理论学习不深入"),
    ("一）理论学习不深入", "理论学习不深入"),
    ("１、理论学习不深入", "理论学习不深入"),
    ("【问题一】理论学习不深入", "理论学习不深入"),
    ("[1] 理论学习不深入", "理论学习不深入"),
    ("1.（1）理论学习不深入", "理论学习不深入"),
    # a numbering prefix followed by a word that merely begins with a numeral
    ("一、十分重视业务，轻视学习", "十分重视业务，轻视学习"),
    ("一、一些党员学习不主动", "一些党员学习不主动"),
    ("二、四风问题仍有反弹", "四风问题仍有反弹"),
    ("三、二十大精神学习不深入", "二十大精神学习不深入"),
    ("（一）二季度理论学习次数偏少", "二季度理论学习次数偏少"),  # （一） is never a list of numerals
    ("1. 2024年学习计划未落实", "2024年学习计划未落实"),  # a year, not a list numeral
    ("一、2月份组织生活会质量不高", "2月份组织生活会质量不高"),  # numerals of another kind
]

KEPT = [
    # issue 12 item 5: numerals of a list, not a numbering prefix
    "一、二季度理论学习次数偏少",
    "2、3月份理论学习次数偏少",
    "一、二、三级预警机制不健全",
    "1、2号楼改造进度滞后",
    "1. 2月份组织生活会质量不高",  # as conservative as "1、2月份": a typed list is never cut apart
    "（一）一、二季度理论学习次数偏少"[3:],  # what remains after （一） is checked again
    # words that begin with a numeral
    "十分重视业务，轻视学习",
    "一些党员学习不主动",
    "一把手带头作用不够",
    "三会一课制度落实不严",
    "两学一做学习教育不扎实",
    "四风问题仍有反弹",
    "第一书记履职不到位",
    "第一议题制度落实不够",
    "一岗双责落实不到位",
    # "一是…" is a sentence that usually goes on with 二是…: kept (see strip_numbering)
    "一是理论学习不深入",
    # decimals and numbers that are content
    "1.5倍于去年",
    "2024年学习计划未落实",
    "100%完成",
    # a prefix with nothing after it is kept (a headline never becomes empty)
    "一、",
    "（一）",
    "1.",
    "①",
    "（一）。",
    "问题一：",
    # not numbering at all
    "理论学习不深入",
    "",
]


@pytest.mark.parametrize(("typed", "expected"), STRIPPED)
def test_numbering_prefix_is_removed(typed, expected):
    assert strip_numbering(typed) == expected


@pytest.mark.parametrize("typed", KEPT)
def test_text_that_only_looks_numbered_is_kept_whole(typed):
    assert strip_numbering(typed) == typed


def test_stacked_prefixes_still_keep_a_list_of_numerals():
    assert strip_numbering("（一）一、二季度理论学习次数偏少") == "一、二季度理论学习次数偏少"
    assert strip_numbering("（一）问题一：2、3月份学习偏少") == "2、3月份学习偏少"


# ---------------------------------------------------------------- looks_like_list


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一是理论学习不深入；\n二是研讨交流不充分。", True),
        ("存在以下问题：\n1.理论学习不深入\n2.研讨交流不充分", True),
        ("1、学习不深入\r\n2、研讨不充分\r\n3、笔记不全", True),
        ("（一）学习不深入\n（二）研讨不充分", True),
        ("①学习不深入\u2028②研讨不充分", True),
        ("一、学习不深入\n  二、研讨不充分", True),
        ("一是理论学习不深入，二是研讨交流不充分。", False),  # one line: a sentence
        ("理论学习不深入\n具体表现为……", False),
        ("1.理论学习不深入\n学习笔记不全", False),  # one numbered line
        ("一、二季度学习偏少\n2、3月份研讨偏少", False),  # numerals of lists, not markers
        ("", False),
    ],
)
def test_a_list_pasted_into_one_cell_is_recognised(raw, expected):
    assert looks_like_list(raw) is expected


# ---------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # issue 12 item 15: full-width digits and punctuation
        ("２０２４－０６－３０", date(2024, 6, 30)),
        ("2024－01－05", date(2024, 1, 5)),
        ("２０２４年６月３０日", date(2024, 6, 30)),
        ("2024／6／30", date(2024, 6, 30)),
        ("２０２４．６．３０", date(2024, 6, 30)),
        ("２０２４０６３０", date(2024, 6, 30)),
        # Chinese numerals, 〇 / ○ / 零 as zero
        ("二〇二四年一月五日", date(2024, 1, 5)),
        ("二〇二三年十二月二十日", date(2023, 12, 20)),
        ("二〇二四年一月三十一日", date(2024, 1, 31)),
        ("二○二四年十月十日", date(2024, 10, 10)),
        ("二零二四年二月二十九日", date(2024, 2, 29)),
        ("2024年一月五日", date(2024, 1, 5)),
        # the forms read before
        ("2023-12-20", date(2023, 12, 20)),
        ("2023/12/20", date(2023, 12, 20)),
        ("2023.12.20", date(2023, 12, 20)),
        ("2023年12月20日", date(2023, 12, 20)),
        ("2023年12月20号", date(2023, 12, 20)),
        ("20231220", date(2023, 12, 20)),
        (" 2023-12-20 10:30:00", date(2023, 12, 20)),
        # not dates
        ("二〇二三年二月三十日", None),
        ("二〇二三年十三月一日", None),
        ("二〇二三年", None),
        ("2024年6月", None),  # month precision is a deadline, not a date
        ("2023-02-30", None),
        ("明年", None),
        ("", None),
    ],
)
def test_date_text(text, expected):
    assert parse_date(text) == expected


def test_date_cells_and_serials_still_work():
    assert parse_date(date(2024, 6, 30)) == date(2024, 6, 30)
    assert parse_date(datetime(2024, 6, 30, 9, 0)) == date(2024, 6, 30)
    assert parse_date(45473) == date(2024, 6, 30)
    assert parse_date(20240630) == date(2024, 6, 30)
    assert parse_date(True) is None and parse_date(None) is None and parse_date(-1) is None


# -------------------------------------------------------------- chinese numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("十一", 11), ("二十", 20), ("十", 10), ("二十三", 23), ("一百", 100), ("一百零五", 105),
        ("一百一十", 110), ("九百九十九", 999), ("一十", 10), ("三", 3), ("零", 0), ("〇", 0),
        ("１１", 11), ("11", 11), (" 7 ", 7),
        ("①", None), ("²", None), ("1.5", None), ("两", None), ("十十", None), ("二十三四", None),
        ("一千", None), ("十一个", None), ("-1", None), ("", None), ("1" * 10, None),
    ],
)
def test_chinese_int(text, expected):
    assert parse_chinese_int(text) == expected


# ------------------------------------------------------------------------- bidi


def test_bidi_controls_are_removed_and_reported():
    # U+202E reverses what follows: "evil" would be shown as "live".
    assert remove_bidi("\u202elive\u202c") == ("live", True)
    every = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]))
    assert remove_bidi(f"机关{every}党支部") == ("机关党支部", True)
    assert remove_bidi("机关第一党支部\u200b") == ("机关第一党支部\u200b", False)  # not a bidi control
    assert remove_bidi("") == ("", False)


# -------------------------------------------------------------------- deadlines


def _due(y, m, d, text):
    return Deadline(date(y, m, d), text, False, True)


DEADLINES = [
    # real dates: due, no text
    (date(2024, 6, 30), Deadline(date(2024, 6, 30), None, False, True)),
    (datetime(2024, 6, 30, 18, 0), Deadline(date(2024, 6, 30), None, False, True)),
    (45473, Deadline(date(2024, 6, 30), None, False, True)),
    (45473.0, Deadline(date(2024, 6, 30), None, False, True)),
    ("2024-06-30", Deadline(date(2024, 6, 30), None, False, True)),
    ("２０２４年６月３０日", Deadline(date(2024, 6, 30), None, False, True)),
    ("二〇二四年六月三十日", Deadline(date(2024, 6, 30), None, False, True)),
    # a day with 前: due that day, the text kept
    ("2024年6月30日前", _due(2024, 6, 30, "2024年6月30日前")),
    # month precision: the end of the month
    ("2024年6月", _due(2024, 6, 30, "2024年6月")),
    ("2024.6", _due(2024, 6, 30, "2024.6")),
    ("2024-06", _due(2024, 6, 30, "2024-06")),
    ("2024/2", _due(2024, 2, 29, "2024/2")),
    ("２０２４年６月", _due(2024, 6, 30, "２０２４年６月")),
    ("2024年6月底", _due(2024, 6, 30, "2024年6月底")),
    ("2024年6月底前", _due(2024, 6, 30, "2024年6月底前")),
    ("2024年12月", _due(2024, 12, 31, "2024年12月")),
    ("二〇二四年六月", _due(2024, 6, 30, "二〇二四年六月")),
    (2024.6, _due(2024, 6, 30, "2024.6")),  # "2024.6" typed into Excel is a number
    (2024.12, _due(2024, 12, 31, "2024.12")),
    # year precision: Dec 31
    ("2024年底", _due(2024, 12, 31, "2024年底")),
    ("2024年年底", _due(2024, 12, 31, "2024年年底")),
    ("2024年末", _due(2024, 12, 31, "2024年末")),
    ("2024年内", _due(2024, 12, 31, "2024年内")),
    ("2024年", _due(2024, 12, 31, "2024年")),
    ("2024年底前", _due(2024, 12, 31, "2024年底前")),
    (2024, _due(2024, 12, 31, "2024")),
    # half year and quarter
    ("2024年上半年", _due(2024, 6, 30, "2024年上半年")),
    ("2024年下半年", _due(2024, 12, 31, "2024年下半年")),
    ("2024年第二季度", _due(2024, 6, 30, "2024年第二季度")),
    ("2024年二季度", _due(2024, 6, 30, "2024年二季度")),
    ("2024年Q2", _due(2024, 6, 30, "2024年Q2")),
    ("2024年第一季度末", _due(2024, 3, 31, "2024年第一季度末")),
    ("2024Q4", _due(2024, 12, 31, "2024Q4")),
    # ongoing: no deadline, never overdue, no warning
    ("长期坚持", Deadline(None, "长期坚持", True, True)),
    ("长期", Deadline(None, "长期", True, True)),
    ("持续推进", Deadline(None, "持续推进", True, True)),
    ("常态化", Deadline(None, "常态化", True, True)),
    ("长期坚持、持续推进", Deadline(None, "长期坚持、持续推进", True, True)),
    ("立行立改", Deadline(None, "立行立改", True, True)),
    (" 长期\n坚持 ", Deadline(None, "长期坚持", True, True)),  # cleaned: line break joined
    # empty
    (None, Deadline(None, None, False, True)),
    ("", Deadline(None, None, False, True)),
    ("\u3000 \n", Deadline(None, None, False, True)),
    # unreadable: the text is kept, not ok (the reader warns)
    ("尽快", Deadline(None, "尽快", False, False)),
    ("2024年13月", Deadline(None, "2024年13月", False, False)),
    ("2024年6月前", Deadline(None, "2024年6月前", False, False)),  # before June, or by June? ask
    ("2023-02-30", Deadline(None, "2023-02-30", False, False)),
    ("长期坚持，2024年底见效", Deadline(None, "长期坚持，2024年底见效", False, False)),
    (2024.123, Deadline(None, "2024.123", False, False)),
    (-5, Deadline(None, "-5", False, False)),
    (True, Deadline(None, "True", False, False)),
]


@pytest.mark.parametrize(("value", "expected"), DEADLINES)
def test_deadline(value, expected):
    assert parse_deadline(value) == expected


def test_deadline_text_has_no_bidi_controls():
    assert parse_deadline("\u202e2024年6月") == _due(2024, 6, 30, "2024年6月")


# ------------------------------------------------------- through the reader


CONFIG = Config()


def test_reader_keeps_a_headline_that_starts_with_a_list_of_numerals():
    problems = [
        ("理论学习", "一、二季度理论学习次数偏少", "仅组织 1 次集中学习。"),
        ("理论学习", "2、3月份理论学习次数偏少", "x"),
        ("理论学习", "（一）问题一：研讨交流不深入", "x"),
        ("理论学习", "⑶学习笔记不全", "x"),
    ]
    result = read_workbook(standard_bytes(problems=problems), "支部.xlsx", CONFIG)
    assert [p.headline for p in result.branch.problems] == [
        "一、二季度理论学习次数偏少", "2、3月份理论学习次数偏少", "研讨交流不深入", "学习笔记不全"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("二〇二四年一月五日", date(2024, 1, 5)), ("２０２４－０６－３０", date(2024, 6, 30)),
     ("2024－01－05", date(2024, 1, 5))],
)
def test_reader_reads_chinese_and_full_width_info_dates(typed, expected):
    result = read_workbook(standard_bytes(info={"会议日期": typed, "落款日期": typed}), "支部.xlsx", CONFIG)
    assert (result.branch.info.meeting_date, result.branch.info.signature_date) == (expected, expected)
    assert "W302" not in [m.code for m in result.messages]
