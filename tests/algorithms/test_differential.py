"""Differential evolution (``--algo dehb``): the coordinates of every kind of decision, a
population that ranks trials by the rung they reached, and a search that beats random."""

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

import nas_notebook as nb
from nas_notebook.algorithms import DifferentialEvolution, default_pruner, make_sampler
from nas_notebook.algorithms._differential import from_unit, to_unit


@pytest.mark.parametrize(
    ("dist", "value"),
    [
        (FloatDistribution(1e-4, 1e-1, log=True), 3e-3),
        (FloatDistribution(0, 1, step=0.25), 0.75),
        (IntDistribution(16, 256, log=True), 64),
        (IntDistribution(0, 9, step=3), 6),
        (CategoricalDistribution(["a", "b", "c"]), "c"),
    ],
)
def test_a_value_round_trips_through_its_coordinate(dist, value):
    unit = to_unit(dist, value)
    assert 0 <= unit <= 1 and from_unit(dist, unit) == pytest.approx(value)
    assert to_unit(dist, "nope" if not isinstance(dist, CategoricalDistribution) else "z") is None


def test_registered_with_hyperband_and_checked():
    assert isinstance(make_sampler("dehb"), DifferentialEvolution)
    assert default_pruner("dehb") == "hyperband"
    for bad in ("population_size=3", "mutation_factor=0", "crossover_prob=1.5",
                "random_fraction=2"):  # fmt: skip
        with pytest.raises(ValueError):
            make_sampler(f"dehb:{bad}")


def test_the_population_ranks_trials_that_went_further_first():
    study = optuna.create_study(direction="maximize")
    for x, steps, value in ((0.1, 1, 0.9), (0.2, 3, 0.5), (0.3, 3, 0.6), (0.4, 9, 0.1)):
        study.enqueue_trial({"x": x})
        trial = study.ask({"x": FloatDistribution(0, 1)})
        for step in range(1, steps + 1):
            trial.report(value, step)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    ranked = DifferentialEvolution(population_size=4)._population(study)
    assert [t.params["x"] for t in ranked] == [0.4, 0.3, 0.2, 0.1]


def test_it_beats_random_search_on_a_smooth_function():
    body = "x = floatv(-5, 5)\ny = floatv(-5, 5)\n(x - 1) ** 2 + (y + 2) ** 2"

    def best(algo):
        return np.mean([
            nb.Search(body, n_trials=80, algo=algo, pruner="none", seed=seed, direction="minimize",
                      executor="inline", storage="memory").start().best.value
            for seed in range(5)
        ])  # fmt: skip

    assert best("dehb:population_size=10") < best("random") / 3
