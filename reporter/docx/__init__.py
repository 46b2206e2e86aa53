"""Official-format Word documents (GB/T 9704-2012) from a block model.

* :mod:`.blocks` — the block model: :class:`Block` paragraphs, :class:`Table`,
  :class:`Picture`, :class:`TableOfContents`, :class:`SectionBreak`;
* :mod:`.styles` — the page set-up, styles, fonts and footers;
* :mod:`.base`, :mod:`.reference`, :mod:`.letterhead`, :mod:`.wholesale` —
  every part but the body: built in, or from a reference .docx;
* :mod:`.render` — blocks → ``word/document.xml`` → package (:mod:`reporter.ooxml`);
* :mod:`.branch` — what a branch's 对照检查材料 says.
"""

from .blocks import AnyBlock, Block, Picture, SectionBreak, Table, TableOfContents
from .branch import branch_blocks, render_document
from .reference import base_for
from .render import render_blocks
from .styles import LEAD_IN_STYLE

__all__ = ["LEAD_IN_STYLE", "AnyBlock", "Block", "Picture", "SectionBreak", "Table", "TableOfContents", "base_for",
           "branch_blocks", "render_blocks", "render_document"]
