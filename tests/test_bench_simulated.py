"""The simulated-time benchmarks keep running: ``bench/simulator.py``,
``bench/search_quality.py`` and ``bench/beyond.py`` in their quick modes, on a synthetic table.
(Their figures are read from their output, not asserted: timings and search quality belong to
the benchmarks.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script, out):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text())


def test_simulator_quick_run_times_ours_and_says_what_happened_to_the_peer(tmp_path):
    stdout, results = run("simulator.py", tmp_path / "sim.json")
    assert results["config"]["trials"] == [100] and list(results["sizes"]) == ["100"]
    sides = results["sizes"]["100"]
    ours = sides["ours"]
    assert ours["runs"][0]["trials"] == 100
    assert ours["runs"][0]["pruned"] > 0 and ours["sim_time"] > 0
    loop = sides["optuna_loop"]["runs"][0]
    assert loop["trials"] == 100 and loop["pruned"] > 0
    assert sides["ours_over_optuna_loop"] > 0 and "of Optuna's own ask/tell calls" in stdout
    if "syne_tune" in sides or os.environ.get("CI"):  # the test install includes the peer
        assert sides["syne_tune"]["runs"][0]["trials"] == 100
        assert "faster than Syne Tune" in stdout
        assert "100 trials: ours at least 5x faster than Syne Tune's simulator" in stdout
    else:
        assert "Syne Tune not run: " in stdout and results["peer_skipped"]


def test_search_quality_quick_run_compares_with_random(tmp_path):
    stdout, results = run("search_quality.py", tmp_path / "sq.json")
    ours = {"random+none", "random+asha"}
    if "synetune+asha" in results["results"] or os.environ.get("CI"):
        assert set(results["results"]) == {*ours, "synetune+asha"}
        peer = results["versus_synetune"]["random+asha"]
        assert peer["peer"] == "synetune+asha" and peer["final_peer"] >= 0
        assert results["results"]["synetune+asha"]["trials"] > 0
        assert "ours against Syne Tune's same method" in stdout
    else:
        assert set(results["results"]) == ours
    asha = results["results"]["random+asha"]
    assert len(asha["final"]) == 2 and asha["pruned"] > 0
    assert results["results"]["random+none"]["vs_random"] == 1.0
    assert (tmp_path / "sq.html").stat().st_size > 100_000  # plotly inlined: opens offline
    assert "final regret" in stdout


def test_beyond_quick_run_measures_priors_and_warm_start_against_random(tmp_path):
    stdout, results = run("beyond.py", tmp_path / "beyond.json")
    priors = results["priors"]
    cases = ("none", "good", "misleading")
    assert set(priors) == {f"{a}+{c}" for a in ("random", "tpe", "priorband") for c in cases}
    assert all(len(r["final"]) == 2 for r in priors.values())
    assert priors["random+none"]["ratio_to_random"] == 1.0
    assert {t["target"].split(":")[0] for t in results["targets"]} == {
        "tpe+good",
        "tpe+misleading",
        "learning curves",
        "warm start",
    }
    assert set(results["learning_curves"]) == {"curve", "curve:model=families", "median", "asha"}
    assert set(results["dehb"]) == {"dehb+default", "bohb+default", "random+hyperband"}
    warm = results["warm_start"]
    assert warm["trials"] == 20 and len(warm["warm_curve"]) == 20
    assert "reaches random" in stdout and "warm-started" in stdout and "NePS" in stdout
    assert "NOT MEASURED the dehb package" in stdout
