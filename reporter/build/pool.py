"""The map of `reporter build`: a process pool running
:func:`reporter.pipeline.process` on workbook bytes, and its supervision.

Workers get (index, bytes, file name) items in chunks and send back
:class:`Packed` answers.  Shared arrays tell the parent which item each
worker holds and since when, so a worker stuck too long can be killed.
:class:`Supervisor` feeds the pool, retries the work a dead worker took
with it, and runs the suspects of a crash one at a time, so a crash or a
hang costs one workbook, never the run.

Workers never outlive the build process: however it dies (``kill -9``, the
OOM killer), they exit too (a parent-death signal on Linux, a watchdog
thread elsewhere).  They ignore SIGINT and SIGTERM: stopping them is the
build process's business (:meth:`Pool.terminate`).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from ..config import Config
from ..fsutil import close_inherited_locks
from ..model import FileResult, Message
from .db_items import Stored, stored_form

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..pipeline import Outcome

# multiprocessing, ctypes and the pipeline (the reader, the documents) are imported when a pool
# starts: a run with nothing to process (an unchanged rerun) needs none of them.

# Test-only hook: a worker *process* whose workbook's name contains this
# string kills itself with SIGKILL, as the kernel's OOM killer would.
CRASH_ENV = "REPORTER_TEST_CRASH_ON"
# Test-only hook: a worker whose workbook's name contains this string says so
# on stderr and then hangs (sleeps), as a worker stuck in a C library would.
HANG_ENV = "REPORTER_TEST_HANG_ON"

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


Item = tuple[int, bytes, str]  # (record index, workbook bytes, file name for messages)


# --- the worker side ---------------------------------------------------------

_W: dict = {}  # per worker process: config, strict, the pool's shared arrays, slot


def _init_worker(config: Config, strict: bool, slots, started, pids, counter, build_pid: int, method: str) -> None:
    # Ctrl-C reaches the whole foreground process group, `timeout` and systemd
    # signal the group too: stopping the workers is the parent's business.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent(build_pid, method)
    close_inherited_locks()  # a forked worker must not keep OUTPUT_DIR locked
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    pids[slot] = os.getpid()
    _W.update(config=config, strict=strict, slots=slots, started=started, slot=slot, in_worker=True)


def die_with_parent(build_pid: int, method: str) -> None:
    """Make this worker exit as soon as the build process dies.

    On Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG).
    The parent is the build process, or with forkserver the fork server,
    which exits when the build process does.  A parent that died before the
    signal was set is caught by comparing ``os.getppid()``; a watchdog thread
    that notices the parent going (its pipe, or this process being given to
    another parent) does the same where prctl is not available.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    parent = os.getppid() if method == "forkserver" else build_pid
    if os.getppid() != parent:  # the build process is already gone
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="reporter-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Exit this worker when its parent is gone (the portable fallback)."""
    import multiprocessing
    from multiprocessing.connection import wait

    process = multiprocessing.parent_process()
    sentinel = process.sentinel if process is not None else None
    while os.getppid() == parent:
        if sentinel is None:
            time.sleep(1.0)
        elif wait([sentinel], timeout=1.0):  # the build process's end of the pipe closed
            break
    os._exit(1)


def process(data: bytes, filename: str, config: Config, strict: bool) -> Outcome:
    """:func:`reporter.pipeline.process` (tests replace this name to make a worker misbehave)."""
    from ..pipeline import process as pipeline_process

    return pipeline_process(data, filename, config, strict)


def _process_one(data: bytes, filename: str, config: Config, strict: bool) -> Outcome:
    # --- test-only hooks (see CRASH_ENV, HANG_ENV); inert unless set ---------
    crash_on = os.environ.get(CRASH_ENV)
    if crash_on and _W.get("in_worker") and crash_on in filename:
        os.kill(os.getpid(), signal.SIGKILL)
    hang_on = os.environ.get(HANG_ENV)
    if hang_on and _W.get("in_worker") and hang_on in filename:
        print(f"{HANG_ENV}: worker {os.getpid()} hangs on {filename}", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    # -------------------------------------------------------------------------
    return process(data, filename, config, strict)


@dataclass(frozen=True, slots=True)
class Packed:
    """A worker's answer.  The Branch travels as the rows the store keeps (made here, so the
    build process only inserts them) and is read back from the store when needed."""

    status: str
    name: str | None  # 支部名称
    counts: dict[str, int]
    messages: tuple[Message, ...]
    stored: Stored | None  # the Branch as the store's rows (db_items.stored_form)
    document: bytes | None
    traceback: str | None


def _packed(data: bytes, filename: str, config: Config, strict: bool) -> Packed:
    outcome = _process_one(data, filename, config, strict)
    branch = outcome.branch
    counts = FileResult("", "ok", branch=branch).counts
    name = outcome.name or (branch.info.name if branch else None)
    return Packed(outcome.status, name, counts, tuple(outcome.messages), stored_form(branch), outcome.document,
                  outcome.traceback)


def work(items: list[tuple[int, bytes, str]]) -> list[tuple[int, Packed]]:
    """Run in a worker: process a chunk, marking which item is in progress."""
    slots, started, slot = _W["slots"], _W["started"], _W["slot"]
    out = []
    for index, data, filename in items:
        started[slot] = time.monotonic()  # before the index: the parent reads them the other way round
        slots[slot] = index
        out.append((index, _packed(data, filename, _W["config"], _W["strict"])))
    slots[slot] = -1
    return out


def _mp_context():
    """fork where it is safe (Linux, no other threads), else forkserver/spawn."""
    import multiprocessing

    from ..pipeline import HEAVY_MODULES

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1 and os.name == "posix":
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["reporter.pipeline", *HEAVY_MODULES])
    return ctx


class Pool:
    """A ProcessPoolExecutor plus shared arrays saying which item each worker
    holds, since when, and the worker's process id."""

    def __init__(self, jobs: int, config: Config, strict: bool) -> None:
        # Import the heavy modules once here, so forked workers inherit them.
        from concurrent.futures import ProcessPoolExecutor

        from ..pipeline import preload

        preload()

        ctx = _mp_context()
        self.slots = ctx.Array("q", [-1] * jobs, lock=False)
        self.started = ctx.Array("d", jobs, lock=False)  # time.monotonic() (system-wide on Linux)
        self.pids = ctx.Array("q", jobs, lock=False)
        counter = ctx.Value("i", 0)
        self.executor = ProcessPoolExecutor(
            jobs, mp_context=ctx, initializer=_init_worker,
            initargs=(config, strict, self.slots, self.started, self.pids, counter, os.getpid(), ctx.get_start_method()),
        )
        self._open = True

    def in_progress(self) -> set[int]:
        return {int(i) for i in self.slots if i >= 0}

    def stop_overdue(self, seconds: float) -> set[int]:
        """Kill each worker that has held its item for more than ``seconds``; those items.

        The pool then breaks, and the map treats it like any other worker death."""
        now, late = time.monotonic(), set()
        for slot in range(len(self.slots)):
            index = self.slots[slot]
            if index >= 0 and now - self.started[slot] > seconds and self.pids[slot] > 0:
                try:
                    os.kill(self.pids[slot], signal.SIGKILL)
                except ProcessLookupError:
                    continue
                late.add(int(index))
        return late

    def close(self) -> None:
        self._open = False
        self.executor.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Stop every worker at once (SIGKILL), dropping queued work; for SIGTERM/SIGINT.

        Returns without waiting for anything; the pool is unusable after."""
        if not self._open:
            return
        self._open = False
        pids = {int(p) for p in self.pids if p > 0}
        pids.update(getattr(self.executor, "_processes", None) or ())  # also workers still starting
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.executor.shutdown(wait=False, cancel_futures=True)




# --- the supervision: feeding the pool, retries, isolation ---------------------

class Supervisor:
    """Map :func:`work` over the items in worker processes (always, even with
    one job: a crash or a hang costs one workbook, never the run).

    ``done(index, packed)`` is called for each answer in the parent;
    ``lost(index, timed_out)`` for an item whose worker died or was stopped
    after ``max_seconds``."""

    def __init__(self, jobs: int, total: int, config: Config, strict: bool,
                 done: Callable[[int, Packed], None], lost: Callable[[int, bool], None]) -> None:
        self.jobs, self.config, self.strict = min(jobs, total) or 1, config, strict
        self.done, self.lost = done, lost
        self.chunk = max(1, min(8, total // (jobs * 8)))
        self.window = jobs * 2
        self.max_seconds = config.limits.max_seconds
        self.pool: Pool | None = None
        self.timed_out: set[int] = set()  # items whose worker was stopped for taking too long
        self.retry: deque[Item] = deque()
        self.isolate: list[Item] = []
        self.inflight: dict[Future, list[Item]] = {}
        self.exhausted = False
        self.breaks_without_suspect = 0
        self.tasks: Iterator[Item] = iter(())

    def run(self, tasks: Iterator[Item]) -> None:
        first = next(tasks, None)
        if first is None:  # nothing to process (an unchanged run)
            return
        self.tasks = itertools.chain([first], tasks)
        with self._guard():
            self._map()
        with self._guard():
            for item in sorted(self.isolate, key=lambda i: i[0]):
                self._alone(item)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except BaseException:  # a signal, a write error: stop the workers now, do not wait for them
            self.terminate()
            raise
        finally:
            self._close()

    def terminate(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None

    def _close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _map(self) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        while True:
            self._fill()
            if not self.inflight:
                if self.retry and self.pool is not None:  # the pool broke while submitting
                    self._close()
                    continue
                return
            done, _ = wait(list(self.inflight), timeout=1.0, return_when=FIRST_COMPLETED)
            if not done:
                self.timed_out |= self.pool.stop_overdue(self.max_seconds)
                continue
            lost = self._collect(done)
            if lost:
                self._broken(lost)

    def _fill(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        while len(self.inflight) < self.window and (self.retry or not self.exhausted):
            items = self._chunk()
            if not items:
                return
            if self.pool is None:
                self.pool = Pool(self.jobs, self.config, self.strict)
            try:
                self.inflight[self.pool.executor.submit(work, items)] = items
            except BrokenProcessPool:
                self.retry.extendleft(reversed(items))
                return

    def _chunk(self) -> list[Item]:
        items: list[Item] = []
        while len(items) < self.chunk:
            if self.retry:
                items.append(self.retry.popleft())
                continue
            item = next(self.tasks, None)
            if item is None:
                self.exhausted = True
                break
            items.append(item)
        return items

    def _collect(self, futures) -> list[Item]:
        """Hand the answers of finished chunks on; the items of chunks a broken pool lost."""
        from concurrent.futures.process import BrokenProcessPool

        lost: list[Item] = []
        for fut in futures:
            items = self.inflight.pop(fut)
            try:
                for result in fut.result():
                    self.done(*result)
            except BrokenProcessPool:
                lost.extend(items)
        return lost

    def _broken(self, lost: list[Item]) -> None:
        """A worker died: every unfinished chunk is lost.  The items that were in
        progress are suspects, retried one by one later in a pool of their own;
        the rest are simply submitted again."""
        from concurrent.futures import wait

        suspects = self.pool.in_progress() if self.pool else set()
        wait(list(self.inflight))
        lost.extend(self._collect(list(self.inflight)))
        self._close()
        if not suspects:
            self.breaks_without_suspect += 1
        for item in sorted(lost, key=lambda i: i[0], reverse=True):
            if item[0] in self.timed_out:
                self.lost(item[0], True)
            elif item[0] in suspects or self.breaks_without_suspect >= 3:
                self.isolate.append(item)
            else:
                self.retry.appendleft(item)

    def _alone(self, item: Item) -> None:
        """A suspect of a worker crash, in a pool of its own: a crash now is its alone."""
        from concurrent.futures import wait
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            self.pool = Pool(1, self.config, self.strict)
        future = self.pool.executor.submit(work, [item])
        while not wait([future], timeout=1.0).done:
            self.timed_out |= self.pool.stop_overdue(self.max_seconds)
        try:
            for result in future.result():
                self.done(*result)
        except BrokenProcessPool:
            self._close()
            self.lost(item[0], item[0] in self.timed_out)
