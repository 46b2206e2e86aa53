"""The bound volume (汇编, DESIGN §10) as blocks: cover, 目录, every branch's material.

The volume is one document of the block model: one styles part, one
settings part, the branch documents' own blocks (:func:`reporter.docx.branch_blocks`)
one after the other, never .docx files merged.  Sections:

1. the cover (no page number), then a section of one empty page: its back;
2. the contents, followed, when they fill an odd number of pages, by one
   more empty page, so that the front matter always fills an even number
   of pages (explicit pages, not an odd-page break: LibreOffice and Word
   agree on them, and on a part numbered 1 after an even page);
3. one section per branch, each on the next odd page (``oddPage``), page
   numbers "— n —" restarting at 1 in the first and continuous after it.

The first paragraph of each branch carries a TC field (the 支部名称) and a
bookmark; the contents are a TOC field over those entries whose cached
result already holds the page numbers (:func:`start_pages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from datetime import datetime

from ..config import Config
from ..docx import AnyBlock, Block, SectionBreak, TableOfContents, branch_blocks, render_blocks
from ..docx.blocks import TocEntry
from ..model import Branch
from ..text import chinese_date
from ..title import break_title
from .pages import contents_pages, page_count

CONTENTS_TITLE = "目　录"
FRONT = SectionBreak("nextPage", page_numbers=False)  # a section of the front matter: no page numbers
COVER_TOP_LINES = 6  # blank lines above the cover title


@dataclass(frozen=True, slots=True)
class Part:
    """One branch in the volume: its name, first page (as its footer shows), pages, and
    whether that count is LibreOffice's (exact) or computed from the grid."""

    name: str
    page: int
    pages: int
    measured: bool

    @property
    def blank_after(self) -> bool:
        """An odd count leaves the back of the last page blank (the next part starts on a right-hand page)."""
        return self.pages % 2 == 1


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything stands in the volume."""

    parts: tuple[Part, ...]
    front_pages: int  # cover, its blank back, the contents and their padding: always even

    @property
    def exact(self) -> bool:
        """Every page count came from LibreOffice (else the TOC is marked to be updated on opening)."""
        return all(p.measured for p in self.parts)

    @property
    def total_pages(self) -> int:
        """Physical pages of the whole volume (the last part's blank back page is not printed)."""
        if not self.parts:
            return self.front_pages
        last = self.parts[-1]
        return self.front_pages + last.page - 1 + last.pages

    def physical_page(self, index: int) -> int:
        """The 1-based physical page on which part ``index`` starts (for PDF bookmarks)."""
        return self.front_pages + self.parts[index].page


def volume_title(config: Config, *, parent: str | None, theme: str | None, date: Date | None = None) -> str:
    """The cover's title from ``volume_title_template`` (an unknown field is left empty)."""
    fields = {"上级党组织": parent or "", "会议主题": theme or config.default_theme,
              "会议日期": chinese_date(date) if date else ""}
    return config.volume_title_template.format(**fields)


def start_pages(counts: Sequence[int]) -> list[int]:
    """First page number of each part: 1, then after each part the next odd number."""
    pages, page = [], 1
    for count in counts:
        pages.append(page)
        page += max(1, count) + max(1, count) % 2
    return pages


def layout(branches: Iterable[Branch], page_counts: Mapping[str, int] | None = None) -> Layout:
    """Page numbers of the parts: ``page_counts`` (支部名称 → pages, from LibreOffice) where given,
    else computed from the grid (:func:`reporter.volume.pages.page_count`) of the branch's blocks.
    One pass over ``branches``; only each part's name and page count are kept."""
    counts = dict(page_counts or {})
    names: list[str] = []
    pages: list[int] = []
    for b in branches:
        names.append(b.info.name)
        pages.append(counts[b.info.name] if counts.get(b.info.name, 0) > 0 else page_count(branch_blocks(b)))
    parts = tuple(Part(n, s, c, counts.get(n, 0) > 0) for n, s, c in zip(names, start_pages(pages), pages))
    contents = contents_pages(names)
    return Layout(parts, 2 + contents + contents % 2)


def _cover(title: str, when: Date | None, parent: str | None) -> list[AnyBlock]:
    lines = break_title(title, names=(parent or "",))  # balanced lines, as a branch's title
    blocks: list[AnyBlock] = [Block("blank")] * COVER_TOP_LINES + [Block("title", "\n".join(lines))]
    if when is not None:
        blocks += [Block("blank")] * 2 + [Block("subtitle", chinese_date(when))]
    return blocks


def volume_blocks(branches: Iterable[Branch], config: Config, plan: Layout, *, parent: str | None,
                  theme: str | None, date: Date | None) -> Iterator[AnyBlock]:
    """The volume's blocks, one branch at a time (the first section, the cover, is set up as
    :data:`FRONT`); each branch's own blocks are :func:`reporter.docx.branch_blocks`'s."""
    entries = tuple(TocEntry(p.name, n, p.page) for n, p in enumerate(plan.parts, 1))
    yield from _cover(volume_title(config, parent=parent, theme=theme, date=date), date, parent)
    yield from (FRONT, FRONT, Block("title", CONTENTS_TITLE), Block("blank"))  # the cover's blank back
    yield TableOfContents(entries=entries, dirty=not plan.exact) if entries else Block("body", "（无）")
    if (plan.front_pages - 2) != contents_pages([p.name for p in plan.parts]):  # pad to an even count
        yield FRONT
    for n, (branch, entry) in enumerate(zip(branches, entries)):
        own = branch_blocks(branch)
        first = next(i for i, b in enumerate(own) if isinstance(b, Block))
        own[first] = replace(own[first], entry=entry)
        yield SectionBreak("oddPage", restart=1 if n == 0 else None)
        yield from own


def build_volume(branches: Iterable[Branch], config: Config, *, parent: str | None = None,
                 theme: str | None = None, date: Date | None = None, page_counts: Mapping[str, int] | None = None,
                 created: datetime | None = None) -> tuple[bytes, Layout]:
    """汇编.docx as bytes, and where its parts stand (pure: no file system but a reference .docx).

    ``branches`` in the volume's order (roster order, else 总览's), iterated twice (a list, or a
    re-iterable stream: the build reads them from its store one at a time, so memory holds one
    branch, never the volume); ``page_counts``: each branch's page count from LibreOffice
    (:func:`reporter.volume.output.page_counts`), by 支部名称; a branch without one is counted
    from the grid, and then Word is told to update the contents when the document is opened."""
    plan = layout(branches, page_counts)
    blocks = volume_blocks(branches, config, plan, parent=parent, theme=theme, date=date)
    title = volume_title(config, parent=parent, theme=theme, date=date)
    data = render_blocks(blocks, config, title=title, subject=title, author=parent or "", created=created,
                         first_section=FRONT, update_fields=not plan.exact)
    return data, plan
