"""基本信息 → :class:`BranchInfo`, with the defaults applied."""

from __future__ import annotations

from datetime import date

from ..config import Config
from ..model import BranchInfo
from ..text import chinese_date
from ..schema import INFO_FIELDS, INFO_SHEET
from .cells import Collector
from .grid import Grid, shown
from .layout import InfoLayout, info_layout, unknown_labels


def fill_template(template: str, fields: dict[str, object]) -> str:
    """Fill a title / preamble template; an empty field becomes a neutral word."""
    meeting = fields.get("meeting_date")
    values = {
        "支部名称": fields.get("name") or "党支部",
        "上级党组织": fields.get("parent") or "上级党组织",
        "支部书记": fields.get("secretary") or "支部书记",
        "会议主题": fields.get("theme") or "",
        "会议日期": chinese_date(meeting) if isinstance(meeting, date) else "近期",
    }
    return template.format_map(values)


def fill_info(fields: dict[str, object], config: Config) -> BranchInfo:
    """基本信息 with the defaults applied (theme, title, preamble)."""
    fields = dict(fields)
    fields["theme"] = fields.get("theme") or config.default_theme
    fields["title"] = fields.get("title") or fill_template(config.title_template, fields)
    fields["preamble"] = fields.get("preamble") or fill_template(config.preamble_template, fields)
    return BranchInfo(**fields)  # type: ignore[arg-type]


def _layout(cells: Collector, grid: Grid) -> InfoLayout | None:
    """The layout; W313 for unknown labels, E207 / W314 for formulas, E208 when no label is found."""
    layout = info_layout(grid)
    if layout is not None:
        names = "、".join(f.label for f in INFO_FIELDS)
        for r, c, text in unknown_labels(grid, layout):
            cells.add("W313", grid, r, c, value=shown(text), labels=names)
    for r, c in sorted(grid.formulas):
        cells.formula(grid, r, c, "name" if layout and layout.where.get("name") == (r, c) else "")
    if layout is None:
        cells.add("E208", grid)
    return layout


def branch_info(cells: Collector, grid: Grid | None) -> BranchInfo | None:
    """The branch's 基本信息 (None after E201 / E204 / E208)."""
    if grid is None:
        cells.add("E201", info_sheet=INFO_SHEET)
        return None
    layout = _layout(cells, grid)
    if layout is None:
        return None
    fields: dict[str, object] = {}
    for spec in INFO_FIELDS:
        if spec.key not in layout.values:
            continue
        r, c = layout.where[spec.key]
        value = layout.values[spec.key]
        if spec.kind == "date":
            fields[spec.key] = cells.date(value, grid, r, c, spec.label)
        else:
            fields[spec.key] = cells.text(value, grid, r, c) or None
    if not fields.get("name"):
        r, c = layout.where.get("name", (None, None))
        if (r, c) not in grid.formulas:  # already reported as a formula
            cells.add("E204", grid, r, c, info_sheet=INFO_SHEET)
        return None
    cells.name = fields["name"]  # type: ignore[assignment]
    return fill_info(fields, cells.config)
