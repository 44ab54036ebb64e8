"""Promotion-type ASHA: trials pause at rungs with their checkpoint and resume where they stopped
when promoted (on any worker, in any executor that can resume); at the end every trial in the
top fraction of a rung has been promoted, the rest are recorded as pruned; nothing stays
RUNNING."""

import math
import time

import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.algorithms import PromotingSuccessiveHalving, make_pruner
from nas_notebook.executors import SimulatedExecutor, simulated_timeline

PROMOTION = "asha:type=promotion,min_resource=1,reduction_factor=3,max_resource=9"
BODY = """
q = floatv(0, 1)
state = restore()
start = 0 if state is None else state["epoch"]
starts.append(start)
for epoch in range(start, 9):
    elapse(1.0)
    checkpoint({"epoch": epoch + 1})
    report(q * (epoch + 1) / 9, step=epoch + 1)
q
"""


def run(executor="thread", workers=3, n_trials=27, body=BODY, **kwargs):
    starts = []
    search = nb.Search(
        body,
        n_trials=n_trials,
        executor=executor,
        workers=workers,
        algo="random",
        seed=0,
        pruner=PROMOTION,
        direction="maximize",
        user_ns={"starts": starts},
        **kwargs,
    ).start()
    search.wait()
    return search, starts


def rung_values(trials, rung):
    key = f"completed_rung_{rung}"
    return {t.number: t.system_attrs[key] for t in trials if key in t.system_attrs}


def check_asha(search):
    trials = search.trials
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    for t in trials:
        steps = sorted(t.intermediate_values)
        # resumed where it paused: one report per step, none repeated, none skipped
        assert steps == list(range(1, len(steps) + 1))
        assert t.system_attrs.get("nas_notebook:paused_at") is None
        if t.state == TrialState.COMPLETE:
            assert steps[-1] == 9 and t.value == pytest.approx(t.params["q"])
        else:
            assert steps[-1] in (1, 3)
    for rung in (0, 1):
        values = rung_values(trials, rung)
        went_on = set(rung_values(trials, rung + 1)) | {
            t.number for t in trials if t.state == TrialState.COMPLETE
        }
        top = sorted(values, key=values.get, reverse=True)[: len(values) // 3]
        assert set(top) <= went_on, rung  # the top third of every rung was promoted
    return trials


def test_scheduler_settings_and_rungs():
    assert isinstance(make_pruner(PROMOTION), PromotingSuccessiveHalving)
    assert PromotingSuccessiveHalving(2, 2, max_resource=16).rung_steps(100) == [2, 4, 8]
    with pytest.raises(ValueError, match="reduction_factor: an integer >= 2"):
        PromotingSuccessiveHalving(1, 1)
    with pytest.raises(ValueError, match="max_resource"):
        PromotingSuccessiveHalving(4, 2, max_resource=3)
    with pytest.raises(nb.UnknownAlgorithmError, match="'stopping' or 'promotion'"):
        make_pruner("asha:type=sometimes")


def test_thread_workers_pause_resume_and_promote_the_top_of_each_rung():
    search, starts = run("thread", workers=3)
    trials = check_asha(search)
    resumed = [s for s in starts if s > 0]
    assert resumed and set(resumed) <= {1, 3}  # resumed from the rung checkpoints
    assert len(starts) == 27 + len(resumed)
    assert sum(t.state == TrialState.COMPLETE for t in trials) >= 1
    assert any(t.state == TrialState.PRUNED for t in trials)
    best = max(t.params["q"] for t in trials)
    assert search.best.value == pytest.approx(best)  # the best config was trained to the end


def test_simulated_workers_keep_the_timeline_consistent():
    search, starts = run(SimulatedExecutor(workers=4), n_trials=40)
    check_asha(search)
    timeline = simulated_timeline(search)
    assert (timeline.state == "PAUSED").sum() == sum(s > 0 for s in starts)
    for _, rows in timeline.sort_values("start").groupby("worker"):
        assert (rows.start.to_numpy()[1:] >= rows.end.to_numpy()[:-1] - 1e-9).all()
    for number, rows in timeline.groupby("number"):
        trial = search.trials[number]
        # each stretch lasts one simulated second per epoch trained in it
        assert (rows.end - rows.start).sum() == pytest.approx(len(trial.intermediate_values))


def test_process_workers_resume_from_the_checkpoint_sent_back(tmp_path):
    body = BODY.replace("starts.append(start)\n", "")
    search, _ = run(
        "process", workers=2, n_trials=9, body=body, storage=f"journal:{tmp_path / 'p.journal'}"
    )
    check_asha(search)
    assert any(len(t.intermediate_values) > 1 for t in search.trials)


def test_a_body_without_checkpoint_is_told_what_to_write_and_dask_is_refused(tmp_path):
    body = "q = floatv(0, 1)\nfor e in range(3):\n    report(q, step=e + 1)\nq"
    search, _ = run("inline", workers=1, n_trials=4, body=body)
    failed = [t for t in search.trials if t.state == TrialState.FAIL]
    assert (
        failed and "call checkpoint(state) before report" in failed[0].system_attrs["fail_reason"]
    )
    with pytest.raises(ValueError, match="the dask executor cannot"):
        nb.Search(
            body, executor="dask", pruner=PROMOTION, storage=f"journal:{tmp_path / 'd.journal'}"
        )


def test_stopping_leaves_no_trial_running():
    slow = BODY.replace("elapse(1.0)", "__import__('time').sleep(0.01)")
    search = nb.Search(
        slow,
        n_trials=200,
        executor="thread",
        workers=3,
        algo="random",
        seed=1,
        pruner=PROMOTION,
        direction="maximize",
        user_ns={"starts": []},
    ).start()
    while len(search.trials) < 12:
        pass
    search.stop(wait=True)
    states = {t.state for t in search.trials}
    assert TrialState.RUNNING not in states and not math.isnan(len(states))


def test_a_simulated_time_budget_ends_paused_trials_as_pruned():
    search, _ = run(SimulatedExecutor(workers=4), n_trials=None, timeout=30)
    states = {t.state for t in search.trials}
    assert TrialState.RUNNING not in states and TrialState.PRUNED in states
    assert all(t.system_attrs.get("nas_notebook:paused_at") is None for t in search.trials)


@pytest.mark.parametrize(
    ("benchmark", "pruner"),
    [
        # The rungs at 1, 3, 9: the last at the body's last step.
        ("nas201_digits:epochs=9", "asha:type=promotion"),
        # The rungs at 5, 10, 20: the second at the body's last step.
        ("nas201_digits", "asha:type=promotion,min_resource=5,reduction_factor=2"),
        ("nas201_digits", "asha:type=promotion"),
    ],
)
def test_without_max_resource_no_trial_pauses_at_its_last_step(benchmark, pruner):
    """Paused there, a fully trained trial ended pruned, or was promoted with nothing left to
    run and failed for reporting nothing."""
    for seed in range(12):
        search = nb.Search(
            benchmark=benchmark,
            executor="simulated",
            pruner=pruner,
            algo="random",
            n_trials=30,
            workers=4,
            seed=seed,
            storage="memory",
        ).start()
        search.wait()
        trials = search.trials
        last = max(max(t.intermediate_values) for t in trials if t.intermediate_values)
        states = {t.state for t in trials}
        assert states <= {TrialState.COMPLETE, TrialState.PRUNED}, (seed, describe(trials))
        pruned_at_the_end = [
            t.number
            for t in trials
            if t.state == TrialState.PRUNED and max(t.intermediate_values) >= last
        ]
        assert not pruned_at_the_end, (seed, pruned_at_the_end)
        for t in trials:
            steps = sorted(t.intermediate_values)
            assert steps == list(range(1, len(steps) + 1)), (seed, t.number)
            if t.state == TrialState.COMPLETE:
                assert steps[-1] == last
        # Still successive halving: many trials stop early.
        assert sum(t.state == TrialState.PRUNED for t in trials) >= len(trials) // 3, seed


def describe(trials):
    return [(t.number, t.state.name, t.system_attrs.get("fail_reason")) for t in trials]


class _SlowLastTrial(optuna.samplers.BaseSampler):
    """Gives trial ``k`` the value ``Q[k]``; creating the last trial takes a second, so the other
    lane runs out of work while it is being created."""

    Q = (0.9, 0.8, 0.3, 0.2, 0.1, 0.05)

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, name, distribution):
        return self.Q[trial.number]

    def before_trial(self, study, trial):
        if trial.number == len(self.Q) - 1:
            time.sleep(1.0)


def test_a_lane_out_of_work_leaves_the_paused_trials_to_a_trial_still_being_created():
    # Five values at rung 0 promote one trial (0.9); the sixth, still being created when the
    # other lane finds nothing to do, makes the second (0.8) promotable: it must go on, not be
    # pruned by the lane that ended first.
    body = BODY.replace("starts.append(start)\n", "")
    search = nb.Search(
        body,
        n_trials=6,
        executor="thread",
        workers=2,
        algo=_SlowLastTrial(),
        pruner=PROMOTION,
        direction="maximize",
    ).start()
    search.wait()
    trials = check_asha(search)
    assert set(rung_values(trials, 1)) == {0, 1}
