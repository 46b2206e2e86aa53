"""PDF export with LibreOffice headless.

One LibreOffice start converts many files (starting costs about 2 s, a
document a fraction of that), each call gets its own throw-away profile
directory (so it works under cron and beside a user's own LibreOffice), and
the conversion sees our fontconfig configuration (``data/fonts.conf``), which
maps the official font names onto installed free faces.

Every PDF is written atomically: LibreOffice writes into a temporary folder
beside the PDFs, then each finished file is renamed into place.

A LibreOffice that fails as a whole (will not start, crashes whatever it is
given, hangs) is a problem of the server, not of a document: the call gives
up on PDFs at once and says so in :attr:`PdfOutcome.run_error`, with
LibreOffice's own output in :attr:`PdfOutcome.details` for the log.  However
the call is left (also by an exception raised from a signal handler), no
LibreOffice process and no temporary folder stays behind.
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
from dataclasses import dataclass, field
from pathlib import Path

from .errors import os_reason

DEBIAN_PACKAGES = (
    "libreoffice-writer-nogui",
    "libreoffice-calc-nogui",
    "fonts-noto-cjk",
    "fonts-arphic-ukai",
    "fonts-arphic-uming",
    "texlive-lang-chinese",  # FandolFang: the 仿宋 face
    "fonts-lxgw-wenkai",  # the 楷体 face
)
FONTS_CONF = Path(__file__).parent / "data" / "fonts.conf"
SOFFICE_ENV = "REPORTER_SOFFICE"  # path of the soffice program, overrides the search

BATCH_SIZE = 50  # files per LibreOffice start

WORK_PREFIX = ".reporter-pdf-"  # temporary folder inside out_dir
PROFILE_PREFIX = "reporter-lo-profile-"  # private LibreOffice profile in the temp folder
STALE_AFTER = 24 * 3600.0  # seconds after which a killed run's leftovers are removed

OUTPUT_TAIL = 4096  # bytes of LibreOffice's own output kept for the log

# Import filters by extension: forcing the filter makes a damaged file fail
# instead of being imported as plain text (random bytes otherwise "convert").
_IN_FILTERS = {
    ".docx": "MS Word 2007 XML",
    ".xlsx": "Calc MS Excel 2007 XML",
}
# Output formats: LibreOffice's --convert-to argument, and the name a message gives the result.
FORMATS = {
    "pdf": ("pdf", "PDF"),
    "docx": ("docx:MS Word 2007 XML", "Word 文档"),
}
# Writer's PDF export of a .docx: keep the blank pages odd-page section breaks insert (the bound
# volume is printed duplex) and export Word bookmarks as named destinations (where each of its
# parts starts).  JSON filter options: LibreOffice 7.4 or later.
WRITER_PDF = ('pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"},'
              '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}')
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


@dataclass
class PdfOutcome:
    """What one conversion call did."""

    failed: dict[Path, str]  # document -> Chinese reason; documents not in it were converted
    run_error: str | None = None  # LibreOffice failed or hung as a whole; PDFs given up for the rest of this run
    details: list[str] = field(default_factory=list)  # LibreOffice's own output (exit status, output tail) for the log


def convert_to_pdf(documents: list[Path], out_dir: Path, *, timeout: float) -> PdfOutcome:
    """Convert documents to ``out_dir/<stem>.pdf`` with as few LibreOffice starts as possible.

    One bad file never stops the others: it gets its reason in
    ``failed``.  ``timeout`` bounds each LibreOffice run (at most
    :data:`BATCH_SIZE` files); a run that takes longer is killed, and when it
    produced no PDF at all LibreOffice is taken to be hung: the call gives up
    at once (``run_error``), as it does when LibreOffice is missing, will not
    start, or fails whatever it is given.  Then every document not
    converted is in ``failed`` too.  .xlsx files convert as well (to a PDF
    of their sheets).
    """
    out_dir = Path(out_dir)
    return convert_files({Path(p): out_dir / f"{Path(p).stem}.pdf" for p in documents}, timeout=timeout)


def convert_files(targets: Mapping[Path, Path], *, timeout: float, fmt: str = "pdf") -> PdfOutcome:
    """Like :func:`convert_to_pdf`, but each source names its own PDF path.

    Lets a caller convert files bound for different folders (the branch
    documents to ``pdf/``, the summary report to ``summary/``) with one
    LibreOffice start.  ``fmt`` is the format to convert to (a key of
    :data:`FORMATS`: ``"docx"`` turns .doc / .wps / .rtf / .odt into Word
    documents for ``reporter import``); the targets then end in ``.<fmt>``.
    """
    outcome = PdfOutcome({})
    if not targets:
        return outcome
    soffice = find_soffice()
    if soffice is None:
        return _give_up(outcome, list(targets), missing_message(), fmt)
    jobs: list[tuple[Path, Path]] = []  # (source, target)
    owner: dict[Path, Path] = {}
    for path, target in targets.items():
        path, target = Path(path), Path(target)
        try:
            size = path.stat().st_size if path.is_file() else None
        except OSError as exc:
            outcome.failed[path] = _failed(path, f"无法读取文件（{os_reason(exc)}）。", fmt)
            continue
        if target in owner:
            outcome.failed[path] = _failed(path, f"与 {owner[target].name} 会生成同名的 {target.name}。", fmt)
        elif size is None:
            outcome.failed[path] = _failed(path, "找不到这个文件。", fmt)
        elif size == 0:
            outcome.failed[path] = _failed(path, "这是一个空文件。", fmt)
        else:
            owner[target] = path
            jobs.append((path, target))
    for folder in sorted({target.parent for _, target in jobs}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = f"无法创建 {FORMATS[fmt][1]} 输出文件夹 {folder}：{os_reason(exc)}。"
            return _give_up(outcome, [s for s, _ in jobs], reason, fmt)
    if jobs:
        done: set[Path] = set()  # sources whose PDF is in place
        try:
            _convert(soffice, jobs, timeout, outcome, done, fmt)
        except _GiveUp as stop:
            _give_up(outcome, [s for s, _ in jobs if s not in done], str(stop), fmt)
    return outcome


class _GiveUp(Exception):
    """LibreOffice fails as a whole: no more PDFs in this run (a Chinese reason)."""


def _give_up(outcome: PdfOutcome, sources: list[Path], reason: str, fmt: str = "pdf") -> PdfOutcome:
    """Set the run error; every source without a PDF and without a reason gets it."""
    outcome.run_error = reason
    for source in sources:
        outcome.failed.setdefault(Path(source), _failed(Path(source), reason, fmt))
    return outcome


def _convert(soffice: str, jobs: list[tuple[Path, Path]], timeout: float, outcome: PdfOutcome, done: set[Path],
             fmt: str = "pdf") -> None:
    """Run LibreOffice over the jobs with one private profile and one work folder.

    However this is left, LibreOffice is stopped (see :meth:`_Runner.run`)
    before the profile and the work folder are removed."""
    work_parent = jobs[0][1].parent  # beside the PDFs, so the final rename stays on one disk
    for folder in {target.parent for _, target in jobs}:
        _remove_stale(folder, WORK_PREFIX)
    _remove_stale(Path(tempfile.gettempdir()), PROFILE_PREFIX)
    profile = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX))
    try:
        with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=work_parent) as work:
            runner = _Runner(soffice, profile, Path(work), timeout, outcome, done, fmt)
            for group in _groups(jobs):
                runner.convert(group)
    except OSError as exc:  # the work folder or the profile cannot be made
        raise _GiveUp(f"无法为 LibreOffice 创建临时文件夹：{os_reason(exc)}。") from None
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


@dataclass(frozen=True)
class _Trouble:
    """A LibreOffice run that did not end normally."""

    reason: str  # Chinese, for a document's reason
    hung: bool  # killed after the timeout


class _Runner:
    """Runs LibreOffice on groups of files inside one work folder and one profile."""

    def __init__(self, soffice: str, profile: Path, work: Path, timeout: float, outcome: PdfOutcome,
                 done: set[Path], fmt: str = "pdf") -> None:
        self.soffice = soffice
        self.fmt = fmt
        self.profile_uri = profile.as_uri()
        self.work = work
        self.timeout = timeout
        self.outcome = outcome
        self.done = done
        self.env = dict(os.environ)
        if FONTS_CONF.is_file():
            self.env["FONTCONFIG_FILE"] = str(FONTS_CONF)
        self.env.setdefault("HOME", str(profile))
        self.worked = False  # LibreOffice has written a PDF in this call
        self._count = 0  # files copied in
        self._runs = 0  # LibreOffice starts

    def convert(self, group: list[tuple[Path, Path]]) -> None:
        """Convert one group (same import filter); isolate a file that crashes LibreOffice.

        Raises :class:`_GiveUp` when LibreOffice hangs (a timeout without a
        single PDF) or fails whatever it is given."""
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
                self.outcome.failed[source] = _failed(source, f"无法读取文件（{os_reason(exc)}）。", self.fmt)
                continue
            pending.append((source, target, copy))

        stalled = False  # the previous abnormal run converted nothing
        while pending:
            trouble = self.run([copy for _, _, copy in pending])
            missing = self._collect(pending)
            if not missing:
                break
            if trouble is None:  # a normal end: those files could not be loaded
                for source, _, _ in missing:
                    self.outcome.failed[source] = _failed(source, NOT_LOADED, self.fmt)
                break
            if len(missing) < len(pending):
                stalled = False
            elif trouble.hung or stalled or (len(pending) == 1 and not self.worked):
                raise _GiveUp(_run_error(trouble, self.timeout))
            else:
                stalled = True
            # LibreOffice died part-way (or at once): the first file it did not
            # finish is the likely cause. Try it alone, then the rest together.
            first, rest = missing[0], missing[1:]
            alone = self.run([first[2]])
            if self._collect([first]):
                if alone is not None and alone.hung:
                    raise _GiveUp(_run_error(alone, self.timeout))
                self.outcome.failed[first[0]] = _failed(first[0], alone.reason if alone else NOT_LOADED, self.fmt)
            pending = rest

    def _collect(self, jobs: list[tuple[Path, Path, Path]]) -> list:
        """Move finished PDFs into place; return the jobs that have none."""
        missing = []
        for source, target, copy in jobs:
            pdf = self.work / "out" / f"{copy.stem}.{self.fmt}"
            if not (pdf.is_file() and pdf.stat().st_size > 0):
                missing.append((source, target, copy))
                continue
            self.worked = True
            try:
                _place(pdf, target)
            except OSError as exc:
                self.outcome.failed[source] = _failed(source, f"无法写入 {target}（{os_reason(exc)}）。", self.fmt)
            else:
                self.done.add(source)
        return missing

    def run(self, files: list[Path]) -> _Trouble | None:
        """One LibreOffice run; None when it ended normally.

        LibreOffice runs in its own process group, which is killed and
        waited for however this is left (a timeout, an exception, a signal
        handler raising in the main thread).  Its output goes to a file; the
        tail of an abnormal run is kept in the outcome's details."""
        self._runs += 1
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
        writer_pdf = self.fmt == "pdf" and in_filter == _IN_FILTERS[".docx"]
        args += ["--convert-to", WRITER_PDF if writer_pdf else FORMATS[self.fmt][0], "--outdir", str(self.work / "out"),
                 *map(str, files)]
        log_path = self.work / "soffice.log"
        proc = None
        trouble = None
        try:
            with open(log_path, "wb") as log:
                try:
                    proc = subprocess.Popen(
                        args,
                        env=self.env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # its own process group, so all of it can be killed
                    )
                except OSError as exc:
                    raise _GiveUp(f"无法启动 LibreOffice（{self.soffice}）：{os_reason(exc)}。") from None
                try:
                    code = proc.wait(timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    trouble = _Trouble(f"LibreOffice 转换超时（超过 {self.timeout:g} 秒），已被终止。", True)
                else:
                    if code != 0:
                        trouble = _Trouble(f"LibreOffice 异常退出（{_exit_text(code)}）。", False)
        finally:
            if proc is not None:
                _kill(proc)  # also after a normal end: no helper process stays behind
        if trouble is not None:
            self.outcome.details.append(
                f"LibreOffice 第 {self._runs} 次运行（{len(files)} 个文件）：{trouble.reason}"
                f"输出：{_tail(log_path) or '（无）'}"
            )
        return trouble


NOT_LOADED = "LibreOffice 打不开这个文件（文件可能已损坏）。"


def _run_error(trouble: _Trouble, timeout: float) -> str:
    """The run-level message when LibreOffice is given up for this run."""
    if trouble.hung:
        return f"LibreOffice 在 {timeout:g} 秒内没有生成任何 PDF，判定为卡死，已终止（时限见配置文件 [pdf] timeout）。"
    return f"{trouble.reason.rstrip('。')}，没有生成任何 PDF。"


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"被信号 {signal.Signals(-code).name} 终止"
        except ValueError:
            return f"被信号 {-code} 终止"
    return f"退出码 {code}"


def _tail(path: Path) -> str:
    """The last OUTPUT_TAIL bytes of LibreOffice's output, as text."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - OUTPUT_TAIL))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _failed(source: Path, reason: str, fmt: str = "pdf") -> str:
    """The Chinese sentence for one file that got no PDF (or no file of the format ``fmt``)."""
    return f"{source.name} 未能转换为 {FORMATS[fmt][1]}：{reason}"


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
    """Kill LibreOffice and its helper processes (its whole process group), then reap it."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not Linux
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
