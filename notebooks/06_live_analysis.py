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
# # Live analysis and control
#
# A search is not something to start and then wait for. This notebook looks at one while it
# runs and steers it, then turns what it found into figures and tables for a report:
#
# 1. a `%%search` cell whose trials report learning curves and a latency, with a pruner that
#    stops the hopeless ones early;
# 2. pausing, resuming, adding trials, switching the algorithm and the number of workers in
#    the middle of the study, from code (the dashboard has the same controls as buttons);
# 3. every plot of the dashboard as a static figure, including what drives accuracy against
#    what drives latency and training time;
# 4. the trial table: filter, sort, pick states, export to pandas;
# 5. the same plot functions on a plain Optuna study, with a Pareto front.
#
# It runs in under a minute on a two-core laptop.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## Data and training helpers
#
# Nothing here knows about the search. The 8x8 digits from scikit-learn become float tensors, a
# quarter of them is kept for validation, and four helpers build an MLP, train it for one epoch,
# score it, and time its forward pass on a batch of 256 images (the fastest of a few runs, in
# milliseconds: the cost a deployed model would pay per batch).
#
# Trials run on background threads of this kernel, so PyTorch is kept to one thread. The
# setting does not carry over to new threads everywhere (OpenMP keeps it per thread), so the
# helpers that a trial calls set it again in the trial's own thread.

# %%
import time

import torch
from sklearn.datasets import load_digits
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

digits = load_digits()
images = torch.tensor(digits.data / 16.0, dtype=torch.float32)
labels = torch.tensor(digits.target, dtype=torch.long)
order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
n_val = len(images) // 4
X_val, y_val = images[order[:n_val]], labels[order[:n_val]]
X_train, y_train = images[order[n_val:]], labels[order[n_val:]]
BATCH = X_train[:256]
EPOCHS = 4


def make_mlp(widths, act):
    """One hidden layer per entry of `widths`, each followed by `act`."""
    layers, features = [], 64
    for width in widths:
        layers += [nn.Linear(features, width), act()]
        features = width
    return nn.Sequential(*layers, nn.Linear(features, 10))


def train_one_epoch(model, lr, batch_size=64):
    """One pass over the training images with Adam (the optimizer lives on the model)."""
    torch.set_num_threads(1)  # in the trial's own thread too
    if not hasattr(model, "optimizer"):
        model.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for batch in torch.randperm(len(X_train)).split(batch_size):
        model.optimizer.zero_grad()
        nn.functional.cross_entropy(model(X_train[batch]), y_train[batch]).backward()
        model.optimizer.step()


def evaluate(model):
    """Accuracy on the validation images."""
    model.eval()
    with torch.no_grad():
        return (model(X_val).argmax(dim=1) == y_val).float().mean().item()


def latency_ms(model, repeats=5):
    """CPU time of a forward pass over 256 images, in milliseconds (the fastest of a few)."""
    torch.set_num_threads(1)
    model.eval()
    times = []
    with torch.no_grad():
        model(BATCH)  # warm up
        for _ in range(repeats):
            started = time.thread_time()
            model(BATCH)
            times.append(time.thread_time() - started)
    return 1000 * min(times)


print(f"{len(X_train)} training and {len(X_val)} validation images, {EPOCHS} epochs per trial")

# %% [markdown]
# ## The search
#
# The cell below searches the depth (one or two hidden layers), the width of each layer, the
# learning rate and the activation. The second width is a *conditional* parameter: it exists
# only in trials with two layers, and the plots and tables below leave it empty elsewhere.
#
# Every epoch the trial calls `report(val_acc=..., latency_ms=...)`:
#
# * `--metric val_acc` makes `val_acc` the objective (its last value is the trial's value, and
#   the name says it is maximized); the values of each epoch form the trial's learning curve;
# * `latency_ms` is stored with the trial as a second metric, for the tables and plots;
# * `--pruner median` stops a trial whose accuracy after some epoch is below the median of
#   the completed trials at that epoch (once five trials have completed): it is recorded as
#   PRUNED and its curve ends there.
#
# The search starts with the `random` algorithm on one worker; we change both below. The cell
# returns at once and the dashboard appears under it: counts, the best trial, the controls,
# one tab per plot and the trial table, all updated while the trials run.

# %% tags=["search"]
# %%search mlp -n 60 --algo random --seed 0 --pruner median --metric val_acc --storage journal:live.journal
layers = intv(1, 2)
width = intv(16, 256, log=True)
if layers == 2:
    width2 = intv(16, 256, log=True)
    widths = [width, width2]
else:
    widths = [width]
lr = floatv(5e-4, 3e-2, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
model = make_mlp(widths, act)
latency = latency_ms(model)
for epoch in range(EPOCHS):
    train_one_epoch(model, lr)
    report(val_acc=evaluate(model), latency_ms=latency, step=epoch)

# %% [markdown]
# ## Steering the search while it runs
#
# The handle `mlp` has a method for each control of the dashboard: **Pause**/**Resume**,
# **Stop**, **Add** (more trials), the **algorithm** menu and the **workers** field. Clicking
# a button calls the method; calling the method from a cell is the same thing.
#
# First we let the search run for a moment, watching the dashboard fill in: the learning curves
# appear epoch by epoch, and the pruner starts cutting curves short once five trials have
# completed. Here the cell simply waits until twenty trials have ended.

# %% tags=["running"]
while mlp.progress().finished < 20:
    time.sleep(0.1)
print(f"state: {mlp.state}")
print(mlp.progress())

# %% [markdown]
# `pause()` starts no new trial; the one under way finishes. We let it finish, then check that
# nothing new starts for a second.

# %% tags=["pause"]
mlp.pause()
time.sleep(0.2)  # a trial being created as we paused is now running
while mlp.progress().running:  # let the running trial finish
    time.sleep(0.05)
paused_at = len(mlp.trials)
time.sleep(1.0)
print(f"state: {mlp.state}")
print(f"trials when paused: {paused_at}, one second later: {len(mlp.trials)}")

# %% [markdown]
# Each change is also written into the study's storage, with the host and process id of the
# kernel that runs the search. `control()` reads that record back from the storage: it is what
# any other view of the study sees (another kernel, a script, the JupyterLab panel).

# %% tags=["control-paused"]
{key: mlp.control()[key] for key in ("state", "algo", "workers", "executor", "n_trials")}

# %% [markdown]
# While it is paused, we change the plan:
#
# * `add_trials(40)` raises the budget from 60 to 100 trials;
# * `set_algorithm("tpe")` replaces random sampling from the next trial on; TPE rebuilds its
#   model from every trial already in the study, so the random ones are not wasted;
# * `set_workers(2)` runs two trials at a time from now on.
#
# Then `resume()` lets it go on.

# %% tags=["steer"]
mlp.add_trials(40)
mlp.set_algorithm("tpe")
mlp.set_workers(2)
mlp.resume()
{key: mlp.control()[key] for key in ("state", "algo", "workers", "executor", "n_trials")}

# %% [markdown]
# `wait()` blocks until the last trial has ended. No trial was lost on the way: the study
# holds exactly the 100 trials planned, each either complete or pruned. (`stop()` ends a search
# early in the same spirit: no new trial starts, running ones finish, completed ones are kept.)

# %% tags=["wait"]
mlp.wait()
print(f"state: {mlp.state}, planned: {mlp.control()['n_trials']} trials")
counts = mlp.dataframe()["state"].value_counts().to_dict()
print(f"{len(mlp.trials)} trials in the study: {counts}")

# %% [markdown]
# ## The plots, as figures for a report
#
# Each tab of the dashboard is also a function in `nas_notebook.plots` that returns a plotly
# figure: shown in the notebook, saved with `fig.write_html(...)` (or `write_image` with
# kaleido installed), or put in a report. They accept the search handle, as here, or any
# Optuna study.
#
# The optimization history: the `val_acc` of each completed trial and the best so far, the
# pruned trials at the last value they reported, and the failed ones in a strip below the plot.

# %% tags=["plot-history"]
from nas_notebook.plots import (
    plot_contour,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_slice,
)

plot_optimization_history(mlp)

# %% [markdown]
# The learning curves: the validation accuracy reported at each epoch, coloured by state. A
# pruned curve ends with an `x` at the epoch where the pruner stopped it, below the median of
# the trials before it.

# %% tags=["plot-curves"]
plot_intermediate_values(mlp)

# %% [markdown]
# Parallel coordinates: one line per completed trial through its parameter values, coloured by
# its accuracy. One-layer trials have no `width2`: they cross that axis at "(absent)".

# %% tags=["plot-parallel"]
plot_parallel_coordinate(mlp)

# %% [markdown]
# ## What drives accuracy, and what drives cost
#
# Parameter importances say how much each parameter explains of a target, over the completed
# trials. The default evaluator, PED-ANOVA, asks which parameter values the best trials have
# in common. For the objective that is mostly the learning rate and the width: four epochs
# reward a rate that is neither too small nor too large.

# %% tags=["importance-objective"]
plot_param_importances(mlp)

# %% [markdown]
# The same question about another target gives a different answer. `target="latency_ms"` looks
# at the metric the trials reported with `report`. A forward pass costs what its layers cost,
# so the widths and the number of layers should explain nearly all of it, and the learning
# rate, which plays no part in a forward pass, next to nothing.
#
# Here we ask fANOVA (`evaluator="fanova"`; the dashboard's Importance tab has the same menu).
# PED-ANOVA judges by the best tenth of the trials, which in a study with a few dozen completed
# trials is two or three of them, so whatever they happen to share gets credit. fANOVA fits a
# random forest to all of them, which is steadier on small studies. It leaves out parameters
# that some trials lack, such as `width2`.

# %% tags=["importance-latency"]
plot_param_importances(mlp, target="latency_ms", evaluator="fanova")

# %% [markdown]
# `target="duration"` is the wall time of each trial, its training cost. Read this one with
# care: from the moment we asked for two workers, two trials shared the CPU and both took longer
# whatever their parameters, so the parameters TPE favoured at that time can take credit for
# the slowdown. Importances describe the trials as they ran; they do not prove causes.

# %% tags=["importance-duration"]
plot_param_importances(mlp, target="duration")

# %% [markdown]
# A slice plot shows the objective against each parameter on its own: where the good learning
# rates are, and whether the width matters.

# %% tags=["plot-slice"]
plot_slice(mlp)

# %% [markdown]
# A contour plot looks at two parameters together: the best accuracy in each cell of a grid
# over the learning rate and the width of the first layer.

# %% tags=["plot-contour"]
plot_contour(mlp, params=("lr", "width"))

# %% [markdown]
# ## The trial table
#
# The **Trials** tab of the dashboard is a table widget, `dashboard.table`. Its filter is a
# pandas query over the columns, the header sorts, and the state buttons pick which trials are
# shown; everything can be set from code too. Here we open a dashboard on the finished search
# and use its table on its own: the completed trials above 90% accuracy, fastest first.

# %% tags=["table"]
board = mlp.dashboard(refresh_interval=0)
table = board.table
table.states = ["COMPLETE"]
table.query = "val_acc > 0.9"
table.sort_by = "latency_ms"
table.ascending = True
table

# %% [markdown]
# `table.dataframe()` exports what the table shows, every page of it, filtered and sorted as
# on screen:

# %% tags=["table-export"]
chosen = table.dataframe()
print(f"{len(chosen)} of {len(mlp.trials)} trials shown")
chosen[["number", "val_acc", "latency_ms", "layers", "width", "width2", "lr", "act"]]

# %% [markdown]
# Switching the state filter shows the pruned trials instead; their `val_acc` is the last
# accuracy they reported before the pruner stopped them:

# %% tags=["table-pruned"]
table.states = ["PRUNED"]
table.query = ""
table.sort_by = "number"
pruned = table.dataframe()
print(f"{len(pruned)} pruned trials")
pruned[["number", "state", "val_acc", "lr", "layers", "width"]].head(10)

# %% [markdown]
# `mlp.dataframe()` is the whole study at once, one row per trial, with the failure reason and
# traceback of failed ones, for any further analysis in pandas:

# %% tags=["dataframe"]
everything = mlp.dataframe()
print(everything.shape)
everything.groupby("state")[["lr", "latency_ms", "duration_s"]].median()

# %% [markdown]
# ## The same plots on any Optuna study
#
# The plot functions do not need a `%%search`: they take a plain `optuna.Study` as well, for
# example one written by an existing training script. This one trades off two objectives of a
# made-up model family, an accuracy to maximize and a cost (the number of weights, in
# thousands) to minimize, so it has a Pareto front: the trials that no other trial beats on
# both at once.

# %% tags=["optuna-study"]
import math

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def tradeoff(trial):
    width = trial.suggest_int("width", 8, 512, log=True)
    depth = trial.suggest_int("depth", 1, 6)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    capacity = depth * math.log2(width)
    accuracy = 0.99 - 0.5 * math.exp(-capacity / 10) - 0.2 * (dropout - 0.2) ** 2
    kiloweights = (64 * width + (depth - 1) * width * width + 10 * width) / 1000
    return accuracy, kiloweights


study = optuna.create_study(
    directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(seed=0)
)
study.optimize(tradeoff, n_trials=200)
print(f"{len(study.trials)} trials, {len(study.best_trials)} on the Pareto front")

# %% tags=["pareto"]
plot_pareto_front(study)

# %% [markdown]
# With several objectives, `target` (or `objective`) picks the one to look at: here what the
# cost depends on, and the history of the accuracy.

# %% tags=["optuna-importance"]
plot_param_importances(study, target=1)

# %% tags=["optuna-history"]
plot_optimization_history(study, objective=0)

# %% [markdown]
# ## Every study of the workspace: the studies panel
#
# The search of this notebook is recorded in `live.journal`, next to it. JupyterLab's left side
# bar has a **Studies** tab (it comes with the package, nothing to build or enable) listing every study stored under the server's root folder: its
# state, its trials by state, its best value and when it last changed, re-read every two
# seconds while shown. A running search is blue, a finished one green, a stopped one amber, a
# failed one red, and one whose process is gone says "interrupted".
#
# ![The studies panel beside a notebook whose search runs](../docs/screenshots/studies-panel-running.png)
#
# Clicking a study writes a small notebook next to its storage file and runs it: the study's
# live dashboard, from any notebook or none, while the search runs in this kernel or another
# process, or after it ended. The same view is one line of code:
#
# ```python
# from nas_notebook import load_search
# load_search("mlp", storage="journal:live.journal").dashboard()
# ```

# %% [markdown]
# ## A note on speed
#
# The dashboard redraws while trials run, so the plots are built for large studies. They
# read the study as columns that are updated incrementally (only new or changed trials are
# converted), compute with NumPy over those columns, and thin what they draw to what a figure
# can show: the best trials plus an even sample of the rest. Importances are fitted on a sample
# of at most 2,000 completed trials, and the title says how many. They stay quick at 10,000
# trials and more.
#
# `bench/plots.py` measures this: each plot, on studies of 1,000 and 10,000 trials (100,000
# with `--with-100k`), against Optuna's own `optuna.visualization` on the same study, and the
# cost of a dashboard refresh. Run it on your machine to see the numbers
# (`python bench/plots.py`).
