"""The tolerant reader: every tolerance of DESIGN.md §2, every finding with its code and cell."""

from __future__ import annotations

import io
import os
import random
import shutil
import struct
import subprocess
import zipfile
from dataclasses import replace
from datetime import date, datetime

import pytest
from helpers import (
    CAUSE_HEADER,
    MEASURE_HEADER,
    PROBLEM_HEADER,
    flatten,
    rewrite_zip,
    standard_bytes,
    standard_sheets,
    workbook_bytes,
    write_docx,
    write_workbook,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter import TEMPLATE_VERSION, findings
from reporter.config import Config, Limits
from reporter.text import clean, parse_date, strip_numbering, xml_safe
from reporter.reader import fill_template, parse_refs, read_path, read_workbook
from reporter.schema import INFO_FIELDS

CONFIG = Config()


def read(data: bytes, name: str = "支部.xlsx", config: Config = CONFIG):
    return read_workbook(data, name, config)


def codes(result) -> list[str]:
    return [m.code for m in result.messages]


def only_error(result, code: str):
    assert result.branch is None
    assert codes(result) == [code], result.messages
    message = result.messages[0]
    assert message.level == "error" and any("\u4e00" <= ch <= "\u9fff" for ch in message.message)
    return message


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip member of a sheet written by openpyxl (sheets in order)."""
    import openpyxl

    index = openpyxl.load_workbook(io.BytesIO(data)).sheetnames.index(sheet) + 1
    return f"xl/worksheets/sheet{index}.xml"


# ------------------------------------------------------------- the standard layout


def test_standard_workbook_reads_cleanly():
    result = read(standard_bytes(blank_rows=5))
    assert result.messages == ()
    b = result.branch
    assert b.info.name == "机关第一党支部" and b.info.parent == "机关党委" and b.info.secretary == "张三"
    assert b.info.meeting_date == date(2023, 12, 20)
    assert b.info.theme == "主题教育专题组织生活会"
    assert b.info.title == "机关第一党支部主题教育专题组织生活会对照检查材料"
    assert "按照机关党委的统一安排部署，机关第一党支部紧紧围绕" in b.info.preamble
    assert [p.headline for p in b.problems] == ["理论学习不深入", "政治敏锐性还不够强", "履职担当尽责还不够"]
    assert [p.category for p in b.problems] == ["理论学习", "政治素质", "担当作为"]
    assert [(p.number, p.row) for p in b.problems] == [(1, 2), (2, 3), (3, 4)]
    assert len(b.causes) == 2 and b.causes[1].details == "抓支部党建投入的时间和精力不够多。"
    m = b.measures[1]
    assert (m.problems, m.owner, m.deadline, m.status) == ((2, 3), "李四", date(2024, 6, 30), "未开始")
    assert b.template_version is None


def test_template_filled_in_by_a_person_validates_without_findings(tmp_path):
    import openpyxl

    from reporter.template import write_template

    path = tmp_path / "模板.xlsx"
    write_template(path, CONFIG)
    wb = openpyxl.load_workbook(path)
    info = wb["基本信息"]
    labels = {str(info.cell(r, 1).value).rstrip("*"): r for r in range(2, info.max_row + 1)}
    info.cell(labels["支部名称"], 2, "机关第二党支部")
    info.cell(labels["会议日期"], 2, datetime(2023, 12, 20))
    wb["存在的问题"]["B2"], wb["存在的问题"]["C2"], wb["存在的问题"]["D2"] = "理论学习", "学习不深入", "具体表现。"
    wb["原因剖析"]["B2"], wb["原因剖析"]["C2"] = "理论武装抓得不紧", "剖析。"
    measures = wb["整改措施"]
    for ref, value in zip(("B2", "C2", "D2", "E2", "F2", "G2"),
                          ("强化学习", "内容。", "1", "张三", datetime(2024, 3, 31), "整改中")):
        measures[ref] = value
    wb.save(path)
    result = read_path(path, CONFIG)
    assert result.messages == ()
    assert result.branch.template_version == TEMPLATE_VERSION
    assert result.branch.info.name == "机关第二党支部"
    assert result.branch.measures[0].deadline == date(2024, 3, 31)


# ------------------------------------------------------------------- tolerances


def test_sheet_and_header_synonyms_with_surrounding_spaces():
    sheets = standard_sheets()
    renamed = {" 基本情况 ": sheets["基本信息"], "问题清单": sheets["存在的问题"],
               "原因分析 ": sheets["原因剖析"], "整改清单": sheets["整改措施"]}
    renamed["问题清单"][0] = ["编号", " 类别 ", "问题", "问题描述"]
    renamed["原因分析 "][0] = ["序号", "原因", "具体分析"]
    renamed["整改清单"][0] = ["序号", "措施", "措施内容", "对应问题序号", "责任部门", "整改时限", "整改进度"]
    result = read(workbook_bytes(renamed))
    assert result.messages == ()
    assert [p.category for p in result.branch.problems] == ["理论学习", "政治素质", "担当作为"]
    assert result.branch.causes[0].details.startswith("把更多精力")
    assert result.branch.measures[1].problems == (2, 3)


def test_columns_in_any_order_and_extra_column_ignored_with_warning():
    sheets = standard_sheets()
    rows = sheets["存在的问题"]
    sheets["存在的问题"] = [[row[3] if len(row) > 3 else None, "备注" if i == 0 else "随便写写", row[2], row[1], row[0]]
                         for i, row in enumerate(rows)]
    result = read(workbook_bytes(sheets))
    assert result.messages == (findings.message("W304", sheet="存在的问题", cell="B1", column="备注",
                                                columns="、".join(PROBLEM_HEADER)),)
    assert result.messages[0].level == "warning"
    assert [(p.category, p.headline) for p in result.branch.problems][0] == ("理论学习", "理论学习不深入")
    assert result.branch.problems[2].number == 3


def test_title_rows_above_headers_on_every_sheet():
    sheets = standard_sheets()
    merges = {}
    for name, rows in sheets.items():
        sheets[name] = [[f"机关第一党支部{name}"], [None], *rows]
        merges[name] = ["A1:D1"]
    sheets["存在的问题"][0] = ["存在的问题"]  # a title that is also a header synonym
    result = read(workbook_bytes(sheets, merges=merges))
    assert result.messages == ()
    assert result.branch.info.name == "机关第一党支部"
    assert result.branch.problems[0].row == 4 and len(result.branch.problems) == 3
    assert len(result.branch.measures) == 2


@pytest.mark.parametrize("label", ["支部名称：", "支部名称:", "支部名称*", "支部名称＊", " 支部名称 * ：", "支部名称（必填）"])
def test_info_labels_with_colon_or_asterisk(label):
    sheets = standard_sheets(info={"支部名称": None})
    sheets["基本信息"].insert(1, [label, "机关第三党支部"])
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    assert result.branch.info.name == "机关第三党支部"


def test_info_without_header_row_and_with_label_value_in_one_cell():
    sheets = standard_sheets()
    sheets["基本信息"] = [["机关第一党支部基本信息"], ["支部名称：机关第四党支部"], ["上级党组织", "机关党委"],
                         ["会议日期", "2023年12月20日"], ["支部书记", None, "（请填写）"]]
    result = read(workbook_bytes(sheets))
    assert result.messages == ()
    info = result.branch.info
    assert (info.name, info.parent, info.meeting_date, info.secretary) == (
        "机关第四党支部", "机关党委", date(2023, 12, 20), None)


def test_typed_numbering_removed_from_headlines_only():
    problems = [("理论学习", "（一）理论学习不深入", "1.学习方法较为单一。"), ("政治素质", "二、政治敏锐性不强", "x"),
                ("担当作为", "3. 担当不够", "y"), ("能力本领", "①本领不足", "z"), ("工作作风", "(5)作风不实", "w")]
    result = read(standard_bytes(problems=problems))
    assert [p.headline for p in result.branch.problems] == ["理论学习不深入", "政治敏锐性不强", "担当不够", "本领不足", "作风不实"]
    assert result.branch.problems[0].details == "1.学习方法较为单一。"


def test_line_breaks_and_wide_spaces_normalised():
    problems = [("理论学习", "\u3000理论学习\n不深入\u00a0", "学习方法\r\n较为单一。\nParty\nwork 不够。 ")]
    result = read(standard_bytes(problems=problems, info={"支部名称": "\u00a0机关第一党支部\u3000"}))
    p = result.branch.problems[0]
    assert p.headline == "理论学习不深入"
    assert p.details == "学习方法较为单一。Party work 不够。"
    assert result.branch.info.name == "机关第一党支部"


@pytest.mark.parametrize("value", [
    date(2024, 3, 31), datetime(2024, 3, 31, 0, 0), datetime(2024, 3, 31, 9, 30), 45382, 45382.0,
    "2024-03-31", "2024/3/31", "2024.03.31", "2024年3月31日", "20240331", " 2024-03-31 ", 20240331,
])
def test_every_date_form(value):
    measures = [("强化学习", "内容。", "1", "张三", value, "整改中")]
    result = read(standard_bytes(measures=measures))
    assert result.messages == ()
    assert result.branch.measures[0].deadline == date(2024, 3, 31)


def test_pre_numbered_empty_rows_skipped_silently():
    result = read(standard_bytes(blank_rows=30))
    assert result.messages == ()
    assert len(result.branch.problems) == 3 and len(result.branch.measures) == 2


def test_merged_category_and_owner_apply_to_every_row_of_the_range():
    problems = [("理论学习", "问题一", "a"), (None, "问题二", "b"), (None, "问题三", "c")]
    measures = [("措施一", "a", "1", "王五", "2024-01-31", "整改中"), ("措施二", "b", "2", None, None, None)]
    sheets = standard_sheets(problems=problems, measures=measures)
    result = read(workbook_bytes(sheets, merges={"存在的问题": ["B2:B4"], "整改措施": ["E2:E3", "F2:F3", "G2:G3"]}))
    assert result.messages == ()
    assert [p.category for p in result.branch.problems] == ["理论学习"] * 3
    assert [(m.owner, m.deadline, m.status) for m in result.branch.measures] == [
        ("王五", date(2024, 1, 31), "整改中")] * 2


def test_merged_headline_across_columns_is_not_copied_into_details():
    sheets = standard_sheets(problems=[("理论学习", "问题一", None)])
    result = read(workbook_bytes(sheets, merges={"存在的问题": ["C2:D2"]}))
    assert (result.branch.problems[0].headline, result.branch.problems[0].details) == ("问题一", "")


@pytest.mark.parametrize("text, refs", [
    ("1,3", (1, 3)), ("1、3", (1, 3)), ("1，3", (1, 3)), ("1 3", (1, 3)), ("1-3", (1, 2, 3)),
    ("问题1；第3", (1, 3)), ("一、三", (1, 3)), (2.0, (2,)), (None, ()), ("1~2, 2", (1, 2)),
])
def test_refs_forms(text, refs):
    assert parse_refs(text) == (refs, [])


def test_control_characters_removed_and_long_text_cut():
    config = replace(CONFIG, limits=Limits(max_cell_chars=30))
    problems = [("理论学习", "学习_x0001_不深入", "字" * 50)]
    measures = [("强化学习", "内容。", "1", "张三", None, None)]
    result = read(standard_bytes(problems=problems, measures=measures), config=config)
    p = result.branch.problems[0]
    assert p.headline == "学习不深入"
    assert p.details == "字" * 30
    assert flatten(result.messages) == [("W307", "存在的问题", "D2")]


def test_defaults_fill_theme_title_and_preamble_with_neutral_words():
    result = read(standard_bytes(info={"上级党组织": None, "会议主题": "", "会议日期": None}))
    info = result.branch.info
    assert info.theme == CONFIG.default_theme
    assert info.title == "机关第一党支部主题教育专题组织生活会对照检查材料"
    assert "按照上级党组织的统一安排部署" in info.preamble
    typed = read(standard_bytes(info={"材料标题": "自拟标题", "导语": "自拟导语。", "会议主题": "专题会"})).branch.info
    assert (typed.title, typed.preamble, typed.theme) == ("自拟标题", "自拟导语。", "专题会")
    template = "{支部名称}{会议日期}{支部书记}{上级党组织}{会议主题}"
    assert fill_template(template, {"name": "甲", "meeting_date": date(2023, 12, 5), "theme": "会"}) == \
        "甲2023年12月5日支部书记上级党组织会"


def test_workbook_resaved_by_libreoffice_reads_the_same(tmp_path):
    """LibreOffice writes shared strings and its own styles; .xls and .ods too."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    problems = [("理论学习", "（一）理论学习\n不深入", "具体\u3000表现。"), (None, "二、政治站位不高", "表现。")]
    sheets = standard_sheets(problems=problems, measures=[("措施", "内容。", "1、2", "张三", "2024-03-31", "整改中")])
    sheets["问题清单"] = [["问题清单"], *sheets.pop("存在的问题")]
    source = write_workbook(tmp_path / "messy.xlsx", sheets, merges={"问题清单": ["A1:D1", "B3:B4"]})
    expected = read_path(source, CONFIG)
    assert expected.messages == ()
    for fmt in ("xlsx", "xls", "ods"):
        out = tmp_path / fmt
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                        "--convert-to", fmt, "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=180)
        converted = out / f"messy.{fmt}"
        if fmt == "xlsx":
            assert b"sharedStrings" in converted.read_bytes()
        result = read_path(converted, CONFIG)
        assert result.messages == (), fmt
        assert result.branch.info == expected.branch.info, fmt
        assert result.branch.measures == expected.branch.measures, fmt
        if fmt == "ods":  # python-calamine reports no merged ranges for .ods: the merged 方面 is lost
            assert [p.headline for p in result.branch.problems] == [p.headline for p in expected.branch.problems]
        else:
            assert result.branch.problems == expected.branch.problems, fmt


# -------------------------------------------------------------------- file errors


def test_empty_file():
    only_error(read(b""), "E102")


def test_random_bytes_are_not_a_workbook():
    only_error(read(random.Random(1).randbytes(5000)), "E101")


def test_truncated_zip_is_damaged():
    only_error(read(standard_bytes()[:3000]), "E101")


def test_encrypted_workbook_is_named_as_such():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    assert only_error(read(ole), "E103") == findings.message("E103")
    # An OLE file called .xlsx that is not a readable legacy workbook is an encrypted one too.
    only_error(read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)), "E103")
    legacy = only_error(read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), "旧.xls"), "E111")
    assert legacy == findings.message("E111")


def test_file_too_large():
    config = replace(CONFIG, limits=Limits(max_file_mb=0.001))
    only_error(read(standard_bytes(), config=config), "E104")


def test_zip_bomb_refused_by_size_and_ratio():
    buffer = io.BytesIO(standard_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", bytes(20 * 1024 * 1024))
    big = buffer.getvalue()
    assert only_error(read(big), "E105") == findings.message("E105", variant="ratio")  # ratio beyond 200
    small_limit = replace(CONFIG, limits=Limits(max_uncompressed_mb=5, max_compression_ratio=1e9))
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(big)).infolist())
    assert only_error(read(big, config=small_limit), "E105") == findings.message(
        "E105", variant="size", size_mb=declared / 1024 / 1024, limit_mb=5)


def test_zip_member_lying_about_its_size_is_refused():
    data = standard_bytes()
    part = sheet_part(data, "存在的问题")
    padded = rewrite_zip(data, lambda n, b: b.replace(b"</worksheet>", b" " * 3_000_000 + b"</worksheet>")
                         if n == part else b)
    z = zipfile.ZipFile(io.BytesIO(padded))
    info = z.getinfo(part)
    patched = bytearray(padded)
    central = z.start_dir
    while True:  # find the central directory entry of the part and declare a tiny size
        name_len = struct.unpack("<H", patched[central + 28:central + 30])[0]
        if patched[central + 46:central + 46 + name_len].decode() == part:
            struct.pack_into("<I", patched, central + 24, 1000)
            break
        extra, comment = struct.unpack("<HH", patched[central + 30:central + 34])
        central += 46 + name_len + extra + comment
    struct.pack_into("<I", patched, info.header_offset + 22, 1000)
    only_error(read(bytes(patched)), "E105")


def test_too_many_zip_entries():
    only_error(read(standard_bytes(), config=replace(CONFIG, limits=Limits(max_zip_entries=5))), "E106")


def test_billion_laughs_refused():
    data = standard_bytes()
    part = sheet_part(data, "存在的问题")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    bad = rewrite_zip(data, lambda n, b: laughs + b if n == part else b)
    assert only_error(read(bad), "E107") == findings.message("E107", variant="part", part=part)


@pytest.mark.parametrize("name, suffix", [("支部.csv", ".csv"), ("支部.et", ".et"), ("支部.numbers", ".numbers"),
                                          ("支部.CSV", ".csv")])
def test_formats_to_save_as_xlsx(name, suffix):
    assert only_error(read(b"a,b\n1,2\n", name), "E108") == findings.message("E108", variant="convert", suffix=suffix)


def test_word_file_renamed_xlsx(tmp_path):
    path = write_docx(tmp_path / "材料.docx")
    assert only_error(read(path.read_bytes()), "E109") == findings.message("E109", variant="word")


def test_zip_without_workbook_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    only_error(read(out.getvalue()), "E101")


# ---------------------------------------------------------------- structure errors


def test_missing_info_sheet():
    sheets = standard_sheets()
    del sheets["基本信息"]
    assert flatten(read(workbook_bytes(sheets)).messages) == [("E201", None, None)]


@pytest.mark.parametrize("sheet", ["存在的问题", "原因剖析", "整改措施"])
def test_missing_required_sheet(sheet):
    sheets = standard_sheets()
    del sheets[sheet]
    result = read(workbook_bytes(sheets))
    assert result.branch is None
    found = "、".join(f"“{name}”" for name in sheets)
    assert result.messages[0] == findings.message("E202", variant="found", section=sheet, found=found)


@pytest.mark.parametrize("sheet, header", [("存在的问题", PROBLEM_HEADER), ("原因剖析", CAUSE_HEADER),
                                            ("整改措施", MEASURE_HEADER)])
def test_missing_headline_column(sheet, header):
    sheets = standard_sheets()
    sheets[sheet][0] = [h if i != 1 + (sheet == "存在的问题") else "标题" for i, h in enumerate(header)]
    result = read(workbook_bytes(sheets))
    assert result.branch is None
    assert ("E203", sheet, None) in flatten(result.messages)


def test_no_branch_name_points_at_its_cell():
    result = read(standard_bytes(info={"支部名称": " "}))
    assert flatten(result.messages) == [("E204", "基本信息", "B2")]
    assert result.branch is None
    gone = read(standard_bytes(info={"支部名称": None}))
    assert flatten(gone.messages) == [("E204", "基本信息", None)]


def test_no_problem_rows():
    result = read(standard_bytes(problems=[], blank_rows=10))
    assert flatten(result.messages) == [("E205", "存在的问题", None)]


def test_too_many_rows_refused_before_loading():
    config = replace(CONFIG, limits=Limits(max_rows=50))
    sheets = standard_sheets()
    sheets["存在的问题"] += [[None]] * 60 + [[None, None, "迷路的问题"]]
    assert only_error(read(workbook_bytes(sheets), config=config), "E206") == findings.message(
        "E206", variant="rows_at", sheet="存在的问题", count=65, limit=50, corner="C65")


def test_far_away_cell_refused_without_allocating_the_sheet():
    """A single cell at XFD1048576 would make a dense reader allocate 17 billion cells."""
    data = standard_bytes()
    part = sheet_part(data, "存在的问题")
    far = b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    refused = only_error(read(rewrite_zip(data, lambda n, b: b.replace(b"</sheetData>", far) if n == part else b)),
                         "E206")
    assert refused == findings.message("E206", variant="rows_at", sheet="存在的问题", count=1_048_576,
                                       limit=CONFIG.limits.max_rows, corner="XFD1048576")


def test_formatted_empty_rows_are_not_large():
    data = standard_bytes()
    part = sheet_part(data, "存在的问题")
    styled = b'<row r="9000"><c r="A9000" s="0"/></row></sheetData>'
    result = read(rewrite_zip(data, lambda n, b: b.replace(b"</sheetData>", styled) if n == part else b))
    assert result.messages == ()


# ------------------------------------------------------------------------ warnings


def test_content_warnings_with_codes_and_cells():
    sheets = standard_sheets(
        info={"会议日期": date(2023, 12, 20), "联系人": "赵六"},
        problems=[("理论学习", "问题一", "a"), ("思想觉悟", "问题二", "b"), ("工作作风", None, "没有概述的表现")],
        causes=[("原因一", "a")],
        measures=[("措施一", "a", "1,7", "张三", "下个月", "整改中"),
                  ("措施二", "b", "1", "李四", date(2023, 11, 1), "完成了"),
                  ("措施三", "c", "1、x", None, None, None)],
    )
    sheets["存在的问题"][2][0] = 1  # duplicate 序号
    result = read(workbook_bytes(sheets))
    assert result.branch is not None
    w = findings.message
    expected = [
        w("W313", sheet="基本信息", cell="A11", value="联系人", labels="、".join(f.label for f in INFO_FIELDS)),
        w("W301", sheet="存在的问题", cell="B3", value="思想觉悟",
          allowed="理论学习、政治素质、能力本领、担当作为、工作作风、廉洁自律、其他"),
        w("W309", sheet="存在的问题", cell="A3", number=1, row=2),
        w("W310", sheet="存在的问题", cell="C4", row=4, column="问题概述"),
        w("W303", sheet="整改措施", cell="D2", missing="7"),
        w("W302", variant="deadline", sheet="整改措施", cell="F2", value="下个月"),
        w("W305", sheet="整改措施", cell="F3", deadline="2023年11月1日", meeting="2023年12月20日"),
        w("W306", sheet="整改措施", cell="G3", value="完成了", allowed="、".join(CONFIG.statuses)),
        w("W312", sheet="整改措施", cell="D4", value="1、x", bad="x"),
    ]
    assert sorted(result.messages, key=str) == sorted(expected, key=str)
    assert all(m.level == "warning" for m in result.messages)
    assert result.branch.measures[0].deadline is None
    assert result.branch.measures[2].problems == (1,)


def test_empty_causes_and_measures_warn():
    result = read(standard_bytes(causes=[], measures=[]))
    assert flatten(result.messages) == [("W311", "原因剖析", None), ("W311", "整改措施", None)]
    assert result.branch.causes == () and result.branch.measures == ()


def test_newer_template_version_warns_and_version_is_recorded():
    newer = read(workbook_bytes(standard_sheets(), defined_names={"REPORTER_TEMPLATE_VERSION": "99"}))
    assert flatten(newer.messages) == [("W308", None, None)]
    assert newer.branch.template_version == 99
    same = read(workbook_bytes(standard_sheets(), defined_names={"REPORTER_TEMPLATE_VERSION": str(TEMPLATE_VERSION)}))
    assert same.messages == () and same.branch.template_version == TEMPLATE_VERSION


# ---------------------------------------------------------------------- read_path


def test_read_path_file_system_findings(tmp_path):
    missing = read_path(tmp_path / "gone.xlsx", CONFIG, tmp_path)
    assert codes(missing) == ["E121"]
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert codes(read_path(folder, CONFIG, tmp_path)) == ["E122"]
    outside = tmp_path.parent / f"{tmp_path.name}-outside.xlsx"
    outside.write_bytes(standard_bytes())
    try:
        link = tmp_path / "link.xlsx"
        link.symlink_to(outside)
        assert codes(read_path(link, CONFIG, tmp_path)) == ["E123"]
        assert read_path(link, CONFIG, None).messages == ()  # no root: followed
    finally:
        outside.unlink()
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    assert codes(read_path(fifo, CONFIG, tmp_path)) == ["E122"]


def test_read_path_permission_denied(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: file permissions are not enforced")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(standard_bytes())
    path.chmod(0)
    assert codes(read_path(path, CONFIG, tmp_path)) == ["E120"]


# ---------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.text(max_size=200))
def test_any_cell_text_is_read_without_crash_and_preserved(headline, details):
    try:
        data = standard_bytes(problems=[("理论学习", headline, details), ("理论学习", "固定问题", "x")])
    except Exception:  # openpyxl refuses some characters; that is the writer's limit, not ours
        return
    result = read(data)
    assert result.branch is not None
    problems = result.branch.problems
    expected = strip_numbering(clean(headline))
    if expected:
        assert problems[0].headline == expected
        assert problems[0].details == clean(details)
    else:
        assert problems[-1].headline == "固定问题"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True), st.dates(), st.none()))
def test_text_rules_never_raise(value):
    text = clean(value)
    assert xml_safe(text) == text
    strip_numbering(text)
    parse_date(value)
    parse_refs(value)


def test_mutated_workbooks_give_findings_never_exceptions():
    """Bit flips, truncation and renamed zip entries: a branch or findings, never an exception."""
    rng = random.Random(20231220)
    good = standard_bytes()
    names = zipfile.ZipFile(io.BytesIO(good)).namelist()
    outcomes = set()
    for i in range(300):
        kind = i % 3
        if kind == 0:
            data = bytearray(good)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            data = bytes(data)
        elif kind == 1:
            data = good[:rng.randrange(len(good))]
        else:
            victim = rng.choice(names)
            data = rewrite_zip(good, lambda n, b: b)
            data = data.replace(victim.encode(), victim.encode()[:-1] + b"_")
        result = read(data)
        assert result.branch is not None or any(m.level == "error" for m in result.messages)
        outcomes.update(m.code for m in result.messages)
    assert {"E101"} <= outcomes
