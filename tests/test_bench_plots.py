"""``bench/plots.py`` keeps running: its quick mode times every plot and the dashboard against
``optuna.visualization`` on small studies. (Its figures are read from its output, not asserted:
timings belong to the benchmark, not to the tests.)"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLOTS = (
    "optimization history",
    "learning curves",
    "parallel coordinates",
    "param importances",
    "slice",
    "contour (lr, dropout)",
    "pareto front (2 obj.)",
)


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
    lines = run.stdout.splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("plot ")]
    assert len(headers) == 2  # one table per size
    for header in headers:
        rows = [line[:22].strip() for line in lines[header + 2 : header + 2 + len(PLOTS)]]
        assert rows == list(PLOTS)
        assert lines[header + 3 + len(PLOTS)].startswith("six single-obj. plots")
    assert sum("(a) first full refresh: " in line for line in lines) == 2
    assert re.fullmatch(
        r"200: six plots \d+\.\dx faster than optuna; 1,000: six plots \d+\.\dx faster than optuna",
        lines[-1],
    ), lines[-1]
    results = json.loads(out.read_text())
    assert results["benchmark"] == "plots" and results["config"]["quick"] is True
    for size in results["sizes"]:
        assert [p["plot"] for p in size["plots"]] == list(PLOTS)
        assert all(p["optuna"] is not None for p in size["plots"])  # nothing skipped this small
        assert size["dashboard"]["trials_after"] > size["n"]
