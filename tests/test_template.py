"""`reporter template`: the standard workbook made for people, from the schema and the configuration."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tomllib
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from reporter import TEMPLATE_VERSION
from reporter.cli import app
from reporter.config import Config, load_config, parse_config
from reporter.errors import UsageError
from reporter.reader import read_workbook
from reporter.schema import (
    CAUSES,
    INFO_FIELDS,
    INFO_HEADER,
    INFO_SHEET,
    INSTRUCTIONS_SHEET,
    MEASURES,
    PROBLEMS,
    SECTIONS,
    VERSION_NAME,
)
from reporter.template import (
    CATEGORIES_NAME,
    LISTS_SHEET,
    ROWS,
    STATUSES_NAME,
    run_template,
    write_template,
)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "模板.xlsx"
    write_template(path, Config())
    return path


@pytest.fixture(scope="module")
def wb(template_path):
    return openpyxl.load_workbook(template_path)


def validations_at(ws, coordinate: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def list_values(wb, formula: str) -> list[str]:
    """The values a list validation offers (through its defined name)."""
    (sheet, ref), = wb.defined_names[formula].destinations
    return [row[0].value for row in wb[sheet][ref.replace("$", "")]]


# ------------------------------------------------------------------ layout


def test_sheets_in_order_and_list_sheet_hidden(wb):
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, INFO_SHEET, *(s.name for s in SECTIONS), LISTS_SHEET]
    assert [ws.sheet_state for ws in wb] == ["visible"] * 5 + ["hidden"]
    assert wb.active.title == INSTRUCTIONS_SHEET


@pytest.mark.parametrize("sheet", SECTIONS, ids=lambda s: s.key)
def test_section_headers_equal_schema_labels(wb, sheet):
    ws = wb[sheet.name]
    assert [c.value for c in ws[1]] == [c.label for c in sheet.columns]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    for index, column in enumerate(sheet.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        assert ws.column_dimensions[letter].width == column.width
    headline = [i for i, c in enumerate(sheet.columns) if c.headline][0]
    assert ws.cell(row=2, column=headline + 1).alignment.wrap_text


@pytest.mark.parametrize("sheet", SECTIONS, ids=lambda s: s.key)
def test_rows_are_pre_numbered_and_empty(wb, sheet):
    ws = wb[sheet.name]
    assert [ws.cell(row=r, column=1).value for r in range(2, ROWS + 2)] == list(range(1, ROWS + 1))
    assert all(ws.cell(row=r, column=c).value is None for r in range(2, ROWS + 2) for c in range(2, len(sheet.columns) + 1))
    assert ws.max_row == ROWS + 1


@pytest.mark.parametrize("sheet", SECTIONS, ids=lambda s: s.key)
def test_every_header_has_its_input_message(wb, sheet):
    ws = wb[sheet.name]
    for cell, column in zip(ws[1], sheet.columns):
        (dv,) = validations_at(ws, cell.coordinate)
        assert dv.showInputMessage and dv.prompt == column.prompt and dv.promptTitle == column.label


def test_info_sheet(wb):
    ws = wb[INFO_SHEET]
    assert [c.value for c in ws[1]] == list(INFO_HEADER)
    labels = [ws.cell(row=r, column=1).value for r in range(2, len(INFO_FIELDS) + 2)]
    assert labels == [f.label + ("*" if f.required else "") for f in INFO_FIELDS]
    assert labels[0] == "支部名称*"
    assert all(ws.cell(row=r, column=2).value is None for r in range(2, len(INFO_FIELDS) + 2))
    for row, field in enumerate(INFO_FIELDS, start=2):
        (dv,) = validations_at(ws, f"B{row}")
        assert dv.showInputMessage and dv.prompt == field.prompt
        assert dv.type == ("date" if field.kind == "date" else None)
    dated = [f.label for r, f in enumerate(INFO_FIELDS, start=2) if validations_at(ws, f"B{r}")[0].type == "date"]
    assert dated == ["会议日期", "落款日期"]


def test_dropdowns_follow_the_configured_lists(wb):
    config = Config()
    ws = wb[PROBLEMS.name]
    (dv,) = validations_at(ws, "B2")
    assert dv.type == "list" and dv.formula1 == CATEGORIES_NAME and f"B{ROWS + 1}" in dv.sqref
    assert list_values(wb, CATEGORIES_NAME) == list(config.categories)
    ws = wb[MEASURES.name]
    (dv,) = validations_at(ws, "G2")
    assert dv.type == "list" and dv.formula1 == STATUSES_NAME
    assert list_values(wb, STATUSES_NAME) == list(config.statuses)
    (dv,) = validations_at(ws, "F2")
    assert dv.type == "date" and dv.operator == "between" and f"F{ROWS + 1}" in dv.sqref
    assert ws["F2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].number_format == "@"  # 对应问题 "1,3" stays text


def test_other_categories_change_the_dropdown_and_instructions():
    categories = ("组织开展主题教育", "执行上级组织决定", "严格组织生活", "加强党员教育管理监督", "联系服务群众",
                  "抓好自身建设", "其他")
    buffer = io.BytesIO()
    write_template(buffer, replace(Config(), categories=categories, statuses=("未完成", "已完成")))
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert list_values(wb, CATEGORIES_NAME) == list(categories)
    assert list_values(wb, STATUSES_NAME) == ["未完成", "已完成"]
    instructions = " ".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "、".join(categories) in instructions and "理论学习、政治素质" not in instructions


def test_print_setup(wb):
    for name in [INFO_SHEET, *(s.name for s in SECTIONS)]:
        ws = wb[name]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.print_title_rows.replace("$", "") == "1:1"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    for sheet in SECTIONS:
        assert wb[sheet.name].page_setup.orientation == "landscape"
    assert wb[INFO_SHEET].page_setup.orientation == "portrait"


def test_version_recorded_as_defined_name_and_custom_property(wb):
    assert wb.defined_names[VERSION_NAME].attr_text == str(TEMPLATE_VERSION)
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props[VERSION_NAME] == TEMPLATE_VERSION


def test_instructions_have_a_worked_example_and_every_column(wb):
    text = "\n".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "填写示例" in text
    assert re.search(r"（一）[^。]+。\S+", text)  # what the example becomes in the document
    for sheet in SECTIONS:
        for column in sheet.columns:
            assert column.prompt in text


def test_info_prefill(tmp_path):
    path = tmp_path / "a.xlsx"
    write_template(path, Config(), {"支部名称": "=机关第三党支部", "上级党组织": "院机关党委", "会议日期": date(2024, 1, 9)})
    ws = openpyxl.load_workbook(path)[INFO_SHEET]
    assert ws["B2"].value == "=机关第三党支部" and ws["B2"].data_type == "s"  # text, never a formula
    assert ws["B3"].value == "院机关党委"
    assert ws["B6"].value == datetime(2024, 1, 9)
    with pytest.raises(ValueError):
        write_template(io.BytesIO(), Config(), {"支部名": "x"})


def test_template_is_written_atomically_over_an_old_file(tmp_path):
    path = tmp_path / "模板.xlsx"
    path.write_bytes(b"old")
    write_template(path, Config())
    assert openpyxl.load_workbook(path).sheetnames[0] == INSTRUCTIONS_SHEET
    assert [p.name for p in tmp_path.iterdir()] == ["模板.xlsx"]


# ------------------------------------------------------------------ filled in as a person would


def type_in(path: Path) -> None:
    """Open the template, type a branch into it cell by cell, save (as a person would)."""
    wb = openpyxl.load_workbook(path)
    info = wb[INFO_SHEET]
    rows = {info.cell(row=r, column=1).value.rstrip("*"): r for r in range(2, info.max_row + 1)}
    info.cell(row=rows["支部名称"], column=2, value="机关第三党支部")
    info.cell(row=rows["上级党组织"], column=2, value="院机关党委")
    info.cell(row=rows["支部书记"], column=2, value="张伟")
    info.cell(row=rows["会议日期"], column=2, value=datetime(2023, 12, 22))
    problems = wb[PROBLEMS.name]
    for row, (category, headline, details) in enumerate([
        ("理论学习", "理论学习不够深入", "满足于读原文、记笔记，联系实际思考不够。"),
        ("工作作风", "调查研究不够扎实", "到基层调研次数偏少，了解情况不够全面。"),
        ("其他", "支部活动形式单一", "主题党日以集中学习为主，特色活动不多。"),
    ], start=2):
        problems[f"B{row}"], problems[f"C{row}"], problems[f"D{row}"] = category, headline, details
    causes = wb[CAUSES.name]
    causes["B2"], causes["C2"] = "理论武装不够扎实", "对理论学习的重要性认识不足。"
    measures = wb[MEASURES.name]
    measures["B2"], measures["C2"], measures["D2"] = "健全学习制度", "每月开展一次专题研讨。", "1"
    measures["E2"], measures["F2"], measures["G2"] = "张伟", datetime(2024, 3, 31), "整改中"
    measures["B3"], measures["C3"], measures["D3"] = "改进调研方式", "支部委员每季度到基层调研一次。", "2,3"
    measures["E3"], measures["F3"], measures["G3"] = "支部委员会", datetime(2024, 6, 30), "未开始"
    wb.save(path)


def test_filled_template_validates_with_no_findings(tmp_path):
    path = tmp_path / "机关第三党支部.xlsx"
    write_template(path, Config())
    type_in(path)
    result = read_workbook(path.read_bytes(), path.name, Config())
    assert result.messages == ()
    branch = result.branch
    assert branch.info.name == "机关第三党支部" and branch.info.meeting_date == date(2023, 12, 22)
    assert [p.headline for p in branch.problems] == ["理论学习不够深入", "调查研究不够扎实", "支部活动形式单一"]
    assert [p.category for p in branch.problems] == ["理论学习", "工作作风", "其他"]
    assert len(branch.causes) == 1
    assert [(m.problems, m.owner, m.deadline, m.status) for m in branch.measures] == [
        ((1,), "张伟", date(2024, 3, 31), "整改中"),
        ((2, 3), "支部委员会", date(2024, 6, 30), "未开始"),
    ]
    assert branch.template_version == TEMPLATE_VERSION


def test_blank_template_lacks_only_what_the_branch_must_fill(template_path):
    result = read_workbook(template_path.read_bytes(), template_path.name, Config())
    errors = sorted(m.code for m in result.messages if m.level == "error")
    assert errors == ["E204", "E205"]  # 支部名称 empty, no problem rows (pre-numbered rows do not count)


# ------------------------------------------------------------------ LibreOffice


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_resaves_the_template(template_path, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(template_path)],
        capture_output=True, text=True, timeout=180,
    )
    converted = out / template_path.name
    assert converted.is_file(), proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, INFO_SHEET, *(s.name for s in SECTIONS), LISTS_SHEET]
    assert [c.value for c in wb[MEASURES.name][1]] == [c.label for c in MEASURES.columns]
    kinds = {(dv.type, dv.formula1) for dv in wb[MEASURES.name].data_validations.dataValidation}
    assert ("list", STATUSES_NAME) in kinds and any(t == "date" for t, _ in kinds)
    assert list_values(wb, CATEGORIES_NAME) == list(Config().categories)
    assert wb.defined_names[VERSION_NAME].attr_text == str(TEMPLATE_VERSION)
    assert wb[PROBLEMS.name].print_title_rows.replace("$", "") == "1:1"


# ------------------------------------------------------------------ the command


def test_cli_writes_the_template(tmp_path):
    path = tmp_path / "模板.xlsx"
    result = runner.invoke(app, ["template", str(path)])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output
    assert openpyxl.load_workbook(path).sheetnames[1] == INFO_SHEET


def test_cli_template_into_a_folder_and_config(tmp_path):
    config = tmp_path / "reporter.toml"
    config.write_text('categories = ["甲类", "乙类"]\n', encoding="utf-8")
    result = runner.invoke(app, ["template", str(tmp_path), "--config", str(config)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "对照检查材料填报模板.xlsx")
    assert list_values(wb, CATEGORIES_NAME) == ["甲类", "乙类"]


def test_cli_refuses_a_non_xlsx_path(tmp_path):
    result = runner.invoke(app, ["template", str(tmp_path / "模板.docx")])
    assert result.exit_code == 2
    assert "应以 .xlsx 结尾" in result.output
    assert not (tmp_path / "模板.docx").exists()


def test_roster_writes_one_prefilled_workbook_per_branch(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text("支部名称,上级党组织\n机关第一党支部,院机关党委\n*党支部,院党委\n_党支部,\n机关第一党支部,重复\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["template", "--roster", str(roster), str(out)])
    assert result.exit_code == 0, result.output
    assert "3 个支部" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["_党支部-2.xlsx", "_党支部.xlsx", "机关第一党支部.xlsx"]
    ws = openpyxl.load_workbook(out / "_党支部.xlsx")[INFO_SHEET]
    assert (ws["B2"].value, ws["B3"].value) == ("*党支部", "院党委")
    ws = openpyxl.load_workbook(out / "_党支部-2.xlsx")[INFO_SHEET]
    assert (ws["B2"].value, ws["B3"].value) == ("_党支部", None)
    ws = openpyxl.load_workbook(out / "机关第一党支部.xlsx")[INFO_SHEET]
    assert (ws["B2"].value, ws["B3"].value) == ("机关第一党支部", "院机关党委")


def test_roster_path_must_be_a_folder(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text("支部名称\n机关第一党支部\n", encoding="utf-8")
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"x")
    with pytest.raises(UsageError, match="文件夹"):
        run_template(target, Config(), roster=roster)


def _filled(path: Path) -> bytes:
    """A workbook a branch has filled in (any bytes that are not the template's)."""
    write_template(path, Config(), {"支部名称": "机关第一党支部"})
    type_in(path)
    return path.read_bytes()


def test_template_never_overwrites_an_existing_workbook(tmp_path):
    path = tmp_path / "模板.xlsx"
    filled = _filled(path)
    result = runner.invoke(app, ["template", str(path)])
    assert result.exit_code == 2
    assert result.output == f"错误：{path} 已存在，未覆盖（它可能已经填写了内容）。请换一个文件名；确需覆盖时加 --force。\n"
    assert path.read_bytes() == filled
    # a folder: the default file name inside it is protected the same way
    (tmp_path / "对照检查材料填报模板.xlsx").write_bytes(filled)
    assert runner.invoke(app, ["template", str(tmp_path)]).exit_code == 2
    assert (tmp_path / "对照检查材料填报模板.xlsx").read_bytes() == filled


def test_template_force_overwrites(tmp_path):
    path = tmp_path / "模板.xlsx"
    _filled(path)
    result = runner.invoke(app, ["template", str(path), "--force"])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(path)[INFO_SHEET]["B2"].value is None  # blank again


def test_roster_skips_workbooks_that_exist_and_writes_the_new_ones(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text("支部名称\n机关第一党支部\n机关第二党支部\n", encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["template", "--roster", str(roster), str(out)]).exit_code == 0
    filled = _filled(out / "机关第一党支部.xlsx")
    roster.write_text("支部名称\n机关第一党支部\n机关第二党支部\n机关第三党支部\n", encoding="utf-8")  # a branch added

    result = runner.invoke(app, ["template", "--roster", str(roster), str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == (f"已按名单为 1 个支部写出预填工作簿：{out}\n"
                             "以下 2 个工作簿已存在，未覆盖（可能已经填写了内容；确需覆盖时加 --force）："
                             "机关第一党支部.xlsx、机关第二党支部.xlsx\n")
    assert (out / "机关第一党支部.xlsx").read_bytes() == filled
    ws = openpyxl.load_workbook(out / "机关第三党支部.xlsx")[INFO_SHEET]
    assert ws["B2"].value == "机关第三党支部"

    result = runner.invoke(app, ["template", "--roster", str(roster), str(out), "--force"])
    assert result.exit_code == 0 and "3 个支部" in result.output and "未覆盖" not in result.output
    assert (out / "机关第一党支部.xlsx").read_bytes() != filled


def test_unwritable_template_path_is_explained_in_chinese(tmp_path):
    blocker = tmp_path / "文件"
    blocker.write_text("x")
    result = runner.invoke(app, ["template", str(blocker / "模板.xlsx")])
    assert result.exit_code == 2
    assert result.output == f"错误：无法写入 {blocker / '模板.xlsx'}：路径中的某一级不是文件夹。\n"


def test_missing_roster_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["template", "--roster", str(tmp_path / "无.csv"), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "找不到名单文件" in result.output


# ------------------------------------------------------------------ reporter.example.toml


def test_example_config_parses_to_the_defaults():
    path = ROOT / "reporter.example.toml"
    assert replace(load_config(path), source=None) == Config()
    assert replace(parse_config(tomllib.loads(path.read_text(encoding="utf-8"))), source=None) == Config()


def test_example_config_names_every_key():
    """Every key of Config, and of each of its sections ([fonts], [limits], [pdf], [review] …)."""
    text = (ROOT / "reporter.example.toml").read_text(encoding="utf-8")
    defaults = Config()
    sections = [f.name for f in fields(Config) if is_dataclass(getattr(defaults, f.name))]
    assert {"fonts", "limits", "pdf"} <= set(sections)
    keys = [f.name for f in fields(Config) if f.name not in sections and f.name != "source"]
    for section in sections:
        assert re.search(rf"^\[{section}\]$", text, re.M), section
        keys += [f.name for f in fields(getattr(defaults, section))]
    for key in keys:
        assert re.search(rf"^(# )?{key} = ", text, re.M), key


def test_example_config_alternative_category_lists_parse():
    text = (ROOT / "reporter.example.toml").read_text(encoding="utf-8")
    blocks = re.findall(r"^# categories = \[.*?\]", text, re.S | re.M)
    assert len(blocks) >= 1
    for block in blocks:
        config = parse_config(tomllib.loads(re.sub(r"^# ?", "", block, flags=re.M)))
        assert config.categories != Config().categories and "其他" in config.categories
