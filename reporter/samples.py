"""Temporary re-export for benchmarks/bench.py: the sample generator is tools/make_samples.py
(data: sample_workbooks/samples.toml).  Remove once bench.py imports it from there."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from make_samples import write_seed_workbook  # noqa: E402,F401
