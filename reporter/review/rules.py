"""The review's rules about one branch alone: R602, R611, R612, R613, R614.

Cells are those of the standard template's columns (the parsed branch keeps
each item's row, not the column its cell was found in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..config import ReviewSettings
from ..findings import listing, message
from ..model import Branch, Message
from ..schema import MEASURES, PROBLEMS, SECTIONS, Sheet
from ..text import parse_deadline
from .similar import candidate_pairs, name_forms, normalise, similarity as measure


def cell(sheet: Sheet, key: str, row: int) -> str:
    """``C7``: the standard template's column of ``key`` in ``sheet``, at ``row``."""
    return f"{_column(sheet.name, key)}{row}"


@lru_cache(maxsize=None)
def _column(sheet: str, key: str) -> str:
    columns = next(s for s in SECTIONS if s.name == sheet).columns
    return chr(ord("A") + next(i for i, c in enumerate(columns) if c.key == key))


@dataclass(frozen=True, slots=True)
class Entry:
    """An item long enough to be compared: where it is and its normalised text."""

    section: int  # index in schema.SECTIONS
    row: int
    text: str

    @property
    def sheet(self) -> Sheet:
        return SECTIONS[self.section]

    @property
    def cell(self) -> str:
        return cell(self.sheet, "headline", self.row)


def entries(branch: Branch, min_chars: int) -> list[Entry]:
    """The branch's items (headline + details) normalised, those shorter than ``min_chars`` left out."""
    names = name_forms(branch.info.name)
    found = []
    for section, items in enumerate((branch.problems, branch.causes, branch.measures)):
        for item in items:
            text = normalise(item.headline + item.details, names)
            if len(text) >= min_chars:
                found.append(Entry(section, item.row, text))
    return found


def repeated(items: Sequence[Entry], keys: np.ndarray, threshold: float) -> list[Message]:
    """R602: each item near-identical to another of the same sheet, naming the most similar one."""
    best: dict[int, list] = {}  # item → [similarity, other, how many]
    for a, b in sorted(set(candidate_pairs(keys))):  # a pair sharing several bands is offered once per band
        if items[a].section != items[b].section:
            continue
        similarity = measure(items[a].text, items[b].text, threshold)
        if similarity < threshold:
            continue
        for me, other in ((a, b), (b, a)):
            mine = best.setdefault(me, [0.0, other, 0])
            mine[2] += 1
            if (similarity, -items[other].row) > (mine[0], -items[mine[1]].row):
                mine[0], mine[1] = similarity, other
    found = []
    for me in sorted(best, key=lambda i: (items[i].section, items[i].row)):
        similarity, other, count = best[me]
        more = f"，另有 {count - 1} 条也与本条相似" if count > 1 else ""
        found.append(message("R602", sheet=items[me].sheet.name, cell=items[me].cell,
                             other=items[other].cell, percent=round(similarity * 100), more=more))
    return found


def vague(branch: Branch, settings: ReviewSettings) -> list[Message]:
    """R611: problems whose 具体表现 is empty or shorter than ``min_details``."""
    found = []
    for problem in branch.problems:
        length = len("".join(problem.details.split()))
        if length >= settings.min_details:
            continue
        where = dict(sheet=PROBLEMS.name, cell=cell(PROBLEMS, "details", problem.row))
        found.append(message("R611", variant="empty", **where) if length == 0 else
                     message("R611", variant="short", length=length, minimum=settings.min_details, **where))
    return found


def unanswered(branch: Branch) -> list[Message]:
    """R612: when the workbook uses 对应问题 at all, the problems no measure names."""
    if not any(m.problems or m.problems_text for m in branch.measures):
        return []
    named = {n for m in branch.measures for n in m.problems}
    return [message("R612", sheet=PROBLEMS.name, cell=cell(PROBLEMS, "headline", p.row), number=p.number)
            for p in branch.problems if p.number not in named]


def _usable_deadline(measure) -> bool:
    """A due date, or an ongoing commitment (长期坚持, 持续推进 …: the usual 长期坚持 class of measures)."""
    if measure.deadline is not None:
        return True
    return bool(measure.deadline_text) and parse_deadline(measure.deadline_text).ongoing


def not_concrete(branch: Branch) -> list[Message]:
    """R613: measures without 责任人 or without a usable 完成时限."""
    found = []
    for measure in branch.measures:
        owner, deadline = bool((measure.owner or "").strip()), _usable_deadline(measure)
        if owner and deadline:
            continue
        variant = "both" if not (owner or deadline) else "owner" if not owner else "deadline"
        key = "deadline" if variant == "deadline" else "owner"
        found.append(message("R613", variant=variant, sheet=MEASURES.name, cell=cell(MEASURES, key, measure.row)))
    return found


def uncovered(branch: Branch, aspects: Sequence[str]) -> list[Message]:
    """R614: the required aspects no problem is filed under (one finding on 存在的问题)."""
    filed = {p.category for p in branch.problems}
    missing = [a for a in aspects if a not in filed]
    return [message("R614", sheet=PROBLEMS.name, aspects=listing(missing))] if missing else []


def branch_findings(branch: Branch, settings: ReviewSettings, items: Sequence[Entry],
                    keys: np.ndarray) -> list[Message]:
    """Every rule about this branch alone that ``settings`` leaves on, in code order."""
    found: list[Message] = []
    if settings.r602:
        found += repeated(items, keys, settings.similar)
    if settings.r611:
        found += vague(branch, settings)
    if settings.r612:
        found += unanswered(branch)
    if settings.r613:
        found += not_concrete(branch)
    if settings.r614 and settings.required_aspects:
        found += uncovered(branch, settings.required_aspects)
    return found

