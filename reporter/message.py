"""A finding about a workbook, and the status its findings give it.

Apart from :mod:`reporter.model` (the parsed branch) because a build with
nothing new needs only these: it reads every workbook's findings back from
its state, never a branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "review"]  # review: the committee's review (R6xx), never changes a status


@dataclass(frozen=True, slots=True)
class Message:
    """One finding about one workbook (file is known by whoever holds it)."""

    level: Level
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None

    @property
    def where(self) -> str:
        """``存在的问题!C7`` / ``存在的问题`` / ``""``."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_json(self) -> dict:
        return {
            "level": self.level,
            "code": self.code,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict) -> Message:
        return cls(data["level"], data["code"], data["message"], data.get("sheet"), data.get("cell"))


def error(code: str, message: str, sheet: str | None = None, cell: str | None = None) -> Message:
    return Message("error", code, message, sheet, cell)


def warning(code: str, message: str, sheet: str | None = None, cell: str | None = None) -> Message:
    return Message("warning", code, message, sheet, cell)


Status = Literal["ok", "warning", "failed", "unchanged"]


def status_of(messages: tuple[Message, ...] | list[Message], strict: bool = False) -> Status:
    """failed on any error (or any warning with --strict), warning, else ok (review findings never count)."""
    levels = {m.level for m in messages}
    if "error" in levels or (strict and "warning" in levels):
        return "failed"
    return "warning" if "warning" in levels else "ok"
