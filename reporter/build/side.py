"""A step of `reporter build` run in a forked process beside the main one.

After the map, the review, 汇编 and the summary would run one after the
other on one core while the other sits idle.  Instead (engine.run): the
review runs in a child process while the main one makes the summary's facts
and charts; then 汇编 is made in a second child while the main one writes
the summary.  The outputs are the same either way.  A child is a fork of
the build: it reads the store through a connection of its own, and what it
would have told the run (log lines, run errors, files removed, a PDF
converter given up) is sent back and replayed in the main process, in
order, when the step is joined.

Where forking is not safe (not Linux, other threads running) or not worth
it (one job, or nothing new to make), the step simply runs in the main
process when joined.  The child dies with the build (a parent-death signal;
SIGINT/SIGTERM end it as they end the workers), and a child that dies or
fails is the run's error, as if it had happened in the main process (a
fault of ours: the run's internal error)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .engine import Build

FORK = True  # tests that watch a step from inside this process turn it off

_KEPT: list = []  # the parent's database connections, never used nor closed in the child


def _own_connection(store) -> None:
    """The child reads the store through a read-only connection of its own.  The parent's is
    kept, unused and unclosed: closing it here would checkpoint the parent's journal."""
    import sqlite3

    _KEPT.append(store.db)
    store.db = sqlite3.connect(f"{store.path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)


class _Recorder:
    """Stands in for the run log in the child: every call is kept for the main process."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        def record(*args, **kwargs) -> None:
            self.calls.append((name, args, kwargs))
        return record


class SideFailed(Exception):
    """The side process failed (its traceback is the message) or died: a fault of ours, as if in this process."""


class Side:
    """``step(run, apart)`` started now, its result by :meth:`join`; ``apart``: in the child."""

    def __init__(self, run: Build, step: Callable[[Build, bool], Any], fork: bool = True) -> None:
        """``fork`` False (or forking not possible): the step runs in this process when joined."""
        self.run, self.step = run, step
        self.pid: int | None = None
        self.fd: int | None = None
        self.seconds: float | None = None  # how long the step took in the child
        if (fork and FORK and run.jobs > 1 and sys.platform.startswith("linux")
                and threading.active_count() == 1):
            self._fork()
        self.apart = self.pid is not None

    def _fork(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            self._child(write)
        os.close(write)
        self.pid, self.fd = pid, read

    def _child(self, fd: int) -> None:
        code = 0
        try:
            run = self.run
            errors, removed = len(run.run_errors), len(run.removed)
            try:
                from .pool import die_with_parent

                die_with_parent(os.getppid(), "fork")
                _own_connection(run.store)
                run.log = _Recorder()
                started = time.monotonic()
                result = ("ok", self.step(run, True), time.monotonic() - started)
            except Exception:  # noqa: BLE001 - raised again in the main process
                import traceback  # only when something failed

                result = ("error", traceback.format_exc(), None)
            calls = run.log.calls if isinstance(run.log, _Recorder) else []
            import pickle  # here and in join: a run with nothing new forks nothing and needs it not

            payload = pickle.dumps((result, calls, run.run_errors[errors:], run.removed[removed:], run.pdf_given_up))
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
        except BaseException:  # noqa: BLE001 - whatever happens, the child must not run the parent's code
            code = 1
        os._exit(code)

    def join(self) -> Any:
        """The step's result; its log lines, run errors and removals now belong to the run."""
        if not self.apart:
            return self.step(self.run, False)
        try:
            with os.fdopen(self.fd, "rb") as f:
                self.fd = None
                data = f.read()
            os.waitpid(self.pid, 0)
            self.pid = None
        finally:
            self.stop()
        if not data:  # killed (out of memory …) before it could answer
            raise SideFailed("the side process died")
        import pickle

        (kind, value, self.seconds), calls, errors, removed, given_up = pickle.loads(data)
        run = self.run
        for name, args, kwargs in calls:
            getattr(run.log, name)(*args, **kwargs)
        run.run_errors.extend(errors)
        run.removed.extend(removed)
        run.pdf_given_up = run.pdf_given_up or given_up
        if kind == "error":
            raise SideFailed(value)
        return value

    def stop(self) -> None:
        """The child ends now (the run stops part-way); nothing of it is kept."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
