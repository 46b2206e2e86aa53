"""The bar chart of the summary report (matplotlib, Agg, no pyplot state).

matplotlib is imported only when a chart is drawn.  The Chinese font is
found at run time among the installed fonts; without one the chart is still
drawn, and :attr:`Chart.warning` says why its labels may show as boxes.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Preferred families, best first: Simplified-Chinese faces, then any face
# that covers the common Han characters.
PREFERRED_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Serif SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Serif CJK JP",
    "AR PL UMing TW",
)

# File names of CJK fonts, for fonts installed after matplotlib built its
# font cache (the cache is only rebuilt when matplotlib is upgraded).
_CJK_FILE = re.compile(r"cjk|wqy|wenquanyi|uming|ukai|droidsansfallback|sourcehan|simhei|simsun|msyh|notosanssc|notoserifsc",
                       re.IGNORECASE)

NO_FONT_WARNING = "未找到中文字体，图表中的中文可能显示为方框，请安装 fonts-noto-cjk"

# Characters the chosen face must have (a sample of the labels we draw).
_PROBE = "理论学习问题数量"


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    labels: tuple[str, ...]  # category labels, in the order drawn (top to bottom)
    font: str | None  # the font family used for the labels, None when no CJK font
    warning: str | None  # a Chinese sentence for the run log, or None


def _covers(entry, text: str) -> bool:
    from matplotlib import ft2font

    try:
        face = ft2font.FT2Font(entry.fname, face_index=getattr(entry, "index", 0))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(ch)) != 0 for ch in text)


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of an installed font covering Chinese, or None."""
    from matplotlib import font_manager

    def search():
        by_name = {}
        for entry in font_manager.fontManager.ttflist:
            by_name.setdefault(entry.name, entry)
        for name in PREFERRED_FONTS:
            entry = by_name.get(name)
            if entry is not None and _covers(entry, _PROBE):
                return name
        return None

    found = search()
    if found is None:
        known = {e.fname for e in font_manager.fontManager.ttflist}
        added = False
        for path in font_manager.findSystemFonts():
            if path not in known and _CJK_FILE.search(path):
                try:
                    font_manager.fontManager.addfont(path)
                    added = True
                except (OSError, RuntimeError, ValueError):
                    continue
        if added:
            found = search()
    return found


def _draw(height: float, dpi: int, draw) -> tuple[bytes, object, str | None]:
    """A figure 6.2 in wide as PNG: ``draw(ax, font)`` fills it (no pyplot state, glyph warnings said once)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    family = find_cjk_font()
    font = FontProperties(family=family) if family else FontProperties()
    fig = Figure(figsize=(6.2, height), dpi=dpi)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # Without a CJK font matplotlib warns per missing glyph; we say it once.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        ax = fig.add_subplot()
        draw(ax, font)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue(), ax, family


def bar_chart(labels: Sequence[str], counts: Sequence[int], title: str = "各方面问题数量", dpi: int = 150) -> Chart:
    """A horizontal bar chart (categories top to bottom in the given order) as PNG."""

    def draw(ax, font) -> None:
        positions = list(range(len(labels)))
        bars = ax.barh(positions, list(counts), color="#C00000", height=0.6)
        ax.set_yticks(positions, labels=list(labels), fontproperties=font)
        ax.invert_yaxis()
        ax.set_title(title, fontproperties=font)
        ax.bar_label(bars, padding=3, fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.margins(x=0.12)

    png, ax, family = _draw(1.2 + 0.42 * max(len(labels), 1), dpi, draw)
    drawn = tuple(t.get_text() for t in ax.get_yticklabels())
    return Chart(png, drawn, family, None if family else NO_FONT_WARNING)


def line_chart(dates: Sequence[str], series: dict[str, Sequence[int]], title: str = "整改进展趋势",
               dpi: int = 150) -> Chart:
    """One line per series over the as-of dates (the trend of 整改进展), as PNG."""

    def draw(ax, font) -> None:
        positions = list(range(len(dates)))
        for label, values in series.items():
            ax.plot(positions, list(values), marker="o", label=label)
        ax.set_xticks(positions, labels=list(dates), fontsize=8, rotation=30 if len(dates) > 6 else 0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title, fontproperties=font)
        ax.legend(prop=font, fontsize=8, loc="best")

    png, ax, family = _draw(3.2, dpi, draw)
    drawn = tuple(t.get_text() for t in ax.get_legend().get_texts())
    return Chart(png, drawn, family, None if family else NO_FONT_WARNING)
