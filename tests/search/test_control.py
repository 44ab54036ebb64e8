"""Controls while trials run, with the thread and process executors: pause, resume, stop, add,
switch algorithm, resize. Every control is reflected in the storage; no completed trial is lost
and the counts are exact."""

import time

import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook import Search
from nas_notebook.study import open_storage, read_control

NS = {"floatv": nb.floatv}
BODY = "import time\ntime.sleep({sleep})\nx = floatv(0, 1)\nx"
EXECUTORS = ["thread", "process"]


def start(tmp_path, executor, sleep=0.05, **kw):
    kw.setdefault("n_trials", 20)
    kw.setdefault("workers", 2)
    return Search(
        BODY.format(sleep=sleep),
        name="ctl",
        storage=f"journal:{tmp_path}/ctl.journal",
        executor=executor,
        algo="random",
        user_ns=NS,
        **kw,
    ).start()


def until(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def other_view(tmp_path):
    """The study as another process would open it: a separate storage object on the file."""
    return optuna.load_study(
        study_name="ctl", storage=open_storage(f"journal:{tmp_path}/ctl.journal")
    )


def states(search):
    return [t.state for t in search.trials]


def assert_exact(search, expected):
    trials = search.trials
    assert len(trials) == expected, [t.state for t in trials]
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.state for t in trials]
    assert [t.number for t in trials] == list(range(expected))


@pytest.mark.parametrize("executor", EXECUTORS)
def test_pause_and_resume_while_trials_run(tmp_path, executor):
    search = start(tmp_path, executor, n_trials=16)
    until(lambda: search.progress().complete >= 2, what="first trials")
    search.pause()
    assert read_control(other_view(tmp_path))["state"] == "paused"
    until(lambda: search.progress().running == 0, what="running trials to finish")
    frozen = len(search.trials)
    time.sleep(0.5)
    assert len(search.trials) == frozen and search.state == "paused"
    search.resume()
    assert read_control(other_view(tmp_path))["state"] == "running"
    search.wait(120)
    assert_exact(search, 16)
    until(lambda: read_control(other_view(tmp_path))["state"] == "finished", 10, "final state")


@pytest.mark.parametrize("executor", EXECUTORS)
def test_stop_keeps_every_completed_trial(tmp_path, executor):
    search = start(tmp_path, executor, n_trials=200)
    until(lambda: search.progress().complete >= 3, what="first trials")
    search.stop()
    assert read_control(other_view(tmp_path))["state"] in ("stopping", "stopped")
    search.wait(120)
    trials = search.trials
    assert 3 <= len(trials) < 200
    assert all(t.state == TrialState.COMPLETE for t in trials)  # running ones were let finish
    until(lambda: read_control(other_view(tmp_path))["state"] == "stopped", 10, "final state")


@pytest.mark.parametrize("executor", EXECUTORS)
def test_add_trials_while_running(tmp_path, executor):
    search = start(tmp_path, executor, n_trials=6)
    until(lambda: search.progress().complete >= 1, what="first trial")
    search.add_trials(5)
    assert read_control(other_view(tmp_path))["n_trials"] == 11
    search.wait(120)
    assert_exact(search, 11)


def test_add_trials_rejects_nonsense():
    with pytest.raises(ValueError, match="`n` must be a positive integer"):
        Search("x = floatv(0, 1)\nx", user_ns=NS, executor="inline").add_trials(0)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_switch_algorithm_mid_study(tmp_path, executor):
    search = start(tmp_path, executor, n_trials=14)
    until(lambda: search.progress().complete >= 4, what="first trials")
    fixed = optuna.samplers.PartialFixedSampler({"x": 0.25}, optuna.samplers.RandomSampler())
    search.set_algorithm(fixed)
    switched_after = len(search.trials)  # trials created before the switch keep their values
    assert read_control(other_view(tmp_path))["algo"] == "PartialFixedSampler"
    search.wait(120)
    assert_exact(search, 14)
    later = [t.params["x"] for t in search.trials[switched_after + 2 :]]
    assert later and all(x == 0.25 for x in later)
    assert any(t.params["x"] != 0.25 for t in search.trials[:4])


def test_switch_algorithm_by_name_and_unknown_name():
    search = Search("x = floatv(0, 1)\nx", user_ns=NS, executor="inline", algo="random")
    assert isinstance(search.set_algorithm("tpe").study.sampler, optuna.samplers.TPESampler)
    with pytest.raises(nb.UnknownAlgorithmError, match=r"known algorithms: .*random"):
        search.set_algorithm("nope")
    assert search.algo == "tpe"


@pytest.mark.parametrize("executor", EXECUTORS)
def test_resize_while_running(tmp_path, executor):
    search = start(tmp_path, executor, sleep=0.3, workers=1, n_trials=14)
    until(lambda: search.progress().complete >= 1, what="first trial")
    search.set_workers(3)
    assert read_control(other_view(tmp_path))["workers"] == 3
    until(lambda: search.progress().running == 3, what="three trials at once")
    search.set_workers(1)
    until(lambda: search.progress().running <= 1, what="back to one lane")
    most = 0
    while not search.done:
        most = max(most, search.progress().running)
        time.sleep(0.02)
    assert most <= 1
    search.wait(120)
    assert_exact(search, 14)


def test_resize_an_inline_search_is_a_clear_error():
    search = Search("x = floatv(0, 1)\nx", user_ns=NS, executor="inline")
    with pytest.raises(ValueError, match="inline executor cannot change its number of workers"):
        search.set_workers(2)


def test_the_storage_says_running_while_trials_run(tmp_path):
    search = start(tmp_path, "thread", n_trials=5)
    assert read_control(other_view(tmp_path))["state"] == "running"
    search.wait(60)
    until(lambda: read_control(other_view(tmp_path))["state"] == "finished", 10, "final state")


def test_repr_counts_trials_added_while_running(tmp_path):
    search = start(tmp_path, "thread", n_trials=3)
    search.pause()
    search.add_trials(2)
    search.resume()
    search.wait(60)
    assert "finished: 5/5 trials" in repr(search)


def test_an_ended_search_cannot_be_steered_back_to_running(tmp_path):
    """Changing the workers of a finished search once started new lanes, and the state they
    recorded (running) stayed in the storage: the studies panel showed it running."""
    from nas_notebook.widgets import ControlBar

    url = f"journal:{tmp_path}/ended.journal"
    s = Search("x = floatv(0, 1)\nx", name="ended", storage=url, n_trials=3, workers=1)
    bar = ControlBar(s)
    s.start().wait()
    bar.sync()
    assert bar.algo.disabled and bar.workers.disabled and bar.stop_button.disabled
    with pytest.raises(ValueError, match="has ended"):
        s.set_workers(2)
    with pytest.raises(ValueError, match="has ended"):
        s.set_algorithm("random")
    bar.workers.value = 3  # as typing into the disabled field would: refused where it is shown
    assert "has ended" in bar.message.value
    assert read_control(s.study)["state"] == "finished"
    storage = open_storage(url)
    stored = optuna.load_study(study_name="ended", storage=storage)
    assert read_control(stored)["state"] == "finished" and len(stored.trials) == 3


def test_a_stop_racing_the_end_never_leaves_the_study_stopping(monkeypatch):
    # Stop clicked as the search ends: the click's thread reads "stopping", then the scheduler
    # runs the end's record ("stopped") before the click's write lands. The delay below makes
    # that interleaving certain; the study must not read "stopping" for good.
    import threading

    import nas_notebook.search._search as search_module

    real = search_module.publish_control
    clicked = threading.Event()

    def late_when_stopping(study, **settings):
        if settings.get("state") == "stopping":
            clicked.set()
            time.sleep(0.5)  # the end's record is written meanwhile, without the lock
        real(study, **settings)

    monkeypatch.setattr(search_module, "publish_control", late_when_stopping)
    gate = threading.Event()
    s = nb.Search(
        lambda: gate.wait(30) and nb.floatv(0, 1),
        name="race",
        n_trials=2,
        storage="memory",
        executor="thread",
        algo="random",
    ).start()
    stopper = threading.Thread(target=s.stop)
    stopper.start()
    assert clicked.wait(10)
    gate.set()  # the one trial ends: the search ends and records it
    stopper.join(10)
    s.wait(10)
    time.sleep(0.6)
    assert read_control(s.study)["state"] == "stopped"
