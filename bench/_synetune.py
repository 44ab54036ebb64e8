"""The peer for simulated runs: Syne Tune's simulator on our tables -- what its runs share.

:mod:`_synetune_asha` (the simulator bench) and :mod:`_synetune_quality` (the search-quality
bench) run Syne Tune's own simulation stack (0.16.0) on one of our tabulated benchmarks; this
module holds what they share: whether Syne Tune is there, the blackbox built from a table (see
:func:`build_blackbox`), and the quiet, seeded, self-cleaning call around a tuner.

How Syne Tune's simulator keeps time
------------------------------------
(Read from ``syne_tune/backend/simulator_backend/``, 0.16.0.) The simulated clock is a counter
advanced explicitly, in three ways: (1) every call into the backend first adds the *real* time
spent outside it since its last call (the tuner loop, the scheduler's ``suggest`` and
``on_trial_result``, the callbacks), so the simulated timeline includes this machine's
scheduling cost and varies from run to run; (2) each time the tuner loop finds every worker busy
it "sleeps", which advances the clock by ``tuner_sleep_time`` (5 s by default): results are
polled at that granularity; (3) stopping a trial is a blocking call that advances the global
clock past ``delay_stop`` + ``delay_complete_after_stop`` (0.05 + 0.05 s by default, + 2 ms),
for every worker at once. Starting a trial pushes a start event at now + ``delay_start``; when
that event is processed the whole learning curve is read from the table and one result event
per epoch is pushed at start + elapsed_time(epoch) + ``delay_on_trial_result``, and a complete
event after the last. Events live in a heap ordered by (time, insertion order) and are processed
whenever the clock has passed them, at the next backend call. Within one poll, though, the new
results are handed to the tuner grouped by trial (in the order of its set of running trials), not
in simulated-time order, and the tuner passes them to ASHA in that order. A STOP decision is
taken at the poll's time, not at the time of the result that triggered it: the trial holds its
worker until then (plus the stop delays), and its remaining events are deleted. New trials start
only at poll times, when a worker is free. So event order is exact only to within one
``tuner_sleep_time`` step, and the simulated end time is inflated by the polling step and the
per-stop delays (compared with an exact discrete-event simulation).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nas_notebook.benchmarks import EDGES, OPS, TabulatedBenchmark, cell_ops, edge_name

__all__ = [
    "DELAYS",
    "ELAPSED",
    "FIDELITY",
    "METRIC",
    "SYNETUNE_VERSION",
    "build_blackbox",
    "landscape",
    "quiet_tuner_logger",
    "synetune_available",
    "synetune_call",
]

#: The Syne Tune release this module was written against (its API changed between releases).
SYNETUNE_VERSION = "0.16.0"

METRIC = "valid_acc"
ELAPSED = "elapsed_time"
FIDELITY = "epoch"
#: The fields of Syne Tune's ``SimulatorConfig`` (all set by ``delay``).
DELAYS = (
    "delay_start",
    "delay_on_trial_result",
    "delay_complete_after_final_report",
    "delay_stop",
    "delay_complete_after_stop",
)


def synetune_available() -> str | None:
    """Whether Syne Tune can be used here.

    Returns:
        ``None`` if ``syne_tune`` and its ``blackbox_repository`` (which needs
        ``huggingface_hub``) import, else the reason they do not (for a skip message).
    """
    try:
        import syne_tune.blackbox_repository  # noqa: F401
    except ImportError as exc:
        return (
            f"syne_tune is not importable ({exc}); "
            f"pip install syne-tune=={SYNETUNE_VERSION} huggingface_hub"
        )
    return None


@contextlib.contextmanager
def _quiet(level: int = logging.ERROR) -> Iterator[None]:
    """Raises every ``syne_tune`` logger to ``level`` and ignores the Python warnings raised from
    ``syne_tune`` modules (deprecations it triggers in pandas) for the duration."""
    names = ["syne_tune"] + [
        name for name in logging.root.manager.loggerDict if name.startswith("syne_tune.")
    ]
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(level)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"syne_tune\.")
            yield
    finally:
        for name, old in saved.items():
            logging.getLogger(name).setLevel(old)


@contextlib.contextmanager
def _synetune_folder(folder: Path) -> Iterator[None]:
    """Points ``SYNETUNE_FOLDER`` (where Syne Tune writes) at ``folder`` for the duration."""
    old = os.environ.get("SYNETUNE_FOLDER")
    os.environ["SYNETUNE_FOLDER"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SYNETUNE_FOLDER", None)
        else:
            os.environ["SYNETUNE_FOLDER"] = old


@contextlib.contextmanager
def _global_numpy_seed(seed: int) -> Iterator[None]:
    """Seeds numpy's global generator for the duration, then restores its state."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextlib.contextmanager
def synetune_call(folder: Path, seed: int) -> Iterator[None]:
    """Around one Syne Tune run: its files under ``folder``, its loggers and warnings quiet,
    numpy's global generator seeded with ``seed``, and its prints kept off stdout."""
    with (
        _synetune_folder(folder),
        _quiet(),
        _global_numpy_seed(seed),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        yield


def quiet_tuner_logger() -> Any:
    """A Syne Tune ``TunerLogger`` whose ``print_*`` methods print nothing."""
    from syne_tune.tuner_logger import TunerLogger

    quiet = type(
        "QuietTunerLogger",
        (TunerLogger,),
        {n: lambda self, *a, **k: None for n in dir(TunerLogger) if n.startswith("print_")},
    )
    return quiet(use_colors=False, use_emojis=False)


def landscape(table: str | os.PathLike[str], table_seed: int | str) -> dict[str, np.ndarray]:
    """The arrays the blackbox reads, with one "seed": ``table_seed``'s, or the mean ("mean").

    Raises:
        ValueError: ``table_seed`` is not one of the table's seeds.
    """
    bench = TabulatedBenchmark(table)
    try:
        return {
            "valid_acc": bench.values("valid_acc", table_seed)[:, None, :],
            "time": bench.values("time", table_seed)[:, None, :],
        }
    except ValueError as exc:
        raise ValueError(f"table_seed: {exc}") from None


def build_blackbox(arrays: dict[str, np.ndarray]) -> Any:
    """The table as a ``BlackboxTabular`` (see the module docstring)."""
    import pandas as pd
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
    from syne_tune.config_space import choice, randint

    acc = np.asarray(arrays["valid_acc"], dtype=np.float64)
    elapsed = np.asarray(arrays["time"], dtype=np.float64)
    n_cells, _, epochs = acc.shape
    columns = [edge_name(e) for e in EDGES]
    hyperparameters = pd.DataFrame([cell_ops(i) for i in range(n_cells)], columns=columns)
    return BlackboxTabular(
        hyperparameters=hyperparameters,
        configuration_space={name: choice(list(OPS)) for name in columns},
        fidelity_space={FIDELITY: randint(lower=1, upper=epochs)},
        objectives_evaluations=np.stack([acc, elapsed], axis=-1),
        fidelity_values=np.arange(1, epochs + 1),
        objectives_names=[METRIC, ELAPSED],
    )
