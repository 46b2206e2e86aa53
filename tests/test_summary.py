"""The aggregate summary: 汇总表.xlsx and 汇总报告.docx from a run's results."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import docx
import pytest
from openpyxl import load_workbook

from reporter.summary.chart import NO_FONT_WARNING, bar_chart, find_cjk_font
from reporter.config import Config
from reporter.model import Branch, BranchInfo, Cause, FileResult, Measure, Problem, error, status_of, warning
from reporter.reader import read_workbook
from reporter.summary import (
    STATUS_FAILED,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_WARNING,
    UNCATEGORISED,
    build_summary,
    category_counts,
)

CONFIG = Config()
AS_OF = date(2024, 3, 31)
FORMULA = '=HYPERLINK("http://x","y")'


def make_branch(name: str, categories: list[str | None], causes: int = 2, measures: list[Measure] | None = None,
                parent: str = "机关党委") -> Branch:
    info = BranchInfo(name=name, parent=parent, secretary="张三", meeting_date=date(2023, 12, 20))
    problems = tuple(Problem(f"问题{i}", f"表现{i}", i, i + 1, category=c) for i, c in enumerate(categories, 1))
    cause_items = tuple(Cause(f"原因{i}", f"剖析{i}", i, i + 1) for i in range(1, causes + 1))
    if measures is None:
        measures = [Measure("措施1", "内容1", 1, 2, problems=(1,), owner="李四", deadline=date(2024, 6, 30), status="整改中")]
    return Branch(info, problems, cause_items, tuple(measures))


def ok(source: str, branch: Branch, status: str = "ok", messages=()) -> FileResult:
    return FileResult(source, status, tuple(messages), branch)


def sheet_rows(xlsx: bytes, name: str) -> list[tuple]:
    wb = load_workbook(io.BytesIO(xlsx), read_only=True)
    try:
        return [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


WJ = "\u2060"  # the word joiner keeping a number with its unit (reporter.summary.typeset)


def doc_text(data: bytes) -> str:
    """The report's text as read: the title's line breaks and the word joiners left out."""
    d = docx.Document(io.BytesIO(data))
    parts = [p.text.replace("\n", "") for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts).replace(WJ, "")


@pytest.fixture
def run():
    """Three accepted workbooks (one with warnings, one unchanged), one failed, one without 支部名称."""
    a = make_branch("第一党支部", ["理论学习", "理论学习", "政治素质"], causes=2)
    b = make_branch("第二党支部", ["廉洁自律", None, "自创方面"], causes=4)
    c = make_branch("第三党支部", ["其他"], causes=1, measures=[])
    partial = make_branch("第四党支部", ["理论学习"] * 5)
    results = [
        ok("a/一支部.xlsx", a),
        ok("b/二支部.xlsx", b, "warning", [warning("W301", "“自创方面”不在方面列表中。", "存在的问题", "B4")]),
        ok("c/三支部.xlsx", c, "unchanged"),
        FileResult("d/四支部.xlsx", "failed", (error("E203", "没有问题行。", "存在的问题"),), partial),
        FileResult("e/坏文件.xlsx", "failed", (error("E101", "这不是 Excel 工作簿。"),), None),
    ]
    return results


def test_overview_counts_match_inputs(run):
    xlsx, _ = build_summary(run, CONFIG, AS_OF, None)
    rows = sheet_rows(xlsx, "总览")
    assert rows[0] == ("支部名称", "上级党组织", "支部书记", "会议日期", "问题数", "原因数", "措施数",
                       "已完成措施数", "逾期措施数", "状态", "来源文件", "备注")
    body = {r[10]: r for r in rows[1:-1]}
    assert body["a/一支部.xlsx"][:10] == ("第一党支部", "机关党委", "张三", datetime(2023, 12, 20), 3, 2, 1, 0, 0, STATUS_OK)
    assert body["b/二支部.xlsx"][4:7] == (3, 4, 1) and body["b/二支部.xlsx"][9] == STATUS_WARNING
    assert body["c/三支部.xlsx"][4:7] == (1, 1, 0) and body["c/三支部.xlsx"][9] == STATUS_OK  # unchanged, no warning
    # Failed workbooks are named, their partial content is not counted.
    assert body["d/四支部.xlsx"][0] == "第四党支部" and body["d/四支部.xlsx"][4:10] == (None,) * 5 + (STATUS_FAILED,)
    assert body["e/坏文件.xlsx"][0] is None and body["e/坏文件.xlsx"][9] == STATUS_FAILED
    assert rows[-1][0].startswith("合计") and rows[-1][4:9] == (7, 7, 2, 0, 0)

    problems = sheet_rows(xlsx, "问题清单")
    assert len(problems) - 1 == 7
    assert [r[0] for r in problems[1:]].count("第一党支部") == 3
    assert ("第二党支部", 3, "自创方面", "问题3", "表现3") in problems
    assert len(sheet_rows(xlsx, "原因清单")) - 1 == 7
    assert len(sheet_rows(xlsx, "整改清单")) - 1 == 2


def test_category_statistics(run):
    xlsx, _ = build_summary(run, CONFIG, AS_OF, None)
    rows = sheet_rows(xlsx, "分类统计")
    header = rows[0]
    assert header == ("支部名称", *CONFIG.categories, UNCATEGORISED, "合计")  # config order, then 未分类
    by_name = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert by_name["第一党支部"]["理论学习"] == 2 and by_name["第一党支部"]["政治素质"] == 1
    assert by_name["第一党支部"]["合计"] == 3
    assert by_name["第二党支部"][UNCATEGORISED] == 2 and by_name["第二党支部"]["廉洁自律"] == 1  # empty + unknown
    assert by_name["第三党支部"]["其他"] == 1
    assert "第四党支部" not in by_name
    total = by_name["合计"]
    assert total["理论学习"] == 2 and total[UNCATEGORISED] == 2 and total["合计"] == 7
    assert sum(total[c] for c in (*CONFIG.categories, UNCATEGORISED)) == 7
    assert category_counts(run, CONFIG) == [(c, total[c]) for c in (*CONFIG.categories, UNCATEGORISED)]


def test_no_uncategorised_column_when_all_known():
    results = [ok("a.xlsx", make_branch("甲支部", ["理论学习"]))]
    xlsx, _ = build_summary(results, CONFIG, AS_OF, None)
    assert sheet_rows(xlsx, "分类统计")[0] == ("支部名称", *CONFIG.categories, "合计")


def test_overdue_flags_for_fixed_as_of():
    day = date(2024, 3, 31)
    measures = [
        Measure("已完成且过期", number=1, deadline=date(2024, 1, 1), status="已完成"),
        Measure("无时限", number=2, deadline=None, status="未开始"),
        Measure("时限当天", number=3, deadline=day, status="整改中"),
        Measure("昨天到期", number=4, deadline=date(2024, 3, 30), status="整改中"),
        Measure("未填完成情况", number=5, deadline=date(2023, 12, 31), status=None),
        Measure("未来", number=6, deadline=date(2024, 4, 1), status="未开始"),
    ]
    results = [ok("a.xlsx", make_branch("甲支部", ["理论学习"], measures=measures))]
    xlsx, report = build_summary(results, CONFIG, day, None)
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["整改清单"]
    header = [c.value for c in ws[1]]
    assert header == ["支部名称", "序号", "措施概述", "具体内容", "对应问题", "责任人", "完成时限", "完成情况", "是否逾期"]
    flags = {row[2].value: row[8].value for row in ws.iter_rows(min_row=2)}
    assert flags == {"已完成且过期": "否", "无时限": "否", "时限当天": "否", "昨天到期": "是", "未填完成情况": "是", "未来": "否"}
    for row in ws.iter_rows(min_row=2):
        filled = row[0].fill.fill_type == "solid"
        assert filled == (row[8].value == "是"), row[2].value
        if row[6].value is not None:
            assert isinstance(row[6].value, datetime) and row[6].number_format == "yyyy-mm-dd"
    overview = wb["总览"]
    assert [overview.cell(2, c).value for c in (8, 9)] == [1, 2]  # done, overdue
    text = doc_text(report)
    assert "逾期措施2项" in text
    assert "昨天到期" in text and "未填完成情况" in text and "时限当天" not in text
    listed = [r.cells[2].text for r in docx.Document(io.BytesIO(report)).tables[1].rows[1:]]
    assert listed == ["未填完成情况", "昨天到期"]  # the longest overdue first


def test_roster_branch_without_workbook_named_in_both_files(run):
    roster = ["第二党支部", "第九党支部", "第一党支部", "第四党支部"]
    xlsx, report = build_summary(run, CONFIG, AS_OF, roster)
    rows = sheet_rows(xlsx, "总览")[1:-1]
    assert ("第九党支部", STATUS_MISSING) in [(r[0], r[9]) for r in rows]
    # Roster order first, then the branches the roster does not list.
    assert [r[0] for r in rows][:4] == ["第二党支部", "第九党支部", "第一党支部", "第四党支部"]
    text = doc_text(report)
    assert "未提交1个" in text and "应提交对照检查材料的党支部共4个，已提交3个" in text
    missing_para = next(p for p in text.splitlines() if p.startswith("（一）未提交的支部。"))
    assert "第九党支部" in missing_para
    assert "第三党支部" in text.split("另有")[1].split("。")[0]  # handed in but not on the roster
    failed_para = text.split("（二）已提交但未通过校验的支部。")[1]
    assert "第四党支部" in failed_para and "e/坏文件.xlsx" in failed_para and "这不是 Excel 工作簿。" in failed_para


def test_formula_like_text_stays_text():
    branch = make_branch(FORMULA, [None])
    branch = Branch(branch.info, (Problem(FORMULA, "=1+1", 1, 2, category="=A1"),),
                    (Cause("+SUM(A1:A2)", "@x", 1, 2),),
                    (Measure(FORMULA, "-2+3", 1, 2, owner="=B2", deadline=None, status="整改中"),))
    results = [ok("=C3.xlsx", branch, "warning", [warning("W301", "=D4", "=E5", "F6")])]
    xlsx, report = build_summary(results, CONFIG, AS_OF, [FORMULA, "=ROSTER()"])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 6
        for name in sheets:
            xml = zf.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb["问题清单"]["D2"].value == FORMULA and wb["问题清单"]["D2"].data_type == "s"
    assert wb["问题清单"]["A2"].value == FORMULA
    assert wb["原因清单"]["C2"].value == "+SUM(A1:A2)"
    assert wb["整改清单"]["C2"].value == FORMULA and wb["整改清单"]["F2"].value == "=B2"
    assert wb["校验问题"]["A2"].value == "=C3.xlsx" and wb["校验问题"]["F2"].value == "=D4"
    assert "=ROSTER()" in [c.value for c in wb["总览"]["A"]]
    with zipfile.ZipFile(io.BytesIO(report)) as zf:
        body = zf.read("word/document.xml").decode()
    assert "instrText" not in body and "fldSimple" not in body
    assert FORMULA.replace('"', "&quot;") in body or FORMULA in body


def test_messages_sheet_lists_every_message(run):
    xlsx, _ = build_summary(run, CONFIG, AS_OF, None)
    rows = sheet_rows(xlsx, "校验问题")
    assert rows[0] == ("文件", "级别", "代码", "工作表", "单元格", "说明")
    assert rows[1:] == [
        ("b/二支部.xlsx", "警告", "W301", "存在的问题", "B4", "“自创方面”不在方面列表中。"),
        ("d/四支部.xlsx", "错误", "E203", "存在的问题", None, "没有问题行。"),
        ("e/坏文件.xlsx", "错误", "E101", None, None, "这不是 Excel 工作簿。"),
    ]


def test_workbook_formatting(run):
    xlsx, _ = build_summary(run, CONFIG, AS_OF, None)
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["总览", "问题清单", "原因清单", "整改清单", "分类统计", "校验问题"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        head = ws["A1"]
        assert head.font.b and head.fill.fill_type == "solid", ws.title
    problems = wb["问题清单"]
    assert problems["E2"].alignment.wrap_text and problems.column_dimensions["E"].width >= 60
    overview = wb["总览"]
    assert overview["D2"].number_format == "yyyy-mm-dd" and isinstance(overview["D2"].value, datetime)
    last = overview.max_row
    assert overview.cell(last, 1).font.b  # the totals row
    assert overview.auto_filter.ref == f"A1:L{last - 1}"  # sorting leaves the totals row alone


def _heading_texts(d) -> list[str]:
    return [p.text for p in d.paragraphs if p.style.name == "Heading 1"]


def test_report_sections_tables_and_picture(run):
    _, report = build_summary(run, CONFIG, AS_OF, ["第一党支部", "第九党支部"])
    d = docx.Document(io.BytesIO(report))
    assert d.paragraphs[0].style.name == "Title"
    assert d.paragraphs[0].text.replace("\n", "") == "机关党委主题教育专题组织生活会对照检查材料汇总报告"
    assert _heading_texts(d) == ["一、基本情况", "二、问题分布", "三、整改进展", "四、未提交或未通过校验的支部", "五、各支部情况"]
    text = doc_text(report)
    assert "共查摆问题7个、剖析原因7条、制定整改措施2项" in text
    assert "平均每个支部查摆问题2.3个" in text

    # Tables: 问题分布, 未通过校验, 各支部情况 (no overdue table: nothing is overdue).
    assert len(d.tables) == 3
    dist, failed, per_branch = d.tables
    assert [c.text for c in dist.rows[0].cells] == ["方面", "问题数", "占比"]
    assert [c.text for c in dist.rows[-1].cells] == ["合计", "7", "100.0%"]
    assert [c.text for c in dist.rows[1].cells] == ["理论学习", "2", "28.6%"]
    assert [c.text for c in failed.rows[0].cells] == ["支部名称", "来源文件", "主要问题"]
    assert len(failed.rows) == 3
    assert [c.text for c in per_branch.rows[0].cells] == ["序号", "支部名称", "问题", "原因", "措施", "已完成", "逾期", "状态"]
    assert len(per_branch.rows) == 1 + 6  # 5 workbooks + 1 missing
    assert ["第九党支部", "—", STATUS_MISSING] == [per_branch.rows[2].cells[i].text for i in (1, 2, 7)]
    for table in d.tables:
        assert table.style.name == "Table Grid"
        tr = table.rows[0]._tr
        assert tr.find(docx.oxml.ns.qn("w:trPr")).find(docx.oxml.ns.qn("w:tblHeader")) is not None
        assert all(r.bold for c in table.rows[0].cells for p in c.paragraphs for r in p.runs)
        assert table.rows[1].cells[0].paragraphs[0].style.name == "Table Text"

    # The chart: one inline picture with a PNG image part, in section 二.
    assert len(d.inline_shapes) == 1
    blip = d.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    part = d.part.related_parts[blip.embed]
    assert part.content_type == "image/png" and part.blob[:8] == b"\x89PNG\r\n\x1a\n"
    body = [p.text for p in d.paragraphs]
    picture_at = next(i for i, p in enumerate(d.paragraphs) if p._p.xpath(".//pic:pic"))
    assert body.index("二、问题分布") < picture_at < body.index("三、整改进展")


def test_report_tables_span_the_text_block_and_hold_plain_text():
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    from reporter.docx.styles import MARGIN_LEFT, MARGIN_RIGHT, PAGE_W

    results = [ok("a.xlsx", make_branch("<甲&乙>支部", ["理论学习"])),
               FileResult("b.xlsx", "failed", (error("E101", "第一行&<\t\n第二行"),), None)]
    d = docx.Document(io.BytesIO(build_summary(results, CONFIG, AS_OF, None)[1]))
    failed, per_branch = d.tables[-2:]
    assert [c.text for c in per_branch.rows[1].cells][:3] == ["1", "<甲&乙>支部", "1"]
    assert failed.rows[1].cells[2].text == "第一行&< 第二行"  # escaped; tab and line break: one space
    for table in d.tables:
        grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert abs(sum(grid) - (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)) <= len(grid)  # the 156 mm text block
    grid = [int(g.get(qn("w:w"))) for g in per_branch._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[1] > 2 * grid[0]  # widths from the content: 支部名称 wider than 序号
    alignments = [c.paragraphs[0].alignment for c in per_branch.rows[1].cells]
    assert alignments[0] == alignments[2] == WD_ALIGN_PARAGRAPH.CENTER and alignments[1] is None


def test_report_lists_overdue_items():
    measures = [Measure("落实学习制度", number=1, owner="王五", deadline=date(2024, 1, 15), status="整改中"),
                Measure("完成的", number=2, owner="赵六", deadline=date(2024, 1, 15), status="已完成")]
    results = [ok("a.xlsx", make_branch("甲支部", ["理论学习"], measures=measures))]
    _, report = build_summary(results, CONFIG, AS_OF, None)
    d = docx.Document(io.BytesIO(report))
    overdue = d.tables[1]
    assert [c.text for c in overdue.rows[0].cells] == ["序号", "支部名称", "整改措施", "责任人", "完成时限", "完成情况"]
    assert [[c.text.replace(WJ, "") for c in r.cells] for r in overdue.rows[1:]] == [
        ["1", "甲支部", "落实学习制度", "王五", "2024年1月15日", "整改中"]]  # dates as in the prose
    text = doc_text(report)
    assert "未开始0项、整改中1项、已完成1项" in text
    assert "本次未提供应提交支部名单" in text


def test_empty_run_still_gives_both_files():
    xlsx, report = build_summary([], CONFIG, AS_OF, ["甲支部"])
    assert sheet_rows(xlsx, "总览")[1][:1] == ("甲支部",)
    d = docx.Document(io.BytesIO(report))
    assert d.paragraphs[0].text.replace("\n", "") == "各党支部主题教育专题组织生活会对照检查材料汇总报告"
    assert "甲支部" in doc_text(report)


def test_control_characters_removed():
    branch = make_branch("甲\x01支部", ["理论学习"])
    branch = Branch(branch.info, (Problem("问题\x0b概述\x1f", "表现", 1, 2, category="理论学习"),), (), ())
    xlsx, report = build_summary([ok("a.xlsx", branch)], CONFIG, AS_OF, None)
    assert sheet_rows(xlsx, "问题清单")[1][:4] == ("甲支部", 1, "理论学习", "问题概述")
    assert "甲支部" in doc_text(report)


# ------------------------------------------------------------ the chart

def test_chart_labels_are_the_chinese_categories(run):
    labels = [c for c, _ in category_counts(run, CONFIG)]
    chart = bar_chart(labels, [n for _, n in category_counts(run, CONFIG)])
    assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(chart.labels) == labels == [*CONFIG.categories, UNCATEGORISED]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", label) for label in chart.labels)
    if chart.font is None:
        assert chart.warning == NO_FONT_WARNING
    else:
        assert chart.warning is None


def test_chosen_font_covers_chinese_glyphs():
    family = find_cjk_font()
    if family is None:
        pytest.skip("没有安装中文字体（fonts-noto-cjk 等），无法检查字形")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    entry = next(e for e in font_manager.fontManager.ttflist if e.name == family)
    face = FT2Font(entry.fname, face_index=entry.index)
    for ch in "理论学习政治素质廉洁自律未分类各方面问题数量":
        assert face.get_char_index(ord(ch)) != 0, ch


# ------------------------------------------------------------ end to end

def test_end_to_end_from_real_workbooks(tmp_path):
    from helpers import standard_bytes

    results = []
    sources = {
        "一支部.xlsx": standard_bytes(info={"支部名称": "机关第一党支部"}),
        "二支部.xlsx": standard_bytes(
            info={"支部名称": "机关第二党支部"},
            problems=[("廉洁自律", FORMULA, "具体表现"), ("理论学习", "学习不够", "")],
            measures=[("措施甲", "内容", "1", "王五", date(2024, 1, 1), "整改中"),
                      ("措施乙", "内容", "2", "赵六", date(2024, 1, 1), "已完成")]),
        "坏.xlsx": b"not a workbook",
    }
    for name, data in sources.items():
        read = read_workbook(data, name, CONFIG)
        status = "failed" if read.failed else status_of(read.messages)
        results.append(FileResult(name, status, read.messages, read.branch))
    assert [r.status for r in results][2] == "failed"
    xlsx, report = build_summary(results, CONFIG, AS_OF, ["机关第一党支部", "机关第二党支部", "机关第三党支部"])
    overview = {r[0]: r for r in sheet_rows(xlsx, "总览")[1:-1]}
    assert overview["机关第一党支部"][4:9] == (3, 2, 2, 0, 0)
    assert overview["机关第二党支部"][4:9] == (2, 2, 2, 1, 1)
    assert overview["机关第三党支部"][9] == STATUS_MISSING
    problems = sheet_rows(xlsx, "问题清单")
    assert len(problems) - 1 == 5 and ("机关第二党支部", 1, "廉洁自律", FORMULA, "具体表现") in problems
    stats = {r[0]: r for r in sheet_rows(xlsx, "分类统计")}
    assert stats["合计"][-1] == 5
    assert "机关第三党支部" in doc_text(report) and "坏.xlsx" in doc_text(report)


def test_long_overdue_list_is_cut_in_the_report_not_in_the_workbook():
    from reporter.summary import OVERDUE_LIST_LIMIT

    n = OVERDUE_LIST_LIMIT + 5
    measures = [Measure(f"措施{i}", number=i, deadline=date(2024, 1, 1), status="整改中") for i in range(1, n + 1)]
    results = [ok("a.xlsx", make_branch("甲支部", ["理论学习"], measures=measures))]
    xlsx, report = build_summary(results, CONFIG, AS_OF, None)
    assert [r[8] for r in sheet_rows(xlsx, "整改清单")[1:]] == ["是"] * n
    d = docx.Document(io.BytesIO(report))
    assert len(d.tables[1].rows) == 1 + OVERDUE_LIST_LIMIT
    assert f"逾期措施{n}项，下表列出前{OVERDUE_LIST_LIMIT}项" in doc_text(report)


def test_big_run_stays_correct():
    """Rows are flushed in chunks: the rows of several chunks all arrive, in order."""
    from reporter.sheetxml import CHUNK_ROWS

    n = 2 * CHUNK_ROWS + 1
    branch = make_branch("甲支部", [])
    branch = Branch(branch.info, tuple(Problem(FORMULA if i == n else f"问题{i}", "", i, i + 1, category="理论学习")
                                       for i in range(1, n + 1)), (), ())
    xlsx, _ = build_summary([ok("a.xlsx", branch)], CONFIG, AS_OF, None)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        assert "xl/sharedStrings.xml" not in zf.namelist()  # inline strings only
        sheets = {name: zf.read(name).decode() for name in zf.namelist() if name.startswith("xl/worksheets/sheet")}
    assert all("<f>" not in xml for xml in sheets.values())
    problems = sheets["xl/worksheets/sheet2.xml"]  # 问题清单
    assert problems.count("<row ") == 1 + n
    assert [int(r) for r in re.findall(r'<row r="(\d+)"', problems)] == list(range(1, n + 2))
    last = problems[problems.rindex("<row "):]
    assert 't="inlineStr"><is><t xml:space="preserve">=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)</t></is>' in last
    rows = sheet_rows(xlsx, "问题清单")
    assert len(rows) == 1 + n and rows[-1][3] == FORMULA and rows[CHUNK_ROWS][3] == f"问题{CHUNK_ROWS}"
    assert sheet_rows(xlsx, "总览")[1][4] == n


def test_report_tables_of_every_workbook_are_streamed_in_place():
    """The per-branch and failed-workbook tables (one row per workbook) are written
    into document.xml at save time: all rows, in order, where their sections are,
    and the package stays compressed."""
    n_ok, n_failed = 600, 300
    results = [ok(f"{i:04d}.xlsx", make_branch(f"第{i}党支部", ["理论学习"])) for i in range(1, n_ok + 1)]
    results += [FileResult(f"坏{i}.xlsx", "failed", (error("E101", f"坏文件{i}"),), None) for i in range(1, n_failed + 1)]
    report = build_summary(results, CONFIG, AS_OF, None)[1]
    with zipfile.ZipFile(io.BytesIO(report)) as zf:
        info = zf.getinfo("word/document.xml")
        body = zf.read(info).decode()
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < info.file_size / 5
    assert "_reporter_table_" not in body  # no placeholder left behind
    d = docx.Document(io.BytesIO(report))
    failed, per_branch = d.tables[-2:]
    assert [r.cells[1].text for r in failed.rows[1:]] == [f"坏{i}.xlsx" for i in range(1, n_failed + 1)]
    assert len(per_branch.rows) == 1 + n_ok + n_failed
    assert [r.cells[1].text for r in per_branch.rows[1:n_ok + 1]] == [f"第{i}党支部" for i in range(1, n_ok + 1)]
    # each table directly after its section's text, the per-branch table last in the body
    blocks = [el.tag.rsplit("}", 1)[1] for el in d.element.body]
    assert blocks[-2:] == ["tbl", "sectPr"]
    texts = [p.text for p in d.paragraphs]
    assert texts[-2:] == ["各支部查摆问题、剖析原因、制定整改措施及整改进展情况如下表。", "表3\u3000各支部情况"]  # its caption


def test_report_with_a_reference_document_keeps_its_long_tables(tmp_path):
    from dataclasses import replace as with_config

    from test_document import reference_docx

    ref = reference_docx(tmp_path / "zh.docx", {"Heading1": "1", "Title": "a3"})
    results = [ok(f"{i}.xlsx", make_branch(f"第{i}党支部", ["理论学习"])) for i in range(1, 31)]
    report = build_summary(results, with_config(CONFIG, reference_doc=str(ref)), AS_OF, None)[1]
    d = docx.Document(io.BytesIO(report))
    assert d.sections[0].header.paragraphs[0].text == "某某单位党委文件"
    per_branch = d.tables[-1]
    assert [r.cells[1].text for r in per_branch.rows[1:]] == [f"第{i}党支部" for i in range(1, 31)]
    assert per_branch.style.name == "Table Grid"


# ------------------------------------------------------------ as branches wrote it, failed, duplicates

def test_ledger_keeps_deadlines_and_problem_refs_as_written():
    """整改清单 and the overdue list show 完成时限 / 对应问题 as written; overdue
    goes by Measure.deadline (month precision: the month's end; 长期坚持: none)."""
    measures = [
        Measure("长期坚持的", number=1, problems=(1, 2, 3), problems_text="全部", deadline=None,
                deadline_text="长期坚持", status="整改中"),
        Measure("年底的", number=2, problems=(11,), problems_text="十一", deadline=date(2024, 12, 31),
                deadline_text="2024年底", status="整改中"),
        Measure("二月的", number=3, problems=(1,), problems_text="1", deadline=date(2024, 2, 29),
                deadline_text="2024年2月", status="未开始"),
        Measure("有日期的", number=4, problems=(1, 3), deadline=date(2024, 1, 15), status="整改中"),
    ]
    results = [ok("a.xlsx", make_branch("甲支部", ["理论学习"] * 11, measures=measures))]
    xlsx, report = build_summary(results, CONFIG, AS_OF, None)
    rows = {r[2]: r for r in sheet_rows(xlsx, "整改清单")[1:]}
    assert [rows[k][4] for k in ("长期坚持的", "年底的", "二月的", "有日期的")] == ["全部", "十一", "1", "1、3"]
    assert [rows[k][6] for k in ("长期坚持的", "年底的", "二月的", "有日期的")] == [
        "长期坚持", "2024年底", "2024年2月", datetime(2024, 1, 15)]
    assert [rows[k][8] for k in ("长期坚持的", "年底的", "二月的", "有日期的")] == ["否", "否", "是", "是"]
    overdue = docx.Document(io.BytesIO(report)).tables[1]
    assert [[c.text.replace(WJ, "") for c in r.cells][2:5] for r in overdue.rows[1:]] == [
        ["有日期的", "", "2024年1月15日"], ["二月的", "", "2024年2月"]]  # a date as in the prose


def test_roster_names_a_failed_workbook_as_handed_in_but_not_passed():
    results = [
        ok("a.xlsx", make_branch("甲党支部", ["理论学习"])),
        FileResult("b.xlsx", "failed", (error("E205", "没有填写任何问题。", "存在的问题"),), None, name="乙党支部"),
    ]
    xlsx, report = build_summary(results, CONFIG, AS_OF, ["甲党支部", "乙党支部", "丙党支部"])
    overview = {r[0]: r for r in sheet_rows(xlsx, "总览")[1:-1]}
    assert overview["乙党支部"][9] == STATUS_FAILED == "已提交但未通过"
    assert overview["乙党支部"][10] == "b.xlsx" and "没有填写任何问题" in overview["乙党支部"][11]
    assert overview["丙党支部"][9] == STATUS_MISSING
    text = doc_text(report)
    assert "应提交对照检查材料的党支部共3个，已提交2个（其中已提交但未通过校验1个），未提交1个。" in text
    missing_para = next(p for p in text.splitlines() if p.startswith("（一）未提交的支部。"))
    assert "丙党支部" in missing_para and "乙党支部" not in missing_para
    failed_part = text.split("（二）已提交但未通过校验的支部。")[1]
    assert "乙党支部" in failed_part and "b.xlsx" in failed_part and "没有填写任何问题" in failed_part
    per_branch = docx.Document(io.BytesIO(report)).tables[-1]
    assert [(r.cells[1].text, r.cells[7].text) for r in per_branch.rows[1:]] == [
        ("甲党支部", STATUS_OK), ("乙党支部", STATUS_FAILED), ("丙党支部", STATUS_MISSING)]


def test_duplicate_submissions_count_once_and_say_which_was_used():
    w401 = warning("W401", "共有 3 个工作簿的支部名称都是“甲党支部”。")
    old = make_branch("甲党支部", ["理论学习"] * 3, causes=3)
    new = make_branch("甲党支部", ["理论学习", "政治素质"])
    results = [
        FileResult("甲-旧.xlsx", "warning", (w401,), old, name="甲党支部", duplicate_of="甲-修改版.xlsx"),
        FileResult("甲-修改版.xlsx", "warning", (w401,), new, name="甲党支部"),
        FileResult("甲-再改.xlsx", "failed", (w401, error("E101", "不是工作簿。")), None, name="甲党支部",
                   duplicate_of="甲-修改版.xlsx"),
        ok("乙.xlsx", make_branch("乙党支部", ["廉洁自律"])),
    ]
    xlsx, report = build_summary(results, CONFIG, AS_OF, ["甲党支部", "乙党支部"])
    rows = sheet_rows(xlsx, "总览")
    body = rows[1:-1]
    assert [(r[0], r[10]) for r in body] == [("甲党支部", "甲-修改版.xlsx"), ("乙党支部", "乙.xlsx")]
    assert body[0][4:7] == (2, 2, 1)
    assert body[0][11] == "另有2份同名工作簿未计入：甲-旧.xlsx、甲-再改.xlsx"
    assert rows[-1][0] == "合计（2个支部）" and rows[-1][4:7] == (3, 4, 2)
    assert len(sheet_rows(xlsx, "问题清单")) - 1 == 3
    assert len(sheet_rows(xlsx, "原因清单")) - 1 == 4
    assert len(sheet_rows(xlsx, "整改清单")) - 1 == 2
    assert {r[0]: r[-1] for r in sheet_rows(xlsx, "分类统计")}["合计"] == 3
    assert [r[0] for r in sheet_rows(xlsx, "校验问题")[1:]].count("甲-再改.xlsx") == 2  # every message is kept
    text = doc_text(report)
    assert "已提交2个，未提交0个" in text
    assert "共收到工作簿4份，其中同一支部重复提交、未计入汇总的2份；计入汇总的2份中，通过校验2份" in text
    assert "甲党支部采用甲-修改版.xlsx，未计入甲-旧.xlsx、甲-再改.xlsx" in text
    assert "平均每个支部查摆问题1.5个" in text and "未通过校验0份" in text
    per_branch = docx.Document(io.BytesIO(report)).tables[-1]
    assert [r.cells[1].text for r in per_branch.rows[1:]] == ["甲党支部", "乙党支部"]


def test_many_copies_are_named_up_to_a_bound():
    from reporter.summary import NAMED_BRANCHES, NAMED_COPIES, reduce_results

    results = []
    for b in range(NAMED_BRANCHES + 3):
        used = f"{b}/used.xlsx"
        results.append(ok(used, make_branch(f"第{b}党支部", ["理论学习"])))
        results += [FileResult(f"{b}/copy{i}.xlsx", "ok", (), make_branch(f"第{b}党支部", ["理论学习"]),
                               name=f"第{b}党支部", duplicate_of=used) for i in range(30)]
    facts = reduce_results(results, CONFIG, AS_OF, None)
    assert len(facts.rows) == NAMED_BRANCHES + 3 and facts.duplicates == 30 * (NAMED_BRANCHES + 3)
    assert all(r.copies.count == 30 and len(r.copies.sources) == NAMED_COPIES for r in facts.rows)
    assert facts.rows[0].remark.endswith("copy9.xlsx等30份")
    text = doc_text(build_summary(results, CONFIG, AS_OF, None)[1])
    assert f"；等{NAMED_BRANCHES + 3}个支部" in text and "第12党支部采用" not in text


def test_a_sheet_too_long_for_excel_goes_on_in_continuation_sheets(monkeypatch):
    """Excel holds 1,048,576 rows a sheet: a list longer than that (审核意见 at 100,000 branches all
    copying one template has 1.5 million) goes on in 名称（续1）… with the same header — rows
    neither lost nor the summary failing.  The limit is lowered here to show it with 7 rows."""
    from reporter.summary import xlsx as summary_xlsx

    monkeypatch.setattr(summary_xlsx, "MAX_ROWS", 3)  # a header and two rows a sheet
    branches = [make_branch(f"第{i}党支部", ["理论学习"] * 1) for i in range(1, 8)]
    data, _ = build_summary([ok(f"{i}.xlsx", b) for i, b in enumerate(branches, 1)], CONFIG, AS_OF, None)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    names = wb.sheetnames
    wb.close()
    assert names[:5] == ["总览", "总览（续1）", "总览（续2）", "总览（续3）", "问题清单"]
    parts = ["问题清单", "问题清单（续1）", "问题清单（续2）", "问题清单（续3）"]
    assert names[names.index("问题清单"):names.index("问题清单") + 4] == parts
    rows = [sheet_rows(data, name) for name in parts]
    assert all(r[0] == rows[0][0] for r in rows)  # the header on every part
    assert [r[0] for part in rows for r in part[1:]] == [f"第{i}党支部" for i in range(1, 8)]
