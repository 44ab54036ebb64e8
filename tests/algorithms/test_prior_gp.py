"""Gaussian-process BO with inline priors (piBO's weighting of the expected improvement): the
acquisition leans to the prior, fades with it, and the sampler behaves as the others do."""

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from prior_bowl import best_after

import nas_notebook as nb
from nas_notebook.algorithms import PriorGP, make_sampler
from nas_notebook.algorithms._prior_gp import _prior_terms, _PriorWeighted
from nas_notebook.algorithms._priors import Priors

torch = pytest.importorskip("torch")


class _Flat:
    """An acquisition function that says nothing: what is left is the prior's term."""

    length_scales = np.ones(2)
    search_space = None

    def eval_acqf(self, x):
        return torch.zeros(x.shape[:-1], dtype=torch.float64)


def test_the_acquisition_gains_the_priors_log_density():
    space = {
        "op": CategoricalDistribution(["conv", "pool", "skip"]),
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
    }
    specs = {"op": {"value": 2, "confidence": "high"}, "lr": {"value": 1e-2, "confidence": "medium"}}
    priors = Priors(specs, finished=0, horizon=10)
    weighted = _PriorWeighted(_Flat(), _prior_terms(priors, space), priors.strength)
    centre = 2 / 3  # 1e-2 in the unit scale of 1e-4 .. 1e-1 (log)
    x = np.array([[0.0, centre], [2.0, centre], [2.0, 0.1], [2.0, 0.9]])
    values = weighted.eval_acqf_no_grad(x)
    assert values[1] == pytest.approx(math.log(0.9))  # the prior's op at the prior's lr
    assert values[0] == pytest.approx(math.log(0.05))
    assert values[1] > values[3] > values[2]  # the further from 1e-2, the lower
    _, grad = weighted.eval_acqf_with_grad(np.array([2.0, 0.2]))
    assert grad[1] > 0  # a gradient step on the number moves it towards the prior
    faded = _PriorWeighted(_Flat(), _prior_terms(priors, space), 0.1)
    assert faded.eval_acqf_no_grad(x[:1])[0] == pytest.approx(0.1 * math.log(0.05))


def test_a_good_prior_speeds_the_gp_up_and_a_wrong_one_is_overcome():
    algo = "gp:n_startup_trials=4"
    assert best_after(algo, (0.75, 0.35), 8) < best_after(algo, None, 8) / 2
    assert best_after(algo, (0.05, 0.95), 30) < 0.01  # the evidence wins in the end


def test_it_is_the_gp_algorithm_picklable_and_switchable(tmp_path):
    import cloudpickle

    assert isinstance(make_sampler("gp"), PriorGP)
    sampler = cloudpickle.loads(cloudpickle.dumps(make_sampler("gp", seed=1)))
    assert isinstance(sampler, optuna.samplers.GPSampler)
    storage = f"journal:{tmp_path / 'g.journal'}"
    body = "x = floatv(0, 1, prior=0.2, confidence='high')\nop = oneof(['a', 'b'], prior='b')\n(x - 0.2) ** 2"
    common = {"executor": "inline", "direction": "minimize", "storage": storage, "name": "g"}
    nb.Search(body, n_trials=6, algo="gp:n_startup_trials=3", **common).start()
    nb.Search(body, n_trials=3, algo="tpe", resume=True, **common).start()
    last = nb.Search(body, n_trials=3, algo="gp", resume=True, **common).start()
    assert len(last.trials) == 12 and all(t.state.name == "COMPLETE" for t in last.trials)
    assert last.best.value < 0.01


class _Counting(PriorGP):
    """PriorGP that counts its model-based draws (each maximizes the acquisition once)."""

    model_draws = 0

    def _optimize_acqf(self, acqf, best_params):
        type(self).model_draws += 1
        return super()._optimize_acqf(acqf, best_params)


@pytest.mark.parametrize(
    ("options", "prior", "random_start"),
    [({}, True, 2), ({}, False, 10), ({"n_startup_trials": 4}, True, 4)],
)
def test_with_priors_the_model_takes_over_after_one_trial_per_dimension(
    options, prior, random_start
):
    # piBO's start: the prior already says where to look, so one random (prior-drawn) trial per
    # dimension of the space precedes the model, not Optuna's 10; unless the caller said.
    study = optuna.create_study(sampler=_Counting(seed=0, **options))
    if prior:
        from nas_notebook._schema import record_prior

        record_prior(study, "x", 0.3, "medium")
    _Counting.model_draws = 0

    def body(trial):
        return (trial.suggest_float("x", 0, 1) - 0.3) ** 2 + trial.suggest_float("y", 0, 1)

    study.optimize(body, n_trials=12)
    assert _Counting.model_draws == 12 - random_start
    # Pickled and back (a process executor ships it), it keeps its own start rule.
    import cloudpickle

    clone = cloudpickle.loads(cloudpickle.dumps(study.sampler))
    assert clone._n_startup_trials == study.sampler._n_startup_trials
