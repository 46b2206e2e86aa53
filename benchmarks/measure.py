"""Run a command; print its wall time and the peak RSS of its largest process.

getrusage(RUSAGE_CHILDREN) covers every waited-for descendant (pool workers
included), and ru_maxrss is the largest single process, in KiB on Linux.
Usage: python measure.py CMD ...   → prints JSON {"seconds": …, "peak_mb": …, "rc": …}
"""

import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rc": rc}))
