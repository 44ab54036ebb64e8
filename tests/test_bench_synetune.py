"""``bench/_synetune_asha.py`` keeps running the peer: Syne Tune's simulator with its ASHA replays a
synthetic table with the real one's layout, starts exactly the trials asked for, finishes them
all, and finds a value that is in the table. (Its timings belong to the benchmark, not here.)"""

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from nas_notebook.benchmarks import write_table

ROOT = Path(__file__).resolve().parents[1]
N_CELLS, EPOCHS = 5**6, 4


def load_module():
    if str(ROOT / "bench") not in sys.path:  # the bench's modules import each other by name
        sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module("_synetune_asha")


synetune = load_module()
available = importlib.import_module("_synetune").synetune_available
# The test install includes Syne Tune: in CI a missing peer is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    available() is not None and not os.environ.get("CI"), reason=str(available())
)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(0)
    acc = np.sort(rng.uniform(0.1, 0.95, (N_CELLS, 2, EPOCHS)), axis=2).astype(np.float16)
    epoch_time = rng.uniform(1, 3, (N_CELLS, 2, EPOCHS)).astype(np.float32)
    arrays: dict[str, np.ndarray] = {
        "valid_acc": acc,
        "epoch_time": epoch_time,
        "time": np.cumsum(epoch_time, axis=2),
        "test_acc": acc[:, :, -1],
    }
    path = tmp_path_factory.mktemp("table") / "t.npz"
    write_table(path, arrays, {"protocol": {"epochs": EPOCHS}, "seeds": [0, 7]})
    return path, acc


def test_asha_runs_the_trials_asked_for_and_finds_a_table_value(table, tmp_path, monkeypatch):
    path, acc = table
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # anything written to ~ would show here
    monkeypatch.delenv("SYNETUNE_FOLDER", raising=False)
    result = synetune.run_synetune_asha(path, n_trials=50, workers=4, seed=0, table_seed=7)

    assert result["trials_started"] == 50 and result["trials_finished"] == 50
    assert result["trials_completed"] + result["trials_stopped"] == 50
    assert 1 <= result["trials_completed"] < 50  # ASHA stopped some
    assert result["results"] >= 50  # every trial reported at least its first epoch
    # the best is the final-epoch value of its cell, for the seed asked for
    seed = 1  # table seed 7 is the second
    assert result["best_valid_acc"] == float(acc[result["best_cell"], seed, -1])
    assert result["best_valid_acc"] <= result["best_valid_acc_any_epoch"]
    assert result["best_valid_acc_any_epoch"] in set(acc[:, seed, :].astype(float).ravel())
    assert result["sim_time"] >= result["sim_time_last_result"] > 0
    assert result["tuning_s"] > 0 and result["settings"]["max_t"] == EPOCHS
    # results went to a temp folder that is gone, not to ~/syne-tune, and the env is restored
    assert not (tmp_path / "home").exists() and "SYNETUNE_FOLDER" not in os.environ


def test_results_dir_keeps_syne_tunes_files(table, tmp_path):
    result = synetune.run_synetune_asha(table[0], n_trials=8, workers=2, results_dir=tmp_path)
    assert result["trials_started"] == 8
    assert len(list(tmp_path.glob("synetune-asha*/results.csv.zip"))) == 1


def test_a_seed_not_in_the_table_is_refused(table):
    with pytest.raises(ValueError, match="table_seed"):
        synetune.run_synetune_asha(table[0], n_trials=2, table_seed=3)
