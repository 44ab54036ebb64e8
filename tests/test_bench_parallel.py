"""``bench/parallel.py`` keeps running: its quick mode times our process executor with 1 and 2
workers against Optuna's multi-process journal recipe and the raw hardware ceiling, and probes
the notebook's responsiveness while trials run. (Its figures are read from its output, not
asserted: speed-ups and latencies belong to the benchmark.)"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIDES = ["raw-1", "raw-2", "ours-1", "ours-2", "optuna-2"]


def test_parallel_quick_run_compares_throughput_and_responsiveness(tmp_path):
    out = tmp_path / "parallel.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "parallel.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    stdout = done.stdout
    lines = stdout.splitlines()

    header = next(i for i, line in enumerate(lines) if line.startswith("side "))
    assert [line.split()[0] for line in lines[header + 2 : header + 2 + len(SIDES)]] == SIDES
    ratio = r"wall \d+\.\d\dx, span \d+\.\d\dx, steady \d+\.\d\dx \(best walls \d+\.\d\dx\)"
    for prefix in (
        r"hardware ceiling \(raw-2 / raw-1\): ",
        r"speed-up ours-2 / ours-1: ",
        r"time ours-2 / optuna-2 \(< 1: ours faster\): ",
    ):
        assert re.search("^" + prefix + ratio, stdout, re.MULTILINE), prefix
    probes = next(i for i, line in enumerate(lines) if line.startswith("while "))
    assert [line.split()[0] for line in lines[probes + 2 : probes + 5]] == [
        "idle",
        "process-2",
        "thread-1",
    ]
    assert lines[-1].startswith("speed-up ours-2/ours-1 ")
    assert "warning:" not in stdout  # every run completed its trials

    results = json.loads(out.read_text())
    assert results["config"]["quick"] is True and results["config"]["trials"] == 12
    assert [row["side"] for row in results["throughput"]] == SIDES
    assert all(row["all_complete"] for row in results["throughput"])
    assert [p["side"] for p in results["responsiveness"]] == ["idle", "process-2", "thread-1"]
