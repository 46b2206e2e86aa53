"""``reporter template``: one blank workbook, or one pre-filled workbook per branch of a roster."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import UsageError, os_reason
from ..fsutil import safe_name
from .build import write_template
from .cells import DEFAULT_FILENAME


@dataclass(frozen=True, slots=True)
class TemplateResult:
    """What ``reporter template`` did: the workbooks written and the existing ones kept."""

    written: tuple[Path, ...]
    kept: tuple[Path, ...] = ()
    folder: Path | None = None  # roster mode: the folder written into

    def lines(self) -> list[str]:
        """What the command says (the CLI prints it)."""
        if self.folder is None:
            return [f"已写出标准工作簿：{self.written[0]}"]
        out = [f"已按名单为 {len(self.written)} 个支部写出预填工作簿：{self.folder}"]
        if self.kept:
            out.append(f"以下 {len(self.kept)} 个工作簿已存在，未覆盖（可能已经填写了内容；确需覆盖时加 --force）："
                       + "、".join(p.name for p in self.kept))
        return out


def run_template(path: Path, config: Config, roster: Path | None = None, force: bool = False) -> TemplateResult:
    """``reporter template``: one blank workbook at ``path``, or with a roster
    one pre-filled workbook per branch in the folder ``path``.

    An existing workbook (perhaps already filled in by a branch) is never
    overwritten without ``force``: a single file is refused, in roster mode
    the existing ones are skipped and named.
    """
    if roster is not None:
        return _run_roster(Path(path), config, Path(roster), force)
    path = Path(path)
    if path.is_dir():
        path = path / DEFAULT_FILENAME
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"模板文件名应以 .xlsx 结尾：{path}")
    if path.exists() and not force:
        raise UsageError(f"{path} 已存在，未覆盖（它可能已经填写了内容）。"
                         "请换一个文件名；确需覆盖时加 --force。")
    try:
        write_template(path, config)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    return TemplateResult((path,))


def _cannot_write(what: object, exc: OSError) -> UsageError:
    # Existing files are never overwritten here, so "exists" means a folder on the way is a file.
    reason = "路径中的某一级不是文件夹" if isinstance(exc, FileExistsError) else os_reason(exc)
    return UsageError(f"无法写入 {what}：{reason}。")


def _run_roster(folder: Path, config: Config, roster: Path, force: bool) -> TemplateResult:
    from ..roster import read_roster_entries

    entries = read_roster_entries(roster)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"使用 --roster 时 PATH 应为文件夹：{folder} 是一个文件。")
    used: set[str] = set()
    written: list[Path] = []
    kept: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            stem = safe_name(entry.name)
            candidate, n = stem, 1
            while candidate.casefold() in used:
                n += 1
                candidate = f"{stem}-{n}"
            used.add(candidate.casefold())
            target = folder / f"{candidate}.xlsx"
            if target.exists() and not force:
                kept.append(target)
                continue
            info = {"支部名称": entry.name}
            if entry.parent:
                info["上级党组织"] = entry.parent
            write_template(target, config, info)
            written.append(target)
    except OSError as exc:
        raise _cannot_write(f"文件夹 {folder}", exc) from None
    return TemplateResult(tuple(written), tuple(kept), folder)
