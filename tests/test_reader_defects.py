"""The workbook reader's defects of issues 12 and 19, one test (or more) each.

Every workbook is a real file written here with openpyxl or XlsxWriter, in
the shapes branches really send: horizontal 基本信息, a 序号 column,
two-row headers, items over merged rows, formulas nobody calculated.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

from helpers import (
    INFO,
    flatten,
    rewrite_zip,
    set_cells,
    sheet_xml,
    standard_bytes,
    standard_sheets,
    workbook_bytes,
)

from reporter.config import Config, Limits
from reporter.findings import message
from reporter.pipeline import process
from reporter.reader import read_workbook

CONFIG = Config()


def read(data: bytes, config: Config = CONFIG):
    return read_workbook(data, "支部.xlsx", config)


def codes(result) -> list[str]:
    return [m.code for m in result.messages]


# ------------------------------------------------- 12.2 the layout of 基本信息


def horizontal_info(values: dict | None = None) -> list[list]:
    fields = {**INFO, **(values or {})}
    return [list(fields), [fields[k] for k in fields]]


def test_horizontal_info_labels_in_a_row_values_below():
    sheets = standard_sheets()
    sheets["基本信息"] = horizontal_info()
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    info = result.branch.info
    assert (info.name, info.parent, info.secretary, info.meeting_date) == (
        "机关第一党支部", "机关党委", "张三", date(2023, 12, 20))


def test_horizontal_info_with_an_empty_value_never_takes_the_next_label():
    sheets = standard_sheets()
    sheets["基本信息"] = horizontal_info({"上级党组织": None, "支部书记": None})
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    assert (result.branch.info.name, result.branch.info.parent, result.branch.info.secretary) == (
        "机关第一党支部", None, None)


def test_horizontal_info_without_values_is_no_branch_named_after_a_label():
    sheets = standard_sheets()
    sheets["基本信息"] = [list(INFO)]  # the labels only
    result = read(workbook_bytes(sheets))
    assert result.branch is None and result.name is None
    assert flatten(result.messages) == [("E204", "基本信息", "A2")]


def test_info_with_a_number_column_before_item_and_content():
    sheets = standard_sheets()
    sheets["基本信息"] = [["序号", "项目", "内容"], *([i, k, v] for i, (k, v) in enumerate(INFO.items(), 1))]
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    assert (result.branch.info.name, result.branch.info.parent) == ("机关第一党支部", "机关党委")


def test_horizontal_info_with_a_number_column():
    sheets = standard_sheets()
    labels, values = horizontal_info()
    sheets["基本信息"] = [["机关第一党支部基本信息"], ["序号", *labels], [1, *values]]
    result = read(workbook_bytes(sheets, merges={"基本信息": ["A1:J1"]}))
    assert result.messages == ()
    assert (result.branch.info.name, result.branch.info.secretary) == ("机关第一党支部", "张三")


def test_info_as_a_form_two_labels_a_row():
    sheets = standard_sheets()
    sheets["基本信息"] = [["支部名称", "机关第五党支部", "上级党组织", "机关党委"],
                         ["支部书记", "王五", "会议日期", "2023-12-20"]]
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    info = result.branch.info
    assert (info.name, info.parent, info.secretary, info.meeting_date) == (
        "机关第五党支部", "机关党委", "王五", date(2023, 12, 20))


def test_a_label_is_never_a_value_in_the_column_layout():
    sheets = standard_sheets()
    sheets["基本信息"] = [["支部名称", "上级党组织"], ["上级党组织", "机关党委"]]
    result = read(workbook_bytes(sheets))
    assert result.branch is None
    assert flatten(result.messages) == [("E204", "基本信息", "B1")]


def test_a_value_written_like_label_and_colon_is_still_a_value():
    sheets = standard_sheets(info={"上级党组织": "书记：王五", "支部书记": "张三"})
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    assert (result.branch.info.parent, result.branch.info.secretary) == ("书记：王五", "张三")


def test_info_layout_not_recognised_says_so():
    sheets = standard_sheets()
    sheets["基本信息"] = [["名称", "机关第一党支部"], ["日期", "2023-12-20"]]
    result = read(workbook_bytes(sheets))
    assert result.branch is None
    assert result.messages == (message("E208", sheet="基本信息"),)


# ---------------------------------------------------------- 12.3 formula cells


def test_openpyxl_formula_as_branch_name_is_an_error_naming_the_cell():
    data = set_cells(standard_bytes(), {"基本信息": {"B2": '="机关"&"第一党支部"', "B4": "=B3"}})
    assert b"<f>" in sheet_xml(data)
    result = read(data)
    assert result.branch is None and result.name is None
    assert result.messages == (message("E207", variant="name", sheet="基本信息", cell="B2"),  # no E204 besides
                               message("W314", sheet="基本信息", cell="B4"))


def test_openpyxl_formula_headline_row_never_vanishes_silently():
    data = set_cells(standard_bytes(), {"存在的问题": {"C5": "=C4", "D5": "=D4"},
                                         "整改措施": {"C3": "=C2", "D3": "=D2"}})
    result = read(data)
    assert result.branch is None  # a lost problem is an error: the document would be incomplete
    assert result.messages == (message("E207", variant="headline", sheet="存在的问题", cell="C5", column="问题概述"),
                               message("W314", sheet="整改措施", cell="C3"), message("W314", sheet="整改措施", cell="D3"))


def test_openpyxl_formula_only_headlines_are_not_reported_as_no_problems():
    data = set_cells(standard_bytes(problems=[("理论学习", "x", "y")]), {"存在的问题": {"C2": "=1"}})
    result = read(data)
    assert codes(result) == ["E207"]


def test_openpyxl_formula_details_are_empty_with_a_warning():
    data = set_cells(standard_bytes(), {"原因剖析": {"C3": '="剖析"&"内容"'}, "基本信息": {"B6": "=TODAY()"}})
    result = read(data)
    assert flatten(result.messages) == [("W314", "基本信息", "B6"), ("W314", "原因剖析", "C3")]
    assert result.branch.causes[1].details == ""
    assert result.branch.info.meeting_date is None


def xlsxwriter_bytes(sheets: dict[str, list[list]], formulas: dict[str, dict[tuple[int, int], str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, date):
                    ws.write_string(r, c, value.isoformat())
                else:
                    ws.write(r, c, value)
        for (r, c), formula in formulas.get(name, {}).items():
            ws.write_formula(r, c, formula)  # cached value 0, fullCalcOnLoad
    wb.close()
    return out.getvalue()


def test_xlsxwriter_placeholder_zero_never_names_the_branch():
    data = xlsxwriter_bytes(standard_sheets(), {"基本信息": {(1, 1): '="机关"&"第一党支部"'}})
    assert b"fullCalcOnLoad" in zipfile_part(data, "xl/workbook.xml") and b"<v>0</v>" in sheet_xml(data)
    result = read(data)
    assert result.branch is None and result.name is None
    assert flatten(result.messages) == [("E207", "基本信息", "B2")]


def test_xlsxwriter_placeholder_zero_is_never_used_as_text():
    data = xlsxwriter_bytes(standard_sheets(), {"存在的问题": {(2, 3): '=D2&"。"'}})
    result = read(data)
    assert flatten(result.messages) == [("W314", "存在的问题", "D3")]
    assert result.branch.problems[1].details == ""


def zipfile_part(data: bytes, name: str) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def test_calculated_formula_value_is_read():
    """A formula saved by Excel / WPS / LibreOffice carries its value and no fullCalcOnLoad."""
    data = xlsxwriter_bytes(standard_sheets(), {"基本信息": {(1, 1): '="机关"&"第九党支部"'}})

    def calculated(name: str, blob: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return re.sub(rb'\s*fullCalcOnLoad="1"', b"", blob)
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<c r="B2"([^>]*)><f>(.*?)</f><v>0</v></c>',
                          '<c r="B2" t="str"><f>\\2</f><v>机关第九党支部</v></c>'.encode(), blob)
        return blob

    result = read(rewrite_zip(data, calculated))
    assert result.messages == ()
    assert result.branch.info.name == "机关第九党支部"


# ------------------------------------------------------- 12.4 two-row headers


GROUPED = [["序号", "方面", "问题", None], [None, None, "概述", "具体表现"]]
PROBLEMS = [("理论学习", "理论学习不深入", "学习方法单一。"), ("政治素质", "政治敏锐性不强", "认识不深刻。")]


def grouped_sheets(header: list[list]) -> dict:
    sheets = standard_sheets(problems=PROBLEMS, measures=[("措施", "内容。", "1、2", "张三", date(2024, 3, 31), "整改中")])
    sheets["存在的问题"] = [*header, *sheets["存在的问题"][1:]]
    return sheets


def assert_problems_read(result):
    assert result.messages == ()
    assert [(p.number, p.category, p.headline, p.details, p.row) for p in result.branch.problems] == [
        (1, "理论学习", "理论学习不深入", "学习方法单一。", 3), (2, "政治素质", "政治敏锐性不强", "认识不深刻。", 4)]


def test_two_row_header_with_a_merged_group_name():
    sheets = grouped_sheets(GROUPED)
    assert_problems_read(read(workbook_bytes(sheets, merges={"存在的问题": ["A1:A2", "B1:B2", "C1:D1"]})))


def test_plain_two_row_header_without_merges():
    assert_problems_read(read(workbook_bytes(grouped_sheets(GROUPED))))


def test_two_row_header_with_the_group_name_above_the_other_names():
    header = [[None, None, "问题", None], ["序号", "方面", "概述", "具体表现"]]
    assert_problems_read(read(workbook_bytes(grouped_sheets(header), merges={"存在的问题": ["C1:D1"]})))


def test_two_row_header_on_the_measures_sheet_below_a_title():
    sheets = standard_sheets()
    rows = sheets["整改措施"]
    sheets["整改措施"] = [["整改台账"], ["序号", "整改措施", None, "对应问题", "责任人", "完成时限", "完成情况"],
                       [None, "概述", "具体内容", None, None, None, None], *rows[1:]]
    result = read(workbook_bytes(sheets, merges={"整改措施": ["A1:G1", "B2:C2", "A2:A3", "D2:D3", "E2:E3",
                                                                 "F2:F3", "G2:G3"]}))
    assert result.messages == ()
    assert [(m.headline, m.details[:4], m.problems, m.owner) for m in result.branch.measures] == [
        ("强化政治理论学习", "增强支部", (1,), "张三"), ("不断增强工作实效", "严格落实", (2, 3), "李四")]


def test_two_row_header_that_cannot_be_read_fails_clearly_and_never_becomes_content():
    header = [["序号", "方面", "问题情况", None], [None, None, "简述", "具体表现"]]
    result = read(workbook_bytes(grouped_sheets(header), merges={"存在的问题": ["A1:A2", "B1:B2", "C1:D1"]}))
    assert result.branch is None
    assert flatten(result.messages) == [("E203", "存在的问题", None)]


# --------------------------------------------- 12.11 styled empty cells are empty


def test_cells_styled_far_down_but_empty_are_not_rows():
    from openpyxl import load_workbook
    from openpyxl.styles import Border, Side

    wb = load_workbook(io.BytesIO(standard_bytes()))
    thin = Side(style="thin")
    ws = wb["存在的问题"]
    for r in range(1, 2001):
        for c in range(1, 5):
            ws.cell(r, c).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    xml = sheet_xml(data, 2)
    assert re.search(rb'<c r="D2000" s="\d+"[^>/]*></c>', xml)  # styled, empty, not self-closing
    config = replace(CONFIG, limits=Limits(max_rows=500))
    result = read(data, config)
    assert result.messages == ()
    assert len(result.branch.problems) == 3


# -------------------------------------------------- 19.14 items over merged rows


def test_item_over_vertically_merged_rows_reads_every_detail_cell():
    sheets = standard_sheets(
        problems=[("理论学习", "理论学习不深入", "学习方法较为单一。"), (None, None, "研讨交流缺乏督促检查"),
                  (None, None, "学用结合不紧"), ("政治素质", "政治敏锐性不强", "认识不深刻。")],
        causes=[("理论武装抓得不紧", "精力放在“硬指标”上，"), (None, "学习不系统。")],
        measures=[("强化学习", "制定学习计划。", "1", "张三", date(2024, 3, 31), "整改中"),
                  (None, "Party", None, None, None, None), (None, "work 手册。", None, None, None, None)],
    )
    merges = {"存在的问题": ["A2:A4", "B2:B4", "C2:C4"], "原因剖析": ["A2:A3", "B2:B3"],
              "整改措施": ["A2:A4", "B2:B4", "D2:D4", "E2:E4", "F2:F4", "G2:G4"]}
    sheets["存在的问题"][4][0] = 2
    result = read(workbook_bytes(sheets, merges=merges))
    assert result.messages == ()  # no W310: the merged headline is filled
    b = result.branch
    assert [(p.number, p.headline, p.details, p.row) for p in b.problems] == [
        (1, "理论学习不深入", "学习方法较为单一。研讨交流缺乏督促检查。学用结合不紧", 2),
        (2, "政治敏锐性不强", "认识不深刻。", 5)]
    assert [c.details for c in b.causes] == ["精力放在“硬指标”上，学习不系统。"]
    assert [(m.details, m.problems, m.owner) for m in b.measures] == [("制定学习计划。Party work 手册。", (1,), "张三")]


# ---------------------------------------------------------- 12.16 序号 order


def test_numbers_out_of_order_document_follows_the_numbers():
    sheets = standard_sheets(measures=[("措施", "内容。", "3", "张三", date(2024, 3, 31), "整改中")])
    for row, n in zip(sheets["存在的问题"][1:], (3, 1, 2)):
        row[0] = n
    result = read(workbook_bytes(sheets))
    b = result.branch
    assert [(p.number, p.headline, p.row) for p in b.problems] == [
        (1, "政治敏锐性还不够强", 3), (2, "履职担当尽责还不够", 4), (3, "理论学习不深入", 2)]
    # 对应问题 3 is the item the document shows as （三）
    assert b.measures[0].problems == (3,) and b.problems[2].number == 3
    assert result.messages == (message("W315", variant="order", sheet="存在的问题", cell="A2"),)


def test_numbers_with_gaps_are_renumbered_and_refs_read_by_position():
    sheets = standard_sheets(measures=[("措施", "内容。", "3", "张三", date(2024, 3, 31), "整改中")])
    for row, n in zip(sheets["存在的问题"][1:], (1, 2, 5)):
        row[0] = n
    result = read(workbook_bytes(sheets))
    assert [p.number for p in result.branch.problems] == [1, 2, 3]
    assert result.branch.measures[0].problems == (3,)
    assert result.messages == (message("W315", variant="gaps", sheet="存在的问题", cell="A4", numbers="1、2、5", last="三"),)


def test_duplicate_numbers_keep_row_order_and_say_how_refs_are_read():
    sheets = standard_sheets()
    for row, n in zip(sheets["原因剖析"][1:], (1, 1)):
        row[0] = n
    result = read(workbook_bytes(sheets))
    assert [c.number for c in result.branch.causes] == [1, 2]
    assert result.messages == (message("W309", sheet="原因剖析", cell="A3", number=1, row=2),)


def test_numbers_in_order_or_absent_give_no_warning():
    sheets = standard_sheets()
    for row in sheets["存在的问题"][1:]:
        row[0] = None
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    assert [p.number for p in result.branch.problems] == [1, 2, 3]


# ----------------------------------------------- 12.7 the name of a failed workbook


def test_failed_workbook_keeps_the_branch_name():
    no_problems = standard_bytes(problems=[])
    result = read(no_problems)
    assert codes(result) == ["E205"] and result.branch is None
    assert result.name == "机关第一党支部"
    outcome = process(no_problems, "支部.xlsx", CONFIG)
    assert outcome.status == "failed" and outcome.name == "机关第一党支部"


def test_workbook_refused_after_the_info_sheet_keeps_the_branch_name():
    sheets = standard_sheets()
    sheets["整改措施"].extend([[None]] * 20 + [["x"]])
    config = replace(CONFIG, limits=Limits(max_rows=10))
    result = read(workbook_bytes(sheets), config)
    assert codes(result) == ["E206"]
    assert result.name == "机关第一党支部"
    assert process(workbook_bytes(sheets), "支部.xlsx", config).name == "机关第一党支部"


def test_ok_workbook_name():
    outcome = process(standard_bytes(), "支部.xlsx", CONFIG)
    assert outcome.name == outcome.branch.info.name == "机关第一党支部"


# ------------------------------------------ 19.13 messages a branch understands


_LIBRARY_WORDS = re.compile(r"[A-Za-z]*(?:Error|Exception)|[Cc]alamine|openpyxl|Xml|XML|zip", re.ASCII)


def test_damaged_sheet_message_has_no_library_words():
    def damage(name: str, blob: bytes) -> bytes:
        return blob[: len(blob) // 2] if name == "xl/worksheets/sheet2.xml" else blob

    result = read(rewrite_zip(standard_bytes(), damage))
    assert result.messages == (message("E110", variant="sheet", sheet="存在的问题"),)
    assert not _LIBRARY_WORDS.search(result.messages[0].message)


def test_damaged_workbook_part_message_has_no_library_words():
    def damage(name: str, blob: bytes) -> bytes:
        return b"<?xml version='1.0'?><styleSheet><broken" if name == "xl/styles.xml" else blob

    result = read(rewrite_zip(standard_bytes(), damage))
    assert result.branch is None or result.messages == ()
    for m in result.messages:
        assert not _LIBRARY_WORDS.search(m.message), m.message


# ------------------------------------------------------- 19.15 E202 names the sheets


def test_missing_sheet_lists_the_sheets_found():
    sheets = standard_sheets()
    sheets["Sheet1"] = sheets.pop("存在的问题")
    result = read(workbook_bytes(sheets))
    e202 = [m for m in result.messages if m.code == "E202"]
    assert e202 == [message("E202", variant="found", section="存在的问题", found="“基本信息”、“原因剖析”、“整改措施”、“Sheet1”")]


# ------------------------------------------ 12.6 完成时限 and 对应问题 as written


def measure(deadline=None, refs="1", status="整改中"):
    return ("措施", "内容。", refs, "张三", deadline, status)


def test_deadlines_as_written_with_month_and_year_precision_and_ongoing():
    values = ["长期坚持", "长期", "2024年6月", "2024年底", date(2024, 3, 31), "2024-05-31", "下个月", "２０２４－０６－３０"]
    result = read(standard_bytes(measures=[measure(v) for v in values]))
    assert result.messages == (message("W302", variant="deadline", sheet="整改措施", cell="F8", value="下个月"),)  # only 下个月
    got = [(m.deadline, m.deadline_text) for m in result.branch.measures]
    assert got == [
        (None, "长期坚持"), (None, "长期"), (date(2024, 6, 30), "2024年6月"), (date(2024, 12, 31), "2024年底"),
        (date(2024, 3, 31), None), (date(2024, 5, 31), None), (None, "下个月"), (date(2024, 6, 30), None)]
    overdue = [m.is_overdue(date(2024, 7, 1)) for m in result.branch.measures]
    assert overdue == [False, False, True, False, True, True, False, True]


def test_month_deadline_before_the_meeting_warns_with_the_text_as_written():
    result = read(standard_bytes(measures=[measure("2023年11月")]))
    assert result.messages == (message("W305", sheet="整改措施", cell="F2", deadline="2023年11月", meeting="2023年12月20日"),)


def test_refs_all_and_chinese_numerals():
    problems = [("理论学习", f"问题{i}", "表现。") for i in range(1, 21)]
    measures = [measure(refs="全部"), measure(refs="十一"), measure(refs="二十、十九"), measure(refs="１、３"),
                measure(refs=3)]
    result = read(standard_bytes(problems=problems, measures=measures))
    assert result.messages == ()
    got = [(m.problems, m.problems_text) for m in result.branch.measures]
    assert got == [(tuple(range(1, 21)), "全部"), ((11,), "十一"), ((20, 19), "二十、十九"), ((1, 3), "１、３"),
                   ((3,), "3")]


# ------------------------------------------------------------ 12.15 / 19.15 reader gaps


def test_full_width_and_chinese_numeral_dates():
    info = {"会议日期": "2024－01－05", "落款": "中共机关第一党支部", "落款日期": "二〇二四年一月五日"}
    result = read(standard_bytes(info=info, measures=[measure("２０２４－０６－３０")]))
    assert result.messages == ()
    i = result.branch.info
    assert (i.meeting_date, i.signature_date) == (date(2024, 1, 5), date(2024, 1, 5))
    assert result.branch.measures[0].deadline == date(2024, 6, 30)


def test_bidi_controls_removed_everywhere_with_a_warning_on_the_cell():
    info = {"支部名称": "机关\u202e第一党支部"}
    problems = [("理论学习", "evil\u202e学习不深入", "表现\u2066隔离\u2069。"), ("政治素质", "问题二", "表现。")]
    measures = [measure("2024-06-30\u202c", refs="1\u200f、2")]
    result = read(standard_bytes(info=info, problems=problems, measures=measures))
    assert flatten(result.messages) == [("W316", "基本信息", "B2"), ("W316", "存在的问题", "C2"),
                                        ("W316", "存在的问题", "D2"), ("W316", "整改措施", "D2"),
                                        ("W316", "整改措施", "F2")]
    b = result.branch
    assert b.info.name == "机关第一党支部"
    assert (b.problems[0].headline, b.problems[0].details) == ("evil学习不深入", "表现隔离。")
    assert (b.measures[0].problems, b.measures[0].deadline) == ((1, 2), date(2024, 6, 30))


def test_a_list_pasted_into_one_headline_warns():
    problems = [("理论学习", "一是理论学习不深入\n二是学习方法单一", "表现。"), ("政治素质", "一、二季度学习偏少", "表现。")]
    result = read(standard_bytes(problems=problems, measures=[measure()]))
    assert result.messages == (message("W317", sheet="存在的问题", cell="C2", column="问题概述"),)


def test_stacked_typed_numbering_removed_from_headlines():
    problems = [("理论学习", "（一）问题一：理论学习不深入", "表现。"), ("政治素质", "一、二季度学习偏少", "表现。")]
    result = read(standard_bytes(problems=problems, measures=[measure()]))
    assert [p.headline for p in result.branch.problems] == ["理论学习不深入", "一、二季度学习偏少"]


def test_a_title_over_the_header_never_names_an_unknown_column():
    sheets = standard_sheets()
    sheets["整改措施"] = [["整改措施"], ["序号", "标题", "具体内容", "对应问题", "责任人", "完成时限", "完成情况"],
                       *sheets["整改措施"][1:]]
    result = read(workbook_bytes(sheets, merges={"整改措施": ["A1:G1"]}))
    assert result.branch is None
    assert ("E203", "整改措施", None) in flatten(result.messages)


def test_document_and_ledger_numbers_agree_when_numbers_are_out_of_order():
    import docx

    sheets = standard_sheets(measures=[("措施", "内容。", "3", "张三", date(2024, 3, 31), "整改中")])
    for row, n in zip(sheets["存在的问题"][1:], (3, 1, 2)):
        row[0] = n
    outcome = process(workbook_bytes(sheets), "支部.xlsx", CONFIG)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(outcome.document)).paragraphs]
    third = next(p for p in paragraphs if p.startswith("（三）"))
    (problem,) = [p for p in outcome.branch.problems if p.number == outcome.branch.measures[0].problems[0]]
    assert third.startswith(f"（三）{problem.headline}") and problem.headline == "理论学习不深入"
