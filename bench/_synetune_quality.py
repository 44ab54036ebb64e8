"""The peer for search quality: Syne Tune's own schedulers on our table, in its simulator, under
a simulated time budget, with the incumbent over simulated time.

What is run (Syne Tune 0.16.0; the blackbox, backend, quiet logging, folder and global seed are
those of :mod:`_synetune`, which documents them and how Syne Tune's simulated clock runs):

* ``asha``: ``syne_tune.optimizer.baselines.ASHA`` (stopping type, random search, one bracket);
* ``hyperband``: the same with ``brackets`` = the number of rungs (asynchronous Hyperband, as
  Syne Tune implements it: ASHA over several brackets);
* ``bohb``: ``baselines.BOHB`` (its KDE searcher on asynchronous Hyperband) with the same
  brackets;
* ``random``: ``baselines.RandomSearch`` (every trial trains all epochs);

each with ``metric="valid_acc"``, ``do_minimize=False``, ``time_attr="epoch"``, ``max_t`` = the
table's epochs, ``grace_period`` 1 and ``reduction_factor`` 3 (the options of ours in
``search_quality.py``), ``random_seed=seed``, every other option at Syne Tune's default. The tuner
stops at ``StoppingCriterion(max_wallclock_time=budget)``, which the simulator reads on its
simulated clock. The landscape is one of the table's seeds, or their mean (``"mean"``), as for
ours.

**Time scale.** The table's trainings last about a second (small cells on a CPU), while Syne
Tune's simulator polls every ``tuner_sleep_time`` (5 simulated s), delays every start, result
and stop by 0.05 s, and adds the real time its own loop takes: at the table's scale these would
decide the result (8 workers would start a third of the trials they have time for). So the
peer runs on the table's times multiplied by :data:`TIME_SCALE`, which makes a mean full
training last 10 simulated minutes, a realistic training for which Syne Tune's defaults are
made; budget and times are scaled alike and reported back on the table's scale. Ours simulates
exact events, so its results do not depend on the scale.

Returned per run: ``ends`` (the simulated time at which each trial that trained every epoch
reported its last one, sorted), ``best`` (the incumbent's final validation accuracy after each
of them), ``cells`` (the incumbent's cell index), ``trials`` (started), ``pruned`` (stopped
early, or still training at the budget), ``wall_s`` (real seconds of ``Tuner.run()``).
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _incumbent import incumbents
from _synetune import (
    ELAPSED,
    FIDELITY,
    METRIC,
    build_blackbox,
    landscape,
    quiet_tuner_logger,
    synetune_call,
)

from nas_notebook.benchmarks import EDGES, TabulatedBenchmark, cell_index, edge_name

__all__ = ["MEAN_TRAINING_S", "METHODS", "run_synetune_method", "time_scale"]

METHODS = ("asha", "hyperband", "bohb", "random")
#: Simulated seconds of a mean full training in the peer's run (see "Time scale").
MEAN_TRAINING_S = 600.0


def time_scale(table: Path, table_seed: int | str) -> float:
    """The factor that makes the landscape's mean full training :data:`MEAN_TRAINING_S`."""
    times = TabulatedBenchmark(table).values("time", table_seed)[:, -1]
    return MEAN_TRAINING_S / float(np.nanmean(times))


def _rungs(epochs: int, grace: int = 1, factor: int = 3) -> int:
    """How many rungs successive halving has below ``epochs`` (Hyperband's bracket count)."""
    count, step = 0, grace
    while step < epochs:
        count, step = count + 1, step * factor
    return max(count, 1)


def run_synetune_method(
    method: str,
    table: Path,
    table_seed: int | str,
    seed: int,
    workers: int,
    budget: float,
) -> dict[str, Any]:
    """One Syne Tune search of ``method`` (see the module docstring)."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_backend import SimulatorBackend
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository import UserBlackboxBackend
    from syne_tune.constants import ST_TUNER_TIME
    from syne_tune.optimizer import baselines

    if method not in METHODS:
        raise ValueError(f"method: one of {METHODS}, got {method!r}")
    arrays = landscape(table, table_seed)
    scale = time_scale(table, table_seed)
    arrays["time"] = arrays["time"] * scale
    epochs = int(arrays["valid_acc"].shape[2])
    folder = Path(tempfile.mkdtemp(prefix="synetune-quality-"))
    try:
        with synetune_call(folder, seed), warnings.catch_warnings():
            # Syne Tune samples with pandas' legacy global RandomState, which pandas warns of.
            warnings.simplefilter("ignore", FutureWarning)
            blackbox = build_blackbox(arrays)
            backend = UserBlackboxBackend(blackbox=blackbox, elapsed_time_attr=ELAPSED, seed=0)
            common: dict[str, Any] = {"do_minimize": False, "random_seed": seed}
            space = blackbox.configuration_space
            if method == "random":
                scheduler = baselines.RandomSearch(space, metrics=[METRIC], **common)
            else:
                multi: dict[str, Any] = {
                    "metric": METRIC,
                    "time_attr": FIDELITY,
                    "max_t": epochs,
                    "grace_period": 1,
                    "reduction_factor": 3,
                    "brackets": 1 if method == "asha" else _rungs(epochs),
                }
                cls = baselines.BOHB if method == "bohb" else baselines.ASHA
                scheduler = cls(space, **multi, **common)
            callback = SimulatorCallback()
            tuner = Tuner(
                trial_backend=backend,
                scheduler=scheduler,
                stop_criterion=StoppingCriterion(max_wallclock_time=budget * scale),
                n_workers=workers,
                sleep_time=0,
                callbacks=[callback],
                tuner_name=f"synetune-{method}",
                save_tuner=False,
                output_logger=quiet_tuner_logger(),
            )
            logging.getLogger(SimulatorBackend.__module__).setLevel(logging.ERROR)
            start = time.perf_counter()
            tuner.run()
            wall = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    df = callback.dataframe()
    final = df[(df[FIDELITY] >= epochs) & (df[ST_TUNER_TIME] <= budget * scale)]
    final = final.sort_values(ST_TUNER_TIME)
    trajectory = incumbents(
        (
            float(row[ST_TUNER_TIME]) / scale,
            float(row[METRIC]),
            cell_index([row[f"config_{edge_name(e)}"] for e in EDGES]),
        )
        for _, row in final.iterrows()
    )
    started = int(df["trial_id"].nunique()) if len(df) else 0
    return {
        "trials": started,
        "pruned": started - int(final["trial_id"].nunique()),
        "wall_s": wall,
        **trajectory,
        "best_value": trajectory["best"][-1] if trajectory["best"] else math.nan,
    }
