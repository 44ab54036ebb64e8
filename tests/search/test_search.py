import math
import os

import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook import Search
from nas_notebook.study import open_storage

NS = {"floatv": nb.floatv, "intv": nb.intv, "oneof": nb.oneof, "report": nb.report, "math": math}


def run(body, **kw):
    kw.setdefault("executor", "inline")
    kw.setdefault("algo", "random")
    kw.setdefault("seed", 0)
    return Search(body, user_ns={**NS, **kw.pop("user_ns", {})}, **kw).start().wait()


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_trials_persist_in_file_storages_and_resume(tmp_path, kind):
    url = f"journal:{tmp_path}/s.journal" if kind == "journal" else f"sqlite:///{tmp_path}/s.db"
    first = run("x = floatv(0, 1)\nx", name="exp", storage=url, n_trials=4)
    assert first.name == "exp"
    again = run("x = floatv(0, 1)\nx", name="exp", storage=url, n_trials=3, resume=True)
    assert again.name == "exp" and len(again.trials) == 7
    fresh = run("x = floatv(0, 1)\nx", name="exp", storage=url, n_trials=2)
    assert fresh.name == "exp.2" and len(fresh.trials) == 2
    resumed_latest = run("x = floatv(0, 1)\nx", name="exp", storage=url, n_trials=1, resume=True)
    assert resumed_latest.name == "exp.2"
    reopened = optuna.load_study(study_name="exp", storage=open_storage(url))
    assert len(reopened.trials) == 7
    assert reopened.user_attrs["nas_notebook"]["source"] == "x = floatv(0, 1)\nx"


def test_resume_of_a_missing_study_is_a_clear_error(tmp_path):
    with pytest.raises(nb.StorageError, match="no study named 'nope'"):
        Search("x = floatv(0, 1)\nx", name="nope", storage="memory", resume=True, user_ns=NS)


@pytest.mark.parametrize(
    "url",
    ["not a url", "mysql+nosuchdriver://u@h/db", "sqlite:////proc/forbidden/x.db"],
)
def test_storage_that_does_not_open_is_a_clear_error(url):
    with pytest.raises(nb.StorageError, match="storage"):
        Search("x = floatv(0, 1)\nx", storage=url, user_ns=NS)


def test_direction_is_inferred_and_explicit_wins():
    assert run("x = floatv(0, 1)\nx", n_trials=1).direction == "maximize"
    assert run("val_loss = floatv(0, 1)\nval_loss", n_trials=1).direction == "minimize"
    loss_metric = run("report(loss=floatv(0, 1))", metric="loss", n_trials=1)
    assert loss_metric.direction == "minimize"
    assert run("x = floatv(0, 1)\nx", direction="minimize", n_trials=1).direction == "minimize"


def test_metric_is_the_objective_and_other_metrics_are_user_attrs():
    body = (
        "lr = floatv(0.1, 1)\n"
        "for step in range(3):\n"
        "    report(accuracy=lr * step / 2, loss=1 - lr, step=step)\n"
    )
    s = run(body, metric="accuracy", n_trials=3)
    for t in s.trials:
        assert t.state == TrialState.COMPLETE
        assert t.value == pytest.approx(t.params["lr"])
        assert t.intermediate_values == {
            0: 0.0,
            1: pytest.approx(t.params["lr"] / 2),
            2: pytest.approx(t.params["lr"]),
        }
        assert t.user_attrs == {"loss": pytest.approx(1 - t.params["lr"])}


def test_metric_from_a_returned_dict():
    s = run("x = floatv(0, 1)\n{'acc': x, 'latency': 2 * x}", metric="acc", n_trials=2)
    assert all(t.value == t.params["x"] for t in s.trials)


@pytest.mark.parametrize(
    ("body", "kw", "reason"),
    [
        (
            "x = floatv(0, 1)\nreport(loss=x)\nx",
            {"metric": "accuracy"},
            "--metric 'accuracy' was never reported (reported metrics: loss)",
        ),
        ("x = floatv(0, 1)\nfloat('nan')", {}, "objective is NaN"),
        ("x = floatv(0, 1)\n'high'", {}, "objective must be a number, got str: 'high'"),
        ("x = floatv(0, 1)", {}, "the trial produced no objective"),
        (
            "x = floatv(0, 1)\n{'a': x}",
            {},
            "the trial evaluated to a dict; pass --metric to pick one of: a",
        ),
    ],
)
def test_objective_problems_fail_the_trial_with_the_reason(body, kw, reason):
    s = run(body, n_trials=2, **kw)
    assert [t.state for t in s.trials] == [TrialState.FAIL] * 2
    assert all(t.system_attrs["fail_reason"].startswith(reason) for t in s.trials)


def test_search_space_error_inside_a_trial_fails_it_with_the_users_line():
    body = "n = intv(0, 3)\nw = intv(n, 2)\nw"
    s = run(body, n_trials=12)
    failed = [t for t in s.trials if t.state == TrialState.FAIL]
    assert failed and all(t.params["n"] == 3 for t in failed)
    assert all("search space: SearchSpaceError" in t.system_attrs["fail_reason"] for t in failed)
    assert all("line 2" in t.system_attrs["nas_notebook:traceback"] for t in failed)
    assert any(t.state == TrialState.COMPLETE for t in s.trials)


def test_pruned_trials_are_recorded_as_pruned():
    body = "x = floatv(0, 1)\nfor step in range(5):\n    report(x, step=step)\nx"
    s = run(body, n_trials=30, pruner="median:n_startup_trials=3,n_warmup_steps=0")
    states = {t.state for t in s.trials}
    assert TrialState.PRUNED in states and TrialState.COMPLETE in states


def test_best_dataframe_and_repr():
    s = run("x = floatv(-1, 1)\nk = oneof(['a', 'b'])\n-(x ** 2)", n_trials=8)
    best = s.best
    assert best.value == max(t.value for t in s.trials)
    assert set(best.params) == {"x", "k"} and best.number == best.trial.number
    frame = s.dataframe()
    assert list(frame.columns[:4]) == ["number", "state", "value", "duration_s"]
    assert {"x", "k", "fail_reason", "traceback"} <= set(frame.columns) and len(frame) == 8
    assert "finished: 8/8 trials (8 complete" in repr(s)


def test_best_before_any_completion_says_why():
    s = run("x = floatv(0, 1)\nraise RuntimeError('no')", n_trials=2)
    with pytest.raises(LookupError, match="2 failed"):
        s.best


def test_function_bodies_and_timeout():
    calls = []

    def objective():
        calls.append(1)
        return nb.floatv(0, 1)

    s = Search(objective, n_trials=3, executor="inline").start()
    assert len(s.trials) == 3 == len(calls)
    t = Search(objective, timeout=0.2, executor="thread").start().wait()
    assert len(t.trials) > 3


def test_add_trials_and_pause_resume():
    s = Search("x = floatv(0, 1)\nx", n_trials=2, user_ns=NS, executor="thread")
    s.add_trials(1)
    s.pause()  # before start: no effect
    s.start()
    s.wait()
    assert len(s.trials) == 3
    assert s.state == "finished"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"n_trials": 0}, "n_trials"),
        ({"timeout": -1}, "timeout"),
        ({"direction": "up"}, "direction"),
        ({"algo": "annealing"}, "unknown algorithm 'annealing'; known algorithms: "),
        ({"pruner": "sometimes"}, "unknown pruner"),
        ({"algo": "tpe:bogus_option=1"}, "bad options"),
    ],
)
def test_bad_configuration_is_rejected_before_running(kw, message):
    with pytest.raises(ValueError, match=message):
        Search("x = floatv(0, 1)\nx", user_ns=NS, **kw)


def test_progress_of_a_resumed_study_counts_this_runs_trials(tmp_path):
    url = f"journal:{tmp_path}/r.journal"
    run("x = floatv(0, 1)\nx", name="r", storage=url, n_trials=4)
    again = Search(
        "x = floatv(0, 1)\nx",
        name="r",
        storage=url,
        n_trials=2,
        resume=True,
        executor="inline",
        user_ns=NS,
    )
    assert again.baseline == 4
    assert "created: 0/2 trials after 4 earlier" in repr(again)
    dashboard = again.dashboard(refresh_interval=0)
    assert (dashboard.progress_bar.value, dashboard.progress_bar.max) == (0, 2)
    again.start()
    dashboard.refresh()
    assert (dashboard.progress_bar.value, dashboard.progress_bar.max) == (2, 2)
    assert "2/2 (+4 earlier)" in dashboard.header.value


def test_process_exit_marks_running_trials_failed(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    journal = tmp_path / "exit.journal"
    code = (
        "import time, nas_notebook as nb\n"
        "s = nb.Search('import time\\nx = floatv(0, 1)\\nwhile True:\\n    time.sleep(0.01)\\n', "
        f"name='exit', storage='journal:{journal}', n_trials=3, user_ns={{'floatv': nb.floatv}})\n"
        "s.start()\n"
        "time.sleep(0.5)\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=root)
    study = optuna.load_study(study_name="exit", storage=open_storage(f"journal:{journal}"))
    (trial,) = study.trials
    assert trial.state == TrialState.FAIL
    assert trial.system_attrs["fail_reason"].startswith("stopped")


def test_resume_fails_trials_left_running_by_a_dead_process(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    journal = tmp_path / "crash.journal"
    code = (
        "import os, time, nas_notebook as nb\n"
        "s = nb.Search('import time\\nx = floatv(0, 1)\\ntime.sleep(60)\\nx', "
        f"name='crash', storage='journal:{journal}', n_trials=50, workers=2)\n"
        "s.start()\n"
        "while len(s.driver.running_numbers()) < 2:\n"
        "    time.sleep(0.01)\n"
        "time.sleep(0.2)\n"
        "os._exit(9)  # like a killed kernel: no clean-up runs\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], timeout=60, cwd=root)
    storage = open_storage(f"journal:{journal}")
    before = optuna.load_study(study_name="crash", storage=storage).trials
    stuck = [t.number for t in before if t.state == TrialState.RUNNING]
    assert stuck, "the crash left no running trial to recover"
    resumed = Search(
        "x = floatv(0, 1)\nx",
        name="crash",
        storage=storage,
        resume=True,
        n_trials=2,
        executor="inline",
        user_ns=NS,
    )
    assert resumed.recovered == [] and len(resumed.trials) == len(before)  # made, not yet run
    assert resumed.prepare().recovered == stuck
    assert resumed.rerun == stuck  # interrupted by the crash: each runs once more
    resumed.start()
    trials = resumed.trials
    assert TrialState.RUNNING not in [t.state for t in trials]
    for number in stuck:
        assert trials[number].state == TrialState.FAIL
        assert "ended before it finished" in trials[number].system_attrs["fail_reason"]
    assert len(trials) == len(before) + 2
    reruns = trials[len(before) :]
    assert [t.system_attrs["nas_notebook:retry_of"] for t in reruns] == stuck
    assert [t.params for t in reruns] == [trials[n].params for n in stuck]


def test_resume_leaves_trials_of_a_live_search_alone(tmp_path):
    import threading

    url = f"journal:{tmp_path}/live.journal"
    release = threading.Event()
    live = Search(
        "release.wait(10)\nx = floatv(0, 1)\nx",
        name="live",
        storage=url,
        n_trials=1,
        user_ns={**NS, "release": release},
    ).start()
    while not live.driver.running_numbers():
        pass
    other = Search("x = floatv(0, 1)\nx", name="live", storage=url, resume=True, user_ns=NS)
    assert other.prepare().recovered == [] and other.rerun == []
    release.set()
    live.wait()
    assert live.trials[0].state == TrialState.COMPLETE


def test_load_search_continues_the_stored_study_with_its_stored_body(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = run(
        "val_loss = floatv(0, 1)\nval_loss",
        name="net",
        storage=nb.study.default_storage_url(),
        n_trials=3,
        metric=None,
    )
    assert first.direction == "minimize"
    again = nb.load_search("net", executor="inline", n_trials=2)
    assert again.name == "net" and again.baseline == 3 and again.direction == "minimize"
    again.start()
    assert len(again.trials) == 5
    with pytest.raises(nb.StorageError, match=r"no study named 'nope'.*studies there: net"):
        nb.load_search("nope")


def test_load_search_goes_on_with_the_recorded_algorithm(tmp_path):
    url = f"journal:{tmp_path / 'a.journal'}"
    run(
        "x = floatv(0, 1)\nx",
        name="a",
        storage=url,
        n_trials=2,
        algo="evolution:population_size=4,tournament_size=2",
    )
    assert nb.load_search("a", storage=url).algo == "evolution:population_size=4,tournament_size=2"
    assert nb.load_search("a", storage=url, algo="random").algo == "random"
    sampler = optuna.samplers.RandomSampler(seed=0)
    run("x = floatv(0, 1)\nx", name="b", storage=url, n_trials=1, algo=sampler)
    assert nb.load_search("b", storage=url).algo == "tpe"  # "RandomSampler" names no algorithm


def test_unpicklable_names_are_a_usage_error_in_the_magic(tmp_path, monkeypatch):
    from IPython.core.error import UsageError

    from nas_notebook.testing import ipython_shell

    monkeypatch.chdir(tmp_path)
    ip = ipython_shell()
    ip.run_cell("import threading\nguard = threading.Lock()")
    with pytest.raises(UsageError, match="`guard` cannot be sent to worker processes"):
        ip.run_cell_magic("search", "u --executor process", "with guard:\n    x = floatv(0, 1)\nx")


def test_wait_returns_once_the_end_is_recorded_for_other_views(tmp_path):
    """A view opened right after wait() (another kernel, the studies panel) reads the end."""
    from nas_notebook.study import open_view, read_control

    url = f"journal:{tmp_path}/w.journal"
    for round_ in range(5):
        s = Search(
            "x = floatv(0, 1)\nx", name=f"w{round_}", storage=url, n_trials=3, executor="thread"
        ).start()
        s.wait()
        assert read_control(s.study)["state"] == "finished"
        assert open_view(f"w{round_}", url).status().state == "finished"


@pytest.mark.parametrize("algo", ["reinforce", "ppo"])
def test_an_algorithm_that_cannot_run_the_study_is_refused_before_any_trial(tmp_path, algo):
    url = f"journal:{tmp_path}/mo.journal"
    with pytest.raises(ValueError, match=f"algorithm '{algo}'.*2 objectives"):
        Search(
            "x = floatv(0, 1)\n(x, 1 - x)",
            name="mo",
            storage=url,
            algo=algo,
            directions="maximize,minimize",
            n_trials=2,
            executor="inline",
        )
    assert optuna.get_all_study_names(storage=open_storage(url)) == []  # nothing was created
    s = Search(
        "x = floatv(0, 1)\n(x, 1 - x)",
        name="mo",
        storage=url,
        algo="random",
        directions="maximize,minimize",
        n_trials=1,
        executor="inline",
    )
    with pytest.raises(ValueError, match="2 objectives"):
        s.set_algorithm(algo)
    assert s.start().trials[0].state.name == "COMPLETE"


def test_the_cli_refuses_it_with_status_2_and_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "mo.py"
    script.write_text("x = floatv(0, 1)\n(x, 1 - x)\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "nas_notebook",
            "run",
            str(script),
            "--algo",
            "reinforce",
            "--directions",
            "maximize,minimize",
            "--storage",
            f"journal:{tmp_path}/mo.journal",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "reinforce" in out.stderr
