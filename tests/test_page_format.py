"""The page as a format reviewer measures it (GB/T 9704-2012): title lines, the
仿宋 face, the page number's height, the signature date — in the .docx and, with
LibreOffice, in the PDF (poppler: pdftotext -bbox-layout, pdffonts, pdftoppm)."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from reporter.config import Config
from reporter.docx import render_document
from reporter.docx.styles import FOOTER_DIST, FOOTER_HALF_PT, LINE_PITCH, MARGIN_BOTTOM, PAGE_H
from reporter.fonts import FONTS_CONF, matched_face, style_of, substitutions
from reporter.model import Branch, BranchInfo, Cause, Measure, Problem
from reporter.pdf import DEBIAN_PACKAGES, convert_to_pdf, find_soffice
from reporter.reader import read_workbook
from reporter.title import PHRASES, break_title, text_width, title_capacity

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_workbooks"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
PT_MM = 25.4 / 72
TWIP_MM = 25.4 / 1440
TEXT_BOTTOM_MM = (PAGE_H - MARGIN_BOTTOM) * TWIP_MM  # 262 mm from the top
PITCH_PT = 15.75  # a 3号 character as set (16 pt condensed by 0.25 pt)

THEME = "主题教育专题组织生活会对照检查材料"
NAMES = ("党支部", "机关第一党支部", "信息中心党支部", "后勤服务中心党支部", "青年科研人员党支部",
         "离退休干部党支部", "科研管理处党支部", "中共某某大学机关党委第一党支部", "某某市某某区街道社区党总支")
TITLES = [name + THEME for name in NAMES] + [
    "科研管理处党支部 2023 年度主题教育专题组织生活会对照检查材料",
    "机关党委关于2023年度主题教育专题组织生活会情况的报告",
    "学习贯彻习近平新时代中国特色社会主义思想主题教育专题组织生活会对照检查材料",
    "中共某某市某某区某某街道某某社区第一党支部委员会学习贯彻习近平新时代中国特色社会主义思想主题教育专题组织生活会对照检查材料",
    "关于《某某规定》执行情况的报告（征求意见稿）第二部分补充说明材料",
    "各党支部主题教育专题组织生活会对照检查材料汇总报告",
]


def _phrase_spans(text: str, words) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), text)]
    return spans


def check_title_lines(title: str, lines: list[str], names=()) -> None:
    """What GB/T 9704 §7.3.1 asks of a title's lines (and what the breaker promises)."""
    squeezed = title.replace(" ", "")
    assert "".join(lines).replace(" ", "") == squeezed
    widths = [text_width(line) for line in lines]
    assert max(widths) <= title_capacity(), lines
    if len(lines) == 1:
        return
    assert min(widths) >= max(widths) / 2, lines  # no line under half the longest
    peak = widths.index(max(widths))  # 梯形 (monotonic) or 菱形 (rising, then falling): never a waist
    assert all(a <= b + 0.5 for a, b in itertools.pairwise(widths[:peak + 1])), lines
    assert all(a + 0.5 >= b for a, b in itertools.pairwise(widths[peak:])), lines
    breaks = list(itertools.accumulate(len(line.replace(" ", "")) for line in lines[:-1]))
    for start, end in _phrase_spans(squeezed, [*PHRASES, *names]):
        assert not any(start < b < end for b in breaks), (squeezed[start:end], lines)


# ---------------------------------------------------------------- the breaker


def test_capacity_is_20_characters_of_2hao_on_the_156_mm_line():
    assert 20 <= title_capacity() < 20.2  # 156 mm = 442.2 pt; 2号 = 22 pt


@pytest.mark.parametrize("title", TITLES)
def test_titles_break_at_phrase_boundaries_into_balanced_lines(title):
    names = tuple(n for n in NAMES if title.startswith(n))
    check_title_lines(title, break_title(title, names=names), names)
    check_title_lines(title, break_title(title), ())  # without the name, too


@pytest.mark.parametrize("title, expected", [
    ("党支部" + THEME, ["党支部" + THEME]),  # the seed's title: 20 characters fit one line
    ("信息中心党支部" + THEME, ["信息中心党支部主题教育", "专题组织生活会对照检查材料"]),
    ("离退休干部党支部" + THEME, ["离退休干部党支部主题教育", "专题组织生活会对照检查材料"]),
    ("科研管理处党支部 2023 年度" + THEME, ["科研管理处党支部 2023 年度主题教育", "专题组织生活会对照检查材料"]),
])
def test_the_issues_titles(title, expected):
    assert break_title(title, names=(title[:8],)) == expected


def test_a_name_stays_whole_even_when_unknown_words_surround_it():
    name = "某某研究院第三研究室党支部"
    lines = break_title(name + THEME, names=(name,))
    assert any(line.startswith(name) or line.endswith(name) for line in lines), lines


def test_long_titles_take_three_or_more_lines_shaped_as_trapezoid_or_diamond():
    title = TITLES[-3]
    lines = break_title(title)
    assert len(lines) >= 3
    check_title_lines(title, lines)


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation():
    for title in TITLES:
        for line in break_title(title):
            assert line[0] not in "、，。：；！？）》”" and line[-1] not in "（《“", line


def test_degenerate_titles():
    assert break_title("") == [""]
    assert break_title("短标题  两个空格") == ["短标题  两个空格"]  # a title that fits is left as it is
    assert break_title("第一行\n第二行") == ["第一行", "第二行"]  # the caller's own breaks stay
    lines = break_title("一" * 90)  # no phrase at all: still lines that fit, none empty
    assert all(0 < text_width(line) <= title_capacity() for line in lines)
    assert "".join(lines) == "一" * 90


# ---------------------------------------------------------------- the .docx


def _branch(title: str, name: str = "信息中心党支部", signature: str | None = None, when: date | None = None):
    """A branch whose text fills more than the first page."""
    info = BranchInfo(name=name, title=title, preamble="根据上级通知要求，现将具体情况报告如下：" * 3,
                      signature=signature, signature_date=when)
    details = "对开展政治理论学习的重要性认识不足，学习的系统性不强，" * 4 + "有待进一步加强。"
    return Branch(info, tuple(Problem(f"理论学习不够深入{n}", details) for n in range(1, 5)),
                  (Cause("理想信念有所松懈", "放松了主观世界的改造。"),), (Measure("加强理论武装", "坚持个人自学。"),))


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))


def _style(styles: etree._Element, style_id: str) -> etree._Element:
    return styles.find(f"w:style[@w:styleId='{style_id}']", NS)


def test_title_lines_are_explicit_breaks_and_the_text_stays_the_title():
    import docx

    title = "信息中心党支部" + THEME
    data = render_document(_branch(title), Config())
    first = _part(data, "word/document.xml").find("w:body/w:p", NS)
    texts = [t.text for t in first.iter(f"{{{W}}}t")]
    assert texts == ["信息中心党支部主题教育", "专题组织生活会对照检查材料"]
    assert len(first.findall(".//w:br", NS)) == 1
    # python-docx reads a line break as "\n": without it the paragraph is the title
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text.replace("\n", "") == title


def test_title_style_is_off_the_grid_one_pitch_apart_and_the_body_on_it():
    styles = _part(render_document(_branch("党支部" + THEME), Config()), "word/styles.xml")
    title, normal = _style(styles, "Title"), _style(styles, "Normal")
    assert title.find("w:pPr/w:snapToGrid", NS).get(f"{{{W}}}val") == "0"
    spacing = title.find("w:pPr/w:spacing", NS)
    assert (spacing.get(f"{{{W}}}line"), spacing.get(f"{{{W}}}lineRule")) == (str(LINE_PITCH), "exact")
    assert normal.find("w:pPr/w:snapToGrid", NS) is None  # the body stays on the 22-line grid


def test_footer_puts_the_dash_7_mm_below_the_text_block_in_word():
    """Word: the footer's last line ends ``w:footer`` above the page's bottom edge; the
    line is single-spaced 4号 (about one em high for 宋体), the dash at its middle."""
    data = render_document(_branch("党支部" + THEME), Config())
    pg_mar = _part(data, "word/document.xml").find(".//w:sectPr/w:pgMar", NS)
    footer = int(pg_mar.get(f"{{{W}}}footer"))
    bottom = int(pg_mar.get(f"{{{W}}}bottom"))
    assert footer == FOOTER_DIST == 1435 and bottom == MARGIN_BOTTOM
    em = FOOTER_HALF_PT * 10  # twips
    for line_height in (em, 1.3 * em):  # 宋体's single line: 1.0 em; other faces up to 1.3 em
        dash_mm = (bottom - (footer + line_height / 2)) * TWIP_MM
        assert 6.4 <= dash_mm <= 7.4, dash_mm
    styles = _part(data, "word/styles.xml")
    footer_style = _style(styles, "Footer")
    assert footer_style.find("w:pPr/w:snapToGrid", NS).get(f"{{{W}}}val") == "0"
    assert footer_style.find("w:pPr/w:spacing", NS).get(f"{{{W}}}line") == "240"


# ---------------------------------------------------------------- fonts


def test_style_of_face_names():
    assert [style_of(n) for n in ("FandolFang", "仿宋_GB2312", "LXGW WenKai", "AR PL UKai CN", "Noto Sans CJK SC",
                                  "AR PL UMing CN", "Noto Serif CJK SC", "方正小标宋简体", "Times New Roman")] == [
        "fang", "fang", "kai", "kai", "hei", "song", "song", "song", None]


def _fang_installed() -> bool:
    return style_of(matched_face("仿宋_GB2312") or "") == "fang"


needs_fc = pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig tools (fc-match) are not installed")


def _require_faces() -> None:
    """The faces are installed by .ci/run: missing in CI is a failure, elsewhere a skip."""
    if not _fang_installed() or style_of(matched_face("楷体_GB2312") or "") != "kai":
        if os.environ.get("CI"):
            pytest.fail("FandolFang / LXGW WenKai are not installed (.ci/run installs them)")
        pytest.skip("apt-get install texlive-lang-chinese fonts-lxgw-wenkai")


@needs_fc
def test_official_names_map_to_faces_of_their_style():
    _require_faces()
    faces = {name: matched_face(name) for name in ("仿宋_GB2312", "仿宋", "FangSong", "楷体_GB2312", "楷体", "KaiTi",
                                                    "黑体", "宋体", "方正小标宋简体")}
    assert faces["仿宋_GB2312"] == faces["仿宋"] == faces["FangSong"] == "FandolFang"
    assert faces["楷体_GB2312"] == faces["楷体"] == faces["KaiTi"] == "LXGW WenKai"
    assert style_of(faces["黑体"]) == "hei" and style_of(faces["宋体"]) == style_of(faces["方正小标宋简体"]) == "song"
    assert substitutions() == ()


@needs_fc
def test_a_missing_fangsong_face_is_said_once(tmp_path):
    _require_faces()
    conf = Path(FONTS_CONF).read_text(encoding="utf-8")
    without = re.sub(r"<dir>[^<]*fandol</dir>", "", conf)  # as on a machine without TeX Live's fonts
    assert without != conf
    path = tmp_path / "fonts.conf"
    path.write_text(without, encoding="utf-8")
    notes = substitutions(conf=str(path))
    assert len(notes) == 1
    assert "正文" in notes[0] and "仿宋_GB2312" in notes[0] and "texlive-lang-chinese" in notes[0]


def test_no_fontconfig_no_notice(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert matched_face("仿宋") is None
    assert substitutions.__wrapped__(conf="/nonexistent") == ()


# ---------------------------------------------------------------- the PDF (LibreOffice)

needs_lo = pytest.mark.skipif(
    find_soffice() is None or not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm")),
    reason="LibreOffice or poppler-utils is not installed (apt-get install " + " ".join(DEBIAN_PACKAGES) + ")")

LONG = TITLES[-3]  # four lines


def _sample(name: str) -> Branch:
    path = SAMPLES / f"{name}.xlsx"
    return read_workbook(path.read_bytes(), path.name, Config()).branch


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """Samples and made-up branches, converted in one LibreOffice run."""
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("page-format")
    branches = {
        "one-line": _branch("党支部" + THEME, signature="机关第一党支部", when=date(2024, 1, 8)),
        "two-lines": _sample("信息中心党支部"),
        "long-date": _sample("离退休干部党支部"),  # the date is longer than the organisation
        "long-name": _sample("机关第二党支部"),
        "four-lines": _branch(LONG, signature="中共某某大学机关党委", when=date(2023, 12, 20)),
    }
    docs = []
    for key, branch in branches.items():
        path = folder / f"{key}.docx"
        path.write_bytes(render_document(branch, Config()))
        docs.append(path)
    outcome = convert_to_pdf(docs, folder / "pdf", timeout=300)
    assert not outcome.failed and not outcome.run_error, outcome
    return {key: folder / "pdf" / f"{key}.pdf" for key in branches} | {"_branches": branches}


def _lines(pdf: Path, page: int = 1) -> list[dict]:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox-layout", str(pdf), "-"],
                         capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    xhtml = "{http://www.w3.org/1999/xhtml}"
    return [{"x0": float(ln.get("xMin")), "x1": float(ln.get("xMax")), "y0": float(ln.get("yMin")),
             "y1": float(ln.get("yMax")), "text": "".join(w.text or "" for w in ln.iter(f"{xhtml}word"))}
            for ln in root.iter(f"{xhtml}line")]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


FOOTER = re.compile(r"—\s*\d+\s*—")


def _title_and_body(pdf: Path) -> tuple[list[dict], list[dict]]:
    lines = [ln for ln in _lines(pdf) if not FOOTER.fullmatch(ln["text"])]
    title = [ln for ln in lines if ln["y1"] - ln["y0"] > 24]  # 2号 (22 pt) against 3号 (16 pt)
    return title, lines[len(title):]


@needs_lo
@pytest.mark.parametrize("key, count", [("one-line", 1), ("two-lines", 2), ("long-date", 2), ("four-lines", 4)])
def test_pdf_title_lines_are_the_breakers_lines_about_10_mm_apart(pdfs, key, count):
    branch = pdfs["_branches"][key]
    title, body = _title_and_body(pdfs[key])
    expected = break_title(branch.info.title, names=(branch.info.name,))
    assert [ln["text"] for ln in title] == [line.replace(" ", "") for line in expected]
    assert len(title) == count
    check_title_lines(branch.info.title, expected, (branch.info.name,))
    gaps = [(b["y1"] - a["y1"]) * PT_MM for a, b in itertools.pairwise(title)]
    assert all(9.5 <= gap <= 11.0 for gap in gaps), gaps  # was 20.4 mm: each line on two grid lines
    # page 1 holds 22 lines: the title's, the blank line under it, the body's (widow control may take one)
    assert 22 - count - 2 <= len(body) <= 22 - count - 1, [ln["text"] for ln in body]


@needs_lo
def test_pdf_body_stays_on_the_grid_under_a_two_line_title(pdfs):
    """Page 1's body lines stand on the same grid lines as page 2's."""
    pdf = pdfs["two-lines"]
    _, body = _title_and_body(pdf)
    page2 = [ln for ln in _lines(pdf, 2) if not FOOTER.fullmatch(ln["text"])]
    pitch = LINE_PITCH / 20

    def phase(ln: dict) -> float:  # position of a line's bottom relative to the grid
        return ((ln["y1"] - 37 / PT_MM) % pitch) / pitch

    assert abs(sorted(map(phase, body))[len(body) // 2] - sorted(map(phase, page2))[len(page2) // 2]) < 0.03


@needs_lo
def test_pdf_body_is_set_in_a_fangsong_face_and_lead_ins_in_kai(pdfs):
    _require_faces()
    listed = subprocess.run(["pdffonts", str(pdfs["two-lines"])], capture_output=True, check=True, text=True).stdout
    names = {row.split()[0].split("+", 1)[-1] for row in listed.splitlines()[2:] if row.strip()}
    assert any(style_of(n) == "fang" for n in names), names  # 仿宋_GB2312 → FandolFang
    assert any(style_of(n) == "kai" and "WenKai" in n for n in names), names  # 楷体_GB2312 → LXGW WenKai
    assert not any("UMing" in n for n in names), names  # no Ming face standing in for 仿宋
    html = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdfs["two-lines"])],
                          capture_output=True, check=True).stdout
    root = etree.fromstring(html, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    fonts = {spec.get("id"): spec.get("family") for spec in root.iter("fontspec")}
    body_fonts = {fonts[t.get("font")] for t in root.iter("text") if "根据上级" in "".join(t.itertext())}
    assert body_fonts and all("Fang" in f for f in body_fonts), body_fonts


def _dash_mm_below_text_block(pdf: Path, page: int, dpi: int = 300) -> float:
    """The 一字线's height from a raster: the row band with the most dark pixels under the text block."""
    pgm = subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    magic, width, height, maxval, pixels = pgm.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    width, height = int(width), int(height)
    top = int(TEXT_BOTTOM_MM / 25.4 * dpi) + 2
    counts = [sum(1 for v in pixels[y * width:(y + 1) * width] if v < 128) for y in range(top, height)]
    most = max(counts)
    rows = [y for y, n in enumerate(counts) if n >= 0.8 * most]
    return ((top + sum(rows) / len(rows) + 0.5) / dpi * 25.4) - TEXT_BOTTOM_MM


@needs_lo
def test_pdf_page_number_dash_is_7_mm_below_the_text_block(pdfs):
    pdf = pdfs["long-name"]
    for page in (1, 2):  # odd (right) and even (left) footers
        assert 6.5 <= _dash_mm_below_text_block(pdf, page) <= 7.5  # was 10.3 mm


def _signature(pdf: Path) -> tuple[dict, dict]:
    lines = _lines(pdf, _pages(pdf))
    at = max(i for i, ln in enumerate(lines) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln["text"]))
    return lines[at - 1], lines[at]


@needs_lo
@pytest.mark.parametrize("key", ["one-line", "long-date", "long-name", "four-lines"])
def test_pdf_signature_date_starts_two_characters_right_of_the_organisation(pdfs, key):
    org, when = _signature(pdfs[key])
    assert abs((when["x0"] - org["x0"]) / PITCH_PT - 2) < 0.1, (org, when)  # was 0.9
    right_edge = (11906 - 1474) / 20  # the text block's right edge, pt
    blanks = [(right_edge - ln["x1"]) / PITCH_PT for ln in (org, when)]
    assert min(blanks) == pytest.approx(2, abs=0.15), blanks  # the longer line: 右空二字
    assert max(blanks) >= 1.9, blanks


def test_reference_docx_keeps_the_title_style(tmp_path):
    """A letterhead keeps our Title style (off the grid), as it keeps the body's."""
    import docx

    ref = tmp_path / "letterhead.docx"
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "某某党委"
    document.save(ref)
    data = render_document(_branch("信息中心党支部" + THEME), replace(Config(), reference_doc=str(ref)))
    styles = _part(data, "word/styles.xml")
    title_id = _part(data, "word/document.xml").find("w:body/w:p/w:pPr/w:pStyle", NS).get(f"{{{W}}}val")
    assert _style(styles, title_id).find("w:pPr/w:snapToGrid", NS).get(f"{{{W}}}val") == "0"
