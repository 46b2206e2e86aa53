"""The branch document: the seed's text, the GB/T 9704 format, untrusted text, reference documents."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from lxml import etree

from reporter.config import Config, Fonts
from reporter.docx import LEAD_IN_STYLE, Block, Picture, Table, base_for, render_blocks, render_document
from reporter.model import Branch, BranchInfo, Cause, Measure, Problem
from reporter.schema import SECTION_TITLES
from reporter.text import strip_numbering

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
CONFIG = Config()
F = CONFIG.fonts


def w(name: str) -> str:
    return f"{{{W}}}{name}"


# ------------------------------------------------------------------ helpers

def seed_path() -> Path:
    shared = Path(__file__).resolve().parents[2] / "shared/seed/000_d29e0af6fa98f9af.txt"
    return shared if shared.is_file() else Path(__file__).parent / "data/seed.txt"


def seed_lines() -> list[str]:
    """The seed's lines, stripped (the third line's leading U+00A0 is a paste artefact)."""
    return [line.strip() for line in seed_path().read_text(encoding="utf-8").splitlines()]


def seed_branch(**info) -> Branch:
    """The seed as a parsed branch: each item split at its first 。."""
    lines = seed_lines()
    section_of = {title: key for key, title in SECTION_TITLES.items()}
    items: dict[str, list[tuple[str, str]]] = {"problems": [], "causes": [], "measures": []}
    section = None
    for line in lines[3:]:
        if line in section_of:
            section = section_of[line]
        elif line:
            headline, _, details = strip_numbering(line).partition("。")
            items[section].append((headline, details))
    return Branch(
        BranchInfo(name="*党支部", title=lines[0], preamble=lines[2], **info),
        tuple(Problem(h, d, row=n) for n, (h, d) in enumerate(items["problems"], 2)),
        tuple(Cause(h, d) for h, d in items["causes"]),
        tuple(Measure(h, d) for h, d in items["measures"]),
    )


def branch(problems=(("学习不深入", "具体表现。"),), causes=(), measures=(), **info) -> Branch:
    fields = {"name": "机关第一党支部", "title": "机关第一党支部对照检查材料", "preamble": "导语。"} | info
    return Branch(BranchInfo(**fields), tuple(Problem(h, d) for h, d in problems),
                  tuple(Cause(h, d) for h, d in causes), tuple(Measure(h, d) for h, d in measures))


def reopen(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def texts(data: bytes) -> list[str]:
    return [p.text for p in reopen(data).paragraphs]


def part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))


class Styles:
    """Resolves a run's properties the way Word does: run → character style →
    paragraph style (basedOn chain; the default paragraph style when none) → docDefaults."""

    def __init__(self, styles: etree._Element):
        self.by_id = {s.get(w("styleId")): s for s in styles.iter(w("style"))}
        self.defaults = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
        self.default_para = next(s.get(w("styleId")) for s in styles.iter(w("style"))
                                 if s.get(w("type")) == "paragraph" and s.get(w("default")) == "1")

    def chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]  # KeyError: a style that does not exist
            yield style
            based = style.find("w:basedOn", NS)
            style_id = based.get(w("val")) if based is not None else None

    def run_value(self, run: etree._Element, path: str, attr: str) -> str | None:
        para = run.getparent()
        while para.tag != w("p"):
            para = para.getparent()
        candidates = [run.find("w:rPr", NS)]
        rstyle = run.find("w:rPr/w:rStyle", NS)
        candidates += [s.find("w:rPr", NS) for s in self.chain(rstyle.get(w("val")) if rstyle is not None else None)]
        pstyle = para.find("w:pPr/w:pStyle", NS)
        candidates += [s.find("w:rPr", NS) for s in self.chain(pstyle.get(w("val")) if pstyle is not None
                                                              else self.default_para)]
        candidates.append(self.defaults)
        for rpr in candidates:
            if rpr is None:
                continue
            el = rpr.find(path, NS)
            if el is not None and el.get(w(attr)) is not None:
                return el.get(w(attr))
        return None

    def para_value(self, para: etree._Element, path: str, attr: str) -> str | None:
        pstyle = para.find("w:pPr/w:pStyle", NS)
        candidates = [para.find("w:pPr", NS)]
        candidates += [s.find("w:pPr", NS) for s in self.chain(pstyle.get(w("val")) if pstyle is not None
                                                              else self.default_para)]
        for ppr in candidates:
            if ppr is None:
                continue
            el = ppr.find(path, NS)
            if el is not None and el.get(w(attr)) is not None:
                return el.get(w(attr))
        return None


def runs_with_text(root: etree._Element):
    return [r for r in root.iter(w("r")) if r.find("w:t", NS) is not None]


# ------------------------------------------------------------------ the seed

def test_seed_paragraphs_are_the_seed_lines_exactly():
    lines = seed_lines()
    data = render_document(seed_branch(), CONFIG)
    paragraphs = texts(data)
    assert [t for t in paragraphs if t] == [line for line in lines if line]
    # Line for line, even the blank line under the title (GB/T 9704: 标题下空一行).
    assert paragraphs == lines[: len(paragraphs)] and not any(lines[len(paragraphs):])


def test_seed_outline_styles_and_lead_ins():
    doc = reopen(render_document(seed_branch(), CONFIG))
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[0] == "Title"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTION_TITLES.values())
    items = [p for p in doc.paragraphs if p.text.startswith("（")]
    assert len(items) == 15
    for p in items:
        lead, *rest = p.runs
        assert lead.style.name == LEAD_IN_STYLE
        assert re.fullmatch(r"（[一二三四五六七八九十]+）[^。]+。", lead.text)
        assert len(rest) == 1 and rest[0].style.name == "Default Paragraph Font"


# ------------------------------------------------------------------ layout at XML level

def test_page_setup_grid_and_odd_even_footers():
    data = render_document(seed_branch(), CONFIG)
    body = part(data, "word/document.xml").find("w:body", NS)
    sect = body[-1]
    assert sect.tag == w("sectPr")
    size = sect.find("w:pgSz", NS)
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")  # A4
    mar = sect.find("w:pgMar", NS)
    mm = {k: round(int(mar.get(w(k))) / 56.6929, 1) for k in ("top", "bottom", "left", "right")}
    assert mm == {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
    grid = sect.find("w:docGrid", NS)
    assert grid.get(w("type")) == "lines" and grid.get(w("linePitch")) == "579"
    assert grid.get(w("charSpace")) is None  # LibreOffice misreads a negative charSpace
    # 22 lines: 225 mm of text block / 28.95 pt.
    text_height_pt = (16838 - int(mar.get(w("top"))) - int(mar.get(w("bottom")))) / 20
    assert int(text_height_pt // (579 / 20)) == 22

    settings = part(data, "word/settings.xml")
    assert settings.find("w:evenAndOddHeaders", NS) is not None
    rels = {r.get("Id"): r.get("Target") for r in part(data, "word/_rels/document.xml.rels")}
    refs = {f.get(w("type")): rels[f.get(f"{{{R}}}id")] for f in sect.findall("w:footerReference", NS)}
    assert set(refs) == {"default", "even"}
    styles = Styles(part(data, "word/styles.xml"))
    for kind, side in (("default", "right"), ("even", "left")):
        footer = part(data, "word/" + refs[kind])
        para = footer.find("w:p", NS)
        assert para.find("w:pPr/w:jc", NS).get(w("val")) == side
        ind = para.find("w:pPr/w:ind", NS)
        assert ind.get(w(f"{side}Chars")) == "100" and ind.get(w(side)) == "280"  # one 4号 character in
        # The PAGE field, complete, with a cached result between separate and end.
        seq = []
        for r in para.iter(w("r")):
            fld, instr, t = r.find("w:fldChar", NS), r.find("w:instrText", NS), r.find("w:t", NS)
            seq.append(fld.get(w("fldCharType")) if fld is not None else
                       ("instr:" + instr.text) if instr is not None else "text:" + t.text)
        assert seq[1:6] == ["begin", "instr: PAGE ", "separate", seq[4], "end"]
        assert re.fullmatch(r"text:\d+", seq[4])
        assert "".join(s[5:] for s in seq if s.startswith("text:")) == f"— {seq[4][5:]} —"
        for run in para.iter(w("r")):
            assert styles.run_value(run, "w:rFonts", "eastAsia") == F.page_number
            assert styles.run_value(run, "w:sz", "val") == "28"  # 4号


def test_every_run_resolves_an_east_asian_font_and_sizes():
    info = {"signature": "中共机关第一党支部委员会", "signature_date": date(2024, 1, 5)}
    data = render_document(seed_branch(**info), CONFIG)
    styles_xml = part(data, "word/styles.xml")
    assert not re.search(r"(asciiTheme|eastAsiaTheme|hAnsiTheme|cstheme)", etree.tostring(styles_xml).decode())
    styles = Styles(styles_xml)
    doc = part(data, "word/document.xml")
    runs = runs_with_text(doc)
    assert len(runs) > 30
    expected_by_style = {"Title": (F.title, "44"), "Heading1": (F.heading, "32"),
                         "Signature": (F.body, "32"), None: (F.body, "32")}
    for run in runs:
        para = run.getparent()
        pstyle = para.find("w:pPr/w:pStyle", NS)
        east = styles.run_value(run, "w:rFonts", "eastAsia")
        size = styles.run_value(run, "w:sz", "val")
        assert styles.run_value(run, "w:rFonts", "ascii") == F.latin
        assert styles.run_value(run, "w:rFonts", "hAnsi") == F.latin
        if run.find("w:rPr/w:rStyle", NS) is not None:
            assert (east, size) == (F.lead_in, "32")
        else:
            assert (east, size) == expected_by_style[pstyle.get(w("val")) if pstyle is not None else None]


def test_paragraph_formats():
    data = render_document(seed_branch(), CONFIG)
    styles = Styles(part(data, "word/styles.xml"))
    paras = part(data, "word/document.xml").findall("w:body/w:p", NS)
    body = [p for p in paras if p.find("w:pPr/w:pStyle", NS) is None and p.find("w:r", NS) is not None]
    assert len(body) == 16  # preamble + 15 items
    for p in body:
        assert styles.para_value(p, "w:spacing", "line") == "579"
        assert styles.para_value(p, "w:spacing", "lineRule") == "exact"
        assert styles.para_value(p, "w:jc", "val") == "both"
        assert styles.para_value(p, "w:ind", "firstLineChars") == "200"
        assert styles.para_value(p, "w:ind", "firstLine") == "640"  # fallback: 2 × 16 pt
        assert styles.para_value(p, "w:overflowPunct", "val") == "1"
        for run in p.iter(w("r")):
            assert styles.run_value(run, "w:spacing", "val") == "-5"  # 28 characters a line
    title = paras[0]
    assert styles.para_value(title, "w:jc", "val") == "center"
    assert styles.para_value(title, "w:ind", "firstLine") == "0"

    by_name = {s.find("w:name", NS).get(w("val")): s for s in styles.by_id.values()}
    assert by_name["heading 1"].find("w:pPr/w:outlineLvl", NS).get(w("val")) == "0"
    h2 = by_name["heading 2"]
    assert h2.find("w:pPr/w:outlineLvl", NS).get(w("val")) == "1"
    assert h2.find("w:rPr/w:rFonts", NS).get(w("eastAsia")) == F.lead_in
    lead = by_name[LEAD_IN_STYLE]
    assert lead.get(w("type")) == "character"
    assert by_name["Table Grid"].get(w("type")) == "table"


def test_signature_layout_and_date_without_zero_padding():
    name = "中共机关第一党支部委员会"  # 12 characters
    data = render_document(seed_branch(signature=name, signature_date=date(2024, 1, 5)), CONFIG)
    paras = part(data, "word/document.xml").findall("w:body/w:p", NS)
    *_, last_body, blank, org, when = paras
    assert "".join(last_body.itertext()).startswith("（五）")
    assert blank.find("w:r", NS) is None  # GB/T 9704: a blank line after the body
    assert "".join(org.itertext()) == name
    assert "".join(when.itertext()) == "2024年1月5日"
    styles = Styles(part(data, "word/styles.xml"))
    left = {}
    for p in (org, when):  # placed by where they start: a date's own width cannot move its first character
        assert styles.para_value(p, "w:jc", "val") == "left"
        assert styles.para_value(p, "w:ind", "firstLine") == "0"
        assert styles.para_value(p, "w:ind", "leftChars") == "0"  # Word takes w:left, as LibreOffice does
        left[p] = int(p.find("w:pPr/w:ind", NS).get(w("left")))
    pitch = 320 - 5  # a 3号 character as set (condensed by 0.25 pt)
    text_width = 11906 - 1587 - 1474
    assert left[org] + len(name) * pitch == text_width - 2 * pitch  # 右空二字
    assert left[when] - left[org] == 2 * pitch  # the date's first character two characters further right


def test_long_date_under_short_organisation_moves_the_organisation():
    data = render_document(branch(signature="某支部", signature_date=date(2023, 12, 20)), CONFIG)
    org, when = part(data, "word/document.xml").findall("w:body/w:p", NS)[-2:]
    l_org, l_when = (int(p.find("w:pPr/w:ind", NS).get(w("left"))) for p in (org, when))
    pitch, text_width = 315, 11906 - 1587 - 1474
    # 2023年12月20日: digits are half a character; LibreOffice adds 3.5 pt at each of the 5 digit/Chinese boundaries
    date_width = 3 * pitch + 8 * (160 - 5) + 5 * 70
    assert l_when + date_width == text_width - 2 * pitch  # the date two characters in from the right (in the PDF)
    assert l_when - l_org == 2 * pitch


@pytest.mark.parametrize("info, tail", [
    ({}, "三、整改措施"),
    ({"signature_date": date(2023, 12, 20)}, "2023年12月20日"),
    ({"signature": "机关第一党支部"}, "机关第一党支部"),
])
def test_signature_only_when_filled(info, tail):
    paragraphs = texts(render_document(branch(**info), CONFIG))
    assert paragraphs[-1] == tail
    assert paragraphs.count("") == (2 if info else 1)  # under the title, before the signature


def test_document_properties():
    created = datetime(2023, 12, 20, 8, 30, tzinfo=timezone.utc)
    data = render_document(seed_branch(), CONFIG, created=created)
    props = reopen(data).core_properties
    assert props.title == seed_lines()[0]
    assert props.author == "*党支部"
    assert props.subject == "主题教育专题组织生活会对照检查材料"
    assert props.created.replace(tzinfo=None) == created.replace(tzinfo=None)


def test_package_parts_are_well_formed_and_lean():
    data = render_document(seed_branch(), CONFIG)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        for name in names:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))
        types = etree.fromstring(zf.read("[Content_Types].xml"))
    overrides = {o.get("PartName") for o in types if o.get("PartName")}
    assert overrides == {"/" + n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"}
    assert "word/stylesWithEffects.xml" not in names
    assert len(data) < 20_000
    assert base_for(CONFIG) is base_for(CONFIG)  # built once per process


# ------------------------------------------------------------------ numbering and text

def test_items_beyond_ten_are_numbered_in_chinese():
    problems = [(f"问题{n}", f"表现{n}。") for n in range(1, 13)]
    paragraphs = texts(render_document(branch(problems=problems), CONFIG))
    items = [p for p in paragraphs if p.startswith("（")]
    assert [re.match(r"（(.+?)）", p).group(1) for p in items] == [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    assert items[10] == "（十一）问题11。表现11。"


@pytest.mark.parametrize("headline, shown", [
    ("学习不深入", "学习不深入。"),
    ("学习不深入，", "学习不深入。"),
    ("学习不深入；", "学习不深入。"),
    ("学习不深入：", "学习不深入。"),
    ("学习不深入。", "学习不深入。"),
    ("学习真的深入吗？", "学习真的深入吗？"),
    ("必须深入学习！", "必须深入学习！"),
])
def test_headline_gets_exactly_one_closing_mark(headline, shown):
    paragraphs = texts(render_document(branch(problems=[(headline, "具体表现。")]), CONFIG))
    assert f"（一）{shown}具体表现。" in paragraphs


def test_empty_details_give_the_lead_in_alone():
    doc = reopen(render_document(branch(problems=[("学习不深入", "")]), CONFIG))
    item = next(p for p in doc.paragraphs if p.text.startswith("（一）"))
    assert item.text == "（一）学习不深入。"
    assert [r.style.name for r in item.runs] == [LEAD_IN_STYLE]


def test_empty_sections_keep_their_headings():
    paragraphs = texts(render_document(branch(), CONFIG))
    assert paragraphs == ["机关第一党支部对照检查材料", "", "导语。", "一、存在的问题",
                          "（一）学习不深入。具体表现。", "二、原因剖析", "三、整改措施"]


def test_very_long_text():
    details = "长" * 20_000 + "。"
    paragraphs = texts(render_document(branch(problems=[("很长", details)]), CONFIG))
    assert f"（一）很长。{details}" in paragraphs


def test_untrusted_text_stays_literal_text():
    problems = [("=HYPERLINK(\"http://x\")\x01", "=1+1\x0b\x1f<w:fldSimple w:instr=\"PAGE\"/> &amp; { PAGE }\t尾")]
    data = render_document(branch(problems=problems, title="=标题\x00", preamble="@导语\ufffe"), CONFIG)
    paragraphs = texts(data)
    assert paragraphs[0] == "=标题"
    assert "@导语" in paragraphs
    assert ("（一）=HYPERLINK(\"http://x\")。=1+1<w:fldSimple w:instr=\"PAGE\"/> &amp; { PAGE } 尾"
            in paragraphs)
    body = part(data, "word/document.xml")
    assert body.find(".//w:fldSimple", NS) is None
    assert body.find(".//w:instrText", NS) is None
    assert body.find(".//w:fldChar", NS) is None


def test_fonts_come_from_the_configuration():
    config = replace(CONFIG, fonts=replace(F, title="黑体", body="仿宋", latin="Arial"))
    data = render_document(seed_branch(), config)
    styles = Styles(part(data, "word/styles.xml"))
    doc = part(data, "word/document.xml")
    first, *rest = runs_with_text(doc)
    assert styles.run_value(first, "w:rFonts", "eastAsia") == "黑体"
    assert styles.run_value(rest[-1], "w:rFonts", "eastAsia") == "仿宋"
    assert styles.run_value(rest[-1], "w:rFonts", "ascii") == "Arial"
    assert base_for(config) is not base_for(CONFIG)


def test_font_names_with_markup_are_escaped():
    config = replace(CONFIG, fonts=Fonts(body='仿宋"<&'))
    data = render_document(branch(), config)
    styles = Styles(part(data, "word/styles.xml"))
    item = next(p for p in part(data, "word/document.xml").iter(w("p")) if "具体表现" in "".join(p.itertext()))
    assert styles.run_value(item.findall("w:r", NS)[-1], "w:rFonts", "eastAsia") == '仿宋"<&'


# ------------------------------------------------------------------ reference document

def reference_docx(path: Path, style_ids: dict[str, str] | None = None) -> Path:
    """A user's letterhead: own margins, a header, theme fonts, text that must not appear."""
    ref = docx.Document()
    section = ref.sections[0]
    section.left_margin, section.top_margin, section.right_margin = Mm(40), Mm(50), Mm(20)
    section.header.paragraphs[0].text = "某某单位党委文件"
    ref.add_paragraph("参考文档的正文，不应出现")
    ref.save(path)
    if style_ids:  # Chinese Word writes ids such as "1" for "heading 1"
        with zipfile.ZipFile(path) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        styles = files["word/styles.xml"].decode()
        for old, new in style_ids.items():
            styles = styles.replace(f'w:styleId="{old}"', f'w:styleId="{new}"')
            styles = re.sub(f'(<w:(?:basedOn|next|link) w:val=)"{old}"', rf'\1"{new}"', styles)
        files["word/styles.xml"] = styles.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, b in files.items():
                zf.writestr(n, b)
    return path


def test_reference_styles_option_takes_styles_page_setup_and_header_wholesale(tmp_path):
    """``reference_styles = true``: pandoc's way (the default is in test_reference_doc.py)."""
    ref = reference_docx(tmp_path / "letterhead.docx")
    data = render_document(seed_branch(), replace(CONFIG, reference_doc=str(ref), reference_styles=True))
    doc = reopen(data)
    section = doc.sections[0]
    assert round(section.left_margin.mm) == 40 and round(section.top_margin.mm) == 50
    assert round(section.right_margin.mm) == 20
    assert section.header.paragraphs[0].text == "某某单位党委文件"
    paragraphs = [p.text for p in doc.paragraphs]
    assert "参考文档的正文，不应出现" not in paragraphs
    assert [t for t in paragraphs if t] == [t for t in seed_lines() if t]
    # Their Title / Heading 1; our lead-in style added because they lack it.
    assert doc.paragraphs[0].style.name == "Title"
    assert doc.styles[LEAD_IN_STYLE].font.name == F.latin
    # Theme fonts made explicit: every run still resolves an East Asian font.
    styles_xml = part(data, "word/styles.xml")
    assert not re.search(r"(asciiTheme|eastAsiaTheme|hAnsiTheme|cstheme)", etree.tostring(styles_xml).decode())
    styles = Styles(styles_xml)
    for run in runs_with_text(part(data, "word/document.xml")):
        assert styles.run_value(run, "w:rFonts", "eastAsia")


def test_reference_styles_option_with_localised_style_ids(tmp_path):
    ref = reference_docx(tmp_path / "zh.docx", {"Heading1": "1", "Title": "a3"})
    data = render_document(seed_branch(), replace(CONFIG, reference_doc=str(ref), reference_styles=True))
    doc = reopen(data)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(SECTION_TITLES.values())
    assert doc.paragraphs[0].style.name == "Title"
    pstyles = {p.get(w("val")) for p in part(data, "word/document.xml").iter(w("pStyle"))}
    assert {"1", "a3"} <= pstyles and "Heading1" not in pstyles


def test_unreadable_reference_document_is_a_clear_error(tmp_path):
    from reporter.errors import ReporterError

    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReporterError, match="参考文档"):
        render_document(branch(), replace(CONFIG, reference_doc=str(bad)))


# ------------------------------------------------------------------ python-docx API for other documents

def test_block_model_for_the_summary(tmp_path):
    empty = docx.Document(io.BytesIO(render_blocks([], CONFIG, title="", subject="", author="")))
    assert [p.text for p in empty.paragraphs] == []
    png = _png()
    data = render_blocks([Block("title", "汇总报告"), Block("blank"), Block("heading", "一、基本情况"),
                          Block("heading2", "（一）提交情况"), Block("body", "共 3 个支部提交。"),
                          Block("item", "详情。", "（一）总体情况。"),
                          Table([["支部", "问题数"], ["机关第一党支部", "6"]], weights=[1, 1]),
                          Picture(png, 120)], CONFIG, title="汇总报告", subject="", author="reporter")
    doc = docx.Document(io.BytesIO(data))
    assert doc.tables[0].style.name == "Table Grid"
    doc.add_table(rows=1, cols=2, style="Table Grid")  # python-docx can still add to it
    doc.add_picture(io.BytesIO(png))
    out = tmp_path / "summary.docx"
    doc.save(out)

    again = docx.Document(out)
    names = [(p.style.name, p.text) for p in again.paragraphs]
    assert names[:6] == [("Title", "汇总报告"), ("Normal", ""), ("Heading 1", "一、基本情况"),
                         ("Heading 2", "（一）提交情况"), ("Normal", "共 3 个支部提交。"),
                         ("Normal", "（一）总体情况。详情。")]
    assert again.paragraphs[5].runs[0].style.name == LEAD_IN_STYLE
    assert len(again.inline_shapes) == 2
    assert round(again.sections[0].left_margin.mm) == 28
    data = out.read_bytes()
    styles = Styles(part(data, "word/styles.xml"))
    for run in runs_with_text(part(data, "word/document.xml")):
        assert styles.run_value(run, "w:rFonts", "eastAsia")
    cell_para = part(data, "word/document.xml").find(".//w:tc/w:p", NS)
    assert styles.para_value(cell_para, "w:ind", "firstLine") == "0"
    assert part(data, "word/settings.xml").find("w:evenAndOddHeaders", NS) is not None


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------ LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FONTS_CONF = Path(__file__).resolve().parents[1] / "reporter/data/fonts.conf"


def _to_pdf(tmp_path: Path, docs: dict[str, bytes]) -> dict[str, Path]:
    paths = []
    for name, data in docs.items():
        p = tmp_path / f"{name}.docx"
        p.write_bytes(data)
        paths.append(p)
    env = dict(os.environ)
    if FONTS_CONF.is_file():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, paths)],
                   check=True, env=env, capture_output=True, timeout=180)
    return {name: tmp_path / "pdf" / f"{name}.pdf" for name in docs}


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_every_kind_of_output(tmp_path):
    summary = render_blocks([Block("title", "汇总报告"), Block("blank"), Table([["a", "b"]], weights=[1, 1]),
                             Picture(_png(), 40)], CONFIG, title="汇总报告", subject="", author="reporter")
    docs = {
        "seed": render_document(seed_branch(signature="机关第一党支部", signature_date=date(2023, 12, 20)), CONFIG),
        "reference": render_document(seed_branch(), replace(CONFIG, reference_doc=str(
            reference_docx(tmp_path / "letterhead.docx")))),
        "summary": summary,
    }
    for name, pdf in _to_pdf(tmp_path, docs).items():
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), name


def _width(line: str) -> float:
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in line)


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext (poppler-utils) is not installed")
def test_libreoffice_lays_out_22_lines_of_28_characters(tmp_path):
    """Measured in both directions: the condensed run spacing gives 28 characters
    a line (27 without it), and full pages hold 22 lines; no punctuation is lost
    at line ends (w:overflowPunct)."""
    data = render_document(seed_branch(), CONFIG)
    with zipfile.ZipFile(io.BytesIO(data)) as zin, io.BytesIO() as out:
        with zipfile.ZipFile(out, "w") as zout:
            for name in zin.namelist():
                blob = zin.read(name)
                if name == "word/styles.xml":
                    blob = blob.replace(b'<w:spacing w:val="-5"/>', b"")
                zout.writestr(name, blob)
        plain = out.getvalue()
    pdfs = _to_pdf(tmp_path, {"seed": data, "uncondensed": plain})
    result = {}
    for name, pdf in pdfs.items():
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = [[line for line in page.splitlines()
                  if line.strip() and not re.fullmatch(r"\s*—\s*\d+\s*—\s*", line)]
                 for page in text.split("\f")]
        pages = [p for p in pages if p]
        widths = Counter(_width(line.replace(" ", "")) for page in pages for line in page)
        result[name] = (pages, widths, text)
    pages, widths, text = result["seed"]
    assert widths.most_common(1)[0][0] == 28
    assert result["uncondensed"][1].most_common(1)[0][0] == 27
    assert all(len(p) == 22 for p in pages[1:-1])
    seed_text = "".join(seed_lines())
    flat = re.sub(r"\s+", "", text)
    for mark in "，。、：":
        assert flat.count(mark) == seed_text.count(mark), mark
