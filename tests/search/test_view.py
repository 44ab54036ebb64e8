"""Looking at a stored study needs its storage and its name only: not the trial program's
names, not the process that ran it. Continuing it needs the names, and says which is missing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import nas_notebook as nb
from nas_notebook import floatv
from nas_notebook.study import StudyView, open_view
from nas_notebook.trial import ProgramError
from nas_notebook.widgets import Dashboard

BODY = "x = floatv(0, 1)\nevaluate(x)"


def _run_with_a_helper(url: str) -> nb.Search:
    """A search whose body calls a function defined in an earlier cell."""

    def evaluate(x: float) -> float:
        return (x - 0.25) ** 2

    return nb.Search(
        BODY,
        name="helped",
        storage=url,
        n_trials=5,
        seed=0,
        algo="random",
        direction="minimize",
        executor="inline",
        user_ns={"evaluate": evaluate},
    ).start()


def test_load_search_looks_at_a_study_without_the_notebooks_names(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    ran = _run_with_a_helper(url)
    seen = nb.load_search("helped", storage=url)  # no user_ns: `evaluate` is unknown here
    assert seen.best.number == ran.best.number
    assert len(seen.dataframe()) == 5
    assert seen.status().state == "finished"
    assert "finished: 5/5 trials" in repr(open_view("helped", url))
    dashboard = Dashboard(seen, refresh_interval=0)
    assert dashboard.header.value == "<b>helped</b> &middot; finished &middot; 5/5"
    assert dashboard.progress_bar.value == 5
    dashboard.close()


def test_continuing_it_names_the_missing_name(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    _run_with_a_helper(url)
    seen = nb.load_search("helped", storage=url, executor="inline", n_trials=1)
    with pytest.raises(ProgramError, match="evaluate"):
        seen.start()
    assert len(seen.trials) == 5  # nothing ran, nothing was lost


def test_continuing_it_with_the_names_runs_more_trials(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    _run_with_a_helper(url)
    again = nb.load_search(
        "helped", storage=url, executor="inline", n_trials=2, user_ns={"evaluate": abs}
    ).start()
    assert [t.state.name for t in again.trials].count("COMPLETE") == 7


def test_a_view_of_a_plain_optuna_study_has_no_controls():
    import optuna

    study = optuna.create_study(study_name="plain")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    view = StudyView(study)
    dashboard = Dashboard(view, refresh_interval=0)
    assert dashboard.progress_bar.value == 3
    assert not view.steerable and dashboard.controls.children == ()
    with pytest.raises(AssertionError, match="no controls"):
        dashboard.stop_button
    dashboard.close()


def test_a_fresh_process_opens_the_study_and_its_dashboard(tmp_path):
    """As the studies panel's notebook does, in a process that never saw the helper."""
    url = f"journal:{tmp_path}/s.journal"
    _run_with_a_helper(url)
    code = textwrap.dedent(
        f"""
        from nas_notebook import load_search
        from nas_notebook.widgets import Dashboard
        search = load_search("helped", storage={url!r})
        board = Dashboard(search, refresh_interval=0)
        print(board.progress_bar.value, search.progress().complete, search.state)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "5", "created"]


def objective():
    lr = floatv(1e-3, 1e-1, log=True)
    return (lr - 0.01) ** 2


def test_a_search_of_a_function_continues_with_the_function(tmp_path):
    url = f"journal:{tmp_path}/f.journal"
    first = nb.Search(
        objective,
        name="fn",
        storage=url,
        n_trials=3,
        seed=0,
        direction="minimize",
        executor="inline",
    ).start()
    assert [t.state.name for t in first.trials] == ["COMPLETE"] * 3
    again = nb.load_search("fn", storage=url, executor="inline", n_trials=2).start()
    trials = again.trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 5, [
        t.system_attrs.get("fail_reason") for t in trials
    ]
    assert set(trials[3].params) == {"lr"}


def test_a_lambda_search_is_looked_at_and_asks_for_the_function_to_go_on(tmp_path):
    url = f"journal:{tmp_path}/f.journal"
    nb.Search(lambda: floatv(0, 1), name="lam", storage=url, n_trials=2, executor="inline").start()
    seen = nb.load_search("lam", storage=url, executor="inline", n_trials=1)
    assert len(seen.trials) == 2 and seen.best.number in (0, 1)
    with pytest.raises(ProgramError, match="Search\\(function, name=NAME"):
        seen.start()
    assert len(seen.trials) == 2


def test_dataframe_while_trials_run_says_the_rows_are_not_final():
    import threading
    import time
    import warnings

    gate = threading.Event()
    s = nb.Search(
        lambda: gate.wait(30) and floatv(0, 1),
        name="busy",
        n_trials=2,
        storage="memory",
        executor="thread",
        workers=1,
    ).start()
    try:
        deadline = time.monotonic() + 20
        while not s.progress().running:
            assert time.monotonic() < deadline, "no trial started"
            time.sleep(0.01)
        with pytest.warns(RuntimeWarning, match=r"'busy' is still running: 0 of 2 .*busy\.wait"):
            frame = s.dataframe()
        assert list(frame["state"]) == ["RUNNING"]
    finally:
        gate.set()
    s.wait()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(s.dataframe()["state"]) == ["COMPLETE", "COMPLETE"]
