"""``bench/overhead.py`` and ``bench/overhead_instructions.py`` keep running: their quick modes
price our search loop against Optuna's ask/tell loop on a few trials (in wall time; in
instructions under valgrind), and ``--profile`` profiles one of our runs. (Their figures are read
from their output, not asserted: the overhead belongs to the benchmarks.)"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script, *args, timeout):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_overhead_quick_run_prices_every_cell_against_optuna(tmp_path):
    out = tmp_path / "overhead.json"
    stdout = run("overhead.py", "--quick", "--json", out, timeout=180)
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("sampler storage"))
    rows = lines[header + 2 : header + 10]
    cells = [
        (sampler, storage, executor)
        for sampler in ("random", "tpe")
        for storage in ("memory", "journal")
        for executor in ("thread", "inline")
    ]
    for row, cell in zip(rows, cells, strict=True):
        # trials, then optuna us/trial, ours us/trial, +us/trial, ratio, min-r; spread; verdict
        figures = r" +50( +[-+]?\d+\.\d+){5} +\d+% +(PASS|FAIL)"
        assert re.fullmatch(" +".join(cell) + figures, row), row
    assert re.search(r"^worst ratio ours/optuna: \d+\.\d{3} \(", stdout, re.MULTILINE)
    # same sampler, seed and parameters: both loops ran the same trials to the same best value
    assert "warning:" not in stdout

    results = json.loads(out.read_text())
    assert results["config"]["quick"] is True and results["config"]["trials"]["tpe"] == 50
    assert len(results["cells"]) == 8 and all(c["same_results"] for c in results["cells"])


def test_overhead_profile_sees_our_functions_on_the_lane_thread():
    stdout = run("overhead.py", "--quick", "--profile", timeout=120)
    assert "cProfile of ours: random/memory/thread, 50 trials" in stdout
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("calls/trial"))
    # the trials ran on the thread executor's lane, which the profiling feed profiled
    rows = [line for line in lines[header + 1 :] if "  nas_notebook/" in line]
    assert len(rows) >= 5, stdout


@pytest.mark.skipif(
    shutil.which("valgrind") is None,
    reason="valgrind is not installed (apt-get install valgrind): "
    "bench/overhead_instructions.py counts instructions under it",
)
def test_overhead_instructions_quick_run_counts_both_loops(tmp_path):
    out = tmp_path / "instructions.json"
    stdout = run("overhead_instructions.py", "--quick", "--json", out, timeout=420)
    for side in ("optuna", "inline"):
        assert re.search(rf"^{side} +-?[\d,]+ instructions/trial$", stdout, re.MULTILINE), stdout
    assert re.search(r"^thread +not run \(", stdout, re.MULTILINE)
    last = stdout.splitlines()[-1]
    assert re.match(r"ours/optuna \(.*\): inline -?\d+\.\d{3}  \(target <= 1\.10\)$", last), last

    results = json.loads(out.read_text())
    assert results["quick"] is True and results["trials"] == 50
    assert set(results["per_trial"]) == {"optuna", "inline"} and set(results["ratios"]) == {
        "inline"
    }
