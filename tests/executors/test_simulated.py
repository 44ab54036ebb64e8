"""The simulated executor: events in simulated-time order across workers, with timings that can
be worked out by hand; pruned trials stop consuming simulated time; an algorithm sees exactly
the results reported before it asks."""

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook._schema import sim_segments
from nas_notebook.executors import SimulatedExecutor, make_executor, simulated_span
from nas_notebook.trial import simulated_time

NS = {"floatv": nb.floatv, "simulated_time": simulated_time}


def run(body, durations, workers, **kw):
    events = []
    search = nb.Search(
        body,
        n_trials=len(durations),
        executor=SimulatedExecutor(workers=workers),
        algo="random",
        direction="minimize",
        user_ns={**NS, "events": events, **kw.pop("user_ns", {})},
        **kw,
    )
    for d in durations:
        search.study.enqueue_trial({"d": d})
    search.start()
    return search, events


def times(search):
    return {t.number: simulated_span(t) for t in search.trials}


BODY = """
d = floatv(0, 100)
events.append(("start", d, simulated_time()))
elapse(d)
events.append(("end", d, simulated_time()))
d
"""


def test_two_workers_by_hand():
    # lane 0 takes the 5 s trial; lane 1 runs 1 + 1 + 1 s, then the 3 s trial from t=3 to 6.
    search, events = run(BODY, [5, 1, 1.5, 1, 3], workers=2)
    assert times(search) == {0: (0, 5), 1: (0, 1), 2: (1, 2.5), 3: (2.5, 3.5), 4: (3.5, 6.5)}
    assert [sim_segments(t.system_attrs)[0][0] for t in search.trials] == [0, 1, 1, 1, 1]
    assert search.executor.now == 6.5
    ends = [(d, t) for kind, d, t in events if kind == "end"]
    assert ends == [(1, 1), (1.5, 2.5), (1, 3.5), (5, 5), (3, 6.5)]  # in simulated order
    # Optuna was told in the same order.
    told = sorted(search.trials, key=lambda t: t.datetime_complete)
    assert [t.number for t in told] == [1, 2, 3, 0, 4]


def test_one_worker_runs_trials_back_to_back():
    search, _ = run(BODY, [2, 3, 4], workers=1)
    assert times(search) == {0: (0, 2), 1: (2, 5), 2: (5, 9)}


def test_more_workers_than_trials():
    search, _ = run(BODY, [2, 3], workers=8)
    assert times(search) == {0: (0, 2), 1: (0, 3)} and search.executor.now == 3


EPOCHS = """
d = floatv(0, 100)
for epoch in range(4):
    elapse(1.0)
    report(d, step=epoch)
d
"""


def test_pruned_trials_stop_consuming_simulated_time():
    search, _ = run(
        EPOCHS,
        [10, 80, 20, 90, 30],
        workers=2,
        pruner=optuna.pruners.ThresholdPruner(upper=50.0),
    )
    states = {t.number: t.state for t in search.trials}
    assert states == {
        0: TrialState.COMPLETE,
        1: TrialState.PRUNED,
        2: TrialState.COMPLETE,
        3: TrialState.PRUNED,
        4: TrialState.COMPLETE,
    }
    # lane 0: trial 0 over [0, 4]; lane 1: trial 1 pruned at 1, trial 2 over [1, 5];
    # lane 0 at 4: trial 3 pruned at 5; then at 5 a lane takes trial 4, done at 9.
    got = times(search)
    assert got[0] == (0, 4) and got[1] == (0, 1) and got[2] == (1, 5) and got[3] == (4, 5)
    assert got[4] == (5, 9) and search.executor.now == 9


def test_an_algorithm_sees_exactly_the_results_reported_before_it_asks():
    rng = np.random.default_rng(0)
    durations = list(rng.uniform(1, 10, 40))
    seen = {}

    def count_done(d):
        study = holder[0]
        seen[d] = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    holder = []
    body = "d = floatv(0, 100)\ncount_done(d)\nelapse(d)\nd"
    search = nb.Search(
        body,
        n_trials=len(durations),
        executor="simulated",
        workers=4,
        algo="random",
        direction="minimize",
        user_ns={**NS, "count_done": count_done},
    )
    holder.append(search.study)
    for d in durations:
        search.study.enqueue_trial({"d": d})
    search.start()
    spans = times(search)
    for trial in search.trials:
        start = spans[trial.number][0]
        before = sum(1 for s, e in spans.values() if e <= start)
        assert seen[trial.params["d"]] == before, trial.number
    assert len({round(s, 9) for s, _ in spans.values()}) > 4  # the lanes did interleave


def test_failures_and_the_registry_name():
    body = "d = floatv(0, 100)\nelapse(d)\nif d > 50:\n    raise ValueError('too slow')\nd"
    search, _ = run(body, [10, 60, 20], workers=2)
    assert [t.state for t in search.trials] == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.COMPLETE,
    ]
    assert times(search)[2] == (10, 30)  # lane 0 took it when trial 0 ended at 10
    assert isinstance(make_executor("simulated", workers=3), SimulatedExecutor)


def test_elapse_rejects_negative_or_non_numbers():
    with pytest.raises(ValueError, match="`seconds` must be a non-negative number"):
        nb.elapse(-1)
    with pytest.raises(ValueError, match="`seconds` must be a non-negative number"):
        nb.elapse("3")


def test_search_magic_runs_a_simulation(tmp_path):
    from nas_notebook.testing import ipython_shell

    ip = ipython_shell()
    ip.run_cell_magic(
        "search",
        "sim -n 6 --executor simulated --workers 3 --algo random --seed 0 --storage memory",
        "d = floatv(1, 2)\nelapse(d)\nd",
    )
    search = ip.user_ns["sim"]
    assert search.executor.name == "simulated" and len(search.trials) == 6
    spans = [end - start for start, end in map(simulated_span, search.trials)]
    assert spans == pytest.approx([t.params["d"] for t in search.trials])


def test_timeout_is_simulated_time():
    # Two lanes run 3 s trials back to back; none starts at or after t = 10: 4 per lane.
    search = nb.Search(
        "x = floatv(0, 1)\nelapse(3)\nx",
        timeout=10,
        executor=SimulatedExecutor(workers=2),
        algo="random",
        seed=0,
        direction="minimize",
    )
    assert search.timeout is None and search.executor.time_budget == 10
    search.start()
    assert len(search.trials) == 8 and search.executor.now == 12
    assert max(simulated_span(t)[0] for t in search.trials) == 9
    with pytest.raises(ValueError, match="time_budget: positive"):
        SimulatedExecutor(workers=2, time_budget=0)


def test_an_interrupt_between_trials_leaves_no_trial_running(monkeypatch):
    from nas_notebook.study import Driver

    search = nb.Search(
        "x = floatv(0, 1)\nelapse(1 + x)\nx",
        n_trials=50,
        executor=SimulatedExecutor(workers=3),
        algo="random",
        seed=0,
        direction="minimize",
        user_ns=NS,
    )
    # Ctrl-C lands while the driver records the fifth trial, outside any trial body.
    original, calls = Driver.job_done, []

    def job_done(self, job, outcome):
        calls.append(job.number)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return original(self, job, outcome)

    monkeypatch.setattr(Driver, "job_done", job_done)
    with pytest.raises(KeyboardInterrupt):
        search.start()
    states = [t.state for t in search.trials]
    assert TrialState.RUNNING not in states and TrialState.FAIL in states
    assert states.count(TrialState.COMPLETE) >= 4  # the ones recorded before are kept
