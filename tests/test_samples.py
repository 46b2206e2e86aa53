"""The bundled sample workbooks: the seed reproduced field by field, realistic variety, reproducible."""

from __future__ import annotations

import io
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from reporter.config import Config
from reporter.reader import read_workbook
from reporter.schema import CAUSES, INFO_FIELDS, INFO_SHEET, MEASURES, PROBLEMS, SECTION_TITLES
from reporter.text import clean

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(ROOT / "tools"))  # the sample generator lives outside the package

from make_samples import (  # noqa: E402
    SEED_BRANCH,
    SEED_TEXT,
    all_samples,
    main,
    sample_bytes,
    seed_workbook_bytes,
    write_seed_workbook,
)

SAMPLES_DIR = ROOT / "sample_workbooks"
SEED_COPY = TESTS / "data" / "seed.txt"
SHARED_SEED = TESTS.parents[1] / "shared" / "seed" / "000_d29e0af6fa98f9af.txt"
SEED_FILE = SAMPLES_DIR / f"{SEED_BRANCH}.xlsx"
AS_OF = date(2024, 6, 30)


def sheet_rows(ws, width: int) -> list[list]:
    """Data rows (below the header) whose second cell is filled."""
    rows = []
    for row in ws.iter_rows(min_row=2, max_col=width, values_only=True):
        if any(v not in (None, "") for v in row[1:]):
            rows.append(list(row))
    return rows


def info_of(wb) -> dict[str, object]:
    ws = wb[INFO_SHEET]
    return {ws.cell(row=r, column=1).value.rstrip("*"): ws.cell(row=r, column=2).value
            for r in range(2, len(INFO_FIELDS) + 2)}


def all_values(wb) -> dict[str, list[tuple]]:
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


# ------------------------------------------------------------------ the seed


def test_seed_literal_equals_the_copy_in_tests_data():
    assert SEED_TEXT == SEED_COPY.read_text(encoding="utf-8")


@pytest.mark.skipif(not SHARED_SEED.is_file(), reason="../shared/seed is not present (fresh clone)")
def test_seed_literal_equals_the_shared_seed():
    assert SEED_TEXT == SHARED_SEED.read_text(encoding="utf-8")


def seed_lines() -> list[str]:
    return SEED_COPY.read_text(encoding="utf-8").splitlines()


def test_seed_sample_fields_equal_the_seed_text():
    lines = seed_lines()
    wb = openpyxl.load_workbook(SEED_FILE)
    info = info_of(wb)
    assert info["支部名称"] == SEED_BRANCH
    assert info["材料标题"] == lines[0]
    assert lines[2].startswith("\u00a0") and info["导语"] == lines[2][1:]
    assert info["落款"] is None and info["落款日期"] is None  # the seed has no signature block

    # Rebuild the seed's section lines from the workbook's headline and details cells.
    rebuilt = [lines[0], "", lines[2]]
    numbers = "一二三四五六七八九十"
    for sheet, title in ((PROBLEMS, SECTION_TITLES["problems"]), (CAUSES, SECTION_TITLES["causes"]),
                         (MEASURES, SECTION_TITLES["measures"])):
        ws = wb[sheet.name]
        labels = [c.value for c in ws[1]]
        h = labels.index(sheet.headline.label)
        d = labels.index(next(c.label for c in sheet.columns if c.key == "details"))
        rebuilt.append(title)
        for n, row in enumerate(sheet_rows(ws, len(labels))):
            rebuilt.append(f"（{numbers[n]}）{row[h]}。{row[d]}")
    assert rebuilt == lines

    categories = [row[1] for row in sheet_rows(wb[PROBLEMS.name], 4)]
    assert categories == ["理论学习", "政治素质", "担当作为", "能力本领", "工作作风", "廉洁自律"]


def test_seed_sample_read_by_the_reader_equals_the_seed():
    lines = seed_lines()
    result = read_workbook(SEED_FILE.read_bytes(), SEED_FILE.name, Config())
    assert result.messages == ()
    branch = result.branch
    assert branch.info.title == lines[0] and branch.info.preamble == lines[2].lstrip("\u00a0")
    items = [*branch.problems, *branch.causes, *branch.measures]
    seed_items = [line for line in lines if line.startswith("（")]
    assert [f"{i.headline}。{i.details}" for i in items] == [line[line.index("）") + 1:] for line in seed_items]


# ------------------------------------------------------------------ the set


def test_sample_workbooks_match_what_samples_py_generates():
    samples = all_samples()
    committed = sorted(p.name for p in SAMPLES_DIR.glob("*.xlsx"))
    assert committed == sorted(s.filename for s in samples)
    for sample in samples:
        generated = openpyxl.load_workbook(io.BytesIO(sample_bytes(sample)))
        on_disk = openpyxl.load_workbook(SAMPLES_DIR / sample.filename)
        assert all_values(on_disk) == all_values(generated), sample.filename


def test_sample_bytes_are_reproducible():
    sample = all_samples()[1]
    assert sample_bytes(sample) == sample_bytes(sample)


def test_at_least_eight_distinct_realistic_branches():
    samples = all_samples()
    assert len(samples) >= 8
    names = [s.info["支部名称"] for s in samples]
    assert len(set(names)) == len(names)
    headlines = [p[1] for s in samples for p in s.problems]
    assert len(set(headlines)) == len(headlines)  # no copied content
    for sample in samples:
        assert 3 <= len(sample.problems) <= 15, sample.filename
        assert sample.causes and sample.measures
        meeting = sample.info["会议日期"]
        assert date(2023, 12, 1) <= meeting <= date(2024, 1, 31)
    assert len({s.info["会议日期"] for s in samples}) == len(samples)
    assert {len(s.problems) for s in samples} >= {3, 15}


def test_samples_use_every_category_and_have_the_intended_variety():
    samples = all_samples()
    used = Counter(p[0] for s in samples for p in s.problems)
    assert set(Config().categories) <= set(used)
    measures = [m for s in samples for m in s.measures]
    assert any(m[5] == "已完成" for m in measures)
    overdue = [m for m in measures if isinstance(m[4], date) and m[4] < AS_OF and m[5] != "已完成"]
    assert len(overdue) >= 3
    full = [s for s in samples if all(None not in m[2:] for m in s.measures)]
    assert len(full) >= 3
    assert any(s.info.get("落款") and s.info.get("落款日期") for s in samples)
    texts = [t for s in samples for item in (*s.problems, *s.causes, *s.measures) for t in item if isinstance(t, str)]
    assert any(t.startswith("（一）") for t in texts)  # a typed numbering prefix
    assert any("\n" in t for t in texts)  # a line break typed inside a cell


@pytest.fixture(scope="module")
def results():
    return {p.name: read_workbook(p.read_bytes(), p.name, Config()) for p in sorted(SAMPLES_DIR.glob("*.xlsx"))}


def test_samples_give_exactly_the_intended_findings(results):
    findings = {name: sorted((m.code, m.where) for m in r.messages) for name, r in results.items()}
    assert all(r.branch is not None and not r.failed for r in results.values())
    assert findings == {
        "信息中心党支部.xlsx": [],
        "后勤服务中心党支部.xlsx": [],
        "机关第一党支部.xlsx": [],
        "机关第二党支部.xlsx": [],
        "离退休干部党支部.xlsx": [],
        "科研管理处党支部.xlsx": [],
        "第一研究所党支部.xlsx": [("W306", "整改措施!G3")],  # 基本完成
        "财务资产处党支部.xlsx": [("W301", "存在的问题!B3"),  # 组织建设
                                  ("W303", "整改措施!D4"),  # problem 7 of 5
                                  ("W305", "整改措施!F3")],  # deadline before the meeting
        "青年科研人员党支部.xlsx": [],
    }


def test_untidy_cells_are_read_clean(results):
    info_centre = results["信息中心党支部.xlsx"].branch
    assert info_centre.problems[0].headline == "网络意识形态阵地管理存在短板"  # typed （一） removed
    assert info_centre.measures[1].headline == "加强网络安全防护"  # typed 2、 removed
    assert info_centre.measures[0].deadline == date(2024, 3, 31)  # typed as 2024年3月31日
    retired = results["离退休干部党支部.xlsx"].branch
    assert retired.problems[2].headline == "联系服务老同志不够经常"
    assert "\n" not in retired.problems[0].details and "参加率不高。送学上门" in retired.problems[0].details


def test_counts_match_the_sample_data(results):
    for sample in all_samples():
        branch = results[sample.filename].branch
        assert (len(branch.problems), len(branch.causes), len(branch.measures)) == (
            len(sample.problems), len(sample.causes), len(sample.measures))
        assert branch.info.name == sample.info["支部名称"]


# ------------------------------------------------------------------ generating


def test_main_regenerates_the_samples_into_a_folder(tmp_path, capsys):
    assert main([str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in SAMPLES_DIR.glob("*.xlsx"))
    for name in written:
        assert (tmp_path / name).read_bytes() == sample_bytes(next(s for s in all_samples() if s.filename == name))
    assert len(capsys.readouterr().out.splitlines()) == len(written)


def test_write_seed_workbook_sets_the_branch_name(tmp_path):
    path = tmp_path / "b.xlsx"
    write_seed_workbook(path, "第<7>&党支部")
    wb = openpyxl.load_workbook(path)
    info = info_of(wb)
    assert info["支部名称"] == "第<7>&党支部"
    assert info["材料标题"] == seed_lines()[0]
    assert len(sheet_rows(wb[PROBLEMS.name], 4)) == 6
    assert seed_workbook_bytes("甲党支部") != seed_workbook_bytes("乙党支部")
    assert seed_workbook_bytes("甲党支部") == seed_workbook_bytes("甲党支部")


def test_seed_workbook_is_read_like_the_seed_sample(tmp_path):
    result = read_workbook(seed_workbook_bytes("第九党支部"), "第九党支部.xlsx", Config())
    assert result.messages == ()
    assert result.branch.info.name == "第九党支部"
    assert (len(result.branch.problems), len(result.branch.causes), len(result.branch.measures)) == (6, 4, 5)


def test_sample_document_timestamps_are_fixed():
    wb = openpyxl.load_workbook(SEED_FILE)
    assert wb.properties.modified == datetime(2023, 12, 27, 9, 30)
    assert clean(wb[INFO_SHEET]["B2"].value) == SEED_BRANCH
