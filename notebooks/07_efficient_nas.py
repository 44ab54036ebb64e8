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
# # Efficient NAS: one super-network, searched at about one training's cost
#
# A search that trains every candidate it tries pays one training per trial. Weight-sharing
# methods pay about one training *in all*: the search space is rewritten into a single
# super-network that holds every candidate operation with one set of weights each, every
# architecture is a path through it, and the search trains that one network while it learns
# which path is best. This notebook:
#
# 1. takes the benchmark's cell space as choices between op classes and rewrites it into a
#    super-network (`rewrite`);
# 2. makes weight sharing concrete: an architecture of the super-network and the plain child
#    model it stands for compute the same thing;
# 3. runs DARTS (architecture weights trained by gradient descent) and watches it drift to
#    parameter-free operations;
# 4. runs DARTS with the remedy of DARTS+ (it stops the search when the drift starts), and
#    looks at the remedy of DARTS- (an auxiliary skip connection) on these cells;
# 5. averages several short DARTS searches (`darts_ensemble`);
# 6. runs TuNAS (a REINFORCE controller sampling paths) and counts its cost in trainings of
#    one child;
# 7. does the same in one call, `efficient_search`, which stores the child as a trial of an
#    Optuna study, and trains that child on its own;
# 8. compares the methods.
#
# Every child is looked up in the averaged tabulated benchmark, `nas201_digits_avg`: every one
# of the 15,625 cells of `03_simulated_benchmark.py` trained ahead of time, many times over with
# different seeds, and the mean of the runs kept. So each search's result is judged by how good
# its cell really is, and not by one training's luck: with a single run per cell, the cells of
# the top tenth trade places from one seed to the next
# (`python -m nas_notebook.benchmarks.reliability` prints by how much, for both tables). The seeds are fixed; everything runs on one CPU thread in about a minute.

# %%
# %load_ext nas_notebook

# %% [markdown]
# The data is the table's own split of scikit-learn's 8x8 digits (1,078 training and 359
# validation images): the super-networks train on the first and score architectures on the
# second, as the table's trainings did. `lookup` reads a child's final validation accuracy in
# the table (the mean over its training runs) and its *percentile*: the fraction of all cells
# with a lower accuracy (0.9 means better than 90% of the space).

# %%
import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from nas_notebook.benchmarks import (
    AVG_TABLE_PATH,
    EDGES,
    TabulatedBenchmark,
    cell_index,
    cell_str,
    edge_name,
)
from nas_notebook.benchmarks.build_nas201 import load_digits_split
from nas_notebook.benchmarks.nas201_model import OP_MODULES, module_space, ops_of
from nas_notebook.symbolic import decisions, materialize
from nas_notebook.torch import (
    MixedOp,
    Switch,
    darts,
    darts_ensemble,
    efficient_search,
    rewrite,
    train_model,
    tunas,
)

torch.set_num_threads(1)
split = load_digits_split()
train, valid = split["train"], split["valid"]
bench = TabulatedBenchmark(AVG_TABLE_PATH)
table = bench.values("valid_acc", "mean")[:, -1]
LR = bench.meta["protocol"]["optimizer"]["lr"]  # the table's training protocol: Adam at this rate
LABELS = [cls.__qualname__ for cls in OP_MODULES.values()]  # how an architecture names ops


def lookup(params):
    """The cell of an architecture (a params dict), its table accuracy and percentile."""
    ops = ops_of(params)
    accuracy = float(table[cell_index(ops)])
    return {"ops": ops, "valid_acc": accuracy, "percentile": float((table < accuracy).mean())}


def show(method, params):
    found = lookup(params)
    print(f"{method} derived ops: {found['ops']}")
    print(f"  cell {cell_str(found['ops'])}")
    print(
        f"  table validation accuracy {found['valid_acc']:.4f}, "
        f"percentile {found['percentile']:.3f}"
    )
    return found


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def arch(ops):
    """The architecture (params dict) of a cell given by its op names, edge by edge."""
    return {edge_name(edge): OP_MODULES[op].__qualname__ for op, edge in zip(ops, EDGES)}


print(f"{len(train[0])} training and {len(valid[0])} validation images")
print(f"{len(table):,} cells in the table, {len(bench.meta['seeds'])} training runs each")
print(f"best validation accuracy (mean of the runs) {table.max():.4f}")

# %% [markdown]
# ## 1. The space, and the super-network it becomes
#
# `module_space()` is the benchmark's network (a stem, a cell, a reduction block, the same cell
# at twice the width, a classifier) whose cell has six edges, each a `oneof` between five op
# *classes*. The network instantiates the chosen class itself, with the width of the cell it
# is in (`op(channels)`), so one decision serves both cells.

# %% tags=["decisions"]
space = module_space()
for name, primitive in decisions(space).items():
    print(f"{name}: {' | '.join(cls.__qualname__ for cls in primitive.candidates)}")
print(f"{len(decisions(space))} decisions, {len(LABELS) ** len(decisions(space)):,} cells")

# %% [markdown]
# `rewrite(space)` builds the whole space as one network. Each choice between classes becomes a
# `ChoiceFactory`; every place the network calls it gets a module holding *all five* candidates
# built at that place's width: a `Switch` (runs the one candidate its `index` picks: TuNAS,
# ENAS) or, with `mode="mixed"`, a `MixedOp` (runs them all and sums their outputs weighted by
# the softmax of its architecture parameters `alpha`: DARTS). The two places of one decision
# stay in step: one index, one `alpha`.

# %% tags=["supernet"]
torch.manual_seed(0)
supernet = rewrite(space)
print(supernet.choices["edge_1<-0"])
places = sum(isinstance(m, Switch) for m in supernet.modules())
print(f"{len(supernet.choices)} decisions, {places} switches (6 edges x 2 cells)")

mixed = rewrite(space, mode="mixed")
first, second = mixed.model.cell0.edges[0], mixed.model.cell1.edges[0]
print(f"edge_1<-0 in mixed mode: a {type(first).__name__}, alpha {first.alpha.tolist()}")
print(f"MixedOps: {sum(isinstance(m, MixedOp) for m in mixed.modules())}")
print("both cells' edge_1<-0 share one alpha:", first.alpha is second.alpha)

print(f"super-network weights: {n_params(supernet):,}")
largest = materialize(space, arch(["conv_3x3"] * 6))
print(f"largest child (every edge conv_3x3): {n_params(largest):,} weights")

# %% [markdown]
# The super-network holds every candidate's weights at once: a little more than the largest
# child, since each edge carries both its convolutions. That is the price of searching 15,625
# cells by training one network.
#
# ## 2. Weight sharing, concretely
#
# An architecture is an ordinary params dict (what an Optuna trial stores). `fix(params)` sets
# every switch to it; `child(params)` builds the plain model of that architecture (what
# `materialize(space, params)` builds, with no switch in it) carrying the super-network's
# current weights. The two compute exactly the same outputs:

# %% tags=["sharing"]
params = arch(("conv_3x3", "skip_connect", "conv_1x1", "avg_pool_3x3", "none", "conv_3x3"))
supernet.fix(params)
child = supernet.child(params)
print("architecture:", params)
print(
    "child:",
    type(child).__name__,
    "with switches:",
    any(isinstance(m, Switch) for m in child.modules()),
)
print(f"child weights: {n_params(child):,} of the super-network's {n_params(supernet):,}")

x = valid[0][:16]
with torch.no_grad():
    same = torch.equal(supernet(x), child(x))
print("supernet(x) equals supernet.child(params)(x):", same)

# %% [markdown]
# Training a path of the super-network therefore trains every child that uses it: that is why
# one training of the super-network can rank many architectures.
#
# ## 3. DARTS, and its drift to parameter-free ops
#
# `darts` trains a `mixed` super-network. Each step updates the weights on a training batch
# (SGD), then the architecture parameters `alpha` on a validation batch (Adam); the derived cell
# keeps each edge's candidate with the largest `alpha`, leaving out `Zero` (`exclude`). The
# weights learn at the DARTS paper's rate, 0.025 (`weight_lr`, the default). Here plain DARTS
# (`remedy=None`; the default is the remedy of section 4) runs for 8 epochs.


# %%
def weight_table(result, digits=3):
    """Each edge's softmax weight per candidate op at the end of the search."""
    weights = pd.DataFrame(result.history[-1]["weights"]).T[LABELS]
    return weights.round(digits)


def history_table(result):
    """Per epoch: training loss, the super-network's own validation accuracy, and the mean
    weight (or probability) of each op over the edges."""
    rows = []
    for record in result.history:
        mean = pd.DataFrame(record["weights"]).T[LABELS].mean()
        rows.append(
            {
                "epoch": record["epoch"],
                "train_loss": record["train_loss"],
                "supernet_acc": record["valid_accuracy"],
                **mean.to_dict(),
            }
        )
    return pd.DataFrame(rows).set_index("epoch").round(3)


# %% tags=["darts-history"]
torch.manual_seed(0)
plain = darts(
    rewrite(space, "mixed"), train, valid, epochs=8, remedy=None, exclude=("Zero",), seed=0
)
history_table(plain)

# %% [markdown]
# The super-network learns slowly (its own validation accuracy, `supernet_acc`, climbs from
# chance, 0.1, to about 0.2 in 8 epochs), while the mean weights leave the uniform 0.2: `Skip`
# and `AvgPool3x3` gain weight every epoch, to about 0.24 each, `Zero` falls below 0.15 and both
# convolutions end below 0.2. Edge by edge, after the last epoch:

# %% tags=["darts-weights"]
weight_table(plain)

# %% tags=["darts-cell"]
plain_found = show("DARTS", plain.params)
print(f"search: {plain.seconds:.1f} s, {plain.steps} steps")

# %% [markdown]
# On all edges but one the largest weight is on a parameter-free op, a skip connection or
# average pooling, so the derived cell keeps a single convolution, and the table ranks it in the
# lower third of the space. This is DARTS' known failure on such cells, usually explained so:
# early in
# training a skip connection lowers the loss faster than a convolution that has not learned
# anything yet, gradient descent on `alpha` rewards it, and the convolutions never catch up.
#
# ## 4. Stopping DARTS before it collapses (DARTS+)
#
# The collapse does not come all at once: the derived cell takes on parameter-free ops one edge
# at a time. DARTS+ (Liang et al., 2019) therefore stops the search as soon as the derived cell
# holds too many of them and keeps the cell derived just before. `remedy="early-stop"`, the
# default of `darts`, checks after every step from the second epoch on, with a limit of a third
# of the choices (`max_free`: 2 of the 6 edges), and sets `result.stopped` when it stops. Same
# epochs and seed as plain DARTS above:

# %% tags=["early-stop"]
torch.manual_seed(0)
early = darts(
    rewrite(space, "mixed"), train, valid, epochs=8, remedy="early-stop", exclude=("Zero",), seed=0
)
per_epoch = plain.steps // len(plain.history)  # 17 batches of 64 images
stop = early.history[-1]  # the record of the epoch the search stopped in, taken at the stop
print(f"stopped: {early.stopped}")
print(
    f"after {early.steps} of the {plain.steps} steps plain DARTS took: in epoch {stop['epoch']}, "
    f"at its step {early.steps - stop['epoch'] * per_epoch} of {per_epoch}"
)
print(f"super-network validation accuracy at the stop: {stop['valid_accuracy']:.3f}")
print(f"cell derived at the stop: {cell_str(ops_of(stop['params']))}")
print(f"cell derived one step before (returned): {cell_str(ops_of(early.params))}")

# %% [markdown]
# Each edge's softmax weights at the stop, to four decimals, since they have hardly left 0.2:

# %% tags=["early-stop-weights"]
weight_table(early, digits=4)

# %% tags=["early-stop-cell"]
early_found = show("DARTS+", early.params)
print(f"search: {early.seconds:.1f} s, {early.steps} steps")
print(
    f"plain DARTS, for comparison: table validation accuracy {plain_found['valid_acc']:.4f}, "
    f"percentile {plain_found['percentile']:.3f}"
)

# %% [markdown]
# In this run the search stops in its second epoch, after about a quarter of plain DARTS'
# steps: at that step a skip connection overtakes a convolution on one more edge, which makes
# two parameter-free ops in the derived cell. The cell it returns, derived one step before, has
# five convolutions and an average pooling, and the table ranks it near the best tenth of the
# space (better than about nine cells in ten), where plain DARTS' cell is in the lower third.
# Read the stop's numbers too, though:
# the super-network's accuracy is still far from what a trained cell reaches (under 0.2) and no
# weight is more than 0.01 away from 0.2, so
# the returned cell is the direction `alpha` took in the first steps, before the drift, not a
# ranking learned over a long search. Whether that direction is good in general takes more than
# one seed (the benchmark script below).
#
# The other published remedy, DARTS- (Chu et al., 2021), adds an auxiliary skip connection
# `+ beta * x` around every choice during the search, `beta` decaying from 1 to 0, to take the
# skip candidate's early advantage away. It assumes ops with normalization; the benchmark's cells
# have none. Same epochs and seed:

# %% tags=["remedy"]
torch.manual_seed(0)
remedied_net = rewrite(space, "mixed")
remedied = darts(
    remedied_net, train, valid, epochs=8, remedy="auxiliary-skip", exclude=("Zero",), seed=0
)
remedy_history = history_table(remedied)
print("training loss per epoch:", remedy_history["train_loss"].tolist())
print("super-network validation accuracy per epoch:", remedy_history["supernet_acc"].tolist())
drift = max(
    abs(w - 0.2) for edge in remedied.history[-1]["weights"].values() for w in edge.values()
)
print(f"largest distance of an architecture weight from 0.2 at the end: {drift:.4f}")
remedied_net.eval()
with torch.no_grad():
    predicted = remedied_net(valid[0]).argmax(1)
print("classes the super-network predicts for the validation images:", predicted.unique().tolist())
remedied_found = show("DARTS-", remedied.params)

# %% [markdown]
# With the auxiliary skips the super-network learns at first, much faster than plain DARTS'
# (its first epoch's loss is far above the 2.30 of a uniform guess, as the added skips make the
# signal grow along each cell, then it falls well below): its accuracy climbs to about 0.5 by
# the middle of the search. As `beta` decays, the auxiliary skips fade, the network loses what
# they carried (its loss rises again and its accuracy falls), and the skip *candidates*, which
# compute what the fading auxiliary connections did, take their place: every edge's largest
# weight ends on `Skip`, and the derived cell is skip connections only, below the middle of
# the space. On cells without normalization this remedy moves the collapse rather than
# preventing it; the benchmark script measures it over seeds, at fewer epochs.
#
# ## 5. Several short searches, averaged (a DARTS ensemble)
#
# What one search returns depends on its initial weights and its batch order as much as on
# the method. `darts_ensemble` turns that around: it runs several short, independent DARTS
# searches, each from fresh weights with its own batch order, averages their softmax weights
# edge by edge, and derives the cell from the mean. Each run here is one epoch of DARTS- (the
# auxiliary skip is its default remedy): the part of the search above where its super-network
# learns fastest, before `beta` decays. Three runs of one epoch cost less than one search of
# four epochs.

# %% tags=["ensemble"]
ensemble = darts_ensemble(
    lambda: rewrite(space, "mixed"), train, valid, runs=3, epochs=1, exclude=("Zero",), seed=0
)
per_run = pd.DataFrame(
    [
        {"run": record["run"], "cell": cell_str(looked["ops"]),
         "valid_acc": round(looked["valid_acc"], 4), "percentile": round(looked["percentile"], 3)}
        for record in ensemble.history
        for looked in [lookup(record["params"])]
    ]
).set_index("run")
print(per_run.to_string())
ensemble_found = show("DARTS ensemble", ensemble.params)
print(f"search: {ensemble.seconds:.1f} s, {ensemble.steps} steps in {len(per_run)} runs")

# %% [markdown]
# The mean of the runs' weights, edge by edge, and the op each edge keeps:

# %% tags=["ensemble-weights"]
mean_weights = sum(
    pd.DataFrame(record["weights"]).T[LABELS] for record in ensemble.history
) / len(ensemble.history)
mean_weights["kept"] = mean_weights[LABELS[1:]].idxmax(axis=1)  # Zero is excluded
mean_weights.round(4)

# %% [markdown]
# One epoch moves the weights little: every mean stays within 0.005 of 0.2, and `Zero`'s is the
# largest on every edge (it is left out when deriving). What counts is the order of the others,
# and there the runs agree: on every edge a convolution leads the parameter-free ops. Each run
# alone derives a cell of convolutions only, or nearly, at a different place in the table's top
# fifth; the mean derives a cell of convolutions only, in the table's top twentieth, for about
# two child trainings (the cost cell below). `bench/efficient_nas.py` runs it over seeds
# (`darts-ens`), beside the other methods.
#
# ## 6. TuNAS: a controller sampling paths
#
# `tunas` trains a `switch` super-network one path at a time. For the first quarter of the
# steps the path is drawn uniformly (the shared weights learn something first); after that a
# controller (REINFORCE: a softmax policy over the candidates of each edge) samples each path,
# its weights take one step on a training batch, and its accuracy on a validation batch is the
# controller's reward. The derived cell is the controller's most likely op on each edge.
# Training one path per step is cheap, so it runs 40 epochs.

# %% tags=["tunas"]
torch.manual_seed(0)
controlled = tunas(rewrite(space), train, valid, epochs=40, seed=0)
tunas_found = show("TuNAS", controlled.params)
print(f"search: {controlled.seconds:.1f} s, {controlled.steps} steps")

# %% [markdown]
# The controller's probabilities over the epochs (`result.history[i]["weights"]`), one panel per
# edge:

# %% tags=["tunas-plot"]
epochs = [record["epoch"] for record in controlled.history]
fig = make_subplots(rows=2, cols=3, subplot_titles=list(decisions(space)), shared_yaxes=True)
colors = dict(zip(LABELS, ("#7f7f7f", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e")))
for k, name in enumerate(decisions(space)):
    for label in LABELS:
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=[record["weights"][name][label] for record in controlled.history],
                name=label,
                legendgroup=label,
                showlegend=k == 0,
                line={"color": colors[label]},
            ),
            row=k // 3 + 1,
            col=k % 3 + 1,
        )
fig.update_layout(
    title="TuNAS: the controller's probability of each op, per edge",
    template="plotly_white",
    height=480,
)
fig.update_xaxes(title_text="epoch", row=2)
fig

# %% tags=["tunas-final"]
final = pd.DataFrame(controlled.history[-1]["weights"]).T[LABELS].round(3)
final["most likely"] = final[LABELS].idxmax(axis=1)
final

# %% [markdown]
# The probabilities stay at 0.2 through the uniform warm-up (the first 10 epochs), then part.
# After 40 epochs the controller is still far from certain: no op has much more than 0.7 on
# its edge. Which cell it settles on is not stable: the rewards are accuracies on single
# validation batches of 64 images, and over 680 such noisy steps a different seed, or even the
# float rounding of another processor, ends on another cell. `bench/efficient_nas.py` runs
# REINFORCE and the PPO controller (`controller="ppo"`) over 5 seeds, and their children land
# far apart from seed to seed: the table above tells where this run's cell landed.
#
# **Cost.** The unit is one standalone training of one child with the table's protocol
# (`train_model`: 10 epochs of Adam, 17 batches of 64 each), on the same data and thread. As
# in the benchmark script, it is the median over three cells: every edge a 3x3 convolution,
# every edge a 1x1 convolution, and a cell mixing all five ops.

# %% tags=["cost"]
UNIT_CELLS = (
    ("conv_3x3",) * 6,
    ("conv_1x1",) * 6,
    ("conv_3x3", "skip_connect", "conv_1x1", "avg_pool_3x3", "none", "conv_3x3"),
)
seconds = []
for ops in UNIT_CELLS:
    torch.manual_seed(0)
    model = materialize(space, arch(ops))
    started = time.perf_counter()
    train_model(model, train, epochs=10, lr=LR)
    seconds.append(time.perf_counter() - started)
    print(f"training {cell_str(ops)}: {seconds[-1]:.2f} s")
unit = float(np.median(seconds))
print(f"unit, one child training: {unit:.2f} s ({1000 * unit / 170:.1f} ms per step)")
searches = (
    ("DARTS", plain),
    ("DARTS+", early),
    ("DARTS-", remedied),
    ("DARTS ensemble", ensemble),
    ("TuNAS", controlled),
)
for method, result in searches:
    print(
        f"{method} search: {result.seconds:.1f} s = {result.seconds / unit:.2f} child trainings "
        f"({1000 * result.seconds / result.steps:.1f} ms per step)"
    )

# %% [markdown]
# Plain DARTS, DARTS- and TuNAS each cost a few child trainings (between about four and six in
# the runs made while writing this notebook; the wall times vary with the machine and its
# load), where a search that trains every candidate pays one per cell it tries. That is more
# than the one training these methods aim at. A DARTS step costs several child steps: it runs
# all five candidates of every edge, forward and backward, twice (once for the weights, once
# for `alpha`). A TuNAS step runs one path and costs little more than a child step, but TuNAS
# takes 40 epochs (680 steps, against 170 for a child's training) for its controller to learn.
# DARTS+ costs the same per step as plain DARTS, but it stopped after 32 steps: one and a half
# to two child trainings in all, a fraction of the others. The ensemble's three one-epoch runs
# make three eighths of plain DARTS' steps: about two child trainings.
#
# ## 7. In one call, stored in a study
#
# `efficient_search(space, train, valid, method=...)` does all of the above at once: rewrite,
# search, derive, and store the child as a trial of an Optuna study (its params are the
# derived architecture, its value the child's validation accuracy with the shared weights, its
# user attributes the method and the search's wall time), so every table and plot of the study
# shows it next to ordinarily searched trials. Here TuNAS again, with seed 1:

# %% tags=["study"]
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(study_name="efficient", direction="maximize")
torch.manual_seed(1)
found, trial = efficient_search(space, train, valid, method="tunas", study=study, epochs=40, seed=1)
stored = study.trials[trial.number]
print(f"study {study.study_name!r}: {len(study.trials)} trial")
print(f"trial {stored.number}: value {stored.value:.4f} (shared weights), {stored.user_attrs}")
print("trial params:", stored.params)
print("trial params == result.params:", stored.params == found.params)
study_found = show("efficient_search", stored.params)

# %% [markdown]
# `materialize(space, trial.params)` builds the stored child with fresh weights: an ordinary
# network with no switch in it, which trains on its own like any model.

# %% tags=["standalone"]
torch.manual_seed(0)
standalone = materialize(space, stored.params)
losses = train_model(standalone, train, epochs=10, lr=LR)
standalone.eval()
with torch.no_grad():
    accuracy = (standalone(valid[0]).argmax(1) == valid[1]).float().mean().item()
print(f"{type(standalone).__name__}, {n_params(standalone):,} weights")
print("training loss per epoch:", [round(loss, 3) for loss in losses])
print(f"standalone validation accuracy: {accuracy:.4f}")
print(f"the table's accuracy for this cell: {study_found['valid_acc']:.4f}")

# %% [markdown]
# The trial's value, the child's accuracy *with the shared weights*, is well below what the
# same child reaches trained on its own: weights shared by every path of the super-network are
# good enough to compare paths, not to use one of them as it is.
# %% [markdown]
# ## 8. The methods side by side
#
# Epochs begun and weight updates made (`steps`), whether the search stopped early, the cost
# in child trainings, and the derived cell's accuracy and percentile in the table:

# %% tags=["comparison"]
pd.set_option("display.max_colwidth", 100)  # the cells in full
runs = [
    ("DARTS", 0, plain, plain_found),
    ("DARTS+ (early stop)", 0, early, early_found),
    ("DARTS- (auxiliary skip)", 0, remedied, remedied_found),
    ("DARTS ensemble (3 x 1 epoch)", 0, ensemble, ensemble_found),
    ("TuNAS", 0, controlled, tunas_found),
    ("TuNAS (efficient_search)", 1, found, study_found),
]
summary = pd.DataFrame(
    [
        {
            "method": method,
            "seed": seed,
            "epochs": len(result.history),
            "steps": result.steps,
            "stopped": result.stopped,
            "cost": round(result.seconds / unit, 2),
            "cell": cell_str(looked["ops"]),
            "valid_acc": round(looked["valid_acc"], 4),
            "percentile": round(looked["percentile"], 3),
        }
        for method, seed, result, looked in runs
    ]
).set_index("method")
summary

# %% [markdown]
# For this seeded run: plain DARTS collapsed onto parameter-free ops and DARTS- onto skip
# connections, and they returned cells in the lower third and below the middle of the table.
# Stopped early (DARTS+), the same search ended in its second epoch, at about one child
# training, and returned a cell of five convolutions and an average pooling that the table
# ranks near the best tenth. Three one-epoch DARTS- runs, averaged, returned a cell of the top
# twentieth for about two child trainings; the two TuNAS runs returned whatever their
# controllers settled on, at a few child trainings each. One seed per method says little:
# DARTS+' cell is the direction `alpha` took in the first steps. The benchmark script
# `bench/efficient_nas.py` measures the same methods (both remedies and the ensemble included)
# over 5 seeds, with random search at equal cost alongside
# (`.venv/bin/python bench/efficient_nas.py`).
