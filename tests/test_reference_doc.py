"""``--reference-doc`` with a unit's 红头 letterhead (DESIGN §3): the letterhead
gives its headers, first-page header, logo and extra styles; the official
format (styles of the body, page-number footers, page set-up) stays ours and
what the letterhead would have changed is said in ``base_for(config).notes``.
``reference_styles = true`` takes its styles, page and footers wholesale."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from reporter.config import Config
from reporter.docx import base_for, render_document
from reporter.schema import SECTION_TITLES
from test_document import NS, SOFFICE, Styles, _png, _to_pdf, part, reopen, runs_with_text, seed_branch, seed_lines, w

CONFIG = Config()
F = CONFIG.fonts
RED = RGBColor(0xE0, 0x00, 0x00)
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def letterhead(path: Path, *, footer: bool = True, first_page: bool = True, a4: bool = True,
               style_ids: dict[str, str] | None = None) -> Path:
    """An ordinary 红头 letterhead as offices make them in Word: red header
    text with a logo, a different first-page header, its own footer, Normal
    宋体 10.5 pt single spaced without indent, a blue Calibri Heading 1,
    margins 25/30 mm and a style of its own."""
    doc = docx.Document()
    section = doc.sections[0]
    if a4:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(30)

    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    normal.paragraph_format.line_spacing = 1.0
    normal.paragraph_format.first_line_indent = Mm(0)
    heading = doc.styles["Heading 1"]
    heading.font.name = "Calibri"
    heading.font.size = Pt(16)
    heading.font.color.rgb = RGBColor(0x2F, 0x54, 0x96)
    own = doc.styles.add_style("红头文号", WD_STYLE_TYPE.PARAGRAPH)
    own.base_style = normal
    own.font.color.rgb = RED
    own.font.size = Pt(16)

    para = section.header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run().add_picture(io.BytesIO(_png()), width=Mm(12))
    run = para.add_run("某某单位党委文件")
    run.font.color.rgb = RED
    run.font.size = Pt(26)
    if first_page:
        section.different_first_page_header_footer = True
        first = section.first_page_header.paragraphs[0]
        first.text = "中共某某单位委员会"
        first.style = own
        section.first_page_footer.paragraphs[0].text = "首页页脚"
    if footer:
        section.footer.paragraphs[0].text = "地址：某某路1号"
    doc.add_paragraph("参考文档的正文，不应出现")
    doc.save(path)
    if style_ids:  # Chinese Word writes ids such as "a" for Normal and "1" for heading 1
        with zipfile.ZipFile(path) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        for name in [n for n in files if n.startswith("word/") and n.endswith(".xml")]:
            text = files[name].decode()
            for old, new in style_ids.items():
                text = text.replace(f'w:styleId="{old}"', f'w:styleId="{new}"')
                text = re.sub(f'(<w:(?:basedOn|next|link|pStyle|rStyle) w:val=)"{old}"', rf'\1"{new}"', text)
            files[name] = text.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, b in files.items():
                zf.writestr(n, b)
    return path


def render(ref: Path, **config) -> tuple[bytes, tuple[str, ...]]:
    cfg = replace(CONFIG, reference_doc=str(ref), **config)
    return render_document(seed_branch(), cfg), base_for(cfg).notes


def page_footers(data: bytes) -> dict[str, etree._Element]:
    """Footer type → the footer part's root, as the final section refers to them."""
    sect = part(data, "word/document.xml").find("w:body/w:sectPr", NS)
    rels = {r.get("Id"): r.get("Target") for r in part(data, "word/_rels/document.xml.rels")}
    return {f.get(w("type")): part(data, "word/" + rels[f.get(R_ID)]) for f in sect.findall("w:footerReference", NS)}


def assert_official_page_numbers(data: bytes, kinds: set[str]) -> None:
    footers = page_footers(data)
    assert set(footers) == kinds
    for kind, root in footers.items():
        para = root.find("w:p", NS)
        assert para.find("w:pPr/w:jc", NS).get(w("val")) == ("left" if kind == "even" else "right")
        assert [i.text for i in root.iter(w("instrText"))] == [" PAGE "]
        text = "".join(t.text for t in root.iter(w("t")))
        assert re.fullmatch(r"— \d+ —", text)
    assert part(data, "word/settings.xml").find("w:evenAndOddHeaders", NS) is not None


def assert_official_styles(data: bytes) -> None:
    """Every run and paragraph of the body resolves to the official format."""
    styles = Styles(part(data, "word/styles.xml"))
    body = part(data, "word/document.xml").find("w:body", NS)
    expected = {"Title": (F.title, "44"), "Heading1": (F.heading, "32"), None: (F.body, "32")}
    for run in runs_with_text(body):
        pstyle = run.getparent().find("w:pPr/w:pStyle", NS)
        key = pstyle.get(w("val")) if pstyle is not None else None
        east, size = expected[key]
        if run.find("w:rPr/w:rStyle", NS) is not None:
            east = F.lead_in
        assert styles.run_value(run, "w:rFonts", "eastAsia") == east
        for slot in ("ascii", "hAnsi"):
            assert styles.run_value(run, "w:rFonts", slot) == F.latin
        assert styles.run_value(run, "w:sz", "val") == size
        assert styles.run_value(run, "w:color", "val") is None  # no blue headings
    paras = [p for p in body.findall("w:p", NS) if p.find("w:r", NS) is not None]
    for p in paras:
        assert styles.para_value(p, "w:spacing", "line") == "579"
        assert styles.para_value(p, "w:spacing", "lineRule") == "exact"
    for p in (p for p in paras if p.find("w:pPr/w:pStyle", NS) is None):  # preamble and items
        assert styles.para_value(p, "w:ind", "firstLineChars") == "200"
        assert styles.para_value(p, "w:jc", "val") == "both"
    title = paras[0]
    assert styles.para_value(title, "w:jc", "val") == "center"


def assert_official_page(data: bytes) -> None:
    sect = part(data, "word/document.xml").find("w:body/w:sectPr", NS)
    size = sect.find("w:pgSz", NS)
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    mar = sect.find("w:pgMar", NS)
    mm = {k: round(int(mar.get(w(k))) / 56.6929) for k in ("top", "bottom", "left", "right")}
    assert mm == {"top": 37, "bottom": 35, "left": 28, "right": 26}
    grid = sect.find("w:docGrid", NS)
    assert (grid.get(w("type")), grid.get(w("linePitch"))) == ("lines", "579")


def test_letterhead_gives_headers_and_logo_and_keeps_the_official_format(tmp_path):
    ref = letterhead(tmp_path / "红头.docx")
    data, notes = render(ref)
    doc = reopen(data)
    paragraphs = [p.text for p in doc.paragraphs]
    assert "参考文档的正文，不应出现" not in paragraphs
    assert [t for t in paragraphs if t] == [t for t in seed_lines() if t]
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(SECTION_TITLES.values())

    # The letterhead's headers: red text and logo on every page (even pages
    # too: the document has odd/even footers), its own first-page header.
    section = doc.sections[0]
    assert section.header.paragraphs[0].text == "某某单位党委文件"
    assert section.even_page_header.paragraphs[0].text == "某某单位党委文件"
    assert section.different_first_page_header_footer
    assert section.first_page_header.paragraphs[0].text == "中共某某单位委员会"
    for header in (section.header, section.even_page_header):
        blips = header._element.findall(".//a:blip", {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"})
        assert len(blips) == 1
        image = header.part.related_parts[blips[0].get(R_EMBED)]
        assert image.blob == _png()
    red = [r for r in section.header.paragraphs[0].runs if r.text]
    assert red[0].font.color.rgb == RED and red[0].font.size == Pt(26)
    # The header keeps its own look (single spacing, no indent, not on the
    # body grid: the logo is not clipped by the 28.95 pt exact line).
    styles = Styles(part(data, "word/styles.xml"))
    header_para = section.header.paragraphs[0]._p
    assert styles.para_value(header_para, "w:spacing", "lineRule") != "exact"
    assert styles.para_value(header_para, "w:ind", "firstLineChars") in (None, "0")
    assert styles.para_value(header_para, "w:snapToGrid", "val") == "0"
    first_para = section.first_page_header.paragraphs[0]
    assert first_para.style.name == "红头文号" and first_para.style.font.color.rgb == RED
    # The letterhead's own style is there for the user.
    assert doc.styles["红头文号"].font.size == Pt(16)

    # Ours: page-number footers (also on the first page), styles, page set-up.
    assert_official_page_numbers(data, {"default", "even", "first"})
    assert "地址" not in etree.tostring(part(data, "word/document.xml"), encoding="unicode")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert not any("地址".encode() in zf.read(n) or "首页页脚".encode() in zf.read(n) for n in zf.namelist())
    assert_official_styles(data)
    assert_official_page(data)
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16) and normal.paragraph_format.first_line_indent is not None

    # What the letterhead would have changed is said.
    text = "\n".join(notes)
    assert "参考文档的页边距（上 25 毫米、下 25 毫米、左 30 毫米、右 30 毫米）与公文格式不同" in text
    assert "已按公文格式（上 37 毫米、下 35 毫米、左 28 毫米、右 26 毫米）生成。" in text
    assert "参考文档的页脚已忽略，页码按公文格式" in text
    assert re.search(r"参考文档中的样式.*“正文”.*“标题 1”.*已按公文格式重设。", text)
    assert "“Lead-in”" not in text  # the letterhead has none
    assert "纸张" not in text  # A4 like ours


def test_letterhead_paper_size_is_said(tmp_path):
    ref = letterhead(tmp_path / "红头.docx", a4=False)  # python-docx's template: US Letter
    data, notes = render(ref)
    assert any(n.startswith("参考文档的纸张大小（215.9×279.4 毫米）") and "A4，210×297 毫米" in n for n in notes)
    assert_official_page(data)


def test_letterhead_without_footer_still_gets_page_numbers(tmp_path):
    ref = letterhead(tmp_path / "红头.docx", footer=False, first_page=False)
    data, notes = render(ref)
    assert_official_page_numbers(data, {"default", "even"})
    section = reopen(data).sections[0]
    assert not section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == "某某单位党委文件"
    assert not any("页脚" in n for n in notes)
    assert_official_styles(data)


def test_letterhead_from_chinese_word_with_localised_style_ids(tmp_path):
    """Chinese Word's ids ("a" Normal, "1" heading 1, "a3" header): the body
    uses our styles, the header paragraphs their own, every reference resolves."""
    ids = {"Normal": "a", "Heading1": "1", "Header": "a3", "Footer": "a5", "Title": "a7"}
    ref = letterhead(tmp_path / "红头.docx", style_ids=ids)
    data, notes = render(ref)
    assert_official_styles(data)
    assert_official_page_numbers(data, {"default", "even", "first"})
    styles_root = part(data, "word/styles.xml")
    styles = Styles(styles_root)
    all_ids = [s.get(w("styleId")) for s in styles_root.iter(w("style"))]
    assert len(all_ids) == len(set(all_ids))
    for s in styles_root.iter(w("style")):  # every basedOn chain resolves (KeyError otherwise)
        list(styles.chain(s.get(w("styleId"))))
    for name in ("word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        for el in part(data, name).iter(w("pStyle"), w("rStyle")):
            assert el.get(w("val")) in styles.by_id
    doc = reopen(data)
    header = doc.sections[0].header
    for el in header._element.iter(w("pStyle"), w("rStyle")):
        assert el.get(w("val")) in styles.by_id
    assert header.paragraphs[0].style.name == "Header"  # python-docx shows "header" so
    assert doc.sections[0].first_page_header.paragraphs[0].style.name == "红头文号"
    default_para = [s for s in styles_root.iter(w("style")) if s.get(w("default")) == "1"
                    and s.get(w("type")) == "paragraph"]
    assert [s.get(w("styleId")) for s in default_para] == ["Normal"]
    assert any("“正文”" in n for n in notes)


def test_reference_styles_option_takes_the_letterhead_wholesale(tmp_path):
    ref = letterhead(tmp_path / "红头.docx")
    data, notes = render(ref, reference_styles=True)
    assert notes == ()
    doc = reopen(data)
    section = doc.sections[0]
    assert round(section.top_margin.mm) == 25 and round(section.left_margin.mm) == 30
    assert section.footer.paragraphs[0].text == "地址：某某路1号"
    assert doc.styles["Normal"].font.size == Pt(10.5)
    assert doc.styles["Heading 1"].font.color.rgb == RGBColor(0x2F, 0x54, 0x96)
    assert section.header.paragraphs[0].text == "某某单位党委文件"


def test_same_format_as_ours_gives_no_notes(tmp_path):
    """A reference made by the tool itself (a document it wrote): only its
    footers are replaced (by the same ones) — no note on page or styles."""
    ref = tmp_path / "ours.docx"
    ref.write_bytes(render_document(seed_branch(), CONFIG))
    data, notes = render(ref)
    assert len(notes) == 1 and "页脚" in notes[0]
    assert_official_styles(data)


def test_fingerprint_and_cache_follow_the_letterhead(tmp_path):
    """Incremental builds re-render when the letterhead or reference_styles changes."""
    ref = letterhead(tmp_path / "红头.docx")
    cfg = replace(CONFIG, reference_doc=str(ref))
    wholesale = replace(cfg, reference_styles=True)
    assert cfg.fingerprint() != wholesale.fingerprint() != CONFIG.fingerprint()
    assert base_for(cfg) is base_for(cfg) and base_for(cfg) is not base_for(wholesale)
    before, base = cfg.fingerprint(), base_for(cfg)
    letterhead(ref, footer=False, first_page=False)  # the office edits its letterhead
    assert cfg.fingerprint() != before
    assert base_for(cfg) is not base
    assert not any("页脚" in n for n in base_for(cfg).notes)


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or pdftotext (poppler-utils) is not installed")
def test_letterhead_document_in_libreoffice_has_headers_and_page_numbers(tmp_path):
    ref = letterhead(tmp_path / "红头.docx")
    data, _ = render(ref)
    pdf = _to_pdf(tmp_path, {"letterhead": data})["letterhead"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert "中共某某单位委员会" in pages[0] and "某某单位党委文件" not in pages[0]
    for n, page in enumerate(pages, 1):
        assert re.search(rf"—\s*{n}\s*—", page), n
        if n > 1:
            assert "某某单位党委文件" in page
    assert "地址" not in text


def test_letterhead_without_styles_part(tmp_path):
    """A minimal package (no styles.xml): the headers' paragraphs still resolve."""
    ref = letterhead(tmp_path / "红头.docx")
    with zipfile.ZipFile(ref) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if n != "word/styles.xml"}
    files["word/_rels/document.xml.rels"] = re.sub(rb'<Relationship [^>]*styles\.xml"/>', b"",
                                                   files["word/_rels/document.xml.rels"])
    with zipfile.ZipFile(ref, "w") as zf:
        for n, b in files.items():
            zf.writestr(n, b)
    data, notes = render(ref)
    styles = Styles(part(data, "word/styles.xml"))
    header = reopen(data).sections[0].header
    for el in header._element.iter(w("pStyle"), w("rStyle")):
        assert el.get(w("val")) in styles.by_id
    assert_official_styles(data)
    assert not any("样式" in n for n in notes)
