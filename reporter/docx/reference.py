"""The base for a configuration: built-in, or from the user's reference .docx (cached by path, time and size)."""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

from lxml import etree

from ..config import Config, Fonts
from ..errors import ReporterError
from .base import Base, builtin_base
from .letterhead import _letterhead_base
from .wholesale import _wholesale_base

def _load_reference(path: Path, fonts: Fonts, wholesale: bool) -> Base:
    """A base from the user's .docx (its body is dropped): the letterhead's
    headers on the official format (:func:`_letterhead_base`), or with
    ``wholesale`` its styles, page set-up, headers and footers (pandoc's way)."""
    try:
        with zipfile.ZipFile(path) as zf:
            files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ReporterError(f"参考文档 {path} 无法读取（{exc}），请确认它是 Word 的 .docx 文件。") from None
    try:
        return (_wholesale_base if wholesale else _letterhead_base)(files, fonts)
    except (etree.XMLSyntaxError, KeyError, ValueError, StopIteration) as exc:
        raise ReporterError(f"参考文档 {path} 的内容无法识别（{type(exc).__name__}），请用 Word 另存为 .docx 后再试。") from None




@lru_cache(maxsize=8)
def _reference_cached(path: str, _mtime_ns: int, _size: int, fonts: Fonts, wholesale: bool) -> Base:
    return _load_reference(Path(path), fonts, wholesale)


def base_for(config: Config) -> Base:
    """The cached base for this configuration (reference .docx or built-in).

    Its ``notes`` say what of a reference document was left out to keep the
    official format (margins, footers, restyled styles): for the run log."""
    if not config.reference_doc:
        return builtin_base(config.fonts)
    path = Path(config.reference_doc)
    try:
        st = path.stat()
    except OSError:
        raise ReporterError(f"找不到参考文档：{path}") from None
    return _reference_cached(str(path.resolve()), st.st_mtime_ns, st.st_size, config.fonts, config.reference_styles)


