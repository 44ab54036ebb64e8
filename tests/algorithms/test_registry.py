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
    with pytest.raises(UnknownAlgorithmError, match="known pruners: asha, curve, hyperband, median, none"):
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


def test_optuna_algorithms_by_name_and_bohb_comes_with_hyperband():
    import nas_notebook as nb
    from nas_notebook.algorithms import default_pruner

    body = "x = floatv(-1, 1)\nk = oneof(['a', 'b'])\n(x - 0.3) ** 2"
    kinds = {
        "gp": optuna.samplers.GPSampler,
        "cmaes": optuna.samplers.CmaEsSampler,
        "nsga2": optuna.samplers.NSGAIISampler,
        "bohb": optuna.samplers.TPESampler,
    }
    for name, kind in kinds.items():
        search = nb.Search(
            body, algo=name, n_trials=6, executor="inline", direction="minimize", seed=0
        ).start()
        assert isinstance(search.study.sampler, kind), name
        assert all(t.state.name == "COMPLETE" for t in search.trials), name
    bohb = nb.Search(body, algo="bohb", executor="inline", direction="minimize")
    assert isinstance(bohb.study.pruner, optuna.pruners.HyperbandPruner)
    assert bohb.study.sampler._multivariate
    plain = nb.Search(body, algo="bohb", pruner="none", executor="inline", direction="minimize")
    assert isinstance(plain.study.pruner, optuna.pruners.NopPruner)
    assert default_pruner("bohb:n_startup_trials=3") == "hyperband" and default_pruner("gp") is None
    pareto = nb.Search(
        "x = floatv(0, 1)\n(x, 1 - x)",
        algo="nsga2",
        directions="minimize,minimize",
        n_trials=8,
        executor="inline",
        seed=0,
    ).start()
    assert len(pareto.pareto_front()) == 8
