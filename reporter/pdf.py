"""PDF export with LibreOffice headless.

One LibreOffice start converts many files (starting costs about 2 s, a
document a fraction of that), each call gets its own throw-away profile
directory (so it works under cron and beside a user's own LibreOffice), and
the conversion sees our fontconfig configuration (``data/fonts.conf``), which
maps the official font names onto installed free faces.

Every PDF is written atomically: LibreOffice writes into a temporary folder
beside the PDFs, then each finished file is renamed into place.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from .errors import ReporterError
from .model import Message, warning

DEBIAN_PACKAGES = (
    "libreoffice-writer-nogui",
    "libreoffice-calc-nogui",
    "fonts-noto-cjk",
    "fonts-arphic-ukai",
    "fonts-arphic-uming",
)
FONTS_CONF = Path(__file__).parent / "data" / "fonts.conf"
SOFFICE_ENV = "REPORTER_SOFFICE"  # path of the soffice program, overrides the search

DEFAULT_TIMEOUT = 180.0  # seconds allowed for one LibreOffice run (at most BATCH_SIZE files)
BATCH_SIZE = 50  # files per LibreOffice start

WORK_PREFIX = ".reporter-pdf-"  # temporary folder inside out_dir
PROFILE_PREFIX = "reporter-lo-profile-"  # private LibreOffice profile in the temp folder
STALE_AFTER = 24 * 3600.0  # seconds after which a killed run's leftovers are removed

# Message code for a document that could not be converted (the .docx is fine).
CODE_PDF_FAILED = "W501"

# Import filters by extension: forcing the filter makes a damaged file fail
# instead of being imported as plain text (random bytes otherwise "convert").
_IN_FILTERS = {
    ".docx": "MS Word 2007 XML",
    ".xlsx": "Calc MS Excel 2007 XML",
}
_KNOWN_LOCATIONS = (
    "/usr/lib/libreoffice/program/soffice",
    "/usr/local/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def missing_message() -> str:
    """What to tell the user when LibreOffice is not installed."""
    return (
        "未找到 LibreOffice，无法生成 PDF。请先安装（Debian/Ubuntu）："
        f"sudo apt-get install {' '.join(DEBIAN_PACKAGES)}；"
        f"或用环境变量 {SOFFICE_ENV} 指定 soffice 程序的路径。"
    )


def find_soffice() -> str | None:
    """The LibreOffice program to run, or None when it is not installed.

    ``$REPORTER_SOFFICE`` wins when set (and is then the only candidate);
    otherwise ``soffice`` / ``libreoffice`` on PATH, then the usual places.
    """
    override = os.environ.get(SOFFICE_ENV)
    if override:
        path = shutil.which(override)
        return path
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    for candidate in _KNOWN_LOCATIONS:
        if os.access(candidate, os.X_OK):
            return candidate
    for candidate in sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def pdf_failure(text: str) -> Message:
    """The finding for a workbook whose document could not be converted."""
    return warning(CODE_PDF_FAILED, text)


def convert_to_pdf(
    docx_paths: list[Path], out_dir: Path, timeout: float = DEFAULT_TIMEOUT
) -> dict[Path, str | None]:
    """Convert documents to ``out_dir/<stem>.pdf`` with as few LibreOffice starts as possible.

    Returns, for every input path, None when its PDF was written, else a
    Chinese sentence saying why not; one bad file never stops the others.
    ``timeout`` bounds each LibreOffice run (at most :data:`BATCH_SIZE`
    files); a run that takes longer is killed. .xlsx files convert too (to
    a PDF of their sheets). Raises :class:`ReporterError` when LibreOffice
    is not installed or ``out_dir`` cannot be created.
    """
    paths = [Path(p) for p in docx_paths]
    if not paths:
        return {}
    if find_soffice() is None:
        raise ReporterError(missing_message())
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReporterError(f"无法创建 PDF 输出文件夹 {out_dir}：{exc.strerror}") from None
    return convert_files({p: out_dir / f"{p.stem}.pdf" for p in paths}, timeout)


def convert_files(targets: Mapping[Path, Path], timeout: float = DEFAULT_TIMEOUT) -> dict[Path, str | None]:
    """Like :func:`convert_to_pdf`, but each source names its own PDF path.

    Lets a caller convert files bound for different folders (the branch
    documents to ``pdf/``, the summary report to ``summary/``) with one
    LibreOffice start.
    """
    if not targets:
        return {}
    soffice = find_soffice()
    if soffice is None:
        raise ReporterError(missing_message())

    results: dict[Path, str | None] = {}
    jobs: list[tuple[Path, Path]] = []  # (source, target)
    owner: dict[Path, Path] = {}
    for path, target in targets.items():
        path, target = Path(path), Path(target)
        try:
            size = path.stat().st_size if path.is_file() else None
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            results[path] = _failed(path, f"无法读取文件或创建输出文件夹（{exc.strerror}）。")
            continue
        if target in owner:
            results[path] = _failed(path, f"与 {owner[target].name} 会生成同名的 {target.name}。")
        elif size is None:
            results[path] = _failed(path, "找不到这个文件。")
        elif size == 0:
            results[path] = _failed(path, "这是一个空文件。")
        else:
            owner[target] = path
            jobs.append((path, target))
    if jobs:
        _convert(soffice, jobs, timeout, results)
    return {Path(path): results[Path(path)] for path in targets}


def _convert(soffice: str, jobs: list[tuple[Path, Path]], timeout: float, results: dict[Path, str | None]) -> None:
    """Run LibreOffice over the jobs with one private profile and one work folder."""
    work_parent = jobs[0][1].parent  # beside the PDFs, so the final rename stays on one disk
    for folder in {target.parent for _, target in jobs}:
        _remove_stale(folder, WORK_PREFIX)
    _remove_stale(Path(tempfile.gettempdir()), PROFILE_PREFIX)
    profile = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX))
    try:
        with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=work_parent) as work:
            runner = _Runner(soffice, profile, Path(work), timeout)
            for group in _groups(jobs):
                results.update(runner.convert(group))
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _remove_stale(folder: Path, prefix: str) -> None:
    """Remove what a killed run left behind (folders older than STALE_AFTER)."""
    limit = time.time() - STALE_AFTER
    try:
        leftovers = [p for p in folder.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for path in leftovers:
        try:
            if path.is_dir() and not path.is_symlink() and path.stat().st_mtime < limit:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def _groups(jobs: list[tuple[Path, Path]]) -> list[list[tuple[Path, Path]]]:
    """Split jobs by import filter, then into runs of at most BATCH_SIZE."""
    by_filter: dict[str | None, list[tuple[Path, Path]]] = {}
    for job in jobs:
        by_filter.setdefault(_IN_FILTERS.get(job[0].suffix.lower()), []).append(job)
    return [group[i : i + BATCH_SIZE] for group in by_filter.values() for i in range(0, len(group), BATCH_SIZE)]


class _Runner:
    """Runs LibreOffice on groups of files inside one work folder and one profile."""

    def __init__(self, soffice: str, profile: Path, work: Path, timeout: float) -> None:
        self.soffice = soffice
        self.profile_uri = profile.as_uri()
        self.work = work
        self.timeout = timeout
        self.env = dict(os.environ)
        if FONTS_CONF.is_file():
            self.env["FONTCONFIG_FILE"] = str(FONTS_CONF)
        self.env.setdefault("HOME", str(profile))
        self._count = 0

    def convert(self, group: list[tuple[Path, Path]]) -> dict[Path, str | None]:
        """Convert one group (same import filter); retry after a crash or timeout."""
        results: dict[Path, str | None] = {}
        pending: list[tuple[Path, Path, Path]] = []  # (source, target, ASCII-named copy)
        in_dir = self.work / "in"
        in_dir.mkdir(exist_ok=True)
        (self.work / "out").mkdir(exist_ok=True)
        for source, target in group:
            # ASCII names: no locale trouble under cron, no clash between equal stems.
            self._count += 1
            copy = in_dir / f"{self._count:06d}{source.suffix.lower()}"
            try:
                shutil.copyfile(source, copy)
            except OSError as exc:
                results[source] = _failed(source, f"无法读取文件（{exc.strerror}）。")
                continue
            pending.append((source, target, copy))

        stalled = False  # the previous abnormal run converted nothing
        while pending:
            failure = self._run([copy for _, _, copy in pending])
            missing = self._collect(pending, results)
            if not missing:
                break
            no_progress = len(missing) == len(pending)
            if failure is None or len(pending) == 1 or (no_progress and stalled):
                # a normal end (those files could not be loaded), or LibreOffice
                # fails whatever it is given: stop trying
                for source, _, _ in missing:
                    results[source] = _failed(source, failure or NOT_LOADED)
                break
            stalled = no_progress
            # LibreOffice died part-way: the first file it did not finish is
            # the likely cause. Try it alone, then the rest together.
            first, rest = missing[0], missing[1:]
            alone = self._run([first[2]])
            if self._collect([first], results):
                results[first[0]] = _failed(first[0], alone or NOT_LOADED)
            pending = rest
        return results

    def _collect(self, jobs: list[tuple[Path, Path, Path]], results: dict[Path, str | None]) -> list:
        """Move finished PDFs into place; return the jobs that have none."""
        missing = []
        for source, target, copy in jobs:
            pdf = self.work / "out" / f"{copy.stem}.pdf"
            if not (pdf.is_file() and pdf.stat().st_size > 0):
                missing.append((source, target, copy))
                continue
            try:
                _place(pdf, target)
            except OSError as exc:
                results[source] = _failed(source, f"无法写入 {target}（{exc.strerror}）。")
            else:
                results[source] = None
        return missing

    def _run(self, files: list[Path]) -> str | None:
        """One LibreOffice run; None when it ended normally, else what went wrong (Chinese)."""
        args = [
            self.soffice,
            f"-env:UserInstallation={self.profile_uri}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
        ]
        in_filter = _IN_FILTERS.get(files[0].suffix.lower())
        if in_filter:
            args.append(f"--infilter={in_filter}")
        args += ["--convert-to", "pdf", "--outdir", str(self.work / "out"), *map(str, files)]
        try:
            proc = subprocess.Popen(
                args,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a timeout kills all of it
            )
        except OSError as exc:
            raise ReporterError(f"无法启动 LibreOffice（{self.soffice}）：{exc.strerror}。{missing_message()}") from None
        try:
            proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return f"LibreOffice 转换超时（超过 {self.timeout:g} 秒），已被终止。"
        except BaseException:
            _kill(proc)
            raise
        if proc.returncode != 0:
            return f"LibreOffice 异常退出（退出码 {proc.returncode}）。"
        return None


NOT_LOADED = "LibreOffice 打不开这个文件（文件可能已损坏）。"


def _failed(source: Path, reason: str) -> str:
    """The Chinese sentence for one file that got no PDF."""
    return f"{source.name} 未能转换为 PDF：{reason}"


def _place(pdf: Path, target: Path) -> None:
    """Rename the finished PDF into place (copy + rename when on another disk)."""
    try:
        os.replace(pdf, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            shutil.copyfile(pdf, part)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)


def _kill(proc: subprocess.Popen) -> None:
    """Kill LibreOffice and its helper processes (its whole process group)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not Linux
            proc.kill()
    except ProcessLookupError:
        pass
    proc.communicate()
