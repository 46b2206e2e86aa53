"""Any cell content, any damaged file: read, render and summarise without an exception (issue 6).

The reader's own property and fuzz tests (tests/test_reader.py) go through
``read_workbook``; these go through :func:`reporter.pipeline.process` (read
and render), reopen every document with python-docx, and summarise with
:func:`reporter.summary.build_summary`.

How cell text is expected to come out, stated once: a cell's text loses its
bidirectional control characters (:func:`~reporter.text.remove_bidi`), then is
:func:`~reporter.text.clean` (characters XML cannot hold removed, surrounding
whitespace stripped, line breaks joined), then cut to ``limits.max_cell_chars``
(and right-stripped) when longer; headlines also lose the numbering typed
before them (:func:`~reporter.text.strip_numbering`); 完成时限 is
:func:`~reporter.text.parse_deadline` (due date, and the text as written when
it is not a plain date).  In a document a headline gets its closing 。
(:func:`~reporter.text.headline_sentence`) and tabs become single spaces.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date, timedelta

import docx
import pytest
from helpers import rewrite_zip, standard_bytes, standard_sheets, workbook_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from hostile_inputs import CONTROL, LIVE_WORD, xlsxwriter_bytes

from reporter.config import Config
from reporter.model import FileResult
from reporter.pipeline import process
from reporter.summary import build_summary
from reporter.text import (
    Deadline,
    chinese_date,
    chinese_number,
    clean,
    headline_sentence,
    looks_like_list,
    parse_chinese_int,
    parse_date,
    parse_deadline,
    remove_bidi,
    strip_numbering,
)
from reporter.reader import parse_refs

CONFIG = Config()
AS_OF = date(2024, 6, 30)
LIMIT = CONFIG.limits.max_cell_chars

# --------------------------------------------------------------- cell content

# C0 controls a cell can hold (Excel stores them as _xHHHH_ escapes).  U+FFFE/FFFF cannot be
# stored in a workbook at all; raw ones in broken XML are covered by tests/test_hostile.py.
_ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]
_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def ooxml(text: str) -> str:
    """Text as a spreadsheet stores it: a literal _xHHHH_ protected as _x005F_xHHHH_, and the
    characters XML cannot hold written as _xHHHH_ escapes (what Excel does; openpyxl writes as given)."""
    text = _ESCAPE.sub(r"_x005F_\1", text)
    return "".join(f"_x{ord(ch):04X}_" if ch in _ILLEGAL else ch for ch in text)


_plain = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
_with_controls = st.lists(st.one_of(_plain, st.sampled_from(_ILLEGAL)), max_size=6).map("".join)
_formula_like = st.tuples(st.sampled_from(["=", "+", "-", "@", "=HYPERLINK(", "{ PAGE }"]), _plain).map("".join)
_long = st.tuples(st.text(min_size=1, max_size=12), st.integers(LIMIT - 50, 10_000)).map(
    lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]])
_numbered = st.tuples(st.sampled_from(["（一）", "1. ", "2、", "①", "(3)", "第一，", "一、"]), _plain).map("".join)
_special = st.sampled_from(["", " ", "\u3000", "\n", "_x0001_", "_x0041_", "1,3", "一、三", "2023年12月20日",
                            "20231220", "2023-02-30", "理论学习", "已完成", "a\r\nb", "中\n文",
                            # issue 12 items 5, 6, 15 and issue 19 item 15
                            "一、二季度学习偏少", "2、3月份", "（一）问题一：学习不深", "⑶学习", "一是学习\n二是研讨",
                            "2024年6月", "2024年底", "长期坚持", "２０２４－０６－３０", "二〇二四年一月五日",
                            "\u202eevil\u202c", "a \u200e\nb", "十一"])
EXCEL_CELL_CHARS = 32_767  # what one cell can hold (as stored); calamine cuts longer text there
CELL = st.one_of(_plain, _with_controls, _formula_like, _long, _numbered, _special).filter(
    lambda s: len(ooxml(s)) <= EXCEL_CELL_CHARS)
DATE = st.one_of(CELL, st.dates(date(1900, 3, 1), date(9999, 12, 31)))

TEXT_INFO = ("支部名称", "上级党组织", "支部书记", "会议主题", "材料标题", "导语", "落款")
DATE_INFO = ("会议日期", "落款日期")


def text_of(value: str) -> str:
    """The rule of the module docstring, for one text cell."""
    text = clean(remove_bidi(value)[0])
    return text[:LIMIT].rstrip() if len(text) > LIMIT else text


def date_of(value) -> date | None:
    if isinstance(value, date):
        return value
    value = remove_bidi(value)[0]
    return parse_date(value.strip()) if clean(value) else None


def deadline_of(value) -> tuple[date | None, str | None]:
    """(Measure.deadline, Measure.deadline_text) for a 完成时限 cell."""
    found = parse_deadline(value)
    return found.due, (text_of(value) or None) if found.text is not None else None


def stored(value):
    return ooxml(value) if isinstance(value, str) else value


def in_document(text: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", text)


# ------------------------------------------------------------------- property


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    info=st.fixed_dictionaries({**{k: CELL for k in TEXT_INFO}, **{k: DATE for k in DATE_INFO}}),
    problem=st.tuples(CELL, CELL, CELL),  # 方面, 问题概述, 具体表现
    cause=st.tuples(CELL, CELL),  # 原因概述, 具体剖析
    measure=st.tuples(CELL, CELL, CELL, CELL, DATE, CELL),  # 措施概述, 具体内容, 对应问题, 责任人, 完成时限, 完成情况
)
def test_any_cell_content_is_read_rendered_and_summarised(info, problem, cause, measure):
    sheets = standard_sheets(
        info={k: stored(v) for k, v in info.items()},
        problems=[tuple(map(stored, problem)), ("理论学习", "固定问题", "固定表现")],
        causes=[tuple(map(stored, cause))],
        measures=[tuple(map(stored, measure))],
    )
    data = workbook_bytes(sheets)
    outcome = process(data, "支部.xlsx", CONFIG)

    name = text_of(info["支部名称"])
    if not name:
        assert outcome.status == "failed" and outcome.branch is None and outcome.document is None
        assert "E204" in [m.code for m in outcome.messages]
        summarise(outcome)
        return
    assert outcome.status in ("ok", "warning"), outcome.messages
    b = outcome.branch
    i = b.info

    # 基本信息
    assert i.name == name
    assert i.parent == (text_of(info["上级党组织"]) or None)
    assert i.secretary == (text_of(info["支部书记"]) or None)
    assert i.signature == (text_of(info["落款"]) or None)
    theme = text_of(info["会议主题"]) or CONFIG.default_theme
    assert i.theme == theme
    assert i.title == (text_of(info["材料标题"]) or f"{name}{theme}对照检查材料")
    if text_of(info["导语"]):
        assert i.preamble == text_of(info["导语"])
    else:  # the configured default, filled with the branch's fields
        assert name in i.preamble
    assert i.meeting_date == date_of(info["会议日期"])
    assert i.signature_date == date_of(info["落款日期"])

    # 存在的问题: the generated row counts only when its headline survives
    category, headline, details = problem
    headline = strip_numbering(text_of(headline))
    if headline:
        p = b.problems[0]
        assert len(b.problems) == 2
        assert (p.category, p.headline, p.details) == (text_of(category) or None, headline, text_of(details))
    else:
        assert [p.headline for p in b.problems] == ["固定问题"]

    c_head, c_details = cause
    if strip_numbering(text_of(c_head)):
        (c,) = b.causes
        assert (c.headline, c.details) == (strip_numbering(text_of(c_head)), text_of(c_details))
    else:
        assert b.causes == ()

    m_head, m_details, refs, owner, deadline, status = measure
    if strip_numbering(text_of(m_head)):
        (m,) = b.measures
        assert (m.headline, m.details) == (strip_numbering(text_of(m_head)), text_of(m_details))
        assert m.problems == parse_refs(refs)[0]
        assert m.owner == (text_of(owner) or None)
        assert m.status == (text_of(status) or None)
        assert (m.deadline, m.deadline_text) == deadline_of(deadline)
    else:
        assert b.measures == ()

    # The document: every item's text as read, nothing live, nothing XML cannot hold.
    document = docx.Document(io.BytesIO(outcome.document))
    texts = [p.text for p in document.paragraphs]
    assert re.sub(r"\s", "", texts[0]) == re.sub(r"\s", "", in_document(i.title))  # a long title is broken into lines
    for item in (b.problems[0], *b.causes, *b.measures):  # each the first of its section: （一）
        assert in_document(f"（一）{headline_sentence(item.headline)}{item.details}") in texts
    with zipfile.ZipFile(io.BytesIO(outcome.document)) as z:
        body = z.read("word/document.xml")
    assert not LIVE_WORD.search(body)
    assert not CONTROL.search(body.decode())

    summarise(outcome, b.problems[0].headline)


def summarise(outcome, headline: str | None = None) -> None:
    """build_summary over this one result (with a roster) → two files that open, text kept as text."""
    name = outcome.branch.info.name if outcome.branch else "某党支部"
    result = FileResult("支部.xlsx", outcome.status, outcome.messages, outcome.branch, None,
                        "docs/x.docx" if outcome.document else None)
    xlsx, report = build_summary([result], CONFIG, AS_OF, [name, "未交党支部"])
    # Read back as Excel reads it (calamine decodes _xHHHH_ escapes; openpyxl does not in inline strings).
    book = CalamineWorkbook.from_object(io.BytesIO(xlsx))
    overview = book.get_sheet_by_name("总览").to_python()
    assert {name, "未交党支部"} <= {row[0] for row in overview[1:]}
    if headline is not None:
        assert book.get_sheet_by_name("问题清单").to_python()[1][3] == headline
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for part in z.namelist():
            if part.endswith(".xml"):
                xml = z.read(part).decode()
                assert not re.search(r"<f[ >]", xml) and not CONTROL.search(xml), part
    document = docx.Document(io.BytesIO(report))
    assert document.paragraphs
    with zipfile.ZipFile(io.BytesIO(report)) as z:
        body = z.read("word/document.xml")
    assert not LIVE_WORD.search(body) and not CONTROL.search(body.decode())


# Inputs the property test found (each crashed one of our modules once).
@pytest.mark.parametrize("refs", ["①", "1、②", "³", "9" * 5000])
def test_unusual_digits_in_refs_are_a_warning(refs):
    """对应问题 with ① / ² (str.isdigit, but int() refuses them) or 5,000 digits (int() refuses > 4,300)."""
    sheets = standard_sheets(measures=[("强化学习", "内容", refs, "张三", date(2024, 3, 31), "整改中")])
    outcome = process(workbook_bytes(sheets), "支部.xlsx", CONFIG)
    assert outcome.status == "warning" and outcome.document is not None
    assert "W312" in [m.code for m in outcome.messages]


def test_template_version_with_thousands_of_digits_is_a_warning():
    data = workbook_bytes(standard_sheets(), defined_names={"REPORTER_TEMPLATE_VERSION": "9" * 5000})
    outcome = process(data, "支部.xlsx", CONFIG)
    assert [m.code for m in outcome.messages] == ["W308"] and outcome.document is not None


@pytest.mark.parametrize("field", ["上级党组织", "会议主题"])
def test_long_parent_or_theme_still_gives_a_summary(field):
    """The summary report's title is made of 上级党组织 + 会议主题 (each up to max_cell_chars)."""
    outcome = process(standard_bytes(info={field: "很长" * 400}), "支部.xlsx", CONFIG)
    assert outcome.document is not None
    summarise(outcome, outcome.branch.problems[0].headline)


def test_ooxml_escape_round_trip_is_what_the_reader_sees():
    """The property test's encoding is faithful: a literal _x0041_ stays literal, \\x01 is removed."""
    sheets = standard_sheets(problems=[("理论学习", ooxml("A_x0041_B\x01C"), ooxml("\x1f_x005F_"))])
    (p,) = process(workbook_bytes(sheets), "a.xlsx", CONFIG).branch.problems
    assert (p.headline, p.details) == ("A_x0041_BC", "_x005F_")


# ----------------------------------------------------------------------- fuzz


def _stored_zip(data: bytes) -> bytes:
    """The same workbook with every member stored (no compression): bit flips land in the XML itself."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return out.getvalue()


def _flip_xml(data: bytes, rng: random.Random) -> bytes:
    """Flip bits inside one inflated XML part (the zip stays valid, the XML does not)."""
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".xml")]
    victim = rng.choice(names)

    def change(name: str, blob: bytes) -> bytes:
        if name != victim:
            return blob
        blob = bytearray(blob)
        for _ in range(rng.randint(1, 6)):
            blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
        return bytes(blob)

    return rewrite_zip(data, change)


def _mutate(good: bytes, rng: random.Random, kind: int) -> bytes:
    if kind == 0:  # bit flips anywhere (stored zip: in the XML text, headers, directory)
        data = bytearray(good)
        for _ in range(rng.randint(1, 10)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 1:  # truncation
        return good[: rng.randrange(len(good))]
    if kind == 2:  # a zip entry renamed (or dropped, or duplicated under another name)
        names = zipfile.ZipFile(io.BytesIO(good)).namelist()
        victim, other = rng.choice(names), rng.choice(names)
        action = rng.choice(["rename", "drop", "swap"])
        if action == "drop":
            return rewrite_zip(good, lambda n, b: None if n == victim else b)
        source = zipfile.ZipFile(io.BytesIO(good))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                name = info.filename
                if action == "rename" and name == victim:
                    name = name[:-1] + "_"
                elif action == "swap" and name in (victim, other):
                    name = other if name == victim else victim
                if name not in target.namelist():
                    target.writestr(name, source.read(info))
        return out.getvalue()
    return _flip_xml(good, rng)  # kind 3: damaged XML inside a valid zip


def test_mutated_workbooks_give_a_document_or_findings_through_process():
    rng = random.Random(20240630)
    sheets = standard_sheets(info={"落款": "中共机关第一党支部", "落款日期": date(2023, 12, 20)})
    bases = [_stored_zip(standard_bytes()), xlsxwriter_bytes(sheets)]  # inline strings / shared strings
    documents = failures = 0
    codes: set[str] = set()
    for n in range(300):
        data = _mutate(bases[n % 2], rng, n % 4)
        outcome = process(data, "支部.xlsx", CONFIG)
        codes.update(m.code for m in outcome.messages)
        assert "E900" not in codes, (n, outcome.messages)
        if outcome.document is not None:
            assert outcome.status in ("ok", "warning") and outcome.branch is not None
            document = docx.Document(io.BytesIO(outcome.document))
            assert re.sub(r"\s", "", document.paragraphs[0].text) == re.sub(r"\s", "", in_document(outcome.branch.info.title))
            documents += 1
        else:
            assert outcome.status == "failed"
            assert any(m.level == "error" for m in outcome.messages), outcome.messages
            failures += 1
    assert documents > 20 and failures > 20, (documents, failures)  # both paths really exercised
    assert {"E101", "E110"} & codes


# ------------------------------------------------------------- text functions
# Properties of reporter/text.py on its own (issue 12 items 5, 6, 15; issue 19 item 15).

_BIDI_CHARS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
_NUMERALS = "〇○零一二三四五六七八九十百两0123456789０１２３４５６７８９٢٤"  # and Arabic-Indic digits
_PUNCT = "、，,.．:：（）()第条问题原因措施是年月日号底末内前上下半季度Qq-/－／ \u3000\n"
# Text made mostly of numerals and the punctuation numbering and dates are made of.
_numeric_text = st.text(st.sampled_from(_NUMERALS + _PUNCT + "理论学习长期坚持") , max_size=30)
ANY_TEXT = st.one_of(_plain, _numeric_text, _numbered, st.lists(
    st.one_of(_plain, st.sampled_from(_BIDI_CHARS)), max_size=5).map("".join))
ANY_VALUE = st.one_of(ANY_TEXT, st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.dates(),
                      st.datetimes(), st.none(), st.booleans(), st.decimals(allow_nan=True),
                      st.sampled_from([10**5000, -(10**5000), 2024.6, 2024.0, 45473.5]))
_WORD = st.text(st.sampled_from("理论学习不深入党员aB"), min_size=1, max_size=8)
_PREFIXES = ["（一）", "(2)", "一、", "十一、", "1.", "1. ", "2、", "3）", "①", "㈡", "⑶", "⒈", "第一，",
             "第四条 ", "问题一：", "原因1：", "措施一、", "（一）问题一：", "（一）措施1、", "１、", "【问题一】"]


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_text_functions_never_raise_and_strip_numbering_keeps_text(text):
    stripped = strip_numbering(text)
    assert stripped in text
    if text:
        assert stripped  # a headline never becomes empty
    if stripped != text:
        assert any(ch.isalnum() for ch in stripped)
    parse_date(text)
    n = parse_chinese_int(text)
    assert n is None or 0 <= n < 10**9
    assert isinstance(looks_like_list(text), bool)
    cleaned, removed = remove_bidi(text)
    assert removed == (cleaned != text)
    assert not any(ch in cleaned for ch in _BIDI_CHARS)
    assert remove_bidi(cleaned) == (cleaned, False)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_PREFIXES), _WORD)
def test_a_typed_prefix_before_text_is_removed(prefix, word):
    assert strip_numbering(prefix + word) == word


@settings(max_examples=200, deadline=None)
@given(st.sampled_from("一二三四五六七八九"), st.sampled_from("一二三四五六七八九十"), st.sampled_from("、，."),
       st.integers(1, 99), st.integers(1, 99), _WORD)
def test_numerals_of_a_list_are_kept_whole(a, b, sep, i, j, word):
    for text in (f"{a}{sep}{b}{word}", f"{i}{sep if sep != '.' else '、'}{j}{word}", f"{a}、{b}、{word}"):
        assert strip_numbering(text) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 999))
def test_chinese_numbers_round_trip(n):
    assert parse_chinese_int(str(n)) == n
    assert parse_chinese_int(str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})) == n  # full width
    if n:
        assert parse_chinese_int(chinese_number(n)) == n


def _chinese_year(year: int) -> str:
    return "".join("〇一二三四五六七八九"[int(ch)] for ch in str(year))


@settings(max_examples=200, deadline=None)
@given(st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_dates_in_any_typed_form_round_trip(d):
    full_width = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
    assert parse_date(d.isoformat().translate(full_width)) == d
    assert parse_date(chinese_date(d).translate(full_width)) == d
    assert parse_date(f"{_chinese_year(d.year)}年{chinese_number(d.month)}月{chinese_number(d.day)}日") == d
    assert parse_deadline(chinese_date(d)) == Deadline(d, None, False, True)


@settings(max_examples=200, deadline=None)
@given(st.dates(date(1900, 1, 1), date(9999, 12, 31)))
def test_month_and_year_precision_is_due_at_the_end(d):
    month_end = date(d.year, 12, 31) if d.month == 12 else date(d.year, d.month + 1, 1) - timedelta(days=1)
    for text in (f"{d.year}年{d.month}月", f"{d.year}-{d.month:02d}", f"{d.year}.{d.month}", f"{d.year}年{d.month}月底"):
        assert parse_deadline(text) == Deadline(month_end, text, False, True)
    for text in (f"{d.year}年底", f"{d.year}年", f"{d.year}年内"):
        assert parse_deadline(text) == Deadline(date(d.year, 12, 31), text, False, True)


@settings(max_examples=500, deadline=None)
@given(ANY_VALUE)
def test_parse_deadline_never_raises_and_is_consistent(value):
    d = parse_deadline(value)
    assert isinstance(d, Deadline)
    assert isinstance(clean(value), str)
    if d.due is not None:
        assert isinstance(d.due, date) and d.ok
    if d.ongoing:
        assert d.due is None and d.ok and d.text
    if not d.ok:
        assert d.due is None and d.text and not d.ongoing
    if d.text is None:
        assert d.ok and not d.ongoing
    if d.text is not None:
        assert d.text == clean(d.text) and not any(ch in d.text for ch in _BIDI_CHARS)
    if isinstance(value, str) and parse_date(value) is not None:
        assert d == Deadline(parse_date(value), None, False, True)
    if isinstance(value, str) and not clean(value):
        assert d == Deadline(None, None, False, True)
