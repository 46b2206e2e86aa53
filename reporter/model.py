"""The records everything else passes around: a parsed branch and a file's outcome (the
findings themselves are in :mod:`reporter.message`, and their names are here too).

All of them are plain, frozen, picklable values, so they can travel between
worker processes and be compared in tests.  Each has a JSON form
(``to_json`` / ``from_json``, dates as ISO strings): the build's state store
keeps branches that way, so nothing read back from disk is unpickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .message import Level, Message, Status, error, status_of, warning

__all__ = ["Branch", "BranchInfo", "Cause", "FileResult", "Item", "Level", "Measure", "Message", "Problem",
           "ReadResult", "Status", "error", "status_of", "warning"]


@dataclass(frozen=True, slots=True)
class Item:
    """One numbered item of a section: a headline sentence and its paragraph.

    ``number`` is the item's number in the document, （n）: the typed 序号
    when they are 1…n (items are then ordered by 序号), otherwise the
    item's position (the reader warns, W309 / W315).  对应问题 and the
    ledger use the same numbers.  ``row`` is the 1-based sheet row the item
    came from.
    """

    headline: str
    details: str = ""
    number: int = 0
    row: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"headline": self.headline, "details": self.details, "number": self.number, "row": self.row}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Problem(Item):
    category: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**Item.to_json(self), "category": self.category}


@dataclass(frozen=True, slots=True)
class Cause(Item):
    pass


@dataclass(frozen=True, slots=True)
class Measure(Item):
    problems: tuple[int, ...] = ()  # 对应问题: the problems' numbers, as in the document
    owner: str | None = None  # 责任人
    deadline: date | None = None  # 完成时限 as a due date (end of the month / year for 2024年6月 / 2024年底)
    status: str | None = None  # 完成情况
    deadline_text: str | None = None  # 完成时限 as written, when it is not a plain date (长期坚持, 2024年6月 …)
    problems_text: str = ""  # 对应问题 as written (全部, 1、3, 十一 …)

    def to_json(self) -> dict[str, Any]:
        return {**Item.to_json(self), "problems": list(self.problems), "owner": self.owner,
                "deadline": _iso(self.deadline), "status": self.status, "deadline_text": self.deadline_text,
                "problems_text": self.problems_text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measure:
        return cls(**{**data, "problems": tuple(data["problems"]), "deadline": _day(data["deadline"])})

    def is_overdue(self, as_of: date, done_status: str = "已完成") -> bool:
        return self.deadline is not None and self.deadline < as_of and self.status != done_status


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """基本信息, with defaults already applied (title and preamble filled)."""

    name: str  # 支部名称
    parent: str | None = None  # 上级党组织
    secretary: str | None = None  # 支部书记
    theme: str = "主题教育专题组织生活会"  # 会议主题
    meeting_date: date | None = None  # 会议日期
    title: str = ""  # 材料标题
    preamble: str = ""  # 导语
    signature: str | None = None  # 落款
    signature_date: date | None = None  # 落款日期

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "parent": self.parent, "secretary": self.secretary, "theme": self.theme,
                "meeting_date": _iso(self.meeting_date), "title": self.title, "preamble": self.preamble,
                "signature": self.signature, "signature_date": _iso(self.signature_date)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BranchInfo:
        return cls(**{**data, "meeting_date": _day(data["meeting_date"]),
                      "signature_date": _day(data["signature_date"])})


@dataclass(frozen=True, slots=True)
class Branch:
    info: BranchInfo
    problems: tuple[Problem, ...] = ()
    causes: tuple[Cause, ...] = ()
    measures: tuple[Measure, ...] = ()
    template_version: int | None = None  # None: not written by `reporter template`

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (dates as ISO strings); :meth:`from_json` gives back an equal Branch."""
        return {"info": self.info.to_json(), "problems": [p.to_json() for p in self.problems],
                "causes": [c.to_json() for c in self.causes], "measures": [m.to_json() for m in self.measures],
                "template_version": self.template_version}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Branch:
        return cls(BranchInfo.from_json(data["info"]), tuple(map(Problem.from_json, data["problems"])),
                   tuple(map(Cause.from_json, data["causes"])), tuple(map(Measure.from_json, data["measures"])),
                   data["template_version"])


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What reading one workbook gives: a branch (None on error) and findings."""

    branch: Branch | None
    messages: tuple[Message, ...] = field(default=())
    name: str | None = None  # 支部名称 whenever it could be read, also when the workbook failed

    @property
    def failed(self) -> bool:
        return self.branch is None or any(m.level == "error" for m in self.messages)




@dataclass(frozen=True, slots=True)
class FileResult:
    """The outcome for one input file of `validate` or `build`."""

    source: str  # path relative to INPUT_DIR, with "/" separators
    status: Status
    messages: tuple[Message, ...] = ()
    branch: Branch | None = None
    sha256: str | None = None
    document: str | None = None  # path relative to OUTPUT_DIR, "docs/….docx"
    name: str | None = None  # 支部名称 whenever it could be read (also for a failed workbook)
    duplicate_of: str | None = None  # another workbook of the same branch that the summary uses instead

    @property
    def counts(self) -> dict[str, int]:
        b = self.branch
        return {
            "problems": len(b.problems) if b else 0,
            "causes": len(b.causes) if b else 0,
            "measures": len(b.measures) if b else 0,
        }
