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
# # Parallel trials, crashes, and resuming
#
# The quickstart ran its trials on a background thread of the kernel. That keeps the notebook
# usable, but every trial shares the kernel's single Python interpreter: two CPU-bound trials
# never truly run at the same time, and a trial that brings its process down brings the kernel
# down with it.
#
# This notebook moves the trials out of the kernel:
#
# 1. `--executor process --workers 2` runs them in two worker processes, in parallel;
# 2. a trial that kills its worker outright is recorded as failed, with the cause, and the
#    search carries on with a fresh worker;
# 3. the study is kept in a journal file, so `--resume` adds trials to it later (after a
#    kernel restart, too);
# 4. the same cell runs unchanged on a Dask cluster with `--executor dask`.
#
# It runs in about a minute on a two-core laptop.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## Data and training code, defined once in the notebook
#
# Nothing here knows about the search. The 8x8 digits from scikit-learn become float tensors,
# a quarter of them is set aside for validation, and three helpers build an MLP, train it for
# one epoch and score it.
#
# `make_mlp` has a trap on purpose. Its `"fused"` normalization comes from `fused_layernorm`,
# a stand-in for a fast layer from a native extension with a bug: it works up to 128 features,
# and on wider layers it does not raise a Python exception but ends the whole process on the
# spot, the way a segmentation fault would.
#
# Worker processes do not import this notebook. When a search starts, the names its cell reads
# (`make_mlp`, `train_one_epoch`, `evaluate` and, through them, the tensors) are pickled by
# value and sent to each worker once. So the cells above a search can stay the way you would
# write them for a single process.

# %%
import os
import time

import torch
from sklearn.datasets import load_digits
from torch import nn

torch.set_num_threads(1)  # one core per trial; the workers set the same for themselves

digits = load_digits()
images = torch.tensor(digits.data / 16.0, dtype=torch.float32)
labels = torch.tensor(digits.target, dtype=torch.long)
order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
n_val = len(images) // 4
X_val, y_val = images[order[:n_val]], labels[order[:n_val]]
X_train, y_train = images[order[n_val:]], labels[order[n_val:]]
EPOCHS = 8


def fused_layernorm(width):
    """A LayerNorm from a buggy native extension: above 128 features the process dies at once."""
    if width > 128:
        os._exit(1)
    return nn.LayerNorm(width)


NORMS = {"none": lambda width: nn.Identity(), "layernorm": nn.LayerNorm, "fused": fused_layernorm}


def make_mlp(width, depth, act, norm):
    """`depth` hidden layers of `width` units, each followed by a normalization and `act`."""
    layers, features = [], 64
    for _ in range(depth):
        layers += [nn.Linear(features, width), NORMS[norm](width), act()]
        features = width
    return nn.Sequential(*layers, nn.Linear(features, 10))


def train_one_epoch(model, lr, batch_size=32):
    """One pass over the training images with Adam (the optimizer lives on the model)."""
    torch.set_num_threads(1)
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


print(f"{len(X_train)} training and {len(X_val)} validation images, {EPOCHS} epochs per trial")

# %% [markdown]
# ## Twelve trials on two worker processes
#
# The search cell reads the helpers above without any change. Compared with a thread search
# it only adds three options:
#
# * `--executor process --workers 2`: two trials at a time, each in its own Python process;
# * `--storage journal:parallel.journal`: the workers and the kernel share the study through
#   this file (an in-memory study could not be shared across processes);
# * `--n-trials 12` as before.
#
# Workers start, receive the cell and its names, and begin training while the cell has
# already returned.

# %% tags=["search"]
# %%search net --executor process --workers 2 --n-trials 12 --storage journal:parallel.journal
width = intv(32, 256, log=True)
depth = intv(1, 3)
lr = floatv(1e-3, 3e-2, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
norm = oneof(["none", "layernorm", "fused"])
model = make_mlp(width, depth, act, norm)
for epoch in range(EPOCHS):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %% [markdown]
# ## The kernel is free while the workers train
#
# Training happens in other processes, so the kernel is idle apart from the bookkeeping of the
# search. A small computation here takes the time it would take with no search running.

# %% tags=["responsive"]
started = time.perf_counter()
squares = sum(i * i for i in range(100_000))
took = time.perf_counter() - started
print(f"search state: {net.state}")
print(f"this cell computed {squares} in {took * 1000:.1f} ms while the trials trained")
print(net.progress())

# %% [markdown]
# While it runs we can also steer the search. Whether the algorithm tries the `"fused"`
# normalization on a wide layer is up to chance, so we queue one trial that does for sure
# (its other values are still chosen by the algorithm). `net.study` is the Optuna study behind
# the handle; the next trial to start takes the queued values.

# %% tags=["enqueue"]
net.study.enqueue_trial({"norm": "fused", "width": 200})

# %% [markdown]
# `wait()` blocks until every trial has ended.

# %% tags=["wait"]
print(net.wait())

# %% [markdown]
# ## A crashed worker fails one trial, not the search
#
# Each trial with `norm="fused"` and more than 128 units killed its worker process while
# building its model. The search noticed the worker's exit, recorded that trial as FAIL with
# the exit code as its reason, started a new worker for the next trial, and went on. Every
# other trial completed.

# %% tags=["crash"]
table = net.dataframe()
print(table["state"].value_counts().to_dict())
table.loc[table["state"] == "FAIL", ["number", "state", "norm", "width", "fail_reason"]]

# %% [markdown]
# The best trial, with the values it used:

# %% tags=["best"]
best = net.best
print(f"best validation accuracy: {best.value:.4f} (trial {best.number})")
print("best parameters:", best.params)

# %% [markdown]
# ## Resuming the study
#
# `--resume` continues the study named `net` in `parallel.journal` instead of creating a new
# one. The sampler is given the whole history, so the four new trials are proposed with the
# twelve earlier ones in view, and their numbers carry on from 12.
#
# The same cell works after a kernel restart: load the extension, run the helper cells, and
# run the search cell with `--resume`. Trials that were still running when the kernel went
# away are marked FAIL at that point ("the process running this trial ended"), the handle
# lists them in `net.recovered`, and each runs once more first, with its own parameters
# (`net.rerun`). Without `--n-trials`, `--resume` goes on to the budget of the study's last
# run, the re-runs counting within it. Here nothing was interrupted, so both lists are empty.

# %% tags=["resume"]
# %%search net --resume --n-trials 4 --executor process --workers 2 --storage journal:parallel.journal
width = intv(32, 256, log=True)
depth = intv(1, 3)
lr = floatv(1e-3, 3e-2, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
norm = oneof(["none", "layernorm", "fused"])
model = make_mlp(width, depth, act, norm)
for epoch in range(EPOCHS):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %% tags=["resumed"]
net.wait()
print(net)
print(f"study {net.name!r} now has {len(net.trials)} trials")
print("trials added by the resumed search:", [t.number for t in net.trials[net.baseline :]])
print("recovered from a dead process:", net.recovered)
print(f"best validation accuracy: {net.best.value:.4f} (trial {net.best.number})")

# %% [markdown]
# ## The same search on a Dask cluster
#
# `--executor dask` sends each trial to a Dask cluster as a task. Here the cluster is local:
# two worker processes with one thread each. On a real cluster you would connect the `Client`
# to its scheduler instead; the search cell stays the same, because `%%search` uses the
# `distributed.Client` it finds among the notebook's variables.
#
# By default Dask retries a task whose worker died, which for a trial that crashes its worker
# on purpose only means more crashes. Setting `allowed-failures` to 0 on the scheduler makes
# such a trial fail at once.

# %% tags=["dask-cluster"]
import dask
from distributed import Client, LocalCluster

with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0")
client = Client(cluster)
print(f"{len(client.nthreads())} Dask workers")

# %% tags=["dask-search"]
# %%search net_dask --executor dask --workers 2 --n-trials 6 --storage journal:parallel.journal
width = intv(32, 256, log=True)
depth = intv(1, 3)
lr = floatv(1e-3, 3e-2, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
norm = oneof(["none", "layernorm", "fused"])
model = make_mlp(width, depth, act, norm)
for epoch in range(EPOCHS):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %% [markdown]
# A wide `"fused"` trial, if the algorithm picks one, takes its Dask worker down just as it
# took a process worker down: Dask's nanny restarts the worker, and the trial is recorded as
# failed with that reason.

# %% tags=["dask-results"]
net_dask.wait()
print(net_dask)
net_dask.dataframe()[["number", "state", "value", "norm", "width", "fail_reason"]]

# %% [markdown]
# Both studies sit side by side in the one journal file, an ordinary Optuna storage that
# Optuna itself can open:

# %% tags=["studies"]
import optuna

from nas_notebook.study import open_storage

print(sorted(optuna.get_all_study_names(storage=open_storage("journal:parallel.journal"))))

# %% [markdown]
# Close the cluster when you are done with it.

# %% tags=["dask-close"]
client.close()
cluster.close()
