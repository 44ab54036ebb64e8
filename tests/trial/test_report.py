"""``report`` inside a trial: every value reaches the storage, and the study's pruner decides."""

from __future__ import annotations

import optuna
import pytest

from nas_notebook import report
from nas_notebook.algorithms import AsyncSuccessiveHalving
from nas_notebook.space import TrialContext, activate


def test_every_report_is_stored() -> None:
    study = optuna.create_study(direction="maximize", pruner=AsyncSuccessiveHalving())
    trial = study.ask()
    with activate(TrialContext(trial)):
        for step in range(1, 6):
            report(step / 10, step)
    assert study.trials[0].intermediate_values == {s: s / 10 for s in range(1, 6)}


def test_the_pruner_stops_a_trial_behind_at_a_rung() -> None:
    pruner = AsyncSuccessiveHalving(min_resource=1, reduction_factor=3)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    ahead, behind = study.ask(), study.ask()
    with activate(TrialContext(ahead)):
        report(0.9, 1)  # alone at the rung: goes on
    with activate(TrialContext(behind)), pytest.raises(optuna.TrialPruned, match="step 1"):
        report(0.1, 1)
