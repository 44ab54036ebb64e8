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
# # Comparing search algorithms in seconds: the tabulated benchmark and simulated time
#
# Is TPE better than random search on my kind of problem? Does early stopping pay off with 8
# workers? Answering that with real training takes days. A *tabulated* benchmark answers it in
# seconds: every architecture of a space was trained once, ahead of time, and its learning
# curve, test accuracy and training time were recorded. A search then only looks results up.
#
# `nas_notebook` ships such a table: a NAS-Bench-201-style cell space (6 edges, each one of 5
# operations: 15,625 cells) trained on scikit-learn's digits. With the simulated executor,
# every trial's epochs arrive at the simulated times the table recorded, across any number of
# simulated workers, and pruning decisions are taken at those times. The results land in an
# ordinary Optuna study: every plot and table works on them.
#
# This notebook:
#
# 1. looks at the table (what was trained, how, and how good the cells are);
# 2. measures how reliably it ranks its cells, against a second table of many runs per cell;
# 3. runs a 1,000-trial search with 8 simulated workers and ASHA early stopping, in about a
#    second of wall time;
# 4. shows the simulated timeline (which worker ran what, when, what was stopped);
# 5. compares algorithms at equal simulated budget, averaged over seeds;
# 6. retrains one cell for real and checks it against the table.
#
# It runs in about a minute on a two-core laptop.

# %%
# %load_ext nas_notebook

# %% [markdown]
# ## The table
#
# `TabulatedBenchmark()` reads the table shipped inside the package (a compressed numpy file,
# verified against its checksum). Its metadata records the training protocol: the data split,
# the number of epochs, the optimizer and the seeds. The cells were trained one per
# *isomorphism class* (cells that compute the same function, such as those differing only on
# edges whose output is never used) and the results copied to the other members.

# %%
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from nas_notebook.benchmarks import (
    EDGES,
    TabulatedBenchmark,
    cell_index,
    cell_ops,
    cell_str,
    edge_name,
)

bench = TabulatedBenchmark()
protocol = bench.meta["protocol"]
print(f"seeds {bench.seeds}, {bench.epochs} epochs, {protocol['channels']} channels")
print(f"split {protocol['split']}")
print(f"optimizer {protocol['optimizer']}, {protocol['schedule']}")

# %% [markdown]
# One row per cell, for the first seed: its operations, size, final validation and test
# accuracy and how long its training took (the table's own measurements, on a CPU).

# %% tags=["table"]
s = 0
arrays = bench.arrays
cells = pd.DataFrame(
    {
        "cell": [cell_str(cell_ops(i)) for i in range(len(arrays["params"]))],
        "params": arrays["params"],
        "valid_acc": arrays["valid_acc"][:, s, -1].astype(float),
        "test_acc": arrays["test_acc"][:, s].astype(float),
        "train_s": arrays["time"][:, s, -1].astype(float),
    }
)
print(f"{len(cells)} cells; best validation accuracy {cells.valid_acc.max():.4f}")
cells.sort_values("valid_acc", ascending=False).head(8)

# %% [markdown]
# Accuracy against size: many cells are poor (the ones whose output hardly depends on the input,
# e.g. all `none`), and among the good ones more parameters help only up to a point.

# %% tags=["landscape"]
fig = go.Figure(
    go.Scattergl(
        x=cells.params,
        y=cells.valid_acc,
        mode="markers",
        marker={"size": 4, "color": cells.train_s, "colorscale": "Viridis", "showscale": True,
                "colorbar": {"title": "train s"}},
        text=cells.cell,
    )
)
fig.update_layout(
    title="Final validation accuracy of every cell",
    xaxis_title="parameters",
    yaxis_title="validation accuracy",
    template="plotly_white",
)
fig

# %% [markdown]
# ## One training run per cell, or the mean of many?
#
# One training of a cell is one draw: another seed gives another initialization and batch
# order, and another accuracy. How much that moves the *ranking* of the cells is measured by a
# split-half comparison: split each cell's training runs into two halves, rank the cells by each
# half's mean, and compare the two rankings. The table above has two runs per cell (seeds 0 and
# 1), so one run per half. A second table ships beside it, `nas201_digits_avg`: every distinct
# cell trained many times with its own protocol (Adam at a lower learning rate, 0.003) and the
# mean of the runs kept, with each run's final accuracy, so the same statistics come from it
# (`python -m nas_notebook.benchmarks.reliability` prints them for both).

# %% tags=["reliability"]
from nas_notebook.benchmarks import AVG_TABLE_PATH
from nas_notebook.benchmarks.reliability import table_reliability

avg = TabulatedBenchmark(AVG_TABLE_PATH)
reliability = {}
for name, table in (("nas201_digits", bench), ("nas201_digits_avg", avg)):
    report = table_reliability(table.run_scores())
    reliability[name] = {
        "runs per cell": report["runs"],
        "runs per half": report["runs_per_half"],
        "Spearman": report["spearman"],
        "Spearman, better half": report["spearman_better_half"],
        "top 10% shared": report["top10"],
        "top 20% shared": report["top20"],
        "the table vs another built alike (Spearman)": report["spearman_all_runs"],
    }
pd.DataFrame(reliability).T.round(3).astype({"runs per cell": int, "runs per half": int})

# %% [markdown]
# With one run per half, the two halves of `nas201_digits` rank the cells alike only roughly,
# and agree on about a third of their top tenth: which of the good cells is *best* is mostly
# the luck of the training run. The averaged table's halves agree far better, and the table
# itself (the mean of all its runs, twice a half) better still, as the last column projects.
# So the averaged table is the one to ask which algorithm finds the best cells: below, the
# algorithms are compared on it. (The single-run table stays the default benchmark: its
# learning curves are real single trainings, which is what a scheduler meets.)
#
# ## A simulated search
#
# `%search NAME --benchmark nas201_digits` searches the table: the benchmark brings its own trial
# body (it picks one operation per edge with `oneof`, then, for each epoch, advances the
# simulated clock by that epoch's recorded training time with `elapse` and reports its recorded
# validation accuracy). The executor is the simulated one unless another is named. Here:
# 1,000 trials of random search on 8 simulated workers, with asynchronous successive halving
# (ASHA) stopping trials at 1, 3 and 9 epochs unless they are in the top third of their rung.

# %% tags=["search"]
import time

started = time.perf_counter()
# %search nas --benchmark nas201_digits --workers 8 -n 1000 --algo random --pruner asha:min_resource=1,reduction_factor=3 --seed 0 --storage memory
wall = time.perf_counter() - started

# %% tags=["summary"]
states = nas.dataframe()["state"].value_counts().to_dict()
print(f"{len(nas.trials)} trials in {wall:.1f} s of wall time")
print(f"simulated time: {nas.executor.now / 60:.1f} minutes on 8 workers")
print(f"states: {states}")
print(f"best validation accuracy {nas.best.value:.4f} (table's best: {bench.best('valid_acc', 0):.4f})")
print(f"best cell: {cell_str([nas.best.params[edge_name(e)] for e in EDGES])}")

# %% [markdown]
# ## The simulated timeline
#
# Each trial records the simulated worker that ran it and when it started and ended
# (`simulated_timeline`). Drawn as a Gantt chart, the first simulated minute shows what ASHA
# does: most trials stop after one epoch, and the worker takes the next trial at that moment.

# %% tags=["timeline"]
from nas_notebook.executors import simulated_timeline

timeline = simulated_timeline(nas)
first = timeline[timeline.start < 60]
colors = {"COMPLETE": "#2a9d8f", "PRUNED": "#e76f51", "FAIL": "#6c757d"}
fig = go.Figure()
for state, rows in first.groupby("state"):
    fig.add_trace(
        go.Bar(
            base=rows.start,
            x=rows.end - rows.start,
            y=rows.worker,
            orientation="h",
            name=state.lower(),
            marker_color=colors.get(state),
            text=rows.number,
            hovertemplate="trial %{text}<br>%{base:.1f} s + %{x:.1f} s<extra></extra>",
        )
    )
fig.update_layout(
    title="Trials on the 8 simulated workers (first simulated minute)",
    xaxis_title="simulated seconds",
    yaxis_title="worker",
    barmode="overlay",
    template="plotly_white",
)
fig

# %% [markdown]
# Two checks that the simulation is faithful: a worker never runs two trials at once, and each
# trial reported exactly the table's learning curve of its cell, stopping where it was pruned.

# %% tags=["faithful"]
overlaps = sum(
    int((rows.start.to_numpy()[1:] < rows.end.to_numpy()[:-1] - 1e-9).sum())
    for _, rows in timeline.sort_values("start").groupby("worker")
)
mismatches = 0
for t in nas.trials:
    curve = bench.curve(cell_index([t.params[edge_name(e)] for e in EDGES]), seed=0)
    steps = sorted(t.intermediate_values)
    mismatches += not np.allclose([t.intermediate_values[k] for k in steps], curve[: len(steps)])
print(f"overlapping trials on a worker: {overlaps}; curves differing from the table: {mismatches}")

# %% [markdown]
# ## Which algorithm, at equal simulated budget?
#
# One search is one sample. To compare algorithms, run each several times (different seeds) with
# the same simulated budget and look at the *regret*: the best validation accuracy in the table
# minus the best one found so far. `timeout` is in simulated seconds with the simulated
# executor: here each run gets 25 full trainings' worth of time per worker. The searches run on
# the averaged table (`--benchmark nas201_digits_avg`), whose ranking of the cells holds up, as
# seen above. (The script `bench/search_quality.py` does the same for every registered
# algorithm over 10 seeds, `--table` choosing the table.)

# %% tags=["compare"]
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.executors import SimulatedExecutor, simulated_span

budget = 25 * float(np.mean(avg.values("time", "mean")[:, -1]))
optimum = avg.best("valid_acc", "mean")
grid = np.linspace(budget / 20, budget, 40)


def regret_over_time(search):
    done = sorted(
        (simulated_span(t)[1], t.value)
        for t in search.trials
        if t.state == TrialState.COMPLETE
    )
    ends = np.array([end for end, _ in done])
    best = np.maximum.accumulate([value for _, value in done])
    index = np.searchsorted(ends, grid, side="right") - 1
    return np.where(index >= 0, optimum - best[np.maximum(index, 0)], np.nan)


configs = {"random": ("random", None), "tpe": ("tpe", None), "random + asha": ("random", "asha"),
           "tpe + asha": ("tpe", "asha")}
curves = {}
for label, (algo, pruner) in configs.items():
    runs = []
    for seed in range(3):
        search = nb.Search(
            benchmark="nas201_digits_avg",
            executor=SimulatedExecutor(workers=8),
            timeout=budget,
            algo=algo,
            pruner=f"{pruner}:min_resource=1,reduction_factor=3" if pruner else None,
            seed=seed,
        ).start()
        runs.append(regret_over_time(search))
    curves[label] = np.array(runs)

summary = pd.DataFrame(
    {
        label: {
            "final regret (mean)": np.nanmean(c[:, -1]),
            "final regret (std)": np.nanstd(c[:, -1]),
            "regret at half budget": np.nanmean(c[:, len(grid) // 2]),
        }
        for label, c in curves.items()
    }
).T
summary

# %% tags=["regret"]
fig = go.Figure()
for label, c in curves.items():
    fig.add_trace(go.Scatter(x=grid, y=np.nanmean(c, axis=0), mode="lines", name=label))
fig.update_layout(
    title="Regret over simulated time on the averaged table (mean of 3 seeds, 8 workers)",
    xaxis_title="simulated seconds",
    yaxis_title="regret (validation accuracy)",
    yaxis_type="log",
    template="plotly_white",
)
fig

# %% [markdown]
# ## The usual plots work on a simulated study
#
# The search's trials are ordinary Optuna trials, so the dashboard's plots apply: here the
# learning curves, where the pruned trials end early.

# %% tags=["curves"]
from nas_notebook.plots import plot_intermediate_values

plot_intermediate_values(nas)

# %% [markdown]
# ## Is the table reproducible?
#
# The builder (`python -m nas_notebook.benchmarks.build_nas201 --out DIR`, see its module
# documentation for the protocol) trains many cells at once as one batched model. Retraining the
# best cell found above (the member of its isomorphism class that was trained, `trained_as`),
# alone and for real, with the table's protocol and seed, gives the same learning curve up to
# floating-point rounding (a few seconds on a CPU).

# %% tags=["rebuild"]
from nas_notebook.benchmarks import build_nas201

best_cell = cell_index([nas.best.params[edge_name(e)] for e in EDGES])
trained = int(arrays["trained_as"][best_cell, 0])
retrained = build_nas201.train_cells([trained], 0, build_nas201.load_digits_split(), protocol)
table_curve = bench.curve(trained, seed=0)
print(f"cell {cell_str(cell_ops(trained))}")
print("table:     ", np.round(table_curve, 3))
print("retrained: ", np.round(retrained["valid_acc"][0], 3))
print(f"largest difference: {np.abs(retrained['valid_acc'][0] - table_curve).max():.4f}")
