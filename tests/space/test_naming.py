import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_notebook import DuplicateNameError, floatv, intv, oneof, trace
from nas_notebook.space import TrialContext, activate


def helper_returns_choice():
    return oneof([1, 2])


def build():
    lr = floatv(1e-4, 1e-1, log=True)
    act = oneof(["relu", "gelu"])
    for _ in range(2):
        w = intv(8, 64)
    cfg = {"drop": floatv(0, 0.5), "opt": {"mom": floatv(0, 1)}}
    fc = dict(out_features=intv(1, 3))
    sizes = [intv(1, 4) for _ in range(2)]
    a, b = intv(1, 2), intv(3, 4)
    x = 2 ** intv(1, 3)
    helper_returns_choice()
    helper_returns_choice()
    explicit = floatv(0, 1, name="custom")
    return lr, act, w, cfg, fc, sizes, a, b, x, explicit


def test_names_come_from_the_code():
    assert list(trace(build)) == [
        "lr",
        "act",
        "w[0]",
        "w[1]",
        "drop",
        "opt.mom",
        "fc.out_features",
        "sizes[0]",
        "sizes[1]",
        "a",
        "b",
        "x",
        "helper_returns_choice",
        "helper_returns_choice[1]",
        "custom",
    ]


def test_trace_records_kinds_sites_and_defaults():
    space = trace(build)
    assert space["act"].kind == "oneof"
    assert space["lr"].site.where().startswith("test_naming.py:")
    assert set(space.distributions()) >= {"lr", "act", "w[0]"}
    assert "lr: floatv(0.0001, 0.1, log=True)" in repr(space)


def test_two_sites_deriving_one_name_is_an_error_naming_both_lines():
    def clash():
        lr = floatv(0.1, 1)
        lr = floatv(0.01, 0.1)
        return lr

    with pytest.raises(
        DuplicateNameError, match=r"'lr': test_naming.py:\d+ and test_naming.py:\d+"
    ):
        trace(clash)


def test_explicit_names_share_a_decision_when_definitions_agree():
    def shared():
        return floatv(0, 1, name="t"), floatv(0, 1, name="t")

    study = optuna.create_study()
    trial = study.ask()
    with activate(TrialContext(trial)):
        first, second = shared()
    assert first == second and list(trial.params) == ["t"]

    def conflicting():
        return floatv(0, 1, name="t"), floatv(0, 2, name="t")

    with pytest.raises(DuplicateNameError, match="two different definitions"):
        trace(conflicting)


def _names_of_a_run(seed):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    trial = study.ask()
    with activate(TrialContext(trial)):
        build()
    return list(trial.params)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_names_are_deterministic_across_runs(seed):
    assert _names_of_a_run(seed) == _names_of_a_run(seed + 1) == list(trace(build))


def test_two_decisions_on_one_line_are_told_apart_by_their_columns():
    def clash():
        config = {"lr": floatv(0.1, 1), "wd": floatv(0.1, 1, name="lr")}
        return config

    with pytest.raises(
        DuplicateNameError,
        match=r"'lr': test_naming.py:\d+, column 25 and test_naming.py:\d+, column 47;",
    ):
        trace(clash)
