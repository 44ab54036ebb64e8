"""CMA-ES and the Gaussian process by name say once that they draw some decisions at random,
where Optuna says it for every such decision of every trial."""

import logging

import optuna
import pytest

import nas_notebook as nb
from nas_notebook.algorithms import make_sampler
from nas_notebook.executors import SimulatedExecutor

MIXED = "x = floatv(-1, 1)\nk = oneof(['a', 'b', 'c'])\nj = oneof([1, 2])\n(x - 0.3) ** 2"
BRANCHES = """k = oneof(['a', 'b'])
if k == 'a':
    x = floatv(-1, 1)
else:
    y = floatv(-2, 2)
    x = y + 1
x * x"""


@pytest.fixture
def lines(caplog):
    """What ours logs, and every line Optuna's own logger (which does not propagate) writes."""
    caplog.set_level(logging.WARNING)
    optuna_lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: optuna_lines.append(record.getMessage())  # type: ignore[method-assign]
    optuna.logging.get_logger("optuna").addHandler(handler)
    ours = "nas_notebook.algorithms._said_once"
    yield lambda: ([r.getMessage() for r in caplog.records if r.name == ours], optuna_lines)
    optuna.logging.get_logger("optuna").removeHandler(handler)


def test_cmaes_on_a_mixed_space_says_it_once_and_still_models_the_numbers(lines):
    search = nb.Search(
        MIXED, algo="cmaes", n_trials=20, executor="inline", direction="minimize", seed=0
    ).start()
    ours, theirs = lines()
    assert len(ours) == 1 and "'k'" in ours[0] and "'tpe'" in ours[0], ours
    assert not [line for line in theirs if "sampled independently" in line]
    sampler, trials = search.study.sampler, search.trials
    assert isinstance(sampler, optuna.samplers.CmaEsSampler) and sampler.told_random
    # x is CMA-ES's own: the trials after the random start close in on 0.3
    early, late = ([abs(t.params["x"] - 0.3) for t in part] for part in (trials[:5], trials[-5:]))
    assert max(late) < max(early)


def test_gp_on_branches_says_it_once(lines):
    search = nb.Search(
        BRANCHES, algo="gp", n_trials=24, executor="inline", direction="minimize", seed=0
    ).start()
    ours, theirs = lines()
    assert len(ours) == 1 and "only some trials" in ours[0], ours
    assert not [line for line in theirs if "sampled independently" in line]
    assert search.study.sampler.told_random


def test_simulated_workers_on_a_space_of_choices_get_one_line(lines):
    nb.Search(
        benchmark="nas201_digits",
        executor=SimulatedExecutor(workers=4),
        n_trials=40,
        algo="cmaes",
        seed=1,
    ).start()
    ours, theirs = lines()
    assert len(ours) == 1 and not [line for line in theirs if "sampled independently" in line]


def test_numbers_only_or_asked_not_to_say_anything(lines):
    nb.Search(
        "x = floatv(-1, 1)\ny = intv(0, 9)\nx * x + y",
        algo="cmaes", n_trials=12, executor="inline", direction="minimize", seed=0,
    ).start()  # fmt: skip
    quiet = make_sampler("cmaes:warn_independent_sampling=False")
    nb.Search(MIXED, algo=quiet, n_trials=6, executor="inline", direction="minimize").start()
    assert lines() == ([], [])
