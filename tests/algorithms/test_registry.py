import optuna
import pytest

from nas_notebook import UnknownAlgorithmError
from nas_notebook.algorithms import (
    make_pruner,
    make_sampler,
    parse_spec,
    register_sampler,
    sampler_names,
)


def test_names_build_optuna_samplers_with_options_and_seed():
    tpe = make_sampler("tpe:n_startup_trials=3,multivariate=True", seed=1)
    assert isinstance(tpe, optuna.samplers.TPESampler)
    assert tpe._n_startup_trials == 3
    assert isinstance(make_sampler("RANDOM"), optuna.samplers.RandomSampler)
    sampler = optuna.samplers.RandomSampler()
    assert make_sampler(sampler) is sampler


def test_seeded_samplers_are_reproducible():
    def run(seed):
        study = optuna.create_study(sampler=make_sampler("tpe", seed=seed))
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=15)
        return [t.params["x"] for t in study.trials]

    assert run(4) == run(4) != run(5)


def test_unknown_names_list_what_exists():
    known = ", ".join(sampler_names())
    assert {"random", "tpe", "evolution"} <= set(sampler_names())
    with pytest.raises(
        UnknownAlgorithmError, match=f"unknown algorithm 'hyperopt'; known algorithms: {known}"
    ):
        make_sampler("hyperopt")
    with pytest.raises(UnknownAlgorithmError, match="known pruners: asha, hyperband, median, none"):
        make_pruner("asha2")
    with pytest.raises(UnknownAlgorithmError, match="is not key=value"):
        parse_spec("tpe:oops")


def test_registry_is_open_for_extension():
    register_sampler(
        "grid-test", lambda seed=None: optuna.samplers.RandomSampler(seed=seed), "test"
    )
    try:
        assert "grid-test" in sampler_names()
        assert isinstance(make_sampler("grid-test", seed=1), optuna.samplers.RandomSampler)
    finally:
        from nas_notebook.algorithms import _registry

        del _registry._samplers["grid-test"]


def test_pruners():
    assert isinstance(make_pruner(None), optuna.pruners.NopPruner)
    assert isinstance(make_pruner("median:n_warmup_steps=2"), optuna.pruners.MedianPruner)
