"""File-system helpers for the batch job: atomic writes, the run lock, safe names.

Every file the batch job writes goes through :func:`atomic_write`, so a run
killed at any moment leaves either the old complete file or the new one.
Temporary files carry :data:`TEMP_PREFIX`; :func:`remove_temp_files` sweeps
the ones a killed run left behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import shutil
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable

from .errors import LockedError, UsageError, os_reason

TEMP_PREFIX = ".reporter-tmp-"


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp creates files 0600; outputs get the usual mode (0644 with umask 022),
# so people sharing OUTPUT_DIR can open them.
FILE_MODE = 0o666 & ~_current_umask()
# Temporary folders reporter.pdf creates inside its output folder.
_OTHER_TEMP_PREFIXES = (".reporter-pdf-",)


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in ``path`` durable (best effort where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_temp(folder: Path, data: bytes | Callable[[BinaryIO], object], suffix: str = "", *,
               sync: bool = True) -> Path:
    """Write ``data`` to a new temporary file in ``folder``, flushed and (unless told not to) fsynced.

    ``data`` may also be a function that writes into the open file, so a large
    output (the run state) is streamed rather than built in memory first.

    With ``sync=False`` the caller must :func:`fsync_files` it before renaming
    it into place (done in bulk, which is many times faster than one by one).
    """
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=folder)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
    except BaseException:
        try:
            os.unlink(name)
        except OSError:
            pass
        raise
    return Path(name)


def fsync_files(paths: list[str | Path], threads: int = 16) -> None:
    """fsync many files at once: in parallel the file system batches the journal commits."""
    def sync(path: str | Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if len(paths) <= 2:
        for path in paths:
            sync(path)
        return
    from concurrent.futures import ThreadPoolExecutor  # not for a run with nothing new to sync

    with ThreadPoolExecutor(min(threads, len(paths))) as pool:
        for start in range(0, len(paths), 1024):  # a future per file: a bounded number at a time
            list(pool.map(sync, paths[start:start + 1024]))


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object], *, sync_dir: bool = True) -> None:
    """Replace ``path`` with ``data``: temporary file, fsync, ``os.replace``, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = write_temp(path.parent, data, path.suffix)
    try:
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    if sync_dir:
        fsync_dir(path.parent)


def remove_temp_files(folder: Path) -> int:
    """Delete the temporary files and folders a killed run left in ``folder``."""
    count = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith((TEMP_PREFIX, *_OTHER_TEMP_PREFIXES)):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            count += 1
        except OSError:
            pass
    return count


_HELD_LOCK_FDS: set[int] = set()


def close_inherited_locks() -> None:
    """In a forked child: close the lock file descriptors inherited from the parent.

    flock belongs to the open file description, which a fork shares; a
    worker that outlives a killed parent must not keep OUTPUT_DIR locked.
    """
    for fd in list(_HELD_LOCK_FDS):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCK_FDS.clear()


class OutputLock:
    """An exclusive lock on OUTPUT_DIR: ``fcntl.flock`` on ``OUTPUT_DIR/.reporter.lock``.

    The kernel drops the lock when its process dies, so a lock file left by a
    dead run is simply taken over; the file holds pid, host and start time
    so a second run can name the one in its way.
    """

    NAME = ".reporter.lock"

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / self.NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UsageError(f"无法在输出文件夹 {self.path.parent} 中创建锁文件：{os_reason(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockedError(
                    f"输出文件夹 {self.path.parent} 正被另一次运行使用（{holder}），"
                    "为避免互相覆盖，本次不运行。请等它结束后再试。"
                ) from None
            raise UsageError(f"无法锁定输出文件夹 {self.path.parent}：{os_reason(exc)}") from None
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        info = f"pid={os.getpid()}\nhost={os.uname().nodename}\nstarted={started}\n"  # = socket.gethostname()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        os.fsync(fd)
        self._fd = fd
        _HELD_LOCK_FDS.add(fd)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _HELD_LOCK_FDS.discard(fd)
            try:
                os.ftruncate(fd, 0)  # the file stays: deleting it would race a waiting run
            except OSError:
                pass
            os.close(fd)  # closing drops the flock

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    """'进程 123（主机 x，开始于 …）' from the lock file, as far as it can be read."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        text = ""
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    pid = fields.get("pid", "?")
    host = fields.get("host", "?")
    started = fields.get("started", "?")
    return f"进程 {pid}，主机 {host}，开始于 {started}"


# --- safe file names ------------------------------------------------------

_UNSAFE = set('/\\:*?"<>|')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")
}
MAX_NAME_CHARS = 80
MAX_NAME_BYTES = 200


def _unsafe_char(ch: str) -> bool:
    return ch in _UNSAFE or unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029" or not _encodable(ch)


def _encodable(text: str) -> bool:
    """Whether the file system's encoding can hold ``text`` (an emoji cannot be a
    file name under a GBK locale)."""
    try:
        text.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        return False
    return True


def safe_name(name: str, max_chars: int = MAX_NAME_CHARS, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name stem made from ``name`` that is safe on Linux, macOS and Windows.

    Unsafe characters become ``_`` (never dropped, so ``*党支部`` stays distinct
    from ``党支部``); leading and trailing dots and spaces become ``_``;
    Windows' reserved device names get a ``_`` prefix; the result is cut to
    ``max_chars`` characters and ``max_bytes`` UTF-8 bytes.
    """
    if name.isprintable() and _UNSAFE.isdisjoint(name) and _encodable(name):
        text = name  # the usual name, checked at once (no control or separator characters: see _unsafe_char)
    else:
        text = "".join("_" if _unsafe_char(ch) else ch for ch in name)
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    # Leading/trailing dots and spaces (after the cut, which may expose new ones).
    lead = len(text) - len(text.lstrip(". "))
    text = "_" * lead + text[lead:]
    trail = len(text) - len(text.rstrip(". "))
    if trail:
        text = text[: len(text) - trail] + "_" * trail
    if not text:
        return "_"
    if text.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    return text


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (resolved) lies within ``folder`` (resolved); False for a symlink loop."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, RuntimeError, OSError):  # RuntimeError: a symlink loop (Python < 3.13)
        return False
    return True
