"""Benchmark: reporter against the naive script and the floor.

    python benchmarks/bench.py                 # N = 1000, 3 repetitions
    python benchmarks/bench.py -n 50 -r 1      # smoke test (CI)
    python benchmarks/bench.py --series 100,1000,10000
    python benchmarks/bench.py --memory 1000,10000,30000   # peak RSS of a full build per N

Times, alternating within each repetition (medians reported):
  naive      pandas.read_excel(sheet_name=None) + python-docx default template,
             one process, documents only (benchmarks/naive.py)
  build      reporter build --force (documents, summary, run report)
  unchanged  reporter build again with nothing changed
  floor      python-calamine read of every workbook + writing each produced
             document's bytes once as a zip (benchmarks/floor.py)
Peak memory is the resident size of the largest process (workers included).
Before each measured run the disk is synced (os.sync), so one run's writeback
does not slow the next one's fsyncs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
WORK = HERE / "work"  # generated workbooks and outputs (git-ignored); --work moves it


# Byte-code caches are written as in any normal installation (pip compiles
# them at install time), even where the environment turns that off.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str]) -> dict:
    os.sync()  # the previous run's files on disk first: its writeback must not slow this one's fsyncs
    out = subprocess.run([PY, str(HERE / "measure.py"), *cmd], capture_output=True, text=True, check=True, env=ENV)
    result = json.loads(out.stdout)
    if result["rc"] not in (0,):
        raise SystemExit(f"command failed ({result['rc']}): {' '.join(cmd)}")
    return result


def make_workbooks(n: int) -> Path:
    """N seed-sized workbooks (cached between runs)."""
    folder = WORK / f"n{n}" / "in"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sys.path.insert(0, str(HERE.parent / "tools"))
    from make_samples import write_seed_workbook

    for i in range(1, n + 1):
        write_seed_workbook(folder / f"{i:05d}.xlsx", f"第{i}党支部")
    marker.touch()
    return folder


def run_series_point(n: int, reps: int, with_naive: bool, jobs: int | None) -> dict:
    src = make_workbooks(n)
    base = WORK / f"n{n}"
    out, naive_out, floor_out = base / "out", base / "naive", base / "floor"
    build = [PY, "-m", "reporter", "build", str(src), "-o", str(out), "--as-of", "2024-06-30", "--quiet"]
    if jobs:
        build += ["--jobs", str(jobs)]
    shutil.rmtree(out, ignore_errors=True)
    measure(build)  # warm-up: page cache, byte-code, and the docs the floor needs
    times: dict[str, list[dict]] = {"naive": [], "build": [], "unchanged": [], "floor": []}
    for _ in range(reps):
        if with_naive:
            shutil.rmtree(naive_out, ignore_errors=True)
            times["naive"].append(measure([PY, str(HERE / "naive.py"), str(src), str(naive_out)]))
        times["build"].append(measure([*build, "--force"]))
        times["unchanged"].append(measure(build))
        shutil.rmtree(floor_out, ignore_errors=True)
        times["floor"].append(measure([PY, str(HERE / "floor.py"), str(src), str(out / "docs"), str(floor_out)]))
    return {
        key: {
            "seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
        }
        for key, runs in times.items()
        if runs
    }


def help_time(reps: int = 5) -> float:
    return statistics.median(measure([PY, "-m", "reporter", "--help"])["seconds"] for _ in range(reps))


def table(n: int, r: dict) -> str:
    b = r["build"]["seconds"]
    lines = [
        f"N = {n}",
        "| run | seconds | per workbook (ms) | peak MB (largest process) | ratio |",
        "|---|---:|---:|---:|---|",
    ]
    notes = {
        "naive": lambda s: f"{s / b:.1f}× slower than build",
        "build": lambda s: "1.0",
        "unchanged": lambda s: f"{100 * s / b:.1f} % of build",
        "floor": lambda s: f"build = {b / s:.2f}× floor",
    }
    for key in ("naive", "build", "unchanged", "floor"):
        if key in r:
            s = r[key]["seconds"]
            lines.append(f"| {key} | {s:.2f} | {1000 * s / n:.2f} | {r[key]['peak_mb']:.0f} | {notes[key](s)} |")
    return "\n".join(lines)


def memory_series(ns: list[int], jobs: int | None) -> list[dict]:
    """Peak RSS of the largest process of one full build (--force) per N, and its ratio to the first N."""
    points = []
    for n in ns:
        src, out = make_workbooks(n), WORK / f"n{n}" / "out"
        build = [PY, "-m", "reporter", "build", str(src), "-o", str(out), "--as-of", "2024-06-30", "--quiet"]
        if jobs:
            build += ["--jobs", str(jobs)]
        measure(build)  # the state and history in place: the measured run is a nightly full rebuild
        r = measure([*build, "--force"])
        points.append({"n": n, "seconds": r["seconds"], "peak_mb": r["peak_mb"]})
    return points


def memory_table(points: list[dict]) -> str:
    lines = ["| N | full build (s) | peak MB (largest process) | × first N |", "|---:|---:|---:|---:|"]
    for p in points:
        lines.append(f"| {p['n']} | {p['seconds']:.1f} | {p['peak_mb']:.0f} | {p['peak_mb'] / points[0]['peak_mb']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="number of workbooks (default 1000)")
    ap.add_argument("-r", "--reps", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("-j", "--jobs", type=int, default=None, help="reporter --jobs (default: CPUs)")
    ap.add_argument("--series", help="comma-separated N values, e.g. 100,1000,10000")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive script (slow at large N)")
    ap.add_argument("--memory", help="comma-separated N values: peak memory of a full build per N (no timings)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--work", type=Path, help="folder for generated workbooks and outputs")
    args = ap.parse_args()
    global WORK
    if args.work:
        WORK = args.work

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if args.memory:
        points = memory_series([int(x) for x in args.memory.split(",")], args.jobs)
        print(memory_table(points))
        if args.json:
            args.json.write_text(json.dumps({"memory": points}, indent=2))
        return
    results = {}
    for n in [int(x) for x in args.series.split(",")] if args.series else [args.n]:
        results[n] = run_series_point(n, args.reps, not args.no_naive, args.jobs)
        print(table(n, results[n]), flush=True)
        print()
    h = help_time()
    print(f"reporter --help: {h:.3f} s")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "help_seconds": h}, indent=2))


if __name__ == "__main__":
    main()
