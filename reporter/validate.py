"""`reporter validate`: check every workbook under INPUT_DIR, write nothing."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Config
from .discover import discover, name_findings, shown
from .errors import UsageError
from .model import FileResult, error, status_of
from .workbook import read_path


@dataclass(slots=True)
class Validation:
    input_dir: str
    results: list[FileResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        totals = {"workbooks": len(self.results), "ok": 0, "warning": 0, "failed": 0}
        for result in self.results:
            totals[result.status] = totals.get(result.status, 0) + 1
        return totals

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status == "failed" for r in self.results) else 0


def validate_dir(input_dir: Path, config: Config, strict: bool = False) -> Validation:
    """Read every workbook under ``input_dir``; raises UsageError when it is not a folder."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise UsageError(f"找不到输入文件夹：{input_dir}（请确认路径，或先用 reporter template 生成模板）。")
    found = discover(input_dir)
    root = input_dir.resolve()
    validation = Validation(str(input_dir), ignored=[shown(rel) for rel in found.ignored])
    for source in found.workbooks:
        read = read_path(root / source, config, root)
        messages = (*name_findings(source), *read.messages)
        status = "failed" if read.failed else status_of(messages, strict)
        validation.results.append(FileResult(shown(source), status, messages, read.branch))
    for folder in getattr(found, "unreadable", ()):  # folders that could not be listed
        message = error("E125", "无法读取这个文件夹（没有权限或已被移走），其中的工作簿未检查；请让管理员开放读取权限。")
        validation.results.append(FileResult(shown(folder), "failed", (message,)))
    return validation


def result_json(result: FileResult) -> dict:
    return {
        "source": result.source,
        "status": result.status,
        "branch": result.branch.info.name if result.branch else None,
        "counts": result.counts,
        "messages": [m.to_json() for m in result.messages],
    }


def validation_json(validation: Validation) -> dict:
    """The document `reporter validate --json` prints."""
    return {
        "tool_version": __version__,
        "input_dir": validation.input_dir,
        "totals": validation.totals,
        "workbooks": [result_json(r) for r in validation.results],
        "ignored": validation.ignored,
    }


def run_validate(input_dir: Path, config: Config, strict: bool = False, as_json: bool = False) -> int:
    """Validate, print a table (or JSON) to stdout, return the exit status (0 / 1)."""
    validation = validate_dir(input_dir, config, strict)
    if as_json:
        sys.stdout.write(json.dumps(validation_json(validation), ensure_ascii=False, indent=2) + "\n")
    else:
        from .console import print_validation

        print_validation(validation.results, validation.ignored, validation.totals)
    return validation.exit_code
