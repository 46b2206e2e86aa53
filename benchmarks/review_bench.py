"""Time and peak memory of the review (R6xx) alone, over N seed-sized branches.

    python benchmarks/review_bench.py [N ...]

Each measurement runs in its own process (peak RSS is per process).  CPU
seconds are given beside wall seconds: on a shared machine they are the
steadier figure.  Two
contents: ``random`` (every item its own text from a shared vocabulary) and
``identical`` (every branch hands in one template; the branch's name is
the only difference).  Branches are generated one at a time and streamed
into the review, as the history store would stream them.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import time


def _branches(n: int, content: str):
    from reporter.model import Branch, BranchInfo, Cause, Measure, Problem

    rng = random.Random(1)
    words = ["".join(chr(0x4E00 + rng.randrange(3500)) for _ in range(rng.randint(2, 4))) for _ in range(5000)]

    def text(r: random.Random) -> str:
        return "，".join("".join(r.choice(words) for _ in range(6)) for _ in range(9)) + "。"

    template = [text(rng) for _ in range(15)]
    for i in range(n):
        name = f"第{i:05d}党支部"
        r = random.Random(i)
        texts = [name + t for t in template] if content == "identical" else [text(r) for _ in range(15)]
        yield f"{name}.xlsx", Branch(
            BranchInfo(name),
            tuple(Problem(f"问题{k}", texts[k], k + 1, k + 2, "理论学习") for k in range(6)),
            tuple(Cause(f"原因{k}", texts[6 + k], k + 1, k + 2) for k in range(4)),
            tuple(Measure(f"措施{k}", texts[10 + k], k + 1, k + 2, problems=(k + 1,), owner="张三",
                          deadline_text="长期坚持") for k in range(5)))


def measure(n: int, content: str) -> dict:
    from reporter.config import ReviewSettings
    from reporter.review import run_review

    start, feed_cpu = time.perf_counter(), time.process_time()
    for _ in _branches(n, content):  # making the input alone, subtracted below
        pass
    feed, feed_cpu = time.perf_counter() - start, time.process_time() - feed_cpu
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    review = run_review(_branches(n, content), ReviewSettings())
    seconds = time.perf_counter() - start - feed
    cpu = time.process_time() - cpu - feed_cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = len(json.dumps(review.report, ensure_ascii=False).encode())
    return {"n": n, "content": content, "review_seconds": round(seconds, 2), "review_cpu_seconds": round(cpu, 2),
            "input_seconds": round(feed, 2), "peak_rss_mb": round(peak / 1024, 1),
            "rss_before_mb": round(before / 1024, 1), "counts": review.counts, "report_bytes": size}


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(measure(int(argv[1]), argv[2])))
        return
    for n in map(int, argv or ["1000", "10000"]):
        for content in ("random", "identical"):
            out = subprocess.run([sys.executable, __file__, "--one", str(n), content], capture_output=True,
                                 text=True, check=True).stdout
            print(out.strip())


if __name__ == "__main__":
    main(sys.argv[1:])
