"""What Optuna's own tools (optuna-dashboard, ``trials_dataframe``) see of a study of ours: the
objectives' names, and a failed trial's reason and traceback."""

from __future__ import annotations

import optuna

from nas_notebook import Search


def test_objective_names_are_optunas_metric_names(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    body = "x = floatv(0, 1)\nreport(accuracy=x, latency=1 - x)"
    Search(
        body,
        name="mo",
        storage=url,
        metric="accuracy,latency",
        directions="maximize,minimize",
        n_trials=2,
        executor="inline",
    ).start()
    study = optuna.load_study(study_name="mo", storage=url)
    assert study.metric_names == ["accuracy", "latency"]
    assert list(study.trials_dataframe().columns[:3]) == [
        "number",
        "values_accuracy",
        "values_latency",
    ]


def test_a_failed_trials_reason_and_traceback_are_user_attributes(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    body = "x = floatv(0, 1)\nif x >= 0:\n    raise ValueError('too big')\nx"
    s = Search(body, name="bad", storage=url, n_trials=1, executor="inline").start()
    frame = optuna.load_study(study_name="bad", storage=url).trials_dataframe()
    assert frame["user_attrs_fail_reason"][0] == "ValueError: too big"
    assert "raise ValueError('too big')" in frame["user_attrs_traceback"][0]
    ours = s.dataframe()  # our own table shows each once, in its place
    assert list(ours.columns[-2:]) == ["fail_reason", "traceback"]
    assert ours["fail_reason"].tolist() == ["ValueError: too big"]
