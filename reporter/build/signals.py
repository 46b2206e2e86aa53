"""SIGINT and SIGTERM stop a run of `reporter build` where it is."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the run stops where it is (raised in the main thread)."""

    NAMES = {signal.SIGINT: "中断信号（SIGINT）", signal.SIGTERM: "终止信号（SIGTERM）"}

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # 130 / 143, as a shell reports them

    @property
    def reason(self) -> str:
        return f"收到{self.NAMES.get(self.signum, f'信号 {self.signum}')}，本次运行未完成"


@contextmanager
def signals_stop_the_run() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread (once;
    a second signal while the run cleans up is ignored).  A forked worker
    that inherited the handler simply dies of the signal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    parent, fired = os.getpid(), []

    def handler(signum, frame) -> None:
        if os.getpid() != parent:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not fired:
            fired.append(signum)
            raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
