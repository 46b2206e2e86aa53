"""The worker pool of ``reporter build``: workers never outlive the build
process, and :meth:`Pool.terminate` stops them at once."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from helpers import standard_bytes
from reporter.build.pool import HANG_ENV

ROOT = Path(__file__).resolve().parent.parent


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    """The pids still running after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if not _gone(pid)]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def _read_until(stream, text: str, proc: subprocess.Popen, seconds: float = 90.0) -> str:
    """Read lines from a pipe until one contains ``text`` (bounded in time)."""
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            line = stream.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return line
        elif proc.poll() is not None:
            break
    pytest.fail(f"never saw {text!r}; output: {''.join(seen)[-3000:]}")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_do_not_outlive_a_killed_build(tmp_path, sig):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for i in range(4):
        (inp / f"{i:02d}.xlsx").write_bytes(standard_bytes(info={"支部名称": f"第{i}党支部"}))
    (inp / "02-hang.xlsx").write_bytes(standard_bytes(info={"支部名称": "卡住党支部"}))
    env = {**os.environ, HANG_ENV: "hang"}
    build = subprocess.Popen(
        [sys.executable, "-m", "reporter", "build", str(inp), "-o", str(out), "--jobs", "2"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _read_until(build.stderr, f"{HANG_ENV}: worker", build)  # a worker is busy, stuck on a workbook
        workers = [p.pid for p in psutil.Process(build.pid).children(recursive=True)]
        assert workers
        os.kill(build.pid, sig)  # the build process only, as the OOM killer or `kill PID` would
        build.wait(timeout=60)
        assert _wait_gone(workers) == []
    finally:
        build.kill()
        build.wait()
        build.stderr.close()


TERMINATE = """
import sys, time
from reporter.config import Config
from reporter.build.pool import Pool, work

pool = Pool(2, Config(), False)
futures = [pool.executor.submit(work, [(i, b"x", f"hang-{i}.xlsx")]) for i in range(4)]
deadline = time.monotonic() + 60
while len(pool.in_progress()) < 2:
    assert time.monotonic() < deadline, "the workers never started"
    time.sleep(0.05)
print(*(int(p) for p in pool.pids), flush=True)
began = time.monotonic()
pool.terminate()
print(f"{time.monotonic() - began:.3f}", flush=True)
time.sleep(0.5)
print(sum(f.done() for f in futures), flush=True)
"""


def test_terminate_stops_busy_workers_at_once(tmp_path):
    env = {**os.environ, HANG_ENV: "hang"}
    began = time.monotonic()
    run = subprocess.run([sys.executable, "-c", TERMINATE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - began < 90  # the interpreter exits: nothing waits for the stuck workers
    pids, took, done = run.stdout.split("\n")[:3]
    assert float(took) < 5
    assert int(done) == 4  # the running items failed, the queued ones were cancelled
    assert _wait_gone([int(p) for p in pids.split()]) == []
