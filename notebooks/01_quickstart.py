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
# # Quickstart: searching a small MLP on the 8x8 digits
#
# This notebook walks through the everyday loop of `nas_notebook`:
#
# 1. write an ordinary training cell,
# 2. mark the values you are unsure about (`intv`, `floatv`, `oneof`) right where they are used,
# 3. turn the cell into a search with `%%search NAME` and keep working while it runs,
# 4. look at the results, see how failures are recorded, and resume the search later.
#
# Everything runs on a laptop CPU in well under a minute.

# %% [markdown]
# Loading the extension registers the `%%search` cell magic and puts the hyper primitives
# (`intv`, `floatv`, `oneof`, `manyof`) and `report` into the notebook namespace.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## The data and the training helpers
#
# Plain PyTorch, nothing specific to the search: scikit-learn's digits (1797 grey 8x8 images)
# become tensors, a quarter of them is held out for validation, and two helpers train a model
# for one epoch and measure its validation accuracy.
#
# Trials run on a background thread of this kernel, so we keep PyTorch to a single thread to
# leave the notebook responsive.

# %%
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

digits = load_digits()
X = torch.tensor(digits.data / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
y = torch.tensor(digits.target, dtype=torch.long)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)


def train_one_epoch(model, lr, batch_size=64):
    """One pass over the training set with Adam (the optimizer is kept on the model)."""
    if getattr(model, "_optimizer", None) is None:
        model._optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    optimizer = model._optimizer
    model.train()
    order = torch.randperm(len(X_train))
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(X_train[batch]), y_train[batch])
        loss.backward()
        optimizer.step()


def evaluate(model):
    """Validation accuracy, a float in [0, 1]."""
    model.eval()
    with torch.no_grad():
        return (model(X_val).argmax(dim=1) == y_val).float().mean().item()


print(f"{len(X_train)} training and {len(X_val)} validation images")

# %% [markdown]
# ## The search cell
#
# The cell below is the training code we would write anyway, with three values left open:
# the hidden width (an integer on a log scale), the learning rate, and the activation.
# Each decision is named after the variable it is assigned to (`width`, `lr`, `act`).
#
# * `report(accuracy=..., step=epoch)` records the learning curve of every trial;
# * the last line, `evaluate(model)`, is the value the search maximizes (the direction is
#   guessed from the code: accuracy is maximized, a loss would be minimized);
# * `--storage journal:quickstart.journal` keeps every trial in a file next to the notebook,
#   so the results survive a kernel restart and the search can be resumed.
#
# The cell returns immediately: the 12 trials run in the background, a live dashboard shows
# them, and the name `digits_mlp` is bound to a handle on the search.

# %% tags=["search"]
# %%search digits_mlp --n-trials 12 --algo tpe --seed 0 --storage journal:quickstart.journal
width = intv(16, 128, log=True)
lr = floatv(1e-3, 1e-1, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
model = nn.Sequential(nn.Flatten(), nn.Linear(64, width), act(), nn.Linear(width, 10))
for epoch in range(5):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %% [markdown]
# ## The notebook stays usable
#
# While the trials train, other cells run as usual. The handle reads its numbers from the
# storage, so asking for progress is cheap and never gets in the way of the search.

# %% tags=["while-running"]
print("state:", digits_mlp.state)
print("progress:", digits_mlp.progress())
print("meanwhile, 6 * 7 =", 6 * 7)

# %% [markdown]
# `wait()` blocks until every trial has ended (interrupting the kernel here stops the
# search cleanly; finished trials are kept).

# %% tags=["wait"]
print(digits_mlp.wait())

# %% [markdown]
# ## Results
#
# `best` is the best completed trial: its value, its parameters as stored, and its number.

# %% tags=["best"]
best = digits_mlp.best
print(f"best validation accuracy: {best.value:.4f} (trial {best.number})")
print("best parameters:", best.params)

# %% [markdown]
# `dataframe()` has one row per trial: its state, value, duration, parameters and the last
# value of every reported metric.

# %% tags=["dataframe"]
digits_mlp.dataframe().head()

# %% [markdown]
# The optimization history plots each trial's value and the best value so far.

# %% tags=["plot"]
from nas_notebook.plots import plot_optimization_history

plot_optimization_history(digits_mlp)

# %% [markdown]
# ## A failing trial does not stop the search
#
# Real training code crashes now and then (an out-of-memory layer size, a NaN loss...).
# A trial that raises is recorded as FAIL, with the exception and its traceback, and the
# search moves on to the next trial. Here the body refuses half of its range on purpose.

# %% tags=["flaky-search"]
# %%search flaky --n-trials 8 --algo random --seed 6 --storage journal:quickstart.journal
x = floatv(0.0, 1.0)
if x > 0.5:
    raise ValueError(f"x={x:.2f} is too large for this demo")
x

# %% tags=["flaky-failures"]
flaky.wait()
table = flaky.dataframe()
print(table["state"].value_counts().to_dict())
table.loc[table["state"] == "FAIL", ["number", "x", "fail_reason"]]

# %% [markdown]
# ## The same decisions in plain Python: `trace` and `sample`
#
# The primitives are not tied to the magic. Inside a function they make the function a
# search space: `trace(fn)` runs it once with default values and lists the decisions it makes,
# and `sample(space, algorithm, n)` hands out examples of the space one by one. Code run under
# `with example():` draws its decisions from that example, and `feedback(value)` tells the
# algorithm how it did, closing the loop. No background thread here: the loop is yours.

# %% tags=["trace"]
from nas_notebook import sample, trace


def train_and_score():
    width = intv(16, 128, log=True)
    lr = floatv(1e-3, 1e-1, log=True)
    act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, width), act(), nn.Linear(width, 10))
    for _ in range(3):
        train_one_epoch(model, lr)
    return evaluate(model)


space = trace(train_and_score)
print(space)

# %% tags=["sample"]
scores = []
for example, feedback in sample(space, "tpe", 10, seed=0):
    with example():
        value = train_and_score()
    feedback(value)
    scores.append(value)
    print(f"example {example.number}: accuracy {value:.3f} with {example.values}")
print(f"best of {len(scores)} examples: {max(scores):.4f}")

# %% [markdown]
# ## Resuming a search
#
# The first search lives in `quickstart.journal`. With `--resume`, a `%%search` cell continues
# the study of that name instead of starting a new one: the algorithm sees the earlier trials
# and `--n-trials 3` adds three more. This works just as well after restarting the kernel, or
# from another notebook pointing at the same file.

# %% tags=["resume"]
# %%search digits_mlp --resume --n-trials 3 --storage journal:quickstart.journal
width = intv(16, 128, log=True)
lr = floatv(1e-3, 1e-1, log=True)
act = oneof([nn.ReLU, nn.GELU, nn.Tanh])
model = nn.Sequential(nn.Flatten(), nn.Linear(64, width), act(), nn.Linear(width, 10))
for epoch in range(5):
    train_one_epoch(model, lr)
    report(accuracy=evaluate(model), step=epoch)
evaluate(model)

# %% tags=["resumed"]
digits_mlp.wait()
print(f"study {digits_mlp.name!r} now has {len(digits_mlp.trials)} trials")
print(f"best validation accuracy: {digits_mlp.best.value:.4f} (trial {digits_mlp.best.number})")
