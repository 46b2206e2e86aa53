"""The bar chart of the summary report (matplotlib, Agg, no pyplot state).

A chart is drawn once and written twice: as SVG (the picture, vector, its
text as outlines so that no font is needed to show it) and as PNG (the
fallback for readers without SVG).  Its colours differ in lightness and each
line has its own marker and dash, so it reads printed in black and white.
matplotlib is imported only when a chart is drawn.  The Chinese font is
found at run time among the installed fonts; without one the chart is still
drawn, and :attr:`Chart.warning` says why its labels may show as boxes.
"""

from __future__ import annotations

import io
import itertools
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

BAR_COLOUR = "#C00000"  # grey level 0.23: dark against the white ground and light grid
# (colour, marker, dash) per line: grey levels 0, .23, .40, .56, .74 (printed in black and white,
# told apart by lightness, marker and dash)
LINE_STYLES = (("#000000", "o", "-"), ("#C00000", "s", "--"), ("#2E75B6", "^", "-."), ("#70AD47", "D", ":"),
               ("#FFC000", "v", (0, (6, 2))))
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    labels: tuple[str, ...]  # category labels, in the order drawn (top to bottom)
    font: str | None  # the font family used for the labels, None when no CJK font
    warning: str | None  # a Chinese sentence for the run log, or None
    svg: bytes | None = None  # the same chart as SVG


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


def _draw(height: float, dpi: int, draw) -> tuple[bytes, bytes, object, str | None]:
    """A figure 6.2 in wide as PNG and SVG: ``draw(ax, font)`` fills it (no pyplot state, glyph
    warnings said once; the SVG is the same for the same chart)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    family = find_cjk_font()
    font = FontProperties(family=family) if family else FontProperties()
    fig = Figure(figsize=(6.2, height), dpi=dpi)
    FigureCanvasAgg(fig)
    buf, svg = io.BytesIO(), io.BytesIO()
    with warnings.catch_warnings(), rc_context({"svg.fonttype": "path", "svg.hashsalt": "reporter"}):
        # Without a CJK font matplotlib warns per missing glyph; we say it once.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        ax = fig.add_subplot()
        draw(ax, font)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": "reporter"})
    return buf.getvalue(), svg.getvalue(), ax, family


def bar_chart(labels: Sequence[str], counts: Sequence[int], title: str = "各方面问题数量", dpi: int = 150) -> Chart:
    """A horizontal bar chart (categories top to bottom in the given order) as PNG and SVG;
    ``title`` "": none (the document's caption names it)."""

    def draw(ax, font) -> None:
        positions = list(range(len(labels)))
        bars = ax.barh(positions, list(counts), color=BAR_COLOUR, height=0.6)
        ax.set_yticks(positions, labels=list(labels), fontproperties=font)
        ax.invert_yaxis()
        if title:
            ax.set_title(title, fontproperties=font)
        ax.bar_label(bars, padding=3, fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.margins(x=0.12)

    png, svg, ax, family = _draw(1.2 + 0.42 * max(len(labels), 1), dpi, draw)
    drawn = tuple(t.get_text() for t in ax.get_yticklabels())
    return Chart(png, drawn, family, None if family else NO_FONT_WARNING, svg)


def line_chart(dates: Sequence[str], series: dict[str, Sequence[int]], title: str = "整改进展趋势",
               dpi: int = 150) -> Chart:
    """One line per series over the as-of dates (the trend of 整改进展), as PNG and SVG; each
    line its own lightness, marker and dash (:data:`LINE_STYLES`); dates written 2024年3月31日."""
    shown = [_ISO.sub(lambda m: f"{int(m[1])}年{int(m[2])}月{int(m[3])}日", str(d)) for d in dates]

    def draw(ax, font) -> None:
        positions = list(range(len(dates)))
        for (label, values), (colour, marker, dash) in zip(series.items(), itertools.cycle(LINE_STYLES)):
            ax.plot(positions, list(values), color=colour, marker=marker, linestyle=dash, markersize=5,
                    markeredgecolor="#000000", markeredgewidth=0.6, label=label)
        small = font.copy()
        small.set_size(8)
        ax.set_xticks(positions, labels=shown, fontproperties=small, rotation=30 if len(dates) > 4 else 0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if title:
            ax.set_title(title, fontproperties=font)
        ax.legend(prop=font, fontsize=8, loc="best")

    png, svg, ax, family = _draw(3.2, dpi, draw)
    drawn = tuple(t.get_text() for t in ax.get_legend().get_texts())
    return Chart(png, drawn, family, None if family else NO_FONT_WARNING, svg)
