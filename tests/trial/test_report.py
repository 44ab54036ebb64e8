"""``report`` asks a rung-based pruner only at the steps where it can decide, and what a search
finds does not change for it."""

from __future__ import annotations

import optuna
import pytest

import nas_notebook as nb
from nas_notebook import report
from nas_notebook.algorithms import AsyncSuccessiveHalving
from nas_notebook.executors import SimulatedExecutor
from nas_notebook.space import TrialContext, activate
from nas_notebook.testing import synthetic_table


class Counting(AsyncSuccessiveHalving):
    """Successive halving that records the steps it was asked at."""

    def __init__(self) -> None:
        super().__init__(min_resource=1, reduction_factor=3)
        self.asked: list[int] = []

    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        self.asked.append(trial.last_step)
        return super().prune(study, trial)


def test_successive_halving_is_asked_only_at_its_rungs() -> None:
    pruner = Counting()
    study = optuna.create_study(direction="maximize", pruner=pruner)
    trial = study.ask()
    with activate(TrialContext(trial)):
        for step in range(1, 11):
            report(step / 10, step)
    assert pruner.asked == [1, 3, 9]


def test_a_pruner_swapped_mid_trial_is_asked_at_once() -> None:
    first, second = Counting(), Counting()
    study = optuna.create_study(direction="maximize", pruner=first)
    trial = study.ask()
    with activate(TrialContext(trial)):
        report(0.1, 1)
        study.pruner = second
        report(0.2, 2)  # no rung of the first at step 2, but the second has never looked
        report(0.3, 3)
    assert first.asked == [1] and second.asked == [2, 3]


def test_skipped_reports_are_still_stored() -> None:
    study = optuna.create_study(direction="maximize", pruner=Counting())
    trial = study.ask()
    with activate(TrialContext(trial)):
        for step in range(1, 6):
            report(step / 10, step)
    assert study.trials[0].intermediate_values == {s: s / 10 for s in range(1, 6)}


@pytest.mark.parametrize("seed", [0, 1])
def test_a_search_ends_the_same_with_and_without_the_skip(tmp_path, monkeypatch, seed) -> None:
    table = tmp_path / "table.npz"
    synthetic_table(table, epochs=10, seeds=1)

    def run() -> list[tuple[str, float | None, dict[int, float]]]:
        search = nb.Search(
            benchmark=f"nas201_digits:path={table}",
            executor=SimulatedExecutor(workers=4),
            n_trials=120,
            algo="random",
            pruner="asha:min_resource=1,reduction_factor=3",
            seed=seed,
        )
        search.start()
        return [(t.state.name, t.value, t.intermediate_values) for t in search.trials]

    skipping = run()
    monkeypatch.setattr(AsyncSuccessiveHalving, "decides_between", lambda *_: True)
    asking = run()
    assert skipping == asking
    assert sum(state == "PRUNED" for state, _, _ in skipping) > 60  # the pruner did decide
