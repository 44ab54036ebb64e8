# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Algorithms by one word: evolution, policy gradient, multi-objective, multi-fidelity
#
# Every search algorithm in `nas_notebook` is an Optuna sampler, every scheduler an Optuna
# pruner, registered by name: switching is one word on the `%%search` line (`--algo`,
# `--pruner`), and the same objects work in plain Optuna code. This notebook uses the
# tabulated NAS benchmark (see `03_simulated_benchmark`), so each search takes a second:
#
# 1. the registry: what exists, and an unknown name;
# 2. the same search with random search, TPE, regularized evolution and a PPO controller, and a
#    switch of algorithm in the middle of a study;
# 3. two objectives: accuracy against parameter count, with NSGA-II, and the Pareto front;
# 4. multi-fidelity: ASHA stopping trials early, and ASHA promoting paused trials
#    (checkpoint/restore), with the pruned trials visible in the learning curves; learning-curve
#    extrapolation and DEHB;
# 5. factorized search: an outer loop over the architecture, an inner one over a training
#    setting;
# 6. priors: the value you believe best, written where you write the range;
# 7. warm start: a new search that starts from the trials of an earlier one.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## The registry
#
# `sampler_names()` and `pruner_names()` list what `--algo` and `--pruner` accept. Options go
# after a colon: `tpe:n_startup_trials=5`, `asha:type=promotion,reduction_factor=3`.

# %% tags=["registry"]
from nas_notebook.algorithms import pruner_names, sampler_names

print("algorithms:", ", ".join(sampler_names()))
print("pruners:   ", ", ".join(pruner_names()))

# %% tags=["unknown"]
from nas_notebook import Search, UnknownAlgorithmError

try:
    Search(benchmark="nas201_digits", algo="annealing")
except UnknownAlgorithmError as error:
    print(error)

# %% [markdown]
# ## One search, four algorithms
#
# Each line below is the same search of the benchmark's cells with 8 simulated workers and the
# same simulated time budget (`--timeout` is simulated seconds here): only `--algo` changes.

# %% tags=["four"]
# %search rnd --benchmark nas201_digits --workers 8 --timeout 40 --algo random --seed 0 --storage memory
# %search tpe --benchmark nas201_digits --workers 8 --timeout 40 --algo tpe --seed 0 --storage memory
# %search evo --benchmark nas201_digits --workers 8 --timeout 40 --algo evolution:population_size=16,tournament_size=4 --seed 0 --storage memory
# %search ppo --benchmark nas201_digits --workers 8 --timeout 40 --algo ppo --seed 0 --storage memory

# %% tags=["four-table"]
import pandas as pd

runs = {"random": rnd, "tpe": tpe, "evolution": evo, "ppo": ppo}
pd.DataFrame(
    {
        name: {"trials": len(s.trials), "best valid acc": s.best.value}
        for name, s in runs.items()
    }
).T

# %% [markdown]
# How each one's best value improved, trial after trial:

# %% tags=["histories"]
import numpy as np
import plotly.graph_objects as go

fig = go.Figure()
for name, s in runs.items():
    values = [t.value for t in s.trials]
    fig.add_trace(go.Scatter(y=np.maximum.accumulate(values), mode="lines", name=name))
fig.update_layout(
    title="Best validation accuracy so far", xaxis_title="trial", template="plotly_white"
)
fig

# %% [markdown]
# Regularized evolution records each child's parent and the decision it mutated; the policy
# gradient controller's probabilities can be read at any time (here the most likely operation
# of each edge):

# %% tags=["inspect"]
child = next(t for t in evo.trials if "evolution:parent" in t.system_attrs)
print(
    f"trial {child.number} is a child of trial {child.system_attrs['evolution:parent']}, "
    f"mutated {child.system_attrs['evolution:mutated']!r}"
)
policy = ppo.study.sampler.probabilities(ppo.study)
for edge, probabilities in policy.items():
    op, p = max(probabilities.items(), key=lambda item: item[1])
    print(f"{edge}: {op} ({p:.2f})")

# %% [markdown]
# A study can change algorithm without losing anything: the new one rebuilds its state from the
# stored trials. `NAME.set_algorithm("tpe")` does it for a running search from the next trial on
# (the dashboard has the same control); here a study that random search began is continued by
# TPE with `resume=True`.

# %% tags=["switch"]
import optuna

from nas_notebook.executors import SimulatedExecutor

storage = optuna.storages.InMemoryStorage()
first = Search(benchmark="nas201_digits", executor=SimulatedExecutor(workers=4), n_trials=60,
               algo="random", seed=1, storage=storage, name="switch").start()
then = Search(benchmark="nas201_digits", executor=SimulatedExecutor(workers=4), n_trials=60,
              algo="tpe", seed=1, storage=storage, name="switch", resume=True).start()
print(f"{len(then.trials)} trials in one study; best after random search "
      f"{max(t.value for t in then.trials[:60]):.4f}, after TPE {then.best.value:.4f}")

# %% [markdown]
# ## Two objectives
#
# A trial can return several values: here the validation accuracy (maximized) and the parameter
# count (minimized) of a cell, read from the table. `--directions` gives one direction per
# objective; NSGA-II is Optuna's genetic algorithm for such searches. `pareto_front()` lists the
# trials no other trial beats on both.

# %% tags=["mo-setup"]
from nas_notebook.benchmarks import TabulatedBenchmark, cell_index, search_space

table = TabulatedBenchmark()
valid = table.arrays["valid_acc"][:, 0, -1].astype(float)
params = table.arrays["params"]

# %% tags=["mo"]
# %%search mo --directions maximize,minimize --algo nsga2:population_size=30 -n 300 --executor inline --seed 0 --storage memory
cell = cell_index(search_space())
(float(valid[cell]), int(params[cell]))

# %% tags=["front"]
front = mo.pareto_front()
print(f"{len(front)} trials on the Pareto front of {len(mo.trials)}")
# isomorphic cells share their results: one row per distinct trade-off
front.drop_duplicates(["value_0", "value_1"])[["number", "value_0", "value_1"]]

# %% tags=["pareto"]
from nas_notebook.plots import plot_pareto_front

plot_pareto_front(mo)

# %% [markdown]
# ## Multi-fidelity: stop early, or pause and promote
#
# With a pruner, trials report their learning curve and the scheduler decides at *rungs* (here
# after 1, 3 and 9 epochs). Stopping-type ASHA (`--pruner asha`) ends a trial that is not in
# the top third of its rung. Promotion-type ASHA (`asha:type=promotion`) *pauses* it instead and
# resumes it later, on any free worker, if it enters the top third as more trials reach the
# rung; the benchmark's trial body saves `checkpoint(...)` before each report and starts with
# `restore()`, as a PyTorch training loop would with its model and optimizer state.

# %% tags=["mf"]
# %search stop --benchmark nas201_digits --workers 8 --timeout 40 --algo random --pruner asha:min_resource=1,reduction_factor=3 --seed 0 --storage memory
# %search promote --benchmark nas201_digits --workers 8 --timeout 40 --algo random --pruner asha:type=promotion,min_resource=1,reduction_factor=3 --seed 0 --storage memory

# %% tags=["mf-table"]
from nas_notebook.executors import simulated_timeline

summary = {}
for name, s in {"no pruner": rnd, "asha stopping": stop, "asha promotion": promote}.items():
    counts = s.dataframe()["state"].value_counts()
    summary[name] = {
        "trials": len(s.trials),
        "complete": counts.get("COMPLETE", 0),
        "pruned": counts.get("PRUNED", 0),
        "resumed": int((simulated_timeline(s).state == "PAUSED").sum()),
        "best valid acc": s.best.value,
    }
pd.DataFrame(summary).T

# %% [markdown]
# The learning curves of the stopping search: most end after the first rung (the x marks),
# the promising ones go on.

# %% tags=["curves"]
from nas_notebook.plots import plot_intermediate_values

plot_intermediate_values(stop)

# %% [markdown]
# Two more ways to spend the same budget. `--pruner curve` predicts where each trial's learning
# curve ends from how the study's own finished curves ended (a line through their final values
# against their level at the same epoch) and stops the trials whose prediction, read as
# optimistically as the finished curves beat theirs, cannot beat the best. With
# `curve:pause=True` it pauses them instead, as promotion-type ASHA does, and brings one back
# from its checkpoint if the study's later curves show that such curves end higher than read
# (the rest end pruned when the search ends); `curve:model=families` extrapolates the trial's
# own curve by parametric families instead. `--algo dehb`
# evolves the trials by differential evolution, ranking them by the rung they reached before
# Hyperband stopped them (after DEHB).

# %% tags=["curve-dehb"]
# %search lc --benchmark nas201_digits --workers 8 --timeout 40 --algo random --pruner curve --seed 0 --storage memory
# %search lcp --benchmark nas201_digits --workers 8 --timeout 40 --algo random --pruner curve:pause=True --seed 0 --storage memory
# %search de --benchmark nas201_digits --workers 8 --timeout 40 --algo dehb --seed 0 --storage memory

# %% tags=["curve-dehb-table"]
pd.DataFrame(
    {
        name: {
            "trials": len(s.trials),
            "stopped": int((s.dataframe()["state"] == "PRUNED").sum()),
            "best valid acc": s.best.value,
        }
        for name, s in {"curve pruner": lc, "curve pruner, pausing": lcp, "dehb": de}.items()
    }
).T

# %% [markdown]
# ## Factorized search
#
# Sometimes the architecture and the training recipe are best searched by different algorithms
# (the PyGlove paper searches NAS-Bench-101's cells with evolution and their hyperparameters
# with another algorithm per cell). `sample(f, algo, n, partition=...)` gives an outer loop that
# decides only the decisions `partition` accepts; `sample(example, algo, k)` searches the rest
# for that example. Here the cell is the outer decision and the number of epochs to train it
# the inner one (longer training costs simulated time: the reward subtracts a small price per
# epoch).

# %% tags=["factorized"]
from nas_notebook import intv, sample

curves = table.arrays["valid_acc"][:, 0, :].astype(float)


def recipe():
    cell = cell_index(search_space())
    epochs = intv(1, 10, name="epochs")
    return curves[cell, epochs - 1] - 0.002 * epochs


outer_best = []
for outer, outer_feedback in sample(recipe, "evolution:population_size=10,tournament_size=3",
                                    40, seed=0, partition=lambda name: name.startswith("edge")):
    inner_rewards = []
    for inner, inner_feedback in sample(outer, "tpe", 8, seed=0):
        with inner():
            inner_rewards.append(recipe())
        inner_feedback(inner_rewards[-1])
    outer_feedback(max(inner_rewards))
    outer_best.append(max(inner_rewards))
print(f"outer study: {len(outer.trial.study.trials)} cells, params {sorted(outer.trial.params)[:2]}...")
print(f"inner study of the last cell: params {sorted(inner.trial.params)}")
print(f"best reward {max(outer_best):.4f}")

# %% [markdown]
# ## Priors: what you believe, written where you write the range
#
# Often you know more than the range: a learning rate that worked last time, the activation
# you would pick. Say so where the range is written: `floatv(1e-4, 1e-1, log=True,
# prior=3e-3)`, `oneof([...], prior="gelu")`, with `confidence="low"`, `"medium"` (the default)
# or `"high"`. The prior is stored with the study; random search, TPE and `--algo gp` (Gaussian-
# process BO, its expected improvement weighed by the prior) draw near it at first and less as
# trials finish (in the manner of piBO), and faster when the finished trials contradict it, so
# a good prior saves trials and a wrong one is overcome. With priors, `gp` also starts its
# model sooner: after one trial per decision, not ten. The slice and parallel-coordinate plots
# mark it.
#
# The "training" below is a stand-in whose best is near `lr = 2e-3` with `gelu`: five seeds of
# ten TPE trials with a good prior, none, and a misleading one (whose sixty trials show the
# evidence winning over it).

# %% tags=["priors"]
import math

import numpy as np

from nas_notebook import floatv, oneof


def stand_in(lr_prior=None, act_prior=None):
    lr = floatv(1e-4, 1e-1, log=True, prior=lr_prior, name="lr")
    act = oneof(["relu", "gelu", "tanh"], prior=act_prior, name="act")
    return (math.log10(lr) - math.log10(2e-3)) ** 2 + (0.0 if act == "gelu" else 0.25)


def best_loss(n_trials, **priors):
    losses = []
    for seed in range(5):
        search = Search(lambda: stand_in(**priors), n_trials=n_trials, algo="tpe", seed=seed,
                        direction="minimize", storage="memory", executor="inline").start()
        losses.append(search.best.value)
    return float(np.mean(losses)), search


good, with_prior = best_loss(10, lr_prior=3e-3, act_prior="gelu")
plain, _ = best_loss(10)
wrong, _ = best_loss(60, lr_prior=1e-4, act_prior="tanh")
print(f"after 10 trials: good prior {good:.4f}, no prior {plain:.4f}")
print(f"after 60 trials with a misleading prior: {wrong:.4f}")
print("priors stored with the study:", with_prior.priors)

# %% tags=["prior_slice"]
from nas_notebook.plots import plot_slice

plot_slice(with_prior)

# %% [markdown]
# With learning curves there is a multi-fidelity way to use priors: `--algo priorband` (after
# PriorBand) runs asynchronous successive halving (`--pruner hyperband`: Hyperband's brackets)
# and draws each new trial from the priors, from around the best trial so far, or at random. Once the best trials of a rung are known, it compares how likely
# they are under the prior and around the incumbent, and moves the prior's share to the
# incumbent when the prior points elsewhere. Here the benchmark's six edges get the ops of a
# cell as priors (`nas201_digits:prior=CELL`): a good cell, then a poor one.

# %% tags=["priorband"]
from nas_notebook.algorithms import PriorBand

final = table.values("valid_acc", table.default_seed)[:, -1]
ranked = np.argsort(np.nan_to_num(final, nan=-1.0))
priorband = {}
for case, cell in {"good prior": int(ranked[-20]), "poor prior": int(ranked[100])}.items():
    s = Search(benchmark=f"nas201_digits:prior={cell}", algo="priorband", executor="simulated",
               workers=8, n_trials=150, seed=0, storage="memory", name=f"pb-{case}").start()
    modes = pd.Series([PriorBand.drawn_from(t) for t in s.trials]).value_counts()
    priorband[case] = {"best valid acc": s.best.value, **modes.to_dict()}
pd.DataFrame(priorband).T.fillna(0)

# %% [markdown]
# ## Warm start: begin where an earlier study left off
#
# A new study of a similar problem (another data set, a changed model) can start from an
# earlier study's completed trials: `--warm-start OLD` on the `%%search` line, `warm_start="OLD"`
# in Python. They are copied once, with the decisions that fit the new search's ranges and
# choices; they seed its algorithm without counting toward its budget or its best, and the
# history draws them apart. Here the "earlier study" searched a stand-in whose best was at
# `lr = 3e-3`; the new one's is at `2e-3`.

# %% tags=["warm"]
import optuna

from nas_notebook.plots import plot_optimization_history


def shifted(best_lr):
    lr = floatv(1e-4, 1e-1, log=True, name="lr")
    act = oneof(["relu", "gelu", "tanh"], name="act")
    return (math.log10(lr) - math.log10(best_lr)) ** 2 + (0.0 if act == "gelu" else 0.25)


storage = optuna.storages.InMemoryStorage()
Search(lambda: shifted(3e-3), name="earlier", n_trials=40, algo="tpe", seed=0,
       direction="minimize", storage=storage, executor="inline").start()
warm = Search(lambda: shifted(2e-3), name="later", n_trials=10, algo="tpe", seed=1,
              direction="minimize", storage=storage, executor="inline",
              warm_start="earlier").start()
cold = Search(lambda: shifted(2e-3), name="cold", n_trials=10, algo="tpe", seed=1,
              direction="minimize", storage=storage, executor="inline").start()
progress = warm.progress()
print(f"warm-started: best {warm.best.value:.4f} after {progress.complete} trials "
      f"({progress.warm} copied from 'earlier'); cold: best {cold.best.value:.4f}")
plot_optimization_history(warm)
