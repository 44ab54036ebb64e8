"""Several objectives: a trial evaluates to a tuple (or reports the metrics --metric names), the
study keeps one direction per objective, and ``pareto_front()`` gives the non-dominated trials;
mistakes get errors that say what to write."""

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.testing import ipython_shell

BODY = """
x = floatv(0, 1)
k = oneof([1, 2, 3])
(x * k, (1 - x) ** 2 + k)
"""


def brute_force_front(trials, directions):
    signs = np.array([1 if d == "minimize" else -1 for d in directions])
    values = {t.number: np.array(t.values) * signs for t in trials}
    return sorted(
        n
        for n, v in values.items()
        if not any(np.all(w <= v) and np.any(w < v) for m, w in values.items() if m != n)
    )


def test_a_tuple_body_with_directions_gives_a_pareto_front():
    search = nb.Search(
        BODY, directions="maximize,minimize", n_trials=30, executor="inline", algo="random", seed=0
    ).start()
    assert search.directions == ["maximize", "minimize"] and search.direction == "maximize"
    assert [d.name for d in search.study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert all(len(t.values) == 2 for t in search.trials)
    front = search.pareto_front()
    assert list(front.columns) == ["number", "value_0", "value_1", "k", "x"]
    assert sorted(front.number) == brute_force_front(search.trials, search.directions)
    assert list(front.value_0) == sorted(front.value_0, reverse=True)  # best first
    with pytest.raises(ValueError, match=r"no single best trial: use \.pareto_front\(\)"):
        search.best
    assert "on the first of 2 objectives" in repr(search)


def test_reported_metrics_named_by_metric_infer_their_directions():
    body = """
x = floatv(0, 1)
for step in range(3):
    report(accuracy=x * (step + 1) / 3, latency=1 + x, step=step)
"""
    search = nb.Search(
        body,
        metric="accuracy,latency",
        n_trials=8,
        executor="inline",
        algo="random",
        seed=1,
        pruner="median:n_startup_trials=0",
    ).start()
    assert search.directions == ["maximize", "minimize"]
    for t in search.trials:
        assert t.state == TrialState.COMPLETE  # nothing is pruned with several objectives
        assert t.values == pytest.approx([t.params["x"], 1 + t.params["x"]])
        assert t.user_attrs["accuracy"] == pytest.approx(t.params["x"])
        assert t.intermediate_values == {}
    assert list(search.pareto_front().columns[:3]) == ["number", "accuracy", "latency"]


def test_mistakes_are_explained():
    with pytest.raises(ValueError, match="`directions` must be 'minimize' or 'maximize'"):
        nb.Search(BODY, directions="maximize,smaller", executor="inline")
    with pytest.raises(ValueError, match="not both"):
        nb.Search(BODY, direction="maximize", directions="maximize,minimize", executor="inline")
    with pytest.raises(ValueError, match="names 3 metrics but there are 2 objectives"):
        nb.Search(BODY, directions="maximize,minimize", metric="a,b,c", executor="inline")
    with pytest.raises(ValueError, match="give --directions"):
        nb.Search(BODY, direction="maximize", metric="a,b", executor="inline")
    scalar = nb.Search(
        "x = floatv(0, 1)\nx", directions="maximize,minimize", n_trials=2, executor="inline"
    ).start()
    assert {t.state for t in scalar.trials} == {TrialState.FAIL}
    reason = scalar.trials[0].system_attrs["fail_reason"]
    assert "the trial must evaluate to 2 numbers, got float" in reason
    wrong = nb.Search(
        "(1.0, 2.0, 3.0)", directions="maximize,minimize", n_trials=1, executor="inline"
    ).start()
    assert "evaluated to 3 values" in wrong.trials[0].system_attrs["fail_reason"]


def test_the_magic_takes_directions_and_resume_checks_them(tmp_path, monkeypatch):
    from IPython.core.error import UsageError

    monkeypatch.chdir(tmp_path)
    shell = ipython_shell()
    shell.run_cell_magic(
        "search", "mo --directions maximize,minimize -n 6 --executor inline --seed 0", BODY
    )
    mo = shell.user_ns["mo"]
    assert mo.directions == ["maximize", "minimize"] and len(mo.pareto_front()) >= 1
    with pytest.raises(UsageError, match="does not match the resumed study"):
        shell.run_cell_magic(
            "search", "mo --resume --directions minimize,minimize -n 2 --executor inline", BODY
        )
    shell.run_cell_magic("search", "mo --resume -n 2 --executor inline", BODY)
    assert len(shell.user_ns["mo"].trials) == 8


def test_a_plain_optuna_study_sees_the_same_front():
    search = nb.Search(
        BODY, directions=["maximize", "minimize"], n_trials=20, executor="inline", seed=3
    ).start()
    optuna_front = sorted(t.number for t in search.study.best_trials)
    assert sorted(search.pareto_front().number) == optuna_front
    assert isinstance(search.study.sampler, optuna.samplers.TPESampler)
