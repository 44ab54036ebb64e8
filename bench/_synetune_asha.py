"""Syne Tune's ASHA with random search in its simulator, on our table: the simulator bench's peer.

What is run
-----------
:func:`run_synetune_asha` replays one of our tabulated benchmarks (a table written by
:func:`nas_notebook.benchmarks.write_table`) with Syne Tune's own simulation stack (0.16.0),
configured as its examples configure it:

* **Blackbox**: a ``syne_tune.blackbox_repository.blackbox_tabular.BlackboxTabular`` built the way
  Syne Tune's own NAS-Bench-201 import builds one: one hyperparameter per edge
  (``nas_notebook.benchmarks.edge_name(e)``, a ``choice`` over the five op names), one row per
  cell in index order (row ``i`` is ``cell_ops(i)``), the fidelity ``epoch`` = 1..E, and two
  objectives per cell, seed and epoch: ``valid_acc`` (the table's, as float64) and
  ``elapsed_time``, the table's ``time`` (cumulative training seconds from the start of the
  trial to the end of that epoch, which is what the simulator backend requires).
* **Backend**: ``UserBlackboxBackend(blackbox, elapsed_time_attr="elapsed_time",
  seed=<index of table_seed in meta["seeds"]>)`` (so every trial reads the same table seed, as
  ours does with ``objective(seed=...)``), with the ``SimulatorConfig`` delays and
  ``tuner_sleep_time`` left at Syne Tune's defaults unless ``delay`` / ``tuner_sleep_time`` are
  given (see "How Syne Tune's simulator keeps time" in :mod:`_synetune`: both change the
  simulated timeline).
* **Scheduler**: ``syne_tune.optimizer.baselines.ASHA`` -- stopping-type asynchronous successive
  halving, one bracket, with random search -- ``metric="valid_acc"``, ``do_minimize=False``,
  ``time_attr="epoch"``, ``max_t=E``, ``grace_period``, ``reduction_factor``,
  ``random_seed=seed``. Its only change here: after ``n_trials`` suggestions it suggests nothing
  more, which is Syne Tune's own "configuration space exhausted" ending -- the tuner then waits
  for the running trials to finish (be completed or stopped by ASHA) and returns. So exactly
  ``n_trials`` trials are started and all of them finish, as with ``n_trials`` in our search.
  ``StoppingCriterion(max_num_trials_started=n_trials)`` is passed too, as Syne Tune requires a
  criterion; it cannot fire first (it fires on *more than* ``n_trials`` started).
* **Tuner**: ``Tuner(..., n_workers=workers, sleep_time=0, callbacks=[SimulatorCallback()],
  save_tuner=save_tuner)``; every other argument at its default. The ``SimulatorCallback`` is Syne
  Tune's results store too: it keeps every result in memory and writes them as a CSV file every
  ``results_update_interval`` (10 real seconds) and at the end. ``save_tuner`` is off by default
  (Syne Tune's default is on: it dill-pickles the whole tuner, blackbox included, every 10 real
  seconds in which results arrived -- a crash-recovery checkpoint, not part of simulating).
  Everything is written under a temporary folder (``SYNETUNE_FOLDER`` is pointed there for the
  call; nothing goes to ``~/syne-tune``) that is deleted afterwards unless ``results_dir`` is
  given. The console output (the tuner's ``TunerLogger`` lines for every trial started and
  completed, its periodic status table, the final summary) is switched off: a ``TunerLogger``
  whose ``print_*`` methods do nothing, stdout redirected for the two prints outside it, the
  ``syne_tune`` loggers at ERROR and Python warnings from ``syne_tune`` modules ignored for the
  call.
* **Randomness**: ASHA's random searcher draws from a ``RandomState(seed)`` for its first five
  configurations, then from numpy's global generator (as does the bracket choice), so the global
  generator is seeded with ``seed`` for the call and restored afterwards.

Timed: ``tuning_s`` is the wall time of ``Tuner.run()`` alone. Importing Syne Tune
(``import_s``, near 0 after the first call in a process), reading the table (``load_s``) and
building the blackbox, backend, scheduler and tuner (``setup_s``) are reported apart.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from _synetune import (
    DELAYS,
    ELAPSED,
    FIDELITY,
    METRIC,
    build_blackbox,
    landscape,
    quiet_tuner_logger,
    synetune_call,
)

from nas_notebook.benchmarks import EDGES, cell_index, edge_name

__all__ = ["run_synetune_asha"]


def run_synetune_asha(
    table_path: str | os.PathLike[str],
    *,
    n_trials: int = 1000,
    workers: int = 8,
    seed: int = 0,
    grace_period: int = 1,
    reduction_factor: float = 3,
    table_seed: int | str = 0,
    tuner_sleep_time: float | None = None,
    delay: float | None = None,
    save_tuner: bool = False,
    results_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Runs Syne Tune's simulator with its ASHA (random search) on a table; see the module
    docstring for exactly what is run and how its clock works.

    Args:
        table_path: A table written by :func:`nas_notebook.benchmarks.write_table`.
        n_trials: Trials started; all of them finish (completed or stopped by ASHA).
        workers: Simulated workers (``Tuner(n_workers=...)``).
        seed: ASHA's ``random_seed``, and the seed of numpy's global generator for the call.
        grace_period: ASHA's first rung, in epochs.
        reduction_factor: ASHA's reduction factor.
        table_seed: Which of the table's seeds (a value of ``meta["seeds"]``, or "mean") is
            read.
        tuner_sleep_time: Simulated seconds the clock advances each time the tuner loop finds
            every worker busy; ``None``: Syne Tune's default (5 s).
        delay: If given, every ``SimulatorConfig`` delay (start, result, completion, stop) in
            seconds; ``None``: Syne Tune's defaults (0.05 s each).
        save_tuner: Syne Tune's periodic dill checkpoint of the whole tuner (its default is on).
        results_dir: Where Syne Tune writes its results (kept); a temporary folder, deleted
            afterwards, if ``None``.

    Returns:
        A dict: ``tuning_s`` (wall seconds of ``Tuner.run()`` alone), ``import_s``, ``load_s``,
        ``setup_s``; ``trials_started``, ``trials_finished``, ``trials_completed`` (ran all
        epochs), ``trials_stopped`` (stopped by ASHA), ``results`` (epoch results the scheduler
        received); ``sim_time`` (the simulated clock when the run ended) and
        ``sim_time_last_result`` (simulated time of the last result); ``best_valid_acc`` (the
        best final-epoch value among completed trials, comparable to a search's best value),
        ``best_valid_acc_any_epoch`` (the best value reported at any epoch: Syne Tune's own
        "best"), ``best_cell`` (the index of the cell with ``best_valid_acc``); ``tuner_sleeps``
        (times the loop advanced the clock by ``tuner_sleep_time``); the settings used and
        ``synetune`` (the version).

    Raises:
        ImportError: Syne Tune is not installed.
        ValueError: ``table_seed`` is not one of the table's seeds, or ``n_trials`` < 1.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials: at least 1, got {n_trials!r}")
    t0 = time.perf_counter()
    import syne_tune
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_backend import (
        SimulatorBackend,
        SimulatorConfig,
    )
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository import UserBlackboxBackend
    from syne_tune.constants import ST_TUNER_TIME, TUNER_DEFAULT_SLEEP_TIME
    from syne_tune.optimizer.baselines import ASHA

    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    arrays = landscape(table_path, table_seed)
    load_s = time.perf_counter() - t0

    class CappedASHA(ASHA):
        """ASHA that suggests ``n_trials`` configurations, then nothing (the tuner then lets
        the running trials finish and stops)."""

        def __init__(self, *args: Any, n_trials: int, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.suggestions_left = n_trials

        def suggest(self) -> Any:
            if self.suggestions_left <= 0:
                return None
            suggestion = super().suggest()
            if suggestion is not None:
                self.suggestions_left -= 1
            return suggestion

    class CountingSimulatorCallback(SimulatorCallback):
        """``SimulatorCallback`` that also counts the tuner loop's sleeps."""

        def __init__(self) -> None:
            super().__init__()
            self.sleeps = 0

        def on_tuning_sleep(self, sleep_time: float) -> None:
            self.sleeps += 1
            super().on_tuning_sleep(sleep_time)

    sleep = TUNER_DEFAULT_SLEEP_TIME if tuner_sleep_time is None else float(tuner_sleep_time)
    delays = dict.fromkeys(DELAYS, float(delay)) if delay is not None else {}
    sim_config = SimulatorConfig(**delays)
    epochs = int(arrays["valid_acc"].shape[2])
    keep = results_dir is not None
    folder = (
        Path(results_dir) if results_dir is not None else Path(tempfile.mkdtemp(prefix="synetune-"))
    )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with synetune_call(folder, seed):
            t0 = time.perf_counter()
            blackbox = build_blackbox(arrays)
            backend = UserBlackboxBackend(
                blackbox=blackbox,
                elapsed_time_attr=ELAPSED,
                seed=0,  # the landscape's one seed: ``table_seed``'s
                simulator_config=sim_config,
                tuner_sleep_time=sleep,
            )
            scheduler = CappedASHA(
                blackbox.configuration_space,
                metric=METRIC,
                do_minimize=False,
                time_attr=FIDELITY,
                max_t=epochs,
                grace_period=grace_period,
                reduction_factor=reduction_factor,
                random_seed=seed,
                n_trials=n_trials,
            )
            callback = CountingSimulatorCallback()
            tuner = Tuner(
                trial_backend=backend,
                scheduler=scheduler,
                stop_criterion=StoppingCriterion(max_num_trials_started=n_trials),
                n_workers=workers,
                sleep_time=0,
                callbacks=[callback],
                tuner_name="synetune-asha",
                save_tuner=save_tuner,
                output_logger=quiet_tuner_logger(),
            )
            # the backend's constructor sets its module's logger to INFO
            logging.getLogger(SimulatorBackend.__module__).setLevel(logging.ERROR)
            setup_s = time.perf_counter() - t0

            t0 = time.perf_counter()
            tuner.run()
            tuning_s = time.perf_counter() - t0
            sim_time = float(backend.time_keeper.time())
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)

    status = tuner.tuning_status
    df = callback.dataframe()
    final = df[df[FIDELITY] >= epochs]
    completed = int(final["trial_id"].nunique())
    best = final.loc[final[METRIC].idxmax()] if len(final) else None
    best_cell = (
        cell_index([best[f"config_{edge_name(e)}"] for e in EDGES]) if best is not None else None
    )
    return {
        "synetune": syne_tune.__version__,
        "tuning_s": tuning_s,
        "import_s": import_s,
        "load_s": load_s,
        "setup_s": setup_s,
        "trials_started": int(status.num_trials_started),
        "trials_finished": int(status.num_trials_finished),
        "trials_completed": completed,
        "trials_stopped": int(status.num_trials_finished) - completed,
        "results": len(df),
        "sim_time": sim_time,
        "sim_time_last_result": float(df[ST_TUNER_TIME].max()) if len(df) else 0.0,
        "best_valid_acc": float(best[METRIC]) if best is not None else math.nan,
        "best_valid_acc_any_epoch": float(df[METRIC].max()) if len(df) else math.nan,
        "best_cell": best_cell,
        "tuner_sleeps": callback.sleeps,
        "settings": {
            "n_trials": n_trials,
            "workers": workers,
            "seed": seed,
            "grace_period": grace_period,
            "reduction_factor": reduction_factor,
            "max_t": epochs,
            "table_seed": table_seed,
            "tuner_sleep_time": sleep,
            "delays": {k: getattr(sim_config, k) for k in DELAYS},
            "save_tuner": save_tuner,
            "stop": "exactly n_trials started (ASHA suggests no more), all run until finished",
        },
    }
