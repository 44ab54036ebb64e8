import signal

import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.study import Driver


def test_ctrl_c_while_telling_is_held_until_the_trial_is_recorded(monkeypatch):
    original = Driver._record
    calls = []

    def record_with_interrupt(self, trial, outcome):
        if not calls:
            signal.raise_signal(signal.SIGINT)  # arrives while the driver talks to the storage
        calls.append(trial.number)
        return original(self, trial, outcome)

    monkeypatch.setattr(Driver, "_record", record_with_interrupt)
    s = nb.Search(
        "x = floatv(0, 1)\nx", n_trials=5, executor="inline", user_ns={"floatv": nb.floatv}
    )
    with pytest.raises(KeyboardInterrupt):
        s.start()
    assert [t.state for t in s.trials] == [TrialState.COMPLETE]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_inside_the_body_fails_that_trial_only():
    body = "import signal\nx = floatv(0, 1)\nsignal.raise_signal(signal.SIGINT)\nx"
    s = nb.Search(body, n_trials=5, executor="inline", user_ns={"floatv": nb.floatv})
    with pytest.raises(KeyboardInterrupt):
        s.start()
    (trial,) = s.trials
    assert trial.state == TrialState.FAIL
    assert trial.system_attrs["fail_reason"] == "interrupted by the user"


def test_inline_takes_one_worker_only():
    with pytest.raises(ValueError, match="workers"):
        nb.Search(
            "x = floatv(0, 1)\nx", executor="inline", workers=2, user_ns={"floatv": nb.floatv}
        )
