"""The benchmark script runs end to end (a smoke test: no timing assertions)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "-n", "6", "-r", "1",
         "--work", str(tmp_path / "work"), "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| naive |" in proc.stdout and "| floor |" in proc.stdout and "reporter --help" in proc.stdout
    result = json.loads(out.read_text())["results"]["6"]
    assert set(result) == {"naive", "build", "unchanged", "floor"}
    assert all(r["seconds"] > 0 and r["peak_mb"] > 0 for r in result.values())
    # every timed run really produced its output
    assert len(list((tmp_path / "work" / "n6" / "out" / "docs").glob("*.docx"))) == 6
    assert len(list((tmp_path / "work" / "n6" / "naive").glob("*.docx"))) == 6
    assert len(list((tmp_path / "work" / "n6" / "floor").glob("*.docx"))) == 6
