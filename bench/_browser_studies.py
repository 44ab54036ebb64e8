"""The studies ``bench/browser.py`` shows in both dashboards, written with plain Optuna.

One study per size, seeded: a log float ``lr``, a float ``dropout``, an int ``layers`` and a
categorical ``optimizer``; one objective named ``accuracy`` (``set_metric_names``), maximized;
5 intermediate values per trial (a learning curve), about 8% of the trials PRUNED (after 1 to 3
steps, no value) and 4% FAILED (no value, no curve), the rest COMPLETE. Start and end times are
spread over the run, so durations and the timeline are real.

The study is stored in a journal file (``JournalStorage`` over ``JournalFileBackend``), which
both sides open: our kernel through ``load_search`` with a ``journal:PATH`` URL, optuna-dashboard
given the file's path. The study records the trial body and the metric a ``%%search`` cell would
have recorded (the ``nas_notebook`` user attribute), so that it is shown as a search of ours: the
studies panel opens such a study with ``load_search`` and its live dashboard.
"""

from __future__ import annotations

import datetime
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages.journal import JournalFileBackend, JournalStorage
from optuna.trial import FrozenTrial, TrialState, create_trial

STUDY_NAME = "bench-browser"
METRIC = "accuracy"
STEPS = 5
OPTIMIZERS = ("adam", "sgd", "rmsprop")
# What a search of ours records about itself (see nas_notebook._schema: the study's
# ``nas_notebook`` user attribute): the trial body, which a look at the study never runs.
BODY = """lr = floatv(1e-5, 1e-1, log=True)
dropout = floatv(0.0, 0.5)
layers = intv(1, 8)
optimizer = oneof(["adam", "sgd", "rmsprop"])
accuracy = train(lr, dropout, layers, optimizer)  # reports accuracy=... after each epoch
accuracy"""
STUDY_INFO_KEY = "nas_notebook"


@dataclass(frozen=True)
class StudyFile:
    """A written study: where it is and what it holds."""

    path: Path
    n: int
    complete: int
    pruned: int
    failed: int
    write_s: float

    @property
    def url(self) -> str:
        """The storage URL our kernel opens it with."""
        return f"journal:{self.path}"


def make_trials(n: int, seed: int = 0) -> list[FrozenTrial]:
    """``n`` finished trials of the study (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    distributions = {
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "dropout": FloatDistribution(0.0, 0.5),
        "layers": IntDistribution(1, 8),
        "optimizer": CategoricalDistribution(list(OPTIMIZERS)),
    }
    bonus = {"adam": 0.02, "sgd": 0.0, "rmsprop": 0.01}
    lrs = np.exp(rng.uniform(math.log(1e-5), math.log(1e-1), n))
    dropouts = rng.uniform(0.0, 0.5, n)
    layers = rng.integers(1, 9, n)
    optimizers = rng.integers(0, len(OPTIMIZERS), n)
    fate = rng.random(n)
    noise = rng.normal(0.0, 0.01, (n, STEPS))
    pruned_after = rng.integers(1, STEPS - 1, n)
    durations = rng.uniform(3.0, 9.0, n)
    begin = datetime.datetime(2026, 1, 1, 9, 0, 0)
    trials = []
    for i in range(n):
        optimizer = OPTIMIZERS[int(optimizers[i])]
        params = {
            "lr": float(lrs[i]),
            "dropout": float(dropouts[i]),
            "layers": int(layers[i]),
            "optimizer": optimizer,
        }
        final = (
            0.9
            - 0.1 * abs(math.log10(lrs[i]) + 3.0)
            - 0.2 * dropouts[i]
            + 0.01 * layers[i]
            + bonus[optimizer]
        )
        curve = [final * (1.0 - math.exp(-(s + 1))) + noise[i, s] for s in range(STEPS)]
        if fate[i] < 0.04:
            state, steps = TrialState.FAIL, 0
        elif fate[i] < 0.12:
            state, steps = TrialState.PRUNED, int(pruned_after[i])
        else:
            state, steps = TrialState.COMPLETE, STEPS
        trial = create_trial(
            state=state,
            value=float(curve[-1]) if state == TrialState.COMPLETE else None,
            params=params,
            distributions=distributions,
            intermediate_values={s: float(curve[s]) for s in range(steps)},
        )
        trial.datetime_start = begin + datetime.timedelta(seconds=10.0 * i)
        trial.datetime_complete = trial.datetime_start + datetime.timedelta(
            seconds=float(durations[i]) * (steps + 1) / (STEPS + 1)
        )
        trials.append(trial)
    return trials


def write_study(folder: Path, n: int, seed: int = 0) -> StudyFile:
    """The study of ``n`` trials in ``folder/study-N.journal`` (written once per folder)."""
    path = folder / f"study-{n}.journal"
    trials = make_trials(n, seed)
    counts = {s: sum(t.state == s for t in trials) for s in TrialState}
    begin = time.perf_counter()
    if not path.exists():
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = JournalStorage(JournalFileBackend(str(path)))
        study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="maximize")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([METRIC])
        study.set_user_attr(STUDY_INFO_KEY, {"source": BODY, "metric": METRIC})
        study.add_trials(trials)
    return StudyFile(
        path=path,
        n=n,
        complete=counts[TrialState.COMPLETE],
        pruned=counts[TrialState.PRUNED],
        failed=counts[TrialState.FAIL],
        write_s=time.perf_counter() - begin,
    )
