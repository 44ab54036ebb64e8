"""Priors written inline: checked at the user's line, stored with the study, and used by random
search and TPE in the manner of piBO (strong at first, fading as trials finish, so that a wrong
prior is overcome)."""

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from prior_bowl import best_after

import nas_notebook as nb
from nas_notebook import floatv, intv, oneof
from nas_notebook._schema import read_priors
from nas_notebook._storages import open_storage
from nas_notebook.algorithms import PriorTPE, RandomSearch, make_sampler
from nas_notebook.algorithms._priors import Priors, log_prior, sample_prior


def test_priors_are_checked_where_they_are_written():
    assert (
        repr(floatv(1e-4, 1e-1, log=True, prior=3e-3))
        == "floatv(0.0001, 0.1, log=True, prior=0.003)"
    )
    assert intv(16, 256, prior=64, confidence="high").default() == 64
    assert oneof(["relu", "gelu"], prior="gelu").default() == "gelu"
    assert floatv(0, 1, prior=0.5) != floatv(0, 1)  # a prior is part of the definition
    bad = [
        ("x = floatv(0, 1, prior=2)\nx", "line 1: floatv: `prior`=2 is outside [0.0, 1.0]"),
        ("x = 1\nn = intv(1, 8, prior=2.5)\nn", "line 2: intv: `prior` must be an integer"),
        ("a = oneof(['relu', 'gelu'], prior='tanh')\n0", "`prior`='tanh' is not one of the"),
        ("x = floatv(0, 1, confidence='high')\nx", "`confidence` needs a `prior`"),
        ("x = floatv(0, 1, prior=0.5, confidence='sure')\nx", "`confidence` must be one of"),
    ]
    for body, message in bad:
        with pytest.raises(
            nb.SearchSpaceError, match=message.replace("[", r"\[").replace("]", r"\]")
        ):
            nb.Search(body, storage="memory")


def test_priors_are_stored_with_the_study_by_worker_processes_too(tmp_path):
    body = (
        "lr = floatv(1e-4, 1e-1, log=True, prior=3e-3, confidence='high')\n"
        "act = oneof(['relu', 'gelu', 'tanh'], prior='gelu')\n"
        "width = intv(16, 256, log=True)\n"
        "lr"
    )
    search = nb.Search(
        body, n_trials=4, executor="process", workers=2, direction="minimize",
        storage=f"journal:{tmp_path / 'p.journal'}",
    ).start()  # fmt: skip
    search.wait()
    assert read_priors(search.study) == {
        "lr": {"value": 3e-3, "confidence": "high"},
        "act": {"value": 1, "confidence": "medium"},
    }
    # a new process reading the storage sees them: a resumed search samples with them
    storage = open_storage(f"journal:{tmp_path / 'p.journal'}")
    again = optuna.load_study(study_name=search.name, storage=storage)
    assert sorted(read_priors(again)) == ["act", "lr"]


def _unit_draws(sampler_factory, prior, n_trials, seed=0):
    """The unit-scale draws of x in [0, 1] with ``prior`` (None: none), per trial."""
    body = (
        "x = floatv(0, 1"
        + ("" if prior is None else f", prior={prior}, confidence='high'")
        + ")\n(x - 0.8) ** 2"
    )
    search = nb.Search(
        body, n_trials=n_trials, executor="inline", direction="minimize", storage="memory",
        algo=sampler_factory(seed), seed=seed,
    ).start()  # fmt: skip
    return np.array([t.params["x"] for t in search.trials])


def test_random_search_draws_from_the_prior_first_and_less_as_trials_finish():
    draws = _unit_draws(lambda s: RandomSearch(seed=s), 0.8, 300)
    near = np.abs(draws - 0.8) < 0.1
    # high confidence (sigma 0.125): about 58% within 0.1 while the prior is at full strength;
    # after 300 trials it is spread 30 times wider, near uniform (about 20% within 0.1)
    assert near[:10].mean() >= 0.4
    assert near[200:].mean() < 0.35
    plain = _unit_draws(lambda s: RandomSearch(seed=s), None, 30)
    assert (np.abs(plain - 0.8) < 0.1).mean() < 0.4


def test_a_good_prior_speeds_tpe_up_and_a_wrong_one_is_overcome():
    # TPE's first ten trials are random: drawn from the priors, they start near the optimum
    plain = best_after("tpe", None, 10)
    good = best_after("tpe", (0.75, 0.35), 10)
    assert good < plain / 2
    assert best_after("tpe", (0.75, 0.35), 30) <= best_after("tpe", None, 30) * 1.5
    wrong = best_after("tpe", (0.05, 0.95), 60)
    assert wrong < 0.02  # the fading prior lets the evidence win: near the optimum anyway


def test_the_prior_density_and_its_decay():
    rng = np.random.RandomState(0)
    spec = {"value": 1, "confidence": "high"}
    dist = CategoricalDistribution(["relu", "gelu", "tanh"])
    picks = [sample_prior(rng, dist, spec, 1.0) for _ in range(400)]
    assert 0.85 < picks.count("gelu") / 400 < 0.95
    faded = [sample_prior(rng, dist, spec, 0.01) for _ in range(600)]
    assert 0.25 < faded.count("gelu") / 600 < 0.45  # raised to 0.01: nearly uniform
    log = FloatDistribution(1e-4, 1e-1, log=True)
    spec = {"value": 1e-2, "confidence": "medium"}
    lr = np.array([sample_prior(rng, log, spec, 1.0) for _ in range(400)])
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    assert abs(np.median(np.log10(lr)) + 2) < 0.15  # centred on the prior, on the log scale
    ints = IntDistribution(1, 9, step=2)
    assert {
        sample_prior(rng, ints, {"value": 5, "confidence": "low"}, 1.0) for _ in range(200)
    } <= {1, 3, 5, 7, 9}
    values = np.array([1e-3, 1e-2, 1e-1])
    scores = log_prior(log, spec, 1.0, values)
    assert scores[1] == 0 and scores[0] < 0 and scores[0] == pytest.approx(scores[2])  # log scale
    assert Priors({}, finished=100, horizon=10).strength == pytest.approx(0.1)


def test_samplers_with_priors_are_picklable_restart_safe_and_switchable(tmp_path):
    import cloudpickle

    storage = f"journal:{tmp_path / 's.journal'}"
    body = "x = floatv(0, 1, prior=0.2, confidence='high')\nop = oneof(['a', 'b'], prior='b')\n(x - 0.2) ** 2"
    first = nb.Search(body, name="s", n_trials=12, algo="tpe:n_startup_trials=5", executor="inline",
                      direction="minimize", storage=storage).start()  # fmt: skip
    assert isinstance(make_sampler("tpe"), PriorTPE)
    sampler = cloudpickle.loads(cloudpickle.dumps(make_sampler("tpe", seed=1)))
    assert isinstance(sampler, PriorTPE)
    # the same study goes on with another algorithm, then with TPE again in a new Search
    nb.Search(body, name="s", n_trials=5, algo="random", executor="inline", direction="minimize",
              storage=storage, resume=True).start()  # fmt: skip
    last = nb.Search(body, name="s", n_trials=5, algo="tpe", executor="inline", direction="minimize",
                     storage=storage, resume=True).start()  # fmt: skip
    trials = last.trials
    assert len(trials) == 22 and all(t.state.name == "COMPLETE" for t in trials)
    assert first.best.value >= last.best.value
    assert math.isfinite(last.best.value)


def test_dict_and_symbolic_spaces_take_priors_too():
    from torch import nn

    from nas_notebook.space import choice, loguniform

    config = {
        "lr": loguniform(1e-4, 1e-1, prior=3e-3, confidence="high"),
        "act": choice(["relu", "gelu"], prior="gelu"),
    }
    search = nb.Search(
        "config['lr']", space="config", user_ns={"config": config}, n_trials=3,
        executor="inline", storage="memory", direction="minimize",
    ).start()  # fmt: skip
    assert read_priors(search.study) == {
        "lr": {"value": 3e-3, "confidence": "high"},
        "act": {"value": 1, "confidence": "medium"},
    }
    with pytest.raises(nb.SearchSpaceError, match="loguniform: `prior`=1 is outside"):
        loguniform(1e-4, 1e-1, prior=1)
    # a space written as data, decided in the trial body (as a symbolic model's arguments are)
    space = {"block": {"width": oneof([8, 16], prior=16, confidence="low")}, "act": nn.ReLU}
    search = nb.Search(
        "built = materialize(space)\nbuilt['block']['width']", n_trials=3, executor="inline",
        storage="memory", user_ns={"materialize": nb.symbolic.materialize, "space": space},
    ).start()  # fmt: skip
    assert read_priors(search.study) == {"block.width": {"value": 1, "confidence": "low"}}


def test_every_new_study_gets_its_priors_even_where_an_old_storage_was():
    import gc

    # A storage freed and a new one made at the same address: the prior is stored again.
    for _ in range(20):
        search = nb.Search("x = floatv(0, 1, prior=0.5)\nx", n_trials=1, executor="inline",
                           storage="memory", direction="minimize").start()  # fmt: skip
        assert read_priors(search.study) == {"x": {"value": 0.5, "confidence": "medium"}}
        del search
        gc.collect()


def test_priors_written_in_a_symbolic_space_are_stored_and_drawn():
    from nas_notebook.symbolic import symbolize

    @symbolize
    def optimizer(name, lr):
        return name, lr

    space = {
        "opt": optimizer(
            oneof(["sgd", "adam"], prior="adam"),
            lr=floatv(1e-4, 1e-1, log=True, prior=3e-3, confidence="high"),
        )
    }
    search = nb.Search(
        lambda config: config["opt"][1], space=space, algo="random", n_trials=30,
        executor="inline", seed=0, direction="minimize", storage="memory",
    ).start()  # fmt: skip
    assert read_priors(search.study) == {
        "opt.name": {"value": 1, "confidence": "medium"},
        "opt.lr": {"value": 3e-3, "confidence": "high"},
    }
    lrs = [t.params["opt.lr"] for t in search.trials]
    # Uniform on the log scale would put a third in this decade, the prior most.
    assert np.mean([1e-3 < lr < 1e-2 for lr in lrs]) > 0.6
    assert sum(t.params["opt.name"] == "adam" for t in search.trials) > 18


def test_a_prior_the_evidence_contradicts_fades_faster():
    from nas_notebook._schema import record_prior
    from nas_notebook.algorithms._priors import PRIOR_TRIALS, PriorCache

    def study_with(prior):
        study = optuna.create_study(direction="maximize")
        record_prior(study, "x", prior, "medium")
        dist = FloatDistribution(0.0, 1.0)
        for x in np.linspace(0.0, 1.0, 20):  # the best trials are near x = 0.9
            study.add_trial(
                optuna.trial.create_trial(
                    params={"x": float(x)}, distributions={"x": dist}, value=-abs(x - 0.9)
                )
            )
        return study

    piBO = PRIOR_TRIALS / 20  # the strength after 20 finished trials, evidence aside
    good = PriorCache().get(study_with(0.9), 20)
    wrong = PriorCache().get(study_with(0.05), 20)
    assert good.agreement > 0.8 and good.strength == pytest.approx(piBO)
    assert wrong.agreement < -0.5 and wrong.strength < 0.5 * piBO
    # with several objectives there is no "better" to judge a prior by: piBO's schedule alone
    multi = optuna.create_study(directions=["maximize", "minimize"])
    record_prior(multi, "x", 0.05, "medium")
    assert PriorCache().get(multi, 0).agreement is None
