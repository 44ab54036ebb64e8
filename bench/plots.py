"""Plot and dashboard refresh cost of nas_notebook against ``optuna.visualization``, same run.

What is measured
----------------
One study per size N (default 1,000 and 10,000 trials; ``--with-100k`` adds 100,000), built
deterministically with seeded numpy and ``study.add_trials([create_trial(...), ...])``: six
parameters (log float ``lr``, float ``dropout``, int ``units``, categorical ``activation`` with
3 choices, log float ``weight_decay``, and an int ``depth`` that only the trials with
``units >= 256`` have), 20 intermediate values per trial (a decreasing noisy learning curve),
about 80% COMPLETE (with a value), 15% PRUNED (fewer intermediate values, no value) and 5% FAIL,
start/complete datetimes (durations) and a numeric user attribute ``latency``. The Pareto front
is drawn from a second, 2-objective study (loss, latency) of the same size and kind.

1. **Each plot**, ours against the peer on the very same ``optuna.Study``, each side building the
   figure and serializing it with ``fig.to_json()`` (what reaches the browser):

   ======================  ===============================  =====================================
   plot                    ours                             optuna (the peer)
   ======================  ===============================  =====================================
   optimization history    ``plot_optimization_history``    ``plot_optimization_history``
   learning curves         ``plot_intermediate_values``     ``plot_intermediate_values``
   parallel coordinates    ``plot_parallel_coordinate``     ``plot_parallel_coordinate``
   param importances       ``plot_param_importances``       ``plot_param_importances``
   slice                   ``plot_slice``                   ``plot_slice``
   contour (lr, dropout)   ``plot_contour(params=...)``     ``plot_contour(params=...)``
   pareto front (2-obj)    ``plot_pareto_front``            ``plot_pareto_front``
   ======================  ===============================  =====================================

   Importances: ours evaluates PED-ANOVA on an even sample of at most 2,000 completed trials;
   Optuna's default evaluator (also PED-ANOVA) sees every completed trial. The contour is
   restricted to two parameters on both sides (Optuna's contour of all six parameters needs
   about 67 s and 15 GB at 10,000 trials; it is not run).

   Our public functions take the ``optuna.Study`` and convert its trials to columns at every
   call ("ours s"). The live dashboard keeps the columns and updates them incrementally, so the
   columns path is timed too ("cols s": the same public ``plot_*`` given a
   ``nas_notebook.study.Snapshot`` of the study, which hands over the columns it keeps, +
   ``to_json()``; the snapshot is read and its columns built once beforehand, and that is timed
   on its own). Flattened learning curves are cached in the columns between changes, as in
   the dashboard; the first, uncached run is kept in the JSON (``ours_columns.first_s``).

   Timing: ``time.perf_counter`` around build + ``to_json``; the best of up to ``--reps`` runs
   for ours and ``--peer-reps`` for the peer, repeats stopping early once a side has spent
   ``--rep-budget`` seconds on a plot (so the slow peer usually gets one run at 10,000 trials;
   the table shows the runs each side got). A garbage collection runs before each run. The
   imported modules and the studies' trials are first moved out of the collector's sight
   (``gc.freeze()``), so that collection is quick; the automatic collections during a run then
   scan fewer objects than in a kernel holding the study: slightly in favour of both sides, more
   of the peer's, which allocates far more.

   The peer is skipped where it would take too long: its time and JSON size at N are
   extrapolated from the smaller sizes of the same run (a power law through the last two; with
   one, linear growth, quadratic for the contour, whose grid has one row and column per distinct
   value), and a plot estimated over ``--peer-max-s`` seconds or ``--peer-max-mb`` MB of JSON is
   printed as ``skipped (est. ...)``. Without any smaller size the peer runs up to 10,000 trials.

2. **The whole dashboard** (``nas_notebook.widgets.Dashboard``, the widget shown under a
   ``%%search`` cell), over a ``Search`` that resumes the stored study (``Search(body,
   name=..., storage=<the storage object>, resume=True)``, as ``load_search`` does):

   a. *first full refresh*: opening the search (which reads the storage and builds the
      columns), ``Dashboard(search, refresh_interval=0)`` (header, counts, trial table, History
      tab), then every other plot tab selected in turn and drawn (by the draw that the selection
      itself starts on a thread, which is waited for; a tab that it left blank is drawn by
      ``dashboard.refresh(final=True)``). This is compared with the sum of the peer's six
      single-objective figures at the same N.
   b. *steady refresh*: ``dashboard.refresh()`` with the History tab selected and nothing new
      (what the refresh thread runs every 0.5 s while trials run).
   c. *incremental refresh after 10 new trials*: 10 trials added to the storage (untimed), then
      ``dashboard.refresh()`` timed with the History tab selected (median and best of
      ``--incremental-reps``); and once with each plot tab selected, drawn even if throttled
      (``refresh(final=True)``: the Importance tab is otherwise redrawn at most every 5 s),
      summed over the tabs.

   Without a kernel, ipywidgets' comm sends are no-ops: the widgets' own serialization of
   changed traits (plotly's ``FigureWidget`` serializers, the table's rows) runs and is
   included, the kernel's JSON encoding and the transfer are not. To account for them, the
   ``to_json()`` of each drawn tab's figure is timed separately ("+ JSON"): for (a) every plot
   tab's figure, for (c) the selected tab's whole figure (an upper bound: the widget sends only
   the changed trace properties). Rendering in the browser is not included on either side.

   The study for the dashboard is in memory by default; ``--storage journal`` puts it in a
   ``JournalFileBackend`` file, and the 10 new trials are then written through a second
   storage object on the same file, as another process would, so the refresh replays them.

Targets (an acceptance item of the project): the first full refresh at 10,000 trials under
0.5 s and at least 10x faster than the peer's figures; at 100,000 trials (where
optuna-dashboard gives up) the dashboard must stay usable.

Results go to stdout as one table per size and to ``bench/results/plots.json``. The exit status
is always 0: a benchmark reports, it does not assert.

How to run
----------
::

    python bench/plots.py                    # 1,000 and 10,000 trials (~1.5 minutes on 2 cores)
    python bench/plots.py --with-100k        # and 100,000 (~5 minutes in all, most of it the
                                             # peer's figures and building the studies)
    python bench/plots.py --quick            # 200 and 1,000 trials, 1 run each: a smoke test
    python bench/plots.py --sizes 5000 --storage journal

Run it with the project's virtualenv (``.venv/bin/python bench/plots.py``), from anywhere: the
script puts the repository on ``sys.path``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import optuna.visualization as ov  # noqa: E402
import plotly  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from _environment import environment as shared_environment  # noqa: E402
from optuna.distributions import (  # noqa: E402
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.storages import BaseStorage, InMemoryStorage  # noqa: E402
from optuna.storages.journal import JournalFileBackend, JournalStorage  # noqa: E402
from optuna.trial import FrozenTrial, TrialState, create_trial  # noqa: E402

from nas_notebook import Search  # noqa: E402
from nas_notebook import plots as ours  # noqa: E402
from nas_notebook.study import Snapshot  # noqa: E402

SEED = 0
STEPS = 20
NEW_TRIALS = 10
REFRESH_TARGET_S = 0.5
SPEEDUP_TARGET = 10.0
TARGET_SIZE = 10_000
BIG_SIZE = 100_000
CONTOUR_PARAMS = ("lr", "dropout")
STUDY_NAME = "bench-plots"
BODY = "x = floatv(0, 1)\nx"
DEFAULT_JSON = ROOT / "bench" / "results" / "plots.json"
ACTIVATIONS = ("relu", "tanh", "gelu")
DISTRIBUTIONS = {
    "lr": FloatDistribution(1e-5, 1e-1, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "units": IntDistribution(16, 512),
    "activation": CategoricalDistribution(ACTIVATIONS),
    "weight_decay": FloatDistribution(1e-6, 1e-2, log=True),
    "depth": IntDistribution(1, 8),
}


# -- the studies ------------------------------------------------------------------------------


def make_trials(n: int, n_objectives: int = 1, seed: int = SEED) -> list[FrozenTrial]:
    """``n`` finished trials (see the module docstring), the same for the same arguments."""
    rng = np.random.default_rng(seed)
    lr = np.exp(rng.uniform(math.log(1e-5), math.log(1e-1), n))
    dropout = rng.uniform(0.0, 0.5, n)
    units = rng.integers(16, 513, n)
    activation = rng.integers(0, len(ACTIVATIONS), n)
    decay = np.exp(rng.uniform(math.log(1e-6), math.log(1e-2), n))
    depth = rng.integers(1, 9, n)
    has_depth = units >= 256
    final = (
        0.05
        + 0.08 * (np.log10(lr) + 3.0) ** 2
        + 0.3 * (dropout - 0.15) ** 2
        + 0.05 * np.log2(512 / units)
        + np.array([0.0, 0.04, 0.01])[activation]
        + 0.02 * np.abs(np.log10(decay) + 4.0)
        + np.where(has_depth, 0.01 * np.abs(depth - 4), 0.02)
        + rng.normal(0.0, 0.01, n)
    )
    start = final + rng.uniform(0.8, 1.5, n)
    tau = rng.uniform(2.0, 6.0, n)
    steps = np.arange(STEPS)
    curves = (
        final[:, None]
        + (start - final)[:, None] * np.exp(-steps[None, :] / tau[:, None])
        + rng.normal(0.0, 0.01, (n, STEPS))
    )
    latency = 0.5 + units / 100.0 * np.where(has_depth, 1 + depth / 4, 1.0) + rng.gamma(2, 0.1, n)
    draw = rng.random(n)
    states = np.where(draw < 0.80, 0, np.where(draw < 0.95, 1, 2))  # complete, pruned, fail
    reported = np.where(
        states == 0,
        STEPS,
        np.where(states == 1, rng.integers(1, STEPS, n), rng.integers(0, STEPS // 2, n)),
    )
    duration = rng.lognormal(math.log(30.0), 0.5, n) * reported / STEPS + 1.0
    begin = datetime.datetime(2026, 1, 1)
    offsets = np.cumsum(rng.uniform(5.0, 15.0, n))

    lr_l, dropout_l, units_l = lr.tolist(), dropout.tolist(), units.tolist()
    act_l, decay_l, depth_l = activation.tolist(), decay.tolist(), depth.tolist()
    has_l, states_l, reported_l = has_depth.tolist(), states.tolist(), reported.tolist()
    curves_l, latency_l = curves.tolist(), latency.tolist()
    duration_l, offsets_l = duration.tolist(), offsets.tolist()
    state_of = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    base = {k: DISTRIBUTIONS[k] for k in ("lr", "dropout", "units", "activation", "weight_decay")}
    with_depth = {**base, "depth": DISTRIBUTIONS["depth"]}
    trials = []
    for i in range(n):
        params: dict[str, Any] = {
            "lr": lr_l[i],
            "dropout": dropout_l[i],
            "units": units_l[i],
            "activation": ACTIVATIONS[act_l[i]],
            "weight_decay": decay_l[i],
        }
        if has_l[i]:
            params["depth"] = depth_l[i]
        state = state_of[states_l[i]]
        curve = curves_l[i]
        values = None
        if state == TrialState.COMPLETE:
            values = [curve[-1]] if n_objectives == 1 else [curve[-1], latency_l[i]]
        trial = create_trial(
            state=state,
            values=values,
            params=params,
            distributions=with_depth if has_l[i] else base,
            user_attrs={"latency": latency_l[i]},
            intermediate_values=dict(enumerate(curve[: reported_l[i]])),
        )
        trial.datetime_start = begin + datetime.timedelta(seconds=offsets_l[i])
        trial.datetime_complete = trial.datetime_start + datetime.timedelta(seconds=duration_l[i])
        trials.append(trial)
    return trials


class Studies:
    """The storages of one size: the single-objective study (in a :class:`Search`'s storage,
    in memory or a journal file) and the 2-objective one (in memory)."""

    def __init__(self, n: int, storage_kind: str, extra: int) -> None:
        self.n = n
        self.folder = Path(tempfile.mkdtemp(prefix="nas-notebook-bench-plots-"))
        self.path: Path | None = None
        started = time.perf_counter()
        every = make_trials(n + extra)
        self.trials, self.pool = every[:n], every[n:]
        self.storage: BaseStorage
        if storage_kind == "journal":
            self.path = self.folder / "study.journal"
            self.storage = JournalStorage(JournalFileBackend(str(self.path)))
        else:
            self.storage = InMemoryStorage()
        # A search creates the study (with its trial body stored, as a %%search cell does).
        creator = Search(
            BODY, name=STUDY_NAME, storage=self.storage, direction="minimize", executor="inline"
        )
        self.study = creator.study
        self.study.add_trials(self.trials)
        self.multi = optuna.create_study(directions=["minimize", "minimize"])
        self.multi.add_trials(make_trials(n, n_objectives=2, seed=SEED + 1))
        self.build_s = time.perf_counter() - started
        self._writer: optuna.Study | None = None

    def counts(self) -> dict[str, int]:
        states = [t.state.name for t in self.trials]
        return {s: states.count(s) for s in ("COMPLETE", "PRUNED", "FAIL")}

    def add_new(self, count: int = NEW_TRIALS) -> None:
        """Write ``count`` more trials to the storage (for the journal: through another storage
        object on the same file, as another process would)."""
        batch, self.pool = self.pool[:count], self.pool[count:]
        if len(batch) < count:
            raise RuntimeError("the pool of new trials is exhausted")
        if self.path is None:
            self.study.add_trials(batch)
            return
        if self._writer is None:
            writer_storage = JournalStorage(JournalFileBackend(str(self.path)))
            self._writer = optuna.load_study(study_name=STUDY_NAME, storage=writer_storage)
        self._writer.add_trials(batch)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# -- the plots --------------------------------------------------------------------------------

Figure = Callable[[optuna.Study], go.Figure]
#: Ours drawn from a snapshot's prebuilt columns (the dashboard's path) or from a study.
Ours = Callable[[optuna.Study | Snapshot], go.Figure]


@dataclass(frozen=True)
class Plot:
    name: str
    peer: Figure
    ours: Ours
    multi: bool = False
    #: How the peer's time grows with N, for the skip estimate when only one size is known.
    exponent: float = 1.0


PLOTS = (
    Plot("optimization history", ov.plot_optimization_history, ours.plot_optimization_history),
    Plot("learning curves", ov.plot_intermediate_values, ours.plot_intermediate_values),
    Plot("parallel coordinates", ov.plot_parallel_coordinate, ours.plot_parallel_coordinate),
    Plot("param importances", ov.plot_param_importances, ours.plot_param_importances),
    Plot("slice", ov.plot_slice, ours.plot_slice),
    Plot(
        "contour (lr, dropout)",
        lambda s: ov.plot_contour(s, params=list(CONTOUR_PARAMS)),
        lambda s: ours.plot_contour(s, params=CONTOUR_PARAMS),
        exponent=2.0,
    ),
    Plot("pareto front (2 obj.)", ov.plot_pareto_front, ours.plot_pareto_front, multi=True),
)
#: The plots the dashboard of a single-objective study draws (its six plot tabs).
DASHBOARD_PLOTS = [p.name for p in PLOTS if not p.multi]


# -- timing -----------------------------------------------------------------------------------


@dataclass
class Timing:
    """Runs of one timed call: their seconds (first one first) and the JSON size."""

    seconds: list[float] = field(default_factory=list)
    json_bytes: int | None = None

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def first(self) -> float:
        return self.seconds[0]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "best_s": self.best,
            "first_s": self.first,
            "median_s": self.median,
            "runs": len(self.seconds),
            "seconds": self.seconds,
            "json_mb": None if self.json_bytes is None else self.json_bytes / 1e6,
        }


def time_figure(build: Callable[[], go.Figure], reps: int, budget_s: float) -> Timing:
    """Best of up to ``reps`` runs of build + ``to_json()``, stopping once ``budget_s`` is spent."""
    timing = Timing()
    spent = 0.0
    while len(timing.seconds) < reps and (not timing.seconds or spent < budget_s):
        gc.collect()
        start = time.perf_counter()
        text = build().to_json()
        took = time.perf_counter() - start
        timing.seconds.append(took)
        timing.json_bytes = len(text)
        del text
        spent += took
    gc.collect()
    return timing


def time_call(call: Callable[[], Any], reps: int, budget_s: float) -> Timing:
    timing = Timing()
    spent = 0.0
    while len(timing.seconds) < reps and (not timing.seconds or spent < budget_s):
        gc.collect()
        start = time.perf_counter()
        call()
        took = time.perf_counter() - start
        timing.seconds.append(took)
        spent += took
    return timing


# -- per plot ---------------------------------------------------------------------------------


@dataclass
class Row:
    plot: str
    ours: Timing
    columns: Timing
    peer: Timing | None
    skipped: str | None = None
    estimate_s: float | None = None
    estimate_mb: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.peer is None else self.peer.best / self.ours.best

    @property
    def ratio_columns(self) -> float | None:
        return None if self.peer is None else self.peer.best / self.columns.best

    def to_json(self) -> dict[str, Any]:
        return {
            "plot": self.plot,
            "ours": self.ours.to_json(),
            "ours_columns": self.columns.to_json(),
            "optuna": None if self.peer is None else self.peer.to_json(),
            "optuna_skipped": self.skipped,
            "optuna_estimate_s": self.estimate_s,
            "optuna_estimate_mb": self.estimate_mb,
            "ratio": self.ratio,
            "ratio_columns": self.ratio_columns,
        }


@dataclass
class PeerHistory:
    """The peer's measured (N, seconds, JSON bytes) per plot, to extrapolate to larger N."""

    points: dict[str, list[tuple[int, float, int]]] = field(default_factory=dict)

    def add(self, plot: str, n: int, timing: Timing) -> None:
        self.points.setdefault(plot, []).append((n, timing.best, timing.json_bytes or 0))

    def estimate(self, plot: Plot, n: int) -> tuple[float, float] | None:
        """(seconds, MB) the peer would take at ``n``; None when nothing smaller was measured."""
        known = sorted(p for p in self.points.get(plot.name, []) if p[0] < n)
        if not known:
            return None
        n1, s1, b1 = known[-1]
        if len(known) >= 2:
            n0, s0, b0 = known[-2]
            span = math.log(n1 / n0)
            alpha_s = min(max(math.log(s1 / s0) / span, 1.0), 3.0) if s0 > 0 else plot.exponent
            alpha_b = min(max(math.log(b1 / b0) / span, 1.0), 3.0) if b0 > 0 else plot.exponent
        else:
            alpha_s = alpha_b = plot.exponent
        scale = n / n1
        return s1 * scale**alpha_s, b1 * scale**alpha_b / 1e6


def read_columns(study: optuna.Study) -> Snapshot:
    """A snapshot of ``study`` with its trials read and converted to columns (which a plot
    given the snapshot reuses, as the dashboard's tabs do)."""
    snapshot = Snapshot(study)
    snapshot.refresh()
    snapshot.columns()
    return snapshot


def measure_plots(
    studies: Studies,
    args: argparse.Namespace,
    history: PeerHistory,
    progress: Callable[[str], None],
) -> tuple[list[Row], Timing, Timing]:
    n = studies.n
    cols_build = time_call(lambda: read_columns(studies.study), args.reps, args.rep_budget)
    cols_build_multi = time_call(lambda: read_columns(studies.multi), args.reps, args.rep_budget)
    snapshot = read_columns(studies.study)
    snapshot_multi = read_columns(studies.multi)
    rows = []
    for plot in PLOTS:
        study = studies.multi if plot.multi else studies.study
        snap = snapshot_multi if plot.multi else snapshot
        ours_t = time_figure(lambda p=plot, s=study: p.ours(s), args.reps, args.rep_budget)
        cols_t = time_figure(lambda p=plot, s=snap: p.ours(s), args.reps, args.rep_budget)
        estimate = history.estimate(plot, n)
        skipped = None
        if estimate is None and n > TARGET_SIZE:
            skipped = f"skipped (no smaller size measured to estimate from; N > {TARGET_SIZE:,})"
        elif estimate is not None and (
            estimate[0] > args.peer_max_s or estimate[1] > args.peer_max_mb
        ):
            skipped = f"skipped (est. > {estimate[0]:.0f} s, {_mb(estimate[1])} of JSON)"
        peer_t = None
        if skipped is None:
            peer_t = time_figure(lambda p=plot, s=study: p.peer(s), args.peer_reps, args.rep_budget)
            history.add(plot.name, n, peer_t)
        row = Row(plot.name, ours_t, cols_t, peer_t, skipped)
        if estimate is not None:
            row.estimate_s, row.estimate_mb = estimate
        rows.append(row)
        peer_text = f"{peer_t.best:.3f} s" if peer_t is not None else skipped
        progress(
            f"  {plot.name:22} ours {ours_t.best:.3f} s, cols {cols_t.best:.3f} s, "
            f"optuna {peer_text}"
        )
    return rows, cols_build, cols_build_multi


# -- the dashboard ----------------------------------------------------------------------------


def _join_tab_threads() -> None:
    """Wait for the draws that selecting a tab starts on threads of their own."""
    for thread in threading.enumerate():
        if thread.name == "nas-notebook-tab":
            thread.join()


def _select(dashboard: Any, index: int) -> None:
    dashboard.tab.selected_index = index
    _join_tab_threads()


def _close_widgets() -> None:
    import ipywidgets as widgets

    widgets.Widget.close_all()


@dataclass
class DashboardRun:
    open_s: float
    construct_s: float
    tabs_s: dict[str, float]
    json_s: dict[str, float]
    json_bytes: dict[str, int]

    @property
    def refresh_s(self) -> float:
        return self.open_s + self.construct_s + sum(self.tabs_s.values())

    @property
    def total_s(self) -> float:
        return self.refresh_s + sum(self.json_s.values())


def open_search(studies: Studies) -> Search:
    return Search(BODY, name=STUDY_NAME, storage=studies.storage, resume=True, executor="inline")


def first_refresh(studies: Studies) -> tuple[DashboardRun, Any]:
    """One first full refresh: open the search, build the dashboard, draw every plot tab."""
    from nas_notebook.widgets import Dashboard

    gc.collect()
    start = time.perf_counter()
    search = open_search(studies)
    opened = time.perf_counter()
    dashboard = Dashboard(search, refresh_interval=0)
    built = time.perf_counter()
    tabs_s = {dashboard.tabs[0].title: 0.0}
    for index in range(1, len(dashboard.tabs)):
        begin = time.perf_counter()
        _select(dashboard, index)
        tab = dashboard.tabs[index]
        if not tab.figure.data and not tab.figure.empty:  # the selection's draw did not
            dashboard.refresh(final=True)
        tabs_s[tab.title] = time.perf_counter() - begin
    json_s, json_bytes = {}, {}
    for tab in dashboard.tabs:
        begin = time.perf_counter()
        text = tab.figure.to_json()
        json_s[tab.title] = time.perf_counter() - begin
        json_bytes[tab.title] = len(text)
    run = DashboardRun(opened - start, built - opened, tabs_s, json_s, json_bytes)
    return run, dashboard


def measure_dashboard(
    studies: Studies, args: argparse.Namespace, progress: Callable[[str], None]
) -> dict[str, Any]:
    runs: list[DashboardRun] = []
    dashboard = None
    spent = 0.0
    while len(runs) < args.reps and (not runs or spent < args.rep_budget):
        if dashboard is not None:
            _close_widgets()
        run, dashboard = first_refresh(studies)
        runs.append(run)
        spent += run.total_s
    best = min(runs, key=lambda r: r.total_s)
    progress(
        f"  first full refresh {best.refresh_s:.3f} s + JSON {sum(best.json_s.values()):.3f} s "
        f"(best of {len(runs)})"
    )
    assert dashboard is not None
    cols = dashboard.search.snapshot().columns()  # nothing new: the columns the table shows
    table_t = time_call(lambda: dashboard.table.update(cols), args.reps, args.rep_budget)

    # (b) steady: History selected, nothing new.
    _select(dashboard, 0)
    dashboard.refresh()
    steady = time_call(dashboard.refresh, max(args.incremental_reps, 5), args.rep_budget)
    progress(f"  steady refresh {steady.median * 1e3:.1f} ms (median of {len(steady.seconds)})")

    # (c) incremental: 10 new trials, History selected.
    history_figure = dashboard.tabs[0].figure
    incremental = Timing()
    incremental_json = Timing()
    drew = []
    for _ in range(args.incremental_reps):
        studies.add_new()
        gc.collect()
        start = time.perf_counter()
        drew.append(dashboard.refresh())
        incremental.seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        incremental_json.json_bytes = len(history_figure.to_json())
        incremental_json.seconds.append(time.perf_counter() - start)
    progress(
        f"  incremental refresh (+{NEW_TRIALS} trials, History) {incremental.median * 1e3:.1f} ms "
        f"(median of {len(incremental.seconds)})"
    )

    # (c') incremental with each plot tab selected, drawn even where throttled.
    per_tab: dict[str, dict[str, float]] = {}
    for index, tab in enumerate(dashboard.tabs):
        _select(dashboard, index)
        dashboard.refresh(final=True)
        studies.add_new()
        gc.collect()
        start = time.perf_counter()
        dashboard.refresh(final=True)
        took = time.perf_counter() - start
        start = time.perf_counter()
        size = len(tab.figure.to_json())
        per_tab[tab.title] = {
            "refresh_s": took,
            "json_s": time.perf_counter() - start,
            "json_mb": size / 1e6,
        }
    n_after = len(dashboard.search.trials)
    _close_widgets()
    return {
        "first": {
            "runs": len(runs),
            "best_refresh_s": best.refresh_s,
            "best_json_s": sum(best.json_s.values()),
            "best_total_s": best.total_s,
            "open_s": best.open_s,
            "construct_s": best.construct_s,
            "tabs_s": best.tabs_s,
            "tab_json_s": best.json_s,
            "tab_json_mb": {k: v / 1e6 for k, v in best.json_bytes.items()},
            "all_total_s": [r.total_s for r in runs],
        },
        "table_update": table_t.to_json(),
        "steady": steady.to_json(),
        "incremental_history": {
            **incremental.to_json(),
            "json": incremental_json.to_json(),
            "redrawn": all(drew),
        },
        "incremental_per_tab": per_tab,
        "incremental_per_tab_sum_s": sum(v["refresh_s"] for v in per_tab.values()),
        "incremental_per_tab_sum_json_s": sum(v["json_s"] for v in per_tab.values()),
        "trials_after": n_after,
    }


# -- reporting --------------------------------------------------------------------------------


def _mb(mb: float) -> str:
    if mb >= 1e3:
        return f"{mb / 1e3:.1f} GB"
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.2f} MB"


def _s(seconds: float) -> str:
    if seconds < 0.1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.3f} s"


def _verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def size_report(result: dict[str, Any]) -> str:
    rows = result["plots"]
    lines = [
        f"{'plot':22} {'ours s':>8} {'cols s':>8} {'optuna s':>9} {'ratio':>7} {'r(cols)':>7} "
        f"{'ours MB':>8} {'optuna MB':>9}  runs o/c/p"
    ]
    lines.append("-" * len(lines[0]))
    for r in rows:
        o, c, p = r["ours"], r["ours_columns"], r["optuna"]
        if p is None:
            lines.append(
                f"{r['plot']:22} {o['best_s']:>8.3f} {c['best_s']:>8.3f}   "
                f"{r['optuna_skipped']}; ours {o['json_mb']:.2f} MB"
            )
            continue
        lines.append(
            f"{r['plot']:22} {o['best_s']:>8.3f} {c['best_s']:>8.3f} {p['best_s']:>9.3f} "
            f"{r['ratio']:>6.1f}x {r['ratio_columns']:>6.1f}x {o['json_mb']:>8.2f} "
            f"{p['json_mb']:>9.2f}  {o['runs']}/{c['runs']}/{p['runs']}"
        )
    six = result["six"]
    lines.append("-" * len(lines[0]))
    if six["optuna_s"] is not None:
        lines.append(
            f"{'six single-obj. plots':22} {six['ours_s']:>8.3f} {six['cols_s']:>8.3f} "
            f"{six['optuna_s']:>9.3f} {six['ratio']:>6.1f}x {six['ratio_cols']:>6.1f}x "
            f"{six['ours_mb']:>8.2f} {six['optuna_mb']:>9.2f}"
        )
    else:
        lines.append(
            f"{'six single-obj. plots':22} {six['ours_s']:>8.3f} {six['cols_s']:>8.3f}   "
            f"optuna: not all six ran ({six['optuna_ran']} did, {six['optuna_partial_s']:.3f} s)"
        )
    lines.append(
        f"columns: Snapshot(study) read + columns() {_s(result['columns_build']['best_s'])} "
        f"(2-objective study {_s(result['columns_build_multi']['best_s'])}); 'cols s' excludes it"
    )
    d = result["dashboard"]
    if d is None:
        return "\n".join(lines)
    first = d["first"]
    lines.append("")
    lines.append(f"dashboard ({result['storage']} storage):")
    tabs = ", ".join(f"{k} {_s(v)}" for k, v in first["tabs_s"].items() if v)
    lines.append(
        f"  (a) first full refresh: {first['best_refresh_s']:.3f} s + JSON "
        f"{first['best_json_s']:.3f} s = {first['best_total_s']:.3f} s "
        f"(open search {_s(first['open_s'])}, Dashboard() incl. table and History "
        f"{_s(first['construct_s'])}, {tabs}; best of {first['runs']})"
    )
    lines.append(
        f"      trial table update alone {_s(d['table_update']['best_s'])}; figures' JSON "
        f"{sum(first['tab_json_mb'].values()):.2f} MB"
    )
    if six["optuna_s"] is not None:
        lines.append(
            f"      vs optuna.visualization's six figures {six['optuna_s']:.3f} s: "
            f"{result['dashboard_ratio']:.1f}x faster"
        )
    steady, inc = d["steady"], d["incremental_history"]
    lines.append(
        f"  (b) steady refresh (History tab, no change): median {_s(steady['median_s'])}, "
        f"best {_s(steady['best_s'])}"
    )
    lines.append(
        f"  (c) incremental refresh after {NEW_TRIALS} new trials (History tab): median "
        f"{_s(inc['median_s'])}, best {_s(inc['best_s'])} (+ JSON of the figure "
        f"{_s(inc['json']['median_s'])}, {inc['json']['json_mb']:.2f} MB; {inc['runs']} runs)"
    )
    per = ", ".join(f"{k} {_s(v['refresh_s'])}" for k, v in d["incremental_per_tab"].items())
    lines.append(
        f"      each tab selected, redrawn: sum {d['incremental_per_tab_sum_s']:.3f} s "
        f"(+ JSON {d['incremental_per_tab_sum_json_s']:.3f} s): {per}"
    )
    for target in result["targets"]:
        lines.append(f"  target: {target['text']}: {_verdict(target['met'])}")
    return "\n".join(lines)


def summarize(rows: list[Row]) -> dict[str, Any]:
    six = [r for r in rows if r.plot in DASHBOARD_PLOTS]
    ran = [r for r in six if r.peer is not None]
    out: dict[str, Any] = {
        "ours_s": sum(r.ours.best for r in six),
        "cols_s": sum(r.columns.best for r in six),
        "ours_mb": sum(r.ours.json_bytes or 0 for r in six) / 1e6,
        "optuna_ran": len(ran),
        "optuna_partial_s": sum(r.peer.best for r in ran if r.peer),
        "optuna_s": None,
        "optuna_mb": None,
        "ratio": None,
        "ratio_cols": None,
    }
    if len(ran) == len(six):
        peer_s = sum(r.peer.best for r in ran if r.peer)
        out.update(
            optuna_s=peer_s,
            optuna_mb=sum(r.peer.json_bytes or 0 for r in ran if r.peer) / 1e6,
            ratio=peer_s / out["ours_s"],
            ratio_cols=peer_s / out["cols_s"],
        )
    return out


def targets(n: int, six: dict[str, Any], dashboard: dict[str, Any] | None) -> list[dict[str, Any]]:
    if dashboard is None:
        return []
    total = dashboard["first"]["best_total_s"]
    out = []
    if n == TARGET_SIZE:
        out.append(
            {
                "text": f"whole refresh < {REFRESH_TARGET_S} s at {n:,} trials ({total:.3f} s)",
                "met": total < REFRESH_TARGET_S,
            }
        )
    if n == TARGET_SIZE and six["optuna_s"] is not None:
        ratio = six["optuna_s"] / total
        out.append(
            {
                "text": f">= {SPEEDUP_TARGET:.0f}x faster than optuna.visualization at {n:,} "
                f"trials ({ratio:.1f}x)",
                "met": ratio >= SPEEDUP_TARGET,
            }
        )
    if n >= BIG_SIZE:
        inc = dashboard["incremental_history"]["median_s"]
        out.append(
            {
                "text": f"usable at {n:,} trials: first refresh {total:.2f} s, refresh after "
                f"{NEW_TRIALS} new trials {inc:.3f} s (< {REFRESH_TARGET_S} s: one refresh "
                "period)",
                "met": inc < REFRESH_TARGET_S,
            }
        )
    return out


def environment() -> dict[str, Any]:
    import ipywidgets

    return shared_environment(
        plotly=plotly.__version__,
        ipywidgets=ipywidgets.__version__,
        json_engine=plotly.io.json.config.default_engine,
    )


def warm_up() -> None:
    """Import lazily-loaded modules (optuna.importance, scikit-learn, pandas, the widgets) and
    fill caches on both sides before anything is timed."""
    args = argparse.Namespace(reps=1, rep_budget=0.0, peer_reps=1, peer_max_s=1e9, peer_max_mb=1e9)
    args.incremental_reps = 1
    studies = Studies(60, "memory", extra=NEW_TRIALS * 12)
    try:
        measure_plots(studies, args, PeerHistory(), lambda _: None)
        measure_dashboard(studies, args, lambda _: None)
    finally:
        studies.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Plot and dashboard refresh cost: nas_notebook vs optuna.visualization.",
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=None, help="trials per study (1000 10000)"
    )
    parser.add_argument("--with-100k", action="store_true", help="add a 100,000-trial study")
    parser.add_argument("--quick", action="store_true", help="smoke mode: 200 and 1,000, 1 run")
    parser.add_argument("--reps", type=int, default=None, help="most runs per plot, ours (5)")
    parser.add_argument(
        "--peer-reps", type=int, default=None, help="most runs per plot, optuna (3)"
    )
    parser.add_argument(
        "--rep-budget",
        type=float,
        default=None,
        metavar="S",
        help="no further runs of a plot once a side has spent S seconds on it (3)",
    )
    parser.add_argument(
        "--incremental-reps",
        type=int,
        default=None,
        help="incremental refreshes timed with the History tab (10; 2 in --quick)",
    )
    parser.add_argument(
        "--peer-max-s",
        type=float,
        default=60.0,
        help="skip an optuna plot estimated to take longer (60 s)",
    )
    parser.add_argument(
        "--peer-max-mb",
        type=float,
        default=3000.0,
        help="skip an optuna plot estimated to write more JSON (3000 MB)",
    )
    parser.add_argument("--storage", choices=("memory", "journal"), default="memory")
    parser.add_argument("--no-dashboard", action="store_true", help="time the plots only")
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"results file ({DEFAULT_JSON.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [200, 1000] if args.quick else [1000, TARGET_SIZE]
    if args.with_100k and BIG_SIZE not in args.sizes:
        args.sizes.append(BIG_SIZE)
    args.sizes = sorted(set(args.sizes))
    args.reps = args.reps or (1 if args.quick else 5)
    args.peer_reps = args.peer_reps or (1 if args.quick else 3)
    if args.rep_budget is None:
        args.rep_budget = 0.0 if args.quick else 3.0
    args.incremental_reps = args.incremental_reps or (2 if args.quick else 10)
    if min(args.sizes) < 10:
        parser.error(f"--sizes: at least 10 trials per study, got {min(args.sizes)}")
    if min(args.reps, args.peer_reps, args.incremental_reps) < 1:
        parser.error("--reps, --peer-reps and --incremental-reps must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    env = environment()
    print(
        f"nas_notebook {env['nas_notebook']} vs optuna {env['optuna']} (plotly {env['plotly']}) "
        f"-- Python {env['python']}, numpy {env['numpy']}, {env['cpu_count']} CPUs, load "
        f"average {env['loadavg_at_start'][0]:.2f}, {env['platform']}"
    )
    print(
        f"sizes {', '.join(f'{n:,}' for n in args.sizes)}; {STEPS} intermediate values per "
        f"trial; runs per plot: ours <= {args.reps}, optuna <= {args.peer_reps} (stopping after "
        f"{args.rep_budget:g} s), best kept; figure = build + to_json()"
    )
    started = time.monotonic()
    warm_up()
    history = PeerHistory()
    results = []
    for n in args.sizes:
        extra = NEW_TRIALS * (args.incremental_reps + len(PLOTS) + 1)
        studies = Studies(n, args.storage, extra)
        counts = studies.counts()
        # What lives through the whole size (modules, the studies) is not scanned by the
        # collections before each run (see the module docstring).
        gc.collect()
        gc.freeze()
        print(
            f"\n== {n:,} trials: {counts['COMPLETE']:,} complete, {counts['PRUNED']:,} pruned, "
            f"{counts['FAIL']:,} failed (studies built in {studies.build_s:.1f} s, untimed) ==",
            flush=True,
        )
        try:
            rows, cols_build, cols_build_multi = measure_plots(
                studies, args, history, lambda line: print(line, flush=True)
            )
            dashboard = None
            if not args.no_dashboard:
                dashboard = measure_dashboard(studies, args, lambda line: print(line, flush=True))
        finally:
            studies.close()
            gc.unfreeze()
            gc.collect()
        six = summarize(rows)
        result: dict[str, Any] = {
            "n": n,
            "states": counts,
            "storage": args.storage,
            "build_s": studies.build_s,
            "columns_build": cols_build.to_json(),
            "columns_build_multi": cols_build_multi.to_json(),
            "plots": [r.to_json() for r in rows],
            "six": six,
            "dashboard": dashboard,
            "dashboard_ratio": (
                six["optuna_s"] / dashboard["first"]["best_total_s"]
                if dashboard and six["optuna_s"] is not None
                else None
            ),
        }
        result["targets"] = targets(n, six, dashboard)
        results.append(result)
        print()
        print(size_report(result), flush=True)
    took = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        "\nours s: our public plot_* on the optuna.Study (columns built at each call); cols s: "
        "the dashboard's path from prebuilt columns;\noptuna s: optuna.visualization; ratio: "
        "optuna s / ours s, r(cols): optuna s / cols s; all best of 'runs', build + to_json().\n"
        "importances: ours PED-ANOVA on <= 2,000 sampled trials, optuna's default (PED-ANOVA) "
        "on all; contour: 2 params on both sides.\ndashboard (a) is compared with the sum of "
        "optuna's six single-objective figures; JSON: to_json() of each drawn figure (the "
        "kernel's\nencoding and the transfer are otherwise missing without a kernel); (c) per "
        "tab: refresh(final=True), which redraws even the throttled Importance tab."
    )

    output: dict[str, Any] = {
        "benchmark": "plots",
        "targets": {
            "refresh_s_at_10k": REFRESH_TARGET_S,
            "speedup_at_10k": SPEEDUP_TARGET,
        },
        "config": {
            "sizes": args.sizes,
            "steps": STEPS,
            "reps": args.reps,
            "peer_reps": args.peer_reps,
            "rep_budget_s": args.rep_budget,
            "incremental_reps": args.incremental_reps,
            "peer_max_s": args.peer_max_s,
            "peer_max_mb": args.peer_max_mb,
            "storage": args.storage,
            "quick": args.quick,
            "contour_params": list(CONTOUR_PARAMS),
            "new_trials": NEW_TRIALS,
            "seed": SEED,
        },
        "environment": env,
        "seconds": round(took, 1),
        "peak_rss_mb": round(peak_mb),
        "sizes": results,
    }
    try:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(output, indent=2) + "\n")
        print(f"results: {args.json}")
    except OSError as exc:  # a benchmark reports; it does not fail on a read-only tree
        print(f"could not write {args.json}: {exc}")
    print(f"took {took:.0f} s, peak memory {peak_mb:,.0f} MB")

    verdicts = [t for r in results for t in r["targets"]]
    parts = [f"{t['text']}: {_verdict(t['met'])}" for t in verdicts]
    for r in results:
        if r["six"]["ratio"] is not None:
            parts.append(f"{r['n']:,}: six plots {r['six']['ratio']:.1f}x faster than optuna")
    print("; ".join(parts) if parts else "no target applies to these sizes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
