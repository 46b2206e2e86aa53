"""Reading the workbooks in the build process: the bytes, their hash, and
whether a workbook is unchanged since its last good build.

A workbook whose file-system identity is exactly as when it was last hashed
is not read again (git's "stat cache").  ctime is in the key because no
program can set it: a rewrite that keeps the size and restores the
modification time (cp -p, touch -d, an editor) still changes it; inode and
device catch a file replaced by another.  Only a "settled" file is trusted:
its last change at least :data:`RACY_NS` before we read it, so a second
write within the file system's timestamp granularity cannot hide behind an
unchanged key.  --force reads and hashes everything.

Anything unusual about a file (vanished, no permission, a symlink pointing
outside INPUT_DIR or dangling, not a regular file, too large) is worded by
the reader (:func:`reporter.reader.read_path`), exactly as `validate`
words it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .. import __version__
from ..fsutil import inside
from ..message import Message
from .record import Record, changed_while_read
from .state import StateEntry, our_document_name, pdf_name

if TYPE_CHECKING:
    from ..config import Config
    from .engine import Build
    from .pool import Item

RACY_NS = 2_000_000_000
PREFETCH = 500  # state entries read at once


def stat_key(path: str | Path) -> tuple[int, int] | None:
    """(size, mtime_ns), or None when the file is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def source_key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tasks(run: Build) -> Iterator[Item]:
    """The workbooks to process, read in order (the others are decided on the way)."""
    prefetch = getattr(run.entries, "prefetch", None)  # the store's entries, PREFETCH at a time
    for index, rec in enumerate(run.records):
        if prefetch is not None and index % PREFETCH == 0:
            prefetch([r.source for r in run.records[index:index + PREFETCH]])
        data = read(run, rec)
        if data is None:
            run.log.advance()
            continue
        yield index, data, rec.shown


def read(run: Build, rec: Record) -> bytes | None:
    """The workbook's bytes to process, or None when decided here (unchanged / failed)."""
    if rec.shown != rec.source:
        from ..discover import name_findings

        rec.extra += tuple(name_findings(rec.source))
    path = os.path.join(run.input_s, rec.source)
    limit = int(run.config.limits.max_file_mb * 1024 * 1024)
    try:
        st = plain_file(path, run.input_root, limit)
        if st is None:
            return _reader_verdict(run, rec, Path(path))
        old = run.entries.get(rec.source)  # read from the store now, dropped after this workbook
        if not run.o.force and old is not None and old.source_key == source_key(st):
            rec.sha256, rec.stat, rec.source_key = old.sha256, (st.st_size, st.st_mtime_ns), old.source_key
            if unchanged(run, rec, old):
                return None
        now = time.time_ns()
        with open(path, "rb") as f:
            before = os.fstat(f.fileno())
            data = f.read(limit + 1)
            after = os.fstat(f.fileno())
    except OSError:
        return _reader_verdict(run, rec, Path(path))
    key = (after.st_size, after.st_mtime_ns)
    if (before.st_size, before.st_mtime_ns) != key or len(data) != after.st_size:
        rec.fail(changed_while_read())
        return None
    rec.stat = key
    settled = max(after.st_mtime_ns, after.st_ctime_ns) < now - RACY_NS
    rec.source_key = source_key(after) if settled else None
    rec.sha256 = _digest(data)
    return None if unchanged(run, rec, old) else data


def plain_file(path: str, root: Path, limit: int) -> os.stat_result | None:
    """The stat of a regular file inside ``root`` of at most ``limit`` bytes;
    None when it is something else (the reader words why).  Raises OSError."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        if not inside(Path(path), root):
            return None
        st = os.stat(path)
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        return None
    return st


def read_file(path: Path, root: Path, config: Config) -> bytes | tuple[Message, ...]:
    """A workbook's bytes, or the reader's errors saying why it cannot be read (`validate`)."""
    limit = int(config.limits.max_file_mb * 1024 * 1024)
    try:
        if plain_file(os.fspath(path), root, limit) is not None:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
            if len(data) <= limit:
                return data
    except OSError:
        pass
    return verdict(Path(path), config, root)


def _reader_verdict(run: Build, rec: Record, path: Path) -> None:
    """Let the reader word a file-system problem (permissions, symlink, size …)."""
    rec.fail(*verdict(path, run.config, run.input_root, lambda text: run.log.traceback(rec.shown, text)))
    return None


def verdict(path: Path, config: Config, root: Path, traceback_to=None) -> tuple[Message, ...]:
    """The reader's errors for a file that cannot be read as it is (never empty)."""
    from ..pipeline import internal_error
    from ..reader import read_path

    try:
        result = read_path(path, config, root)
    except Exception as exc:  # noqa: BLE001
        if traceback_to is not None:
            import traceback  # only when something failed

            traceback_to(traceback.format_exc())
        return (internal_error(exc),)
    errors = tuple(m for m in result.messages if m.level == "error")
    return errors or (changed_while_read(),)


def unchanged(run: Build, rec: Record, old: StateEntry | None) -> bool:
    """Unchanged since its last good build ``old`` (bytes, configuration, tool version,
    document still in place)?  Then the record takes everything from that state entry."""
    if run.o.force or old is None:
        return False
    if (old.sha256, old.fingerprint, old.tool_version) != (rec.sha256, run.fingerprint, __version__):
        return False
    if not our_document_name(old.document):
        return False  # not a name this tool writes: never touch it
    if run.o.strict and old.status != "ok":
        return False  # its warnings now fail it: let the normal path say so
    if stat_key(os.path.join(run.out_s, old.document)) != old.doc_stat:
        return False  # the document is missing or was changed: make it again
    rec.reuse(old)
    rec.pdf_fresh = old.pdf_stat is not None and stat_key(run.out / pdf_name(old.document)) == old.pdf_stat
    rec.kept = rec.source_key == old.source_key and rec.pdf_fresh == (old.pdf_stat is not None)
    return True
