"""``bench/plots.py`` keeps running: its quick mode times every plot and the dashboard against
``optuna.visualization`` on small studies. (Its figures are read from its output, not asserted:
timings belong to the benchmark, not to the tests.)"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_measures_every_plot_and_the_dashboard(tmp_path):
    out = tmp_path / "plots.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "plots.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "optimization history" in run.stdout and "dashboard" in run.stdout
    results = json.loads(out.read_text())
    assert results["benchmark"] == "plots" and results["config"]["quick"] is True
