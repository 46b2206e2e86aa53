"""汇总报告 as a format reviewer measures it (issue 18, point 5): no number parted from
its unit at a line end, the title broken like the branch documents', a caption above
each table (表N) and below the chart (图N), dates 年月日, branch names not wrapped
when they fit, the chart an SVG with a PNG fallback that reads in black and white —
in the .docx and, with LibreOffice, in the PDF (poppler's pdftotext -bbox-layout)."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from reporter.config import Config
from reporter.docx.blocks import ASVG_NS, SVG_EXT, WORD_JOINER
from reporter.model import Branch, BranchInfo, Cause, FileResult, Measure, Problem
from reporter.pdf import DEBIAN_PACKAGES, convert_to_pdf, find_soffice
from reporter.summary import build_summary, reduce_results
from reporter.summary import typeset as typeset_module
from reporter.summary.chart import BAR_COLOUR, LINE_STYLES, bar_chart, line_chart
from reporter.summary.report import title_lines
from reporter.summary.typeset import CELL_PAD, UNITS, column_widths, join_units, text_twips
from reporter.title import break_title

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "a": "http://schemas.openxmlformats.org/drawingml/2006/main", "asvg": ASVG_NS,
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
XHTML = "{http://www.w3.org/1999/xhtml}"
CONFIG = Config()
NAMES = ["党支部", "机关第一党支部", "信息中心党支部", "后勤服务中心党支部", "青年科研人员党支部", "离退休干部党支部",
         "科研管理处党支部", "第一研究所党支部", "财务资产处党支部", "中共某某大学机关党委第一党支部"]
PARENTS = ["院党委", "机关党委", "中共某某大学机关委员会", "某某市某某区某某街道党工委"]
UNIT_START = re.compile(rf"^[{UNITS}]")


def _branch(name: str, parent: str, k: int) -> Branch:
    info = BranchInfo(name=name, parent=parent, secretary="张三", meeting_date=date(2023, 12, 20))
    problems = tuple(Problem(f"问题{i}", "表现", i, i + 1, category=CONFIG.categories[i % 7]) for i in range(1, 3 + k % 5))
    causes = tuple(Cause(f"原因{i}", "剖析", i, i + 1) for i in range(1, 2 + k % 4))
    measures = tuple(Measure(f"措施{i}落实整改", "内容", i, i + 1, problems=(1,), owner="李四" if i % 2 else "综合办公室",
                             deadline=date(2023 + i % 2, 1 + (i * 5) % 12, 1 + (i * 7) % 28),
                             status=CONFIG.statuses[i % len(CONFIG.statuses)]) for i in range(1, 2 + k % 6))
    return Branch(info, problems, causes, measures)


def corpus(variant: int) -> tuple[list[FileResult], list[str], date]:
    """Reports whose sentences shift by a few characters from one variant to the next
    (the as-of date, the counts, the names outside the roster), so that numbers fall at line ends."""
    parent = PARENTS[variant % len(PARENTS)]
    names = NAMES[: 4 + variant % 7]
    results = [FileResult(f"{i:02d}.xlsx", "ok", (), _branch(name, parent, i + variant)) for i, name in enumerate(names)]
    roster = [*names[1:], *(f"第{n}党支部" for n in range(variant % 3 + 1))]
    return results, roster, date(2024, 1 + variant % 12, 1 + (variant * 9) % 28)


VARIANTS = range(8)


def report(variant: int) -> bytes:
    results, roster, as_of = corpus(variant)
    return build_summary(results, CONFIG, as_of, roster)[1]


# ---------------------------------------------------------------- the .docx

def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def _body(data: bytes) -> etree._Element:
    return etree.fromstring(_part(data, "word/document.xml")).find("w:body", NS)


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(f"{{{W}}}t"))


def test_join_units_puts_a_word_joiner_between_number_and_unit_only():
    assert join_units("工作簿9份，25项，2023年3月1日，7.1个，占12.5%") == (
        "工作簿9\u2060份，25\u2060项，2023\u2060年3\u2060月1\u2060日，7.1\u2060个，占12.5%")
    assert join_units("R612问题、第3党支部") == "R612问题、第3党支部"
    assert join_units(join_units("9份")) == "9\u2060份"


def test_joined_numbers_are_set_in_runs_that_libreoffice_breaks_as_western_text():
    body = _body(report(0))
    runs = [r for r in body.iter(f"{{{W}}}r") if WORD_JOINER in _text(r)]
    assert runs
    for r in runs:
        assert re.fullmatch(rf"[0-9.]+\u2060[{UNITS}]", _text(r)), _text(r)
        assert r.find("w:rPr/w:lang", NS).get(f"{{{W}}}eastAsia") == "en-US"


def test_title_is_broken_by_break_title_in_explicit_lines():
    results, roster, as_of = corpus(2)  # 中共某某大学机关委员会…: three lines' worth
    data = build_summary(results, CONFIG, as_of, roster)[1]
    title = _body(data).find("w:p", NS)
    assert title.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == "Title"
    lines = [t.text for t in title.iter(f"{{{W}}}t")]
    facts = reduce_results(results, CONFIG, as_of, roster)
    assert lines == title_lines(facts, CONFIG) == break_title("".join(lines), names=(PARENTS[2],))
    assert len(lines) >= 2 and len(title.findall(".//w:br", NS)) == len(lines) - 1


def test_each_table_has_a_numbered_caption_above_and_the_chart_one_below():
    body = _body(report(1))
    children = list(body)
    tables = [i for i, el in enumerate(children) if el.tag == f"{{{W}}}tbl"]
    assert len(tables) >= 3
    captions = [_text(children[i - 1]) for i in tables]
    assert [c.split("\u3000")[0] for c in captions] == [f"表{n}" for n in range(1, len(tables) + 1)]
    assert all(len(c.split("\u3000")[1]) >= 2 for c in captions)
    pictures = [i for i, el in enumerate(children) if el.find(".//w:drawing", NS) is not None]
    assert [_text(children[i + 1]) for i in pictures] == ["图1\u3000各方面问题数量"]


def test_dates_in_tables_are_written_as_in_the_prose():
    data = report(3)
    text = _text(_body(data)).replace(WORD_JOINER, "")
    assert not re.search(r"\d{4}-\d{1,2}-\d{1,2}", text)
    overdue = [_text(tc).replace(WORD_JOINER, "") for tbl in _body(data).findall("w:tbl", NS)
               for tc in tbl.iter(f"{{{W}}}tc")]
    assert any(re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日", c) for c in overdue)


def test_the_chart_is_an_svg_with_a_png_fallback():
    data = report(0)
    blip = _body(data).find(".//a:blip", NS)
    ext = blip.find("a:extLst/a:ext", NS)
    assert ext.get("uri") == SVG_EXT == "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
    rels = {r.get("Id"): r.get("Target") for r in etree.fromstring(_part(data, "word/_rels/document.xml.rels"))}
    png = _part(data, "word/" + rels[blip.get(f"{{{NS['r']}}}embed")])
    svg = _part(data, "word/" + rels[ext.find("asvg:svgBlip", NS).get(f"{{{NS['r']}}}embed")])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert etree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    types = etree.fromstring(_part(data, "[Content_Types].xml"))
    defaults = {d.get("Extension"): d.get("ContentType") for d in types}
    assert defaults["svg"] == "image/svg+xml" and defaults["png"] == "image/png"


def _grey(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_chart_lines_stay_apart_printed_in_black_and_white():
    series = {name: [i, i + n, i + 2 * n] for n, (i, name) in enumerate(zip(range(5), ["措施总数", "已完成", "整改中",
                                                                                  "未开始", "逾期"]))}
    chart = line_chart(["2024-01-31", "2024-02-29", "2024-03-31"], series)
    svg = chart.svg.decode()
    used = {c.lower() for c in re.findall(r"stroke: (#[0-9A-Fa-f]{6})", svg)}
    colours = [c for c, _, _ in LINE_STYLES]
    assert {c.lower() for c in colours} <= used
    greys = sorted(_grey(c) for c in colours)
    assert min(b - a for a, b in itertools.pairwise(greys)) >= 0.12, greys
    assert len({m for _, m, _ in LINE_STYLES}) == len({str(d) for _, _, d in LINE_STYLES}) == len(LINE_STYLES)
    from PIL import Image

    grey = Image.open(io.BytesIO(chart.png)).convert("L")
    hist = grey.histogram()
    for c in colours[1:]:  # each line is there at its own grey level (black is also the text's)
        level = round(_grey(c) * 255)
        assert sum(hist[max(level - 3, 0):level + 4]) > 50, c
    bars = bar_chart(["理论学习", "其他"], [3, 1], title="")
    assert 1 - _grey(BAR_COLOUR) >= 0.5  # the bars dark on white
    assert BAR_COLOUR.lower() in bars.svg.decode().lower()


def test_branch_name_columns_are_wide_enough_for_the_names():
    rows = [["序号", "支部名称", "整改措施", "责任人", "完成时限", "完成情况"],
            *([i, name, "推动理论学习与科研管理深度融合", "综合办公室", "2024年12月31日", "整改中"]
              for i, name in enumerate(NAMES[:-1], 1))]
    widths = column_widths(rows)
    assert sum(widths) == 11906 - 1587 - 1474
    assert widths[1] >= max(text_twips(n) for n in NAMES[:-1]) + CELL_PAD - 1
    assert widths[4] >= text_twips("2024年12月31日") + CELL_PAD - 1


# ---------------------------------------------------------------- the PDF (LibreOffice)

needs_lo = pytest.mark.skipif(find_soffice() is None or not shutil.which("pdftotext"),
                              reason="LibreOffice or poppler-utils is not installed (apt-get install "
                                     + " ".join(DEBIAN_PACKAGES) + ")")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict:
    """Every variant as made, and as it would be without the joiner, in one LibreOffice run."""
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("summary-page")
    docs, made = [], {}
    for v in VARIANTS:
        data = report(v)
        made[v] = data
        (folder / f"joined-{v}.docx").write_bytes(data)
        docs.append(folder / f"joined-{v}.docx")
    with pytest.MonkeyPatch.context() as mp:  # the same reports without the fix: the corpus must show the fault
        mp.setattr(typeset_module, "join_units", lambda text: text)
        for v in VARIANTS:
            (folder / f"plain-{v}.docx").write_bytes(report(v))
            docs.append(folder / f"plain-{v}.docx")
    outcome = convert_to_pdf(docs, folder / "pdf", timeout=600)
    assert not outcome.failed and not outcome.run_error, outcome
    return {"folder": folder / "pdf", "docx": made}


def _pdf_xml(pdf: Path) -> etree._Element:
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    return etree.fromstring(out, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))


def _lines(pdf: Path) -> list[dict]:
    """Every line of text in reading order, page by page, page numbers left out."""
    lines = []
    for n, page in enumerate(_pdf_xml(pdf).iter(f"{XHTML}page"), 1):
        for ln in page.iter(f"{XHTML}line"):
            text = "".join(w.text or "" for w in ln.iter(f"{XHTML}word")).replace(WORD_JOINER, "")
            if not re.fullmatch(r"—\d+—", text):
                lines.append({"page": n, "y0": float(ln.get("yMin")), "y1": float(ln.get("yMax")),
                              "x0": float(ln.get("xMin")), "text": text})
    return lines


def _words(pdf: Path) -> list[str]:
    return [(w.text or "").replace(WORD_JOINER, "") for w in _pdf_xml(pdf).iter(f"{XHTML}word")]


def parted(pdf: Path) -> list[tuple[str, str]]:
    """(line end, next line start) wherever a number ends a line and its unit starts the next."""
    return [(a["text"][-6:], b["text"][:4]) for a, b in itertools.pairwise(_lines(pdf))
            if a["text"][-1:].isdigit() and UNIT_START.match(b["text"])]


@needs_lo
def test_pdf_no_number_is_parted_from_its_unit(pdfs):
    folder = pdfs["folder"]
    before = [p for v in VARIANTS for p in parted(folder / f"plain-{v}.pdf")]
    assert before, "the corpus must put a number at a line end"  # without the joiner: parted
    for v in VARIANTS:
        assert parted(folder / f"joined-{v}.pdf") == [], v
        for ln in _lines(folder / f"joined-{v}.pdf"):
            assert "\ufffd" not in ln["text"] and "□" not in ln["text"]  # the joiner shows as nothing


@needs_lo
def test_pdf_title_lines_are_break_titles_lines(pdfs):
    for v in (0, 2, 3):
        results, roster, as_of = corpus(v)
        expected = title_lines(reduce_results(results, CONFIG, as_of, roster), CONFIG)
        lines = [ln for ln in _lines(pdfs["folder"] / f"joined-{v}.pdf") if ln["page"] == 1]
        title = [ln["text"] for ln in lines if ln["y1"] - ln["y0"] > 24]  # 2号 against 3号
        assert title == [line.replace(" ", "") for line in expected]


@needs_lo
def test_pdf_captions_table_above_chart_below_and_dates(pdfs):
    pdf = pdfs["folder"] / "joined-1.pdf"
    lines = _lines(pdf)
    texts = [ln["text"] for ln in lines]
    captions = [t for t in texts if re.match(r"表\d+", t)]
    assert [re.match(r"表(\d+)", t)[1] for t in captions] == [str(n) for n in range(1, len(captions) + 1)]
    for caption in captions:  # the table's header row right under its caption
        at = texts.index(caption)
        below = [ln for ln in lines[at + 1:] if ln["page"] == lines[at]["page"]]
        assert below and below[0]["y0"] - lines[at]["y1"] < 20, caption
    figure = next(ln for ln in lines if ln["text"].startswith("图1"))
    above = [ln for ln in lines if ln["page"] == figure["page"] and ln["y1"] < figure["y0"]]
    top = max((ln["y1"] for ln in above), default=37 / 25.4 * 72)
    assert figure["y0"] - top > 150  # the picture (about 8 cm high) stands between
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", t) for t in texts)
    assert any(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", t) for t in texts)


@needs_lo
def test_pdf_branch_names_that_fit_their_column_are_on_one_line(pdfs):
    for v in VARIANTS:
        data = pdfs["docx"][v]
        body = _body(data)
        words = _words(pdfs["folder"] / f"joined-{v}.pdf")  # a cell's text is a word of its own; prose is not
        for tbl in body.findall("w:tbl", NS):
            header = [_text(tc) for tc in tbl.find("w:tr", NS).findall("w:tc", NS)]
            if "支部名称" not in header:
                continue
            col = header.index("支部名称")
            width = int(tbl.findall("w:tblGrid/w:gridCol", NS)[col].get(f"{{{W}}}w"))
            for tr in tbl.findall("w:tr", NS)[1:]:
                name = _text(tr.findall("w:tc", NS)[col])
                if name not in NAMES:  # 第0党支部 of the roster: poppler parts 第 0 党支部 into words
                    continue
                if text_twips(name) + CELL_PAD <= width:
                    assert name in words, (v, name)  # whole on one line (wrapped: two words)
                    words.remove(name)
                elif name in NAMES[:-1]:
                    pytest.fail(f"{name} has a column too narrow for it ({width} twips)")
