"""The bound volume (汇编, DESIGN §10): every branch's material in one document.

* :mod:`.assemble` — :func:`build_volume`: cover, 目录 (a TOC field whose cached result
  holds the page numbers), each branch's material on a new odd page;
* :mod:`.pages` — page counts computed from the GB/T 9704 grid (when LibreOffice's are missing);
* :mod:`.outline` — reading a PDF's pages and writing its bookmarks (one per branch);
* :mod:`.output` — LibreOffice's page counts of branch PDFs, and 汇编.pdf with its bookmarks.
"""

from .assemble import Layout, Part, build_volume, layout, start_pages, volume_title
from .output import VolumeResult, page_counts, write_volume

__all__ = ["Layout", "Part", "VolumeResult", "build_volume", "layout", "page_counts", "start_pages", "volume_title",
           "write_volume"]
