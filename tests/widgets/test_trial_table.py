"""The dashboard's trial table on the kernel side: each objective once under its metric's name,
and rows held still while the browser asks (new trials counted, not shown, until "show")."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook import Search
from nas_notebook.study import TrialColumns
from nas_notebook.widgets import TrialTable
from nas_notebook.widgets._trial_table import columns_frame

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


def _numbers(table: TrialTable) -> list[int]:
    return [int(row[0]) for row in table.rows]


def _study(n: int) -> optuna.Study:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)
    return study


# -- the objective, once, under its name ----------------------------------------------------


def test_a_named_objective_shows_once_under_its_metrics_name():
    s = Search(
        "x = floatv(0, 1)\nreport(accuracy=x, latency=1 - x, extra=2 * x)\n",
        metric="accuracy,latency",
        directions="maximize,minimize",
        n_trials=4,
        executor="inline",
        algo="random",
        seed=0,
    ).start()
    assert s.study.metric_names == ["accuracy", "latency"]
    # The metrics are also recorded as user attributes: each must still show once.
    assert {"accuracy", "latency", "extra"} <= set(s.study.trials[0].user_attrs)
    cols = TrialColumns.of(s.study)
    table = TrialTable()
    table.update(cols, objective_names=s.study.metric_names)
    assert table.columns == [
        "number",
        "state",
        "accuracy",
        "latency",
        "duration_s",
        "x",
        "extra",
        "fail_reason",
    ]
    frame = table.dataframe()
    trials = {t.number: t for t in s.study.trials}
    for row in frame.itertuples():
        assert [row.accuracy, row.latency] == trials[row.number].values
        assert row.extra == trials[row.number].user_attrs["extra"]
    table.query = "accuracy > 0.5 and latency < 0.5"
    assert table.error == "" and table.total == sum(t.values[0] > 0.5 for t in s.study.trials)
    table.selected = s.study.trials[0].number
    lines = table.detail.splitlines()
    assert lines[1:3] == [
        f"accuracy: {s.study.trials[0].values[0]:.6g}",
        f"latency: {s.study.trials[0].values[1]:.6g}",
    ]
    assert not any(line.strip().startswith(("accuracy:", "latency:")) for line in lines[3:])
    assert any(line.strip().startswith("extra:") for line in lines)


def test_a_metric_recorded_as_a_user_attribute_is_the_objective_not_a_second_column():
    study = optuna.create_study(direction="maximize")
    study.set_metric_names(["accuracy"])

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("accuracy", x)
        trial.set_user_attr("loss", 1 - x)
        return x

    study.optimize(objective, n_trials=3)
    cols = TrialColumns.of(study)
    frame = columns_frame(cols, study.metric_names)
    columns = ["number", "state", "accuracy", "duration_s", "x", "loss", "fail_reason"]
    assert list(frame.columns) == columns
    # Without names the objective is `value` (as before), the attribute its own column.
    assert list(columns_frame(cols).columns)[2] == "value"
    # A parameter named like the objective keeps its column.
    clash = optuna.create_study()
    clash.optimize(lambda t: t.suggest_float("value", 0, 1), n_trials=2)
    assert list(columns_frame(TrialColumns.of(clash)).columns)[:5] == [
        "number",
        "state",
        "value",
        "duration_s",
        "param:value",
    ]


def test_objectives_without_names_are_value_0_value_1_as_in_pareto_front():
    study = optuna.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
    cols = TrialColumns.of(study)
    assert list(columns_frame(cols).columns)[2:4] == ["value_0", "value_1"]
    # Names that do not fit (too few, repeated) are not used.
    assert list(columns_frame(cols, ["a"]).columns)[2:4] == ["value_0", "value_1"]
    assert list(columns_frame(cols, ["a", "a"]).columns)[2:4] == ["value_0", "value_1"]


# -- rows held still ------------------------------------------------------------------------


def test_held_rows_keep_their_trials_while_new_ones_are_counted():
    study = _study(30)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    first = _numbers(table)
    assert first == list(range(29, 4, -1)) and table.pending == 0
    # The browser holds the rows (the pointer is over the table).
    table.held = {"numbers": first, "generation": table.generation}
    running = study.ask()  # trial 30, running, then more trials complete
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    table.update(TrialColumns.of(study))
    assert _numbers(table) == first  # the same trials, in the same places
    assert table.pending == 5 and table.total == 35
    assert table.held["numbers"] == first
    # Selecting a trial shows that trial (by number), whatever the page shows.
    table.selected = first[3]
    assert table.detail.startswith(f"trial {first[3]}: COMPLETE")

    # "show": the page drawn afresh, newest first, and held again as it is now.
    table.show_new()
    fresh = _numbers(table)
    assert fresh == list(range(34, 9, -1)) and table.pending == 0
    assert table.held == {"numbers": fresh, "generation": table.generation}
    # A held trial's cells follow the study: trial 30 completes in place.
    study.tell(running, 0.5)
    table.update(TrialColumns.of(study))
    assert _numbers(table) == fresh
    row = table.rows[fresh.index(30)]
    assert row[1] == "COMPLETE" and row[2] == "0.5"

    # Released (the pointer left): the table follows the study again.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    table.update(TrialColumns.of(study))
    assert _numbers(table) == fresh and table.pending == 2
    table.held = {}
    assert _numbers(table)[:3] == [36, 35, 34] and table.pending == 0


def test_the_users_own_choices_redraw_and_hold_the_new_page():
    study = _study(60)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    table.held = {"numbers": _numbers(table), "generation": table.generation}
    before = table.generation
    table.page = 1
    assert _numbers(table) == list(range(34, 9, -1))
    assert table.generation > before
    assert table.held == {"numbers": _numbers(table), "generation": table.generation}
    table.sort_by, table.ascending, table.page = "number", True, 0  # as a header click does
    assert _numbers(table)[:2] == [0, 1]
    assert table.held["numbers"] == _numbers(table)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    table.update(TrialColumns.of(study))
    assert _numbers(table)[:2] == [0, 1] and table.pending == 3


def test_a_hold_from_a_page_older_than_the_users_last_choice_holds_the_page_as_it_is():
    study = _study(40)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    stale = {"numbers": _numbers(table), "generation": table.generation}
    table.page = 1  # the user's choice reached the kernel before the browser's hold
    table.held = stale
    assert _numbers(table) == list(range(14, -1, -1))
    assert table.held == {"numbers": _numbers(table), "generation": table.generation}


def test_a_hold_on_trials_the_table_does_not_know_draws_the_page_afresh():
    study = _study(5)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    table.held = {"numbers": [99, 3], "generation": table.generation}
    assert _numbers(table) == [4, 3, 2, 1, 0]
    assert table.held["numbers"] == [4, 3, 2, 1, 0]


def test_a_click_on_a_row_is_a_trial_number_not_a_place_on_the_page():
    study = _study(3)
    failing = study.ask()
    study.tell(failing, state=TrialState.FAIL)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    table.selected = failing.number
    assert table.detail.startswith(f"trial {failing.number}: FAIL")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    table.update(TrialColumns.of(study))  # new trials: the selected one moved down the page
    assert table.detail.startswith(f"trial {failing.number}: FAIL")


def test_a_page_left_empty_by_the_users_filter_holds_nothing():
    study = _study(5)
    table = TrialTable()
    table.update(TrialColumns.of(study))
    table.held = {"numbers": _numbers(table), "generation": table.generation}
    table.query = "x > 2"
    assert table.rows == [] and table.held == {}
    table.query = "x >= 0"
    assert _numbers(table) == [4, 3, 2, 1, 0]
