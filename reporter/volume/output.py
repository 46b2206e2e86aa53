"""汇编.docx and 汇编.pdf on disk: page counts from LibreOffice, the PDF with one bookmark per branch.

How the page numbers are made exact: the material of each branch in the
volume is laid out exactly as its own document (same styles, same page,
each on a fresh page), so the pages of its own PDF (``pdf/<name>.pdf``,
:func:`page_counts`) are its pages in the volume.  Without them, the
counts are computed from the grid (:mod:`.pages`), and the .docx tells
Word to update the contents on opening.  When the volume's PDF is made,
LibreOffice exports each branch's bookmark as a named destination: where
each part really starts.  Should that differ from the contents' numbers,
the .docx is made again with the measured counts and converted once more,
so the PDF and the .docx always agree with LibreOffice's layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..fsutil import atomic_write
from ..model import Branch
from ..pdf import convert_files
from .assemble import Layout, build_volume
from .outline import Pdf, UnreadablePdf, with_bookmarks

_MARK = re.compile(r"TocReporter(\d{6})$")  # LibreOffice writes "_" of the bookmark name as "5F"


def pdf_pages(path: Path) -> int | None:
    """Pages of a PDF file; None when it cannot be read."""
    try:
        return len(Pdf(Path(path).read_bytes()).pages)
    except (OSError, UnreadablePdf, ValueError):
        return None


def page_counts(pdfs: Mapping[str, Path]) -> dict[str, int]:
    """支部名称 → pages of its own PDF (LibreOffice's count), for the PDFs that can be read."""
    counts = {name: pdf_pages(path) for name, path in pdfs.items()}
    return {name: n for name, n in counts.items() if n}


@dataclass
class VolumeResult:
    """What :func:`write_volume` did."""

    layout: Layout  # where the parts stand, as the .docx's contents say
    pdf: bool = False  # 汇编.pdf written (with its bookmarks)
    reason: str | None = None  # Chinese: why there is no PDF (LibreOffice's own words)
    corrected: bool = False  # LibreOffice's layout differed from the counts; .docx and PDF made again
    details: list[str] = field(default_factory=list)  # LibreOffice's output, for the log


def starts(data: bytes, parts: int) -> dict[int, int]:
    """Part index (0-based) → the physical page it starts on, from the PDF's named destinations."""
    found = {}
    for name, page in Pdf(data).destinations().items():
        mark = _MARK.search(name)
        if mark and 0 < int(mark.group(1)) <= parts:
            found[int(mark.group(1)) - 1] = page
    return found


def measured_counts(plan: Layout, first_pages: Mapping[int, int], total: int) -> dict[str, int] | None:
    """Page counts that put every part where LibreOffice put it (None: a part's start is unknown).

    A part followed by another is counted as the distance to it (even: the blank back page
    included), the last one as the pages left."""
    if len(first_pages) != len(plan.parts):
        return None
    ends = [first_pages[i + 1] for i in range(len(plan.parts) - 1)] + [total + 1]
    return {p.name: ends[i] - first_pages[i] for i, p in enumerate(plan.parts)}


def write_volume(branches: Iterable[Branch], config: Config, docx: Path, pdf: Path | None = None, *,
                 parent: str | None = None, theme: str | None = None, date: Date | None = None,
                 page_counts: Mapping[str, int] | None = None, created: datetime | None = None) -> VolumeResult:
    """Write 汇编.docx (always) and 汇编.pdf (with ``pdf``), atomically; ``branches``: a list or a
    re-iterable stream (see :func:`~.assemble.build_volume`)."""
    made = dict(parent=parent, theme=theme, date=date, created=created)
    data, plan = build_volume(branches, config, page_counts=page_counts, **made)
    atomic_write(Path(docx), data)
    result = VolumeResult(plan)
    if pdf is None:
        return result
    for attempt in range(2):
        outcome = convert_files({Path(docx): Path(pdf)}, timeout=config.pdf.timeout)
        result.details += outcome.details
        if outcome.failed:
            result.reason = outcome.run_error or next(iter(outcome.failed.values()))
            return result
        try:
            pdf_data = Path(pdf).read_bytes()
            first_pages = starts(pdf_data, len(plan.parts))
            counts = measured_counts(plan, first_pages, len(Pdf(pdf_data).pages))
        except (OSError, UnreadablePdf) as exc:
            result.reason = f"无法读取 LibreOffice 生成的 {Path(pdf).name}（{exc}）。"
            return result
        if counts is None:
            break
        data, measured = build_volume(branches, config, page_counts=counts, **made)
        atomic_write(Path(docx), data)  # now exact: no update on opening
        same = [p.page for p in measured.parts] == [p.page for p in plan.parts]
        result.layout = plan = measured
        if same or attempt:
            break
        result.corrected = True
    marks = [(p.name, first_pages.get(i, plan.physical_page(i))) for i, p in enumerate(plan.parts)]
    atomic_write(Path(pdf), with_bookmarks(pdf_data, marks))
    result.pdf = True
    return result
