"""PriorBand: new trials come from the prior, from around the incumbent or at random, in the
proportions of the paper; a prior that points where the best trials are keeps its share, a
misleading one hands it to the incumbent; the draw is stored on the trial, so worker processes
and restarts read the same one."""

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

import nas_notebook as nb
from nas_notebook._schema import PRIORBAND, record_prior
from nas_notebook.algorithms import (
    AsyncSuccessiveHalving,
    PriorBand,
    default_pruner,
    make_pruner,
    make_sampler,
)


def _study(prior, values):
    """A study of ``x`` in [0, 1] with ``prior`` recorded and completed trials at ``values``
    scoring ``-(x - 0.2) ** 2`` (the best near 0.2), each with a 9-step curve."""
    study = optuna.create_study(direction="maximize", sampler=PriorBand(seed=0))
    record_prior(study, "x", prior, "medium")
    dist = FloatDistribution(0.0, 1.0)
    for x in values:
        score = -((x - 0.2) ** 2)
        study.add_trial(
            create_trial(
                params={"x": x}, distributions={"x": dist}, value=score,
                intermediate_values={s: score * (1 + 1 / s) for s in range(1, 10)},
            )
        )  # fmt: skip
    return study


def test_before_any_evidence_the_bracket_sets_prior_against_random():
    sampler = PriorBand(eta=3)
    study = optuna.create_study()
    assert sampler.weights(study, 0) == {"prior": 0.5, "incumbent": 0.0, "random": 0.5}
    w = sampler.weights(study, 2)
    assert w["random"] == pytest.approx(0.1) and w["prior"] == pytest.approx(0.9)


def test_a_good_prior_keeps_its_share_and_a_misleading_one_hands_it_to_the_incumbent():
    xs = list(np.linspace(0.0, 1.0, 12))
    good = PriorBand().weights(_study(0.2, xs), 0)
    bad = PriorBand().weights(_study(0.95, xs), 0)
    assert good["random"] == bad["random"] == 0.5
    assert good["prior"] > 0.2 and bad["incumbent"] > 0.45 and bad["prior"] < 0.05
    assert good["prior"] + good["incumbent"] == pytest.approx(0.5)


def test_incumbent_draws_stay_near_the_incumbent_and_every_draw_is_stored():
    study = _study(0.95, list(np.linspace(0.0, 1.0, 12)))
    study.sampler = PriorBand(seed=1)
    for _ in range(60):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        study.tell(trial, state=TrialState.PRUNED)
    draws = [t for t in study.trials if PRIORBAND in t.system_attrs]
    modes = [t.system_attrs[PRIORBAND]["mode"] for t in draws]
    assert len(draws) == 60 and modes.count("incumbent") > 20 and modes.count("prior") < 10
    near = [abs(t.params["x"] - 2 / 11) for t in draws if t.system_attrs[PRIORBAND]["mode"]
            == "incumbent"]  # fmt: skip
    assert np.median(near) < 0.2  # the incumbent is x = 2/11; a move is N(0, 0.25), half the time
    # The sampler in the trial's process reads the draw back: the value is the stored one.
    for t in draws:
        unit = t.system_attrs[PRIORBAND]["unit"]
        if unit:
            assert t.params["x"] == pytest.approx(unit["x"])


def test_it_comes_with_asha_and_checks_its_arguments():
    pruner = make_pruner(default_pruner("priorband"))
    assert isinstance(pruner, AsyncSuccessiveHalving)
    assert (pruner._min_resource, pruner._reduction_factor) == (1, 3)  # PriorBand's eta
    assert isinstance(make_sampler("priorband:eta=2", seed=0), PriorBand)
    for bad, message in (("eta=1", "eta"), ("mutation_rate=0", "mutation_rate"),
                         ("mutation_std=2", "mutation_std")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            make_sampler(f"priorband:{bad}")


def test_with_a_good_prior_it_finds_a_good_cell_of_the_benchmark_sooner_than_random(tmp_path):
    from nas_notebook.benchmarks import TabulatedBenchmark

    bench = TabulatedBenchmark()
    final = bench.values("valid_acc", bench.default_seed)[:, -1]
    good = int(np.nanargmax(final))
    found = {}
    for algo, options, pruner in (
        ("priorband", f":prior={good}", "hyperband"),  # the paper's brackets
        ("priorband", f":prior={good}", None),  # its default, ASHA
        ("random", "", "hyperband"),
    ):
        regrets = []
        for seed in range(3):
            search = nb.Search(
                benchmark=f"nas201_digits{options}", executor="simulated", workers=4,
                n_trials=24, algo=algo, pruner=pruner, seed=seed, storage="memory",
                name=f"{algo}-{seed}",
            ).start()  # fmt: skip
            search.wait()
            regrets.append(float(np.nanmax(final)) - search.best.value)
        found[f"{algo}+{pruner}"] = float(np.mean(regrets))
    assert found["priorband+hyperband"] < found["random+hyperband"], found
    assert found["priorband+None"] < found["random+hyperband"], found
    assert math.isfinite(found["priorband+None"])
