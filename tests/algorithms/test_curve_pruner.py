"""The learning-curve extrapolation pruner: the families fit the curves they describe, bad
trials are stopped early while the best completes, and the pruner is picklable, restart-safe
and usable from any executor."""

import math
import pickle

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.algorithms import CurveExtrapolationPruner, make_pruner
from nas_notebook.algorithms._curves import extrapolate

BODY = """
top = floatv(0.1, 0.9)
speed = floatv(0.5, 2.0)
for step in range(1, 21):
    report(top - 0.6 * top * step ** -speed, step=step)
top - 0.6 * top * 20 ** -speed
"""


@pytest.mark.parametrize(
    "curve",
    [
        lambda x: 0.9 - 0.5 * x**-0.8,
        lambda x: 0.85 - 0.4 * np.exp(-0.3 * x),
        lambda x: 0.2 + 0.1 * np.log(x),
    ],
)
def test_each_family_extrapolates_the_curve_it_describes(curve):
    x = np.arange(1.0, 8.0)
    assert extrapolate(x, curve(x), 40) == pytest.approx(curve(40.0), abs=0.02)
    assert extrapolate(x[:2], curve(x[:2]), 40) == curve(2.0)  # too few points: the last


def test_bad_trials_stop_early_and_the_best_completes():
    search = nb.Search(
        BODY, n_trials=60, algo="random", pruner="curve", executor="inline", seed=0,
        direction="maximize", storage="memory",
    ).start()  # fmt: skip
    trials = search.trials
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(done) >= 5 and len(pruned) >= 20
    truth = {
        t.number: t.params["top"] - 0.6 * t.params["top"] * 20 ** -t.params["speed"] for t in trials
    }
    best = max(truth.values())
    assert max(truth, key=truth.get) in {t.number for t in done}  # the best was not stopped
    assert all(truth[t.number] < best for t in pruned)
    steps = sum(len(t.intermediate_values) for t in trials)
    assert steps < 0.6 * 20 * len(trials)  # most of the stopped trials' epochs saved


def test_picklable_restart_safe_and_checked():
    pruner = make_pruner("curve:min_steps=4,quantile=0.8")
    assert isinstance(pruner, CurveExtrapolationPruner) and pruner.min_steps == 4
    copy = pickle.loads(pickle.dumps(pruner))
    study = optuna.create_study(direction="maximize", pruner=pruner)
    for top in (0.9, 0.8, 0.7, 0.6, 0.5):
        trial = study.ask()
        for step in range(1, 11):
            trial.report(top * (1 - 0.5 / step), step)
        study.tell(trial, top * 0.95)
    probe = study.ask()
    for step in range(1, 6):
        probe.report(0.2 * (1 - 0.5 / step), step)
    frozen = study.trials[-1]
    # a new instance (another process, a restart) reads the same study the same way
    assert pruner.prune(study, frozen) is copy.prune(study, frozen) is True
    for bad, message in (("min_steps=1", "min_steps"), ("quantile=2", "quantile"),
                         ("n_startup_trials=0", "n_startup_trials")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            make_pruner(f"curve:{bad}")


def test_worker_processes_use_it(tmp_path):
    search = nb.Search(
        BODY, n_trials=16, algo="random", pruner="curve:n_startup_trials=3", executor="process",
        workers=2, seed=1, direction="maximize", storage=f"journal:{tmp_path / 'c.journal'}",
    ).start()  # fmt: skip
    search.wait()
    states = {t.state for t in search.trials}
    assert states <= {TrialState.COMPLETE, TrialState.PRUNED} and TrialState.COMPLETE in states
    assert math.isfinite(search.best.value)
