"""CMA-ES by name: it says once that it draws choices at random, where Optuna says it for
every choice of every trial."""

import logging

import optuna

import nas_notebook as nb
from nas_notebook.algorithms import make_sampler
from nas_notebook.executors import SimulatedExecutor

MIXED = "x = floatv(-1, 1)\nk = oneof(['a', 'b', 'c'])\nj = oneof([1, 2])\n(x - 0.3) ** 2"


def _told(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "nas_notebook.algorithms._cmaes"]


def test_a_mixed_space_is_told_once_and_the_numbers_are_still_modelled(caplog):
    caplog.set_level(logging.WARNING)
    search = nb.Search(
        MIXED, algo="cmaes", n_trials=20, executor="inline", direction="minimize", seed=0
    ).start()
    (line,) = _told(caplog)
    assert "'k'" in line and "'tpe'" in line
    sampler, trials = search.study.sampler, search.trials
    assert isinstance(sampler, optuna.samplers.CmaEsSampler) and sampler.told_random
    assert not sampler._warn_independent_sampling  # Optuna's line per decision per trial: off
    # x is CMA-ES's own: the trials after the random start close in on 0.3
    early, late = ([abs(t.params["x"] - 0.3) for t in part] for part in (trials[:5], trials[-5:]))
    assert max(late) < max(early)


def test_simulated_workers_on_a_space_of_choices_get_one_line(caplog):
    caplog.set_level(logging.WARNING)
    nb.Search(
        benchmark="nas201_digits",
        executor=SimulatedExecutor(workers=4),
        n_trials=40,
        algo="cmaes",
        seed=1,
    ).start()
    assert len(_told(caplog)) == 1


def test_numbers_only_or_asked_not_to_say_anything(caplog):
    caplog.set_level(logging.WARNING)
    nb.Search(
        "x = floatv(-1, 1)\ny = intv(0, 9)\nx * x + y",
        algo="cmaes", n_trials=12, executor="inline", direction="minimize", seed=0,
    ).start()  # fmt: skip
    quiet = make_sampler("cmaes:warn_independent_sampling=False")
    nb.Search(MIXED, algo=quiet, n_trials=6, executor="inline", direction="minimize").start()
    assert _told(caplog) == []
