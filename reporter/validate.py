"""`reporter validate`: check every workbook under INPUT_DIR (or one file), write nothing.

It sees exactly what `build` sees: the same discovery (the tool's own output
folders skipped) and the same duplicate check (W401).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .config import Config
from .discover import Copy, Discovery, discover, duplicates, name_findings, shown
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
    """Read every workbook under ``input_dir`` (a folder, or one workbook file).

    Raises UsageError when the path does not exist."""
    input_dir = Path(input_dir)
    if input_dir.is_dir():
        root, found = input_dir.resolve(), discover(input_dir)
    elif input_dir.is_file():  # one workbook: reported by its own name
        root, found = input_dir.resolve().parent, Discovery(workbooks=[input_dir.name])
    else:
        raise UsageError(f"找不到输入文件夹或文件：{input_dir}（请确认路径，或先用 reporter template 生成模板）。")
    validation = Validation(str(input_dir), ignored=[shown(rel) for rel in found.ignored])
    reads = []
    for source in found.workbooks:
        read = read_path(root / source, config, root)
        reads.append((source, read, _mtime_ns(root / source)))
    copies = [Copy(shown(source), read.name or (read.branch.info.name if read.branch else None), mtime,
                   read.failed) for source, read, mtime in reads]
    dups = duplicates(copies)
    for i, (source, read, _) in enumerate(reads):
        dup = dups.get(i)
        messages = (*name_findings(source), *read.messages, *((dup.message,) if dup and dup.message else ()))
        status = "failed" if read.failed else status_of(messages, strict)
        validation.results.append(FileResult(
            shown(source), status, messages, read.branch, name=copies[i].name,
            duplicate_of=dup.used if dup and dup.used != copies[i].source else None))
    for folder in found.unreadable:  # folders that could not be listed
        message = error("E125", "无法读取这个文件夹（没有权限或已被移走），其中的工作簿未检查；请让管理员开放读取权限。")
        validation.results.append(FileResult(shown(folder), "failed", (message,)))
    return validation


def _mtime_ns(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def result_json(result: FileResult) -> dict:
    return {
        "source": result.source,
        "status": result.status,
        "branch": result.name or (result.branch.info.name if result.branch else None),
        "duplicate_of": result.duplicate_of,
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
