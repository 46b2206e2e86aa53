"""The roster (.xlsx / .csv with a 支部名称 column): tolerant reading, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from reporter.errors import UsageError
from reporter.roster import RosterEntry, read_roster, read_roster_entries


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_title_row_parent_column_duplicates_and_blanks(tmp_path):
    path = xlsx(tmp_path / "名单.xlsx", {"Sheet1": [
        ["2024年应提交对照检查材料的支部名单"],
        [],
        ["序号", " 上级党组织 ", "支部名称："],
        [1, "院机关党委", "  机关第一党支部\u3000"],
        [2, "院党委", "信息中心\n党支部"],
        [3, None, None],
        [4, "院党委", "机关第一党支部"],
        [5, None, "后勤服务中心党支部"],
    ]})
    assert read_roster_entries(path) == [
        RosterEntry("机关第一党支部", "院机关党委"),
        RosterEntry("信息中心党支部", "院党委"),
        RosterEntry("后勤服务中心党支部", None),
    ]
    assert read_roster(path) == ["机关第一党支部", "信息中心党支部", "后勤服务中心党支部"]


def test_sheet_named_roster_is_preferred_and_synonym_header_accepted(tmp_path):
    path = xlsx(tmp_path / "r.xlsx", {
        "说明": [["支部名称"], ["不是名单"]],
        "支部名单": [["党支部名称"], ["第一研究所党支部"], ["青年科研人员党支部"]],
    })
    assert read_roster(path) == ["第一研究所党支部", "青年科研人员党支部"]


def test_first_sheet_without_a_roster_sheet(tmp_path):
    path = xlsx(tmp_path / "r.xlsx", {"A": [["支部名称"], ["甲党支部"]], "B": [["支部名称"], ["乙党支部"]]})
    assert read_roster(path) == ["甲党支部"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "名单.csv"
    path.write_bytes("支部名称,上级党组织\n机关第二党支部,院机关党委\n\"财务资产处党支部\",\n,\n".encode(encoding))
    assert read_roster_entries(path) == [
        RosterEntry("机关第二党支部", "院机关党委"),
        RosterEntry("财务资产处党支部", None),
    ]


def test_csv_with_short_rows_and_header_below_a_title(tmp_path):
    path = tmp_path / "名单.CSV"
    path.write_text("应提交名单\n序号,支部名称\n1,甲党支部\n2\n3,乙党支部,多余\n", encoding="utf-8")
    assert read_roster(path) == ["甲党支部", "乙党支部"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "无.xlsx", "找不到名单文件"),
        (lambda d: _write(d / "名单.txt", "支部名称\n甲党支部\n"), "应为 .xlsx 或 .csv"),
        (lambda d: _write(d / "名单.csv", "名称,书记\n甲党支部,张三\n"), "找不到“支部名称”列"),
        (lambda d: _write(d / "名单.csv", "支部名称\n\n \n"), "没有任何支部名称"),
        (lambda d: _write(d / "名单.csv", ""), "找不到“支部名称”列"),
        (lambda d: _write(d / "名单.xlsx", "这不是工作簿"), "^名单文件 .*名单.xlsx 不是有效的 .xlsx 工作簿（文件已损坏，或是改了扩展名的其他文件），"
                                                         "请用 Excel 或 WPS 打开后另存为 .xlsx 工作簿。$"),
        (lambda d: d, "找不到名单文件"),  # a folder
    ],
    ids=["missing", "unsupported", "no-column", "no-names", "empty", "not-a-workbook", "folder"],
)
def test_errors_are_usage_errors_in_chinese(tmp_path, make, message):
    with pytest.raises(UsageError, match=message) as info:
        read_roster(make(tmp_path))
    assert info.value.exit_code == 2
    assert not re.search(r"[A-Z][a-z]+[A-Z]\w*|zip file", str(info.value))  # no exception names, no English


def test_header_beyond_the_search_rows_is_not_found(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("说明\n" * 12 + "支部名称\n甲党支部\n", encoding="utf-8")
    with pytest.raises(UsageError, match="支部名称"):
        read_roster(path)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bidi_controls_in_roster_names_are_removed(tmp_path):
    """A name that would print reversed ("evil" as "live") never reaches the summary."""
    path = tmp_path / "名单.csv"
    path.write_text("支部名称\n\u202e第一党支部\u202c\n第二\u2066党支部\n", encoding="utf-8")
    assert read_roster(path) == ["第一党支部", "第二党支部"]
