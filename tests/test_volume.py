"""The bound volume (汇编, DESIGN §10): reporter.volume."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import pytest

from reporter.config import Config, parse_config
from reporter.docx import branch_blocks, render_document
from reporter.errors import ConfigError
from reporter.model import Branch, BranchInfo, Cause, Measure, Problem
from reporter.pdf import find_soffice
from reporter.volume import build_volume, layout, start_pages, volume_title, write_volume
from reporter.volume.output import measured_counts, page_counts, pdf_pages
from reporter.volume.pages import LINES_PER_PAGE, contents_pages, line_count, page_count

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CREATED = datetime(2024, 1, 10, tzinfo=timezone.utc)
DETAIL = ("对开展政治理论学习缺乏深入细致谋划研究，学习方法较为单一，系统学习、深入研讨不够，"
          "存在以干代学、以会代学的现象，理论联系实际不够紧密，指导实践、推动工作的作用发挥不充分。")
needs_lo = pytest.mark.skipif(find_soffice() is None, reason="needs LibreOffice")
needs_poppler = pytest.mark.skipif(subprocess.run(["which", "pdftotext"], capture_output=True).returncode != 0,
                                   reason="needs pdftotext (poppler-utils)")


def branch(name: str, items: int, *, detail_times: int = 1, title: str | None = None,
           signature: bool = False) -> Branch:
    info = BranchInfo(name=name, parent="机关党委", title=title or f"{name}主题教育专题组织生活会对照检查材料",
                      preamble=f"根据上级通知要求，{name}认真查摆问题，现将具体情况报告如下：",
                      signature=name if signature else None, signature_date=date(2023, 12, 20) if signature else None)
    def made(cls, head):
        return tuple(cls(f"{head}第{n}条还不够到位", DETAIL * detail_times, n) for n in range(1, items + 1))
    return Branch(info, made(Problem, "问题"), made(Cause, "原因"), made(Measure, "措施"))


# Different lengths, titles of 1–3 lines, signatures; deliberately not in alphabetical order.
BRANCHES = [
    branch("青年科研人员党支部", 1, title="青年科研人员党支部对照检查材料"),
    branch("机关第一党支部", 6, detail_times=2, signature=True),
    branch("后勤服务中心党支部", 2, signature=True,
           title="后勤服务中心党支部关于二〇二三年度主题教育专题组织生活会暨民主评议党员工作的对照检查材料"),
    branch("信息中心党支部", 3),
]
NAMES = [b.info.name for b in BRANCHES]


def body(data: bytes):
    from lxml import etree
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml")), {n: z.read(n) for n in z.namelist()}


def sections(document: docx.document.Document) -> list[list[str]]:
    """The paragraph texts of each section (the paragraph carrying a section break ends one)."""
    out: list[list[str]] = [[]]
    for p in document.paragraphs:
        if p._p.find(f"{W}pPr/{W}sectPr") is not None:
            out.append([])
        else:
            out[-1].append(p.text)
    return out


def test_toc_lists_the_branches_in_the_given_order_with_cached_page_numbers():
    data, plan = build_volume(BRANCHES, Config(), parent="机关党委", theme="主题教育专题组织生活会",
                              date=date(2024, 1, 10), created=CREATED)
    root, parts = body(data)
    instr = [t.text for t in root.iter(f"{W}instrText")]
    assert any(re.fullmatch(r" TOC \\f \\h \\z ", t) for t in instr)  # a real TOC field
    assert [t for t in instr if t.startswith(" TC ")] == [f' TC "{n}" \\l 1 ' for n in NAMES]
    entries = [p for p in root.iter(f"{W}p") if p.find(f"{W}pPr/{W}pStyle[@{W}val='TOC1']") is not None]
    assert ["".join(t.text for t in p.iter(f"{W}t")) for p in entries] == [f"{n}{p.page}" for n, p in
                                                                           zip(NAMES, plan.parts)]
    assert [p.name for p in plan.parts] == NAMES
    assert all(p.find(f".//{W}hyperlink") is not None and p.find(f".//{W}tab") is not None for p in entries)
    # the cached result: begin … separate … entries … end, around the entry paragraphs
    kinds = [c.get(f"{W}fldCharType") for p in entries for c in p.iter(f"{W}fldChar")]
    assert kinds[:2] == ["begin", "separate"] and kinds[-1] == "end"
    styles = parts["word/styles.xml"].decode()
    assert re.search(r'w:styleId="TOC1">.*?<w:tab w:val="right" w:leader="dot"', styles)


def test_volume_contains_each_branch_document_paragraph_for_paragraph():
    data, _ = build_volume(BRANCHES, Config(), parent="机关党委", created=CREATED)
    volume = docx.Document(io.BytesIO(data))
    parts = sections(volume)
    assert len(parts) == 4 + len(BRANCHES)  # cover, its blank back, contents, a blank page after them, branches
    assert parts[0][-1].replace("\n", "") == "机关党委主题教育专题组织生活会对照检查材料汇编"
    assert parts[1] == [] and parts[2][0] == "目　录" and parts[3] == []
    for text, b in zip(parts[4:], BRANCHES, strict=True):
        own = docx.Document(io.BytesIO(render_document(b, Config(), created=CREATED)))
        assert text == [p.text for p in own.paragraphs]


def test_styles_are_shared_not_copied_per_branch():
    data, _ = build_volume(BRANCHES, Config(), created=CREATED)
    root, parts = body(data)
    styles = parts["word/styles.xml"].decode()
    ids = re.findall(r'<w:style [^>]*w:styleId="([^"]+)"', styles)
    assert len(ids) == len(set(ids)) and "Title" in ids and "Heading1" in ids
    assert [n for n in parts if "styles" in n] == ["word/styles.xml"]
    own = zipfile.ZipFile(io.BytesIO(render_document(BRANCHES[0], Config(), created=CREATED)))
    assert own.read("word/styles.xml") == parts["word/styles.xml"]  # one definition each, as in a branch document
    used = {s.get(f"{W}val") for s in root.iter(f"{W}pStyle")} | {s.get(f"{W}val") for s in root.iter(f"{W}rStyle")}
    assert used <= set(ids)


def test_sections_odd_pages_restart_at_one_and_no_numbers_in_front():
    data, _ = build_volume(BRANCHES, Config(), created=CREATED)
    root, _ = body(data)
    sects = list(root.iter(f"{W}sectPr"))
    front, material = sects[:4], sects[4:]
    assert len(material) == len(BRANCHES)
    for s in front:
        assert s.find(f"{W}footerReference") is None and s.find(f"{W}pgNumType") is None
    for n, s in enumerate(material):
        assert s.find(f"{W}type").get(f"{W}val") == "oddPage"
        assert {f.get(f"{W}type") for f in s.iter(f"{W}footerReference")} == {"default", "even"}
        restart = s.find(f"{W}pgNumType")
        assert (restart.get(f"{W}start") if restart is not None else None) == ("1" if n == 0 else None)


def test_update_on_open_only_when_counts_are_computed():
    computed, plan = build_volume(BRANCHES, Config(), created=CREATED)
    assert not plan.exact
    _, parts = body(computed)
    assert b'<w:updateFields w:val="true"/><w:compat>' in parts["word/settings.xml"]
    measured, plan = build_volume(BRANCHES, Config(), created=CREATED, page_counts={n: 3 for n in NAMES})
    root, parts = body(measured)
    assert plan.exact and b"updateFields" not in parts["word/settings.xml"]
    assert [p.page for p in plan.parts] == [1, 5, 9, 13]
    assert not any(c.get(f"{W}dirty") for c in root.iter(f"{W}fldChar"))


def test_start_pages_and_layout():
    assert start_pages([1, 2, 3, 4, 5]) == [1, 3, 5, 9, 13]
    plan = layout(BRANCHES, {"机关第一党支部": 7})
    assert [p.measured for p in plan.parts] == [False, True, False, False]
    assert plan.parts[1].pages == 7 and plan.parts[2].page == plan.parts[1].page + 8
    assert plan.front_pages == 4 and plan.physical_page(0) == 5
    assert measured_counts(plan, {0: 5, 1: 7, 2: 15, 3: 19}, 22) == dict(zip(NAMES, [2, 8, 4, 4]))


def test_contents_are_padded_to_an_even_number_of_pages():
    many = [branch(f"第{n}党支部", 0) for n in range(1, 22)]  # 2 + 21 lines: two pages of contents
    assert contents_pages(b.info.name for b in many) == 2
    plan = layout(many)
    assert plan.front_pages == 4
    assert layout(many[:20]).front_pages == 4  # one page of contents, one blank page after it
    data, _ = build_volume(many[:20], Config(), created=CREATED)
    root, _ = body(data)
    assert len(list(root.iter(f"{W}sectPr"))) == 4 + 20


def test_grid_page_count():
    assert line_count("字" * 26) == 1 and line_count("字" * 27) == 2
    assert line_count("字" * 26 + "。") == 1  # a closing mark hangs
    assert line_count("字" * 25 + "“字") == 2
    short = branch("一支部", 1)
    assert page_count(branch_blocks(short)) == 1
    lines = sum(1 for _ in range(LINES_PER_PAGE))
    assert lines == 22


def test_volume_title_template():
    cfg = Config()
    assert volume_title(cfg, parent="机关党委", theme="主题教育专题组织生活会") == "机关党委主题教育专题组织生活会对照检查材料汇编"
    cfg = parse_config({"volume_title_template": "{上级党组织}{会议日期}汇编"})
    assert volume_title(cfg, parent="院党委", theme=None, date=date(2024, 1, 5)) == "院党委2024年1月5日汇编"
    with pytest.raises(ConfigError, match="支部名称"):
        parse_config({"volume_title_template": "{支部名称}汇编"})


def pdf_page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def footer_number(page: str) -> int | None:
    found = re.search(r"—\s*(\d+)\s*—\s*$", page.strip())
    return int(found.group(1)) if found else None


def outline(pdf: Path) -> list[tuple[str, int]]:
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True).stdout
    return [(t, int(p)) for p, t in re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)]


def check_pdf(pdf: Path, docx_path: Path, names: list[str], titles: list[str]) -> None:
    """Each TOC number is the page whose footer shows it and on which the branch's title stands;
    parts start on odd physical pages; the bookmarks point at the same pages."""
    pages = pdf_page_texts(pdf)
    assert footer_number(pages[0]) is None and footer_number(pages[2]) is None  # cover, contents: none
    document = docx.Document(str(docx_path))
    toc = [p.text for p in document.paragraphs if p.style.name == "toc 1"]
    assert [t.split("\t")[0] for t in toc] == names
    numbers = [int(t.split("\t")[1]) for t in toc]
    contents = re.sub(r"[.\s]", "", "".join(pages[2:4]))
    for name, number in zip(names, numbers):
        assert f"{name}{number}" in contents  # the PDF's contents show the cached numbers
    firsts = []
    for name, title, number in zip(names, titles, numbers):
        shown = [i for i, page in enumerate(pages, 1) if footer_number(page) == number]
        assert len(shown) == 1, (name, number)
        page = shown[0]
        assert re.sub(r"\s", "", title)[:8] in re.sub(r"\s", "", pages[page - 1]), (name, page)
        assert page % 2 == 1 and number % 2 == 1  # a right-hand page, by count and by number
        firsts.append(page)
    assert outline(pdf) == list(zip(names, firsts))
    numbered = [footer_number(p) for p in pages if footer_number(p) is not None]
    assert numbered == sorted(numbered) and numbered[0] == 1  # continuous from the first material page


@needs_lo
@needs_poppler
def test_pdf_pages_match_the_contents_and_the_bookmarks(tmp_path):
    result = write_volume(BRANCHES, Config(), tmp_path / "汇编.docx", tmp_path / "汇编.pdf", parent="机关党委",
                          date=date(2024, 1, 10))
    assert result.pdf and result.reason is None, result.details
    assert result.layout.exact  # the .docx now carries LibreOffice's numbers: no update on opening
    check_pdf(tmp_path / "汇编.pdf", tmp_path / "汇编.docx", NAMES, [b.info.title for b in BRANCHES])
    assert pdf_pages(tmp_path / "汇编.pdf") == result.layout.total_pages or \
        pdf_pages(tmp_path / "汇编.pdf") == result.layout.total_pages + result.layout.parts[-1].pages % 2


@needs_lo
@needs_poppler
def test_wrong_counts_are_corrected_from_libreoffices_layout(tmp_path):
    result = write_volume(BRANCHES, Config(), tmp_path / "汇编.docx", tmp_path / "汇编.pdf",
                          page_counts={n: 1 for n in NAMES})
    assert result.pdf and result.corrected
    check_pdf(tmp_path / "汇编.pdf", tmp_path / "汇编.docx", NAMES, [b.info.title for b in BRANCHES])


@needs_lo
def test_branch_pdf_page_counts_give_the_volume_its_numbers(tmp_path):
    from reporter.pdf import convert_files
    docs = {}
    for b in BRANCHES:
        path = tmp_path / f"{b.info.name}.docx"
        path.write_bytes(render_document(b, Config()))
        docs[path] = tmp_path / f"{b.info.name}.pdf"
    assert not convert_files(docs, timeout=120).failed
    counts = page_counts({p.stem: pdf for p, pdf in docs.items()})
    assert set(counts) == set(NAMES) and counts["机关第一党支部"] > counts["青年科研人员党支部"]
    result = write_volume(BRANCHES, Config(), tmp_path / "v.docx", tmp_path / "v.pdf", page_counts=counts)
    assert result.pdf and not result.corrected  # the branch PDFs' counts are the volume's
    assert page_counts({"x": tmp_path / "missing.pdf"}) == {}
