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
# # Headless runs and real data sets: Syne Tune's two-layer MLP, from a notebook and a script
#
# A search written in a notebook runs unchanged from a terminal, a CI job or a cluster's batch
# script: `nas-notebook run SCRIPT` (or `python -m nas_notebook run SCRIPT`) takes the same
# options as `%%search`, shows a text progress bar with the running best, prints a summary, and
# keeps every completed trial when it is interrupted. This notebook
#
# 1. loads a data set with `nas_notebook.data`: FashionMNIST through torchvision when its files
#    are on disk, scikit-learn's digits (which need no download) otherwise;
# 2. searches the two-layer MLP of Syne Tune's getting-started example, with its seven
#    hyperparameters written as a dict configuration space, in the notebook;
# 3. runs the same search headless, resumes it, interrupts one with Ctrl-C, and shows what
#    the storage kept.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## 1. The data
#
# `load_dataset(name)` returns a `DataSplit`: `train`, `valid` and `test` pairs of tensors
# (images `(N, C, H, W)` in `[0, 1]`, int64 labels), with the class names and the input shape.
# `digits` always loads: it ships with scikit-learn. `mnist`, `fashion_mnist` and `cifar10` come
# through torchvision, imported only when asked for; when it does not import, or the files are
# not under the root (`$NAS_NOTEBOOK_DATA`, or `root=`), the error says which and what to do.
# Here FashionMNIST is tried first, as in Syne Tune's example (with `limit=` a subset of each
# split, so that the search stays short on a laptop CPU).

# %% tags=["data"]
import torch

from nas_notebook.data import DATASETS, DatasetUnavailableError, load_dataset

torch.set_num_threads(1)
print("data sets:", ", ".join(DATASETS))
try:
    data = load_dataset("fashion_mnist", limit=10_000)
except DatasetUnavailableError as error:
    print(f"FashionMNIST is not available here, so the digits are used:\n  {error}")
    data = load_dataset("digits")
print(data)

# %% [markdown]
# ## 2. The search space and the training code, in a module of their own
#
# The script below, `mlp_setup.py`, holds what both the notebook and the headless run use:
# the data, Syne Tune's configuration space (the same names and ranges: two layer widths, the
# batch size, two dropout rates, the learning rate and the weight decay, log-scaled where Syne
# Tune's are) and the training function, which reports the validation accuracy after every
# epoch so that ASHA can stop poor configurations early. Its data set can be chosen with an
# environment variable. `%%writefile` writes it next to the notebook.

# %% tags=["setup-module"]
# %%writefile mlp_setup.py
"""Syne Tune's two-layer MLP example: data, configuration space and training code."""

import os

import torch
from torch import nn

from nas_notebook import report
from nas_notebook.data import DatasetUnavailableError, load_dataset
from nas_notebook.space import loguniform, randint, uniform

torch.set_num_threads(1)
EPOCHS = 4
try:
    data = load_dataset(os.environ.get("MLP_DATA", "fashion_mnist"), limit=10_000)
except DatasetUnavailableError:
    data = load_dataset("digits")

config = {
    "n_units_1": randint(4, 1024),
    "n_units_2": randint(4, 1024),
    "batch_size": randint(8, 128),
    "dropout_1": uniform(0, 0.99),
    "dropout_2": uniform(0, 0.99),
    "learning_rate": loguniform(1e-6, 1),
    "weight_decay": loguniform(1e-8, 1),
}


def accuracy(model, split):
    model.eval()
    with torch.no_grad():
        x, y = split
        return (model(x).argmax(1) == y).float().mean().item()


def train_mlp(cfg, epochs=EPOCHS):
    """Train the MLP that ``cfg`` (a materialized ``config``) describes; the final validation
    accuracy, reported after each epoch too."""
    torch.manual_seed(0)
    width_1, width_2 = cfg["n_units_1"], cfg["n_units_2"]
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(data.n_features, width_1),
        nn.Dropout(cfg["dropout_1"]),
        nn.ReLU(),
        nn.Linear(width_1, width_2),
        nn.Dropout(cfg["dropout_2"]),
        nn.ReLU(),
        nn.Linear(width_2, len(data.classes)),
    )
    optimizer = torch.optim.Adam(
        model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"]
    )
    x, y = data.train
    batch = cfg["batch_size"]
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y))
        for start in range(0, len(y) - batch + 1, batch):  # full batches only, as in the example
            idx = order[start : start + batch]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
        score = accuracy(model, data.valid)
        report(accuracy=score, step=epoch)
    return score


# %% [markdown]
# ## 3. The search in the notebook
#
# `--space config` runs the cell once per trial with `config` materialized: a plain dict of
# numbers. TPE proposes the configurations and ASHA (`--pruner asha`) stops the ones whose
# accuracy after an epoch falls behind. The cell returns at once; `mlp.wait()` blocks until the
# 16 trials are done.

# %% tags=["space"]
from mlp_setup import config, data, train_mlp

from nas_notebook.symbolic import decisions

print(f"training on {data.name}: {len(data.train[1])} images")
for name, domain in decisions(config).items():
    print(f"{name}: {domain!r}")

# %% tags=["notebook-search"]
# %%search mlp --space config -n 16 --algo tpe --pruner asha --seed 0 --storage memory
train_mlp(config)

# %% tags=["notebook-results"]
mlp.wait()
progress = mlp.progress()
print(f"{len(mlp.trials)} trials: {progress.complete} complete, {progress.pruned} pruned")
print(f"best validation accuracy {mlp.best.value:.4f} (trial {mlp.best.number})")
best_config = mlp.best.build()
{
    key: float(f"{value:.4g}") if isinstance(value, float) else value
    for key, value in best_config.items()
}

# %% [markdown]
# The trial table (pruned trials included: they stopped after one epoch or two):

# %% tags=["notebook-table"]
columns = ["number", "state", "value", *config]
mlp.dataframe()[columns].sort_values("value", ascending=False).head(8)

# %% [markdown]
# ## 4. The same search, headless
#
# A script for `nas-notebook run` is laid out like a notebook: the lines above `# %%search NAME
# [options]` are set-up, run once; the lines below it, up to the next `# %%` marker, are the
# trial body, exactly as in the cell above; what follows runs after the search with `NAME`
# bound to the search handle. Options on the command line override those on the
# `# %%search` line. (The script is written from a string here, indented, because its cell
# markers would otherwise split this notebook's own cells.)

# %% tags=["script"]
import textwrap
from pathlib import Path

SCRIPT = """\
    from mlp_setup import config, train_mlp

    # %%search mlp --space config -n 16 --algo tpe --pruner asha --seed 0
    train_mlp(config)

    # %%
    print("best configuration:", mlp.best.build())
"""
Path("mlp_search.py").write_text(textwrap.dedent(SCRIPT))
print(Path("mlp_search.py").read_text())

# %% [markdown]
# Run it with 8 trials into a journal file. When the output is not a terminal (a CI log, as
# here), the progress bar is plain ASCII and updates every few seconds instead of redrawing.

# %% tags=["headless"]
import subprocess
import sys


def nas_notebook(*args):
    """``python -m nas_notebook ARGS`` (the ``nas-notebook`` command), its output printed."""
    done = subprocess.run(
        [sys.executable, "-m", "nas_notebook", *args], capture_output=True, text=True
    )
    print(f"$ nas-notebook {' '.join(args)}   -> exit status {done.returncode}")
    print(done.stderr.strip()[-1500:])
    print(done.stdout.strip())
    return done.returncode


nas_notebook("run", "mlp_search.py", "-n", "8", "--storage", "journal:mlp.journal")

# %% [markdown]
# `--resume` continues that study (its 8 trials stay, TPE learns from them, and 4 more run);
# without it, running the script again would start a new study, `mlp.2`, next to the first.

# %% tags=["resume"]
nas_notebook("run", "mlp_search.py", "-n", "4", "--storage", "journal:mlp.journal", "--resume")

# %% [markdown]
# A configuration error exits with status 2 and a message naming the option, before any trial
# runs:

# %% tags=["bad-option"]
nas_notebook("run", "mlp_search.py", "--algo", "tpee")
nas_notebook("run", "mlp_search.py", "--n-trials", "many")

# %% [markdown]
# ## 5. Ctrl-C keeps what was completed
#
# Here a long headless run (200 trials) gets a SIGINT, what Ctrl-C sends, once a few trials are
# done. It exits with status 130 after printing its summary; every completed trial is in the
# journal, and the trial that was running is recorded as failed, saying it was stopped.

# %% tags=["interrupt"]
import os
import signal
import time

import optuna

from nas_notebook.study import open_storage

os.environ["MLP_DATA"] = "digits"  # a short run: the digits, whatever is on disk
proc = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "nas_notebook",
        "run",
        "mlp_search.py",
        "-n",
        "200",
        "--storage",
        "journal:interrupted.journal",
        "--quiet",
    ],
    stdout=subprocess.PIPE,
    stderr=subprocess.PIPE,
    text=True,
)
done_before = []
deadline = time.monotonic() + 120
while len(done_before) < 3 and time.monotonic() < deadline:
    time.sleep(0.5)
    if os.path.exists("interrupted.journal"):
        storage = open_storage("journal:interrupted.journal")
        if storage.get_all_studies():
            study = optuna.load_study(study_name="mlp", storage=storage)
            done_before = [t.number for t in study.trials if t.state.is_finished()]
proc.send_signal(signal.SIGINT)
out, err = proc.communicate(timeout=120)
del os.environ["MLP_DATA"]
print(f"exit status {proc.returncode}; {len(done_before)} trials had finished before the signal")
print(err.strip().splitlines()[-1])
print(out.strip().splitlines()[0])

# %% tags=["interrupt-states"]
study = optuna.load_study(study_name="mlp", storage=open_storage("journal:interrupted.journal"))
kept = study.trials_dataframe(attrs=("number", "state", "value", "system_attrs"))
kept = kept.rename(columns={"system_attrs_fail_reason": "fail_reason"})
print("finished before the signal, still there:", all(n in kept.number.values for n in done_before))
kept[["number", "state", "value", "fail_reason"]].tail(4)

# %% [markdown]
# ## The options
#
# `nas-notebook run --help` lists them: the same as `%%search?` in a notebook.

# %% tags=["help"]
print(
    subprocess.run(
        [sys.executable, "-m", "nas_notebook", "run", "--help"], capture_output=True, text=True
    ).stdout
)
