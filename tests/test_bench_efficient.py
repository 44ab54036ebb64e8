"""``bench/efficient_nas.py`` keeps running: its quick mode (1 seed, 1 epoch of each search) on
the shipped table. (Its figures are read from its output, not asserted: the cost and the quality
of the children belong to the benchmark.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nas_notebook.benchmarks import OPS

if not os.environ.get("CI"):  # the test install has torch
    pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("darts-ens", "darts+", "darts-", "darts", "tunas", "tunas-ppo", "random")


def test_efficient_nas_quick_run_prices_and_ranks_every_method(tmp_path):
    out = tmp_path / "efficient.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "efficient_nas.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("method"))
    printed = [line.split()[0] for line in lines[header + 1 : header + 1 + len(METHODS)]]
    assert printed == list(METHODS)
    assert sum(line.startswith("target ") for line in lines) == len(METHODS) - 1

    results = json.loads(out.read_text())
    assert results["config"]["quick"] and results["config"]["threads"] == 1
    assert results["unit"]["unit_s"] > 0
    rows = results["rows"]
    assert sorted(r["method"] for r in rows) == sorted(METHODS)  # one seed each
    for row in rows:
        assert row["cost"] > 0
        assert 0.0 <= row["valid_pct"] <= 1.0 and 0.0 <= row["test_pct"] <= 1.0
        assert 0.0 < row["valid_acc"] <= 1.0 and 0.0 < row["test_acc"] <= 1.0
        assert len(row["ops"]) == 6 and set(row["ops"]) <= set(OPS)
        assert 0 <= row["cell"] < len(OPS) ** 6
        assert row["n_skip"] == row["ops"].count("skip_connect")
    assert set(results["summary"]) == set(METHODS)
    assert all("target_met" in results["summary"][m] for m in METHODS[:-1])
    curve = [results["random_curve"][k] for k in sorted(results["random_curve"], key=int)]
    assert curve == sorted(curve) and 0.4 < curve[0] < curve[-1] < 1.0  # more trainings, better
    assert 0.5 < results["noise_ceiling"] < 1.0
    agreement = results["top_agreement"]
    assert 0.1 < agreement["seeds"] < agreement["table"] <= 1.0  # better than noise, short of 1
    short = results["short_trainings"]
    assert sorted(short, key=int) == ["1", "2", "3", "5", "10"]
    assert all(0.4 < p < 1.0 for p in short.values())
    # ten-epoch trainings at 3 trainings' cost are random search over 3 cells
    assert short["10"] == pytest.approx(results["random_curve"]["3"], abs=0.02)
    for method in METHODS:
        assert results["summary"][method]["random_equivalent"] >= 1.0


def test_top_agreement_is_one_for_agreeing_seeds_and_near_chance_for_noise(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    from efficient_nas import percentiles, top_agreement

    rng = np.random.default_rng(0)
    quality = rng.normal(size=20_000)
    same = top_agreement(percentiles(quality), [quality, quality + 1.0])
    assert same == {"seeds": 1.0, "table": 1.0}
    noise = [rng.normal(size=20_000) for _ in range(3)]
    agreement = top_agreement(percentiles(sum(noise)), noise)
    assert agreement["seeds"] == pytest.approx(0.1, abs=0.02)  # independent seeds: chance
    # each seed is a third of the mean: its top 10% is in the mean's more often than chance
    assert 0.2 < agreement["table"] < 0.6
