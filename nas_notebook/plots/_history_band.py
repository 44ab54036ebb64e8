"""Several studies' optimization histories drawn as one band (``error_bar=True``), and the
labels and values the history plots of one or several studies share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from optuna.trial import TrialState

from ._common import Target, target_values

__all__ = [
    "OptimizationHistoryBand",
    "band_traces",
    "get_band_info",
    "history_column",
    "history_label",
]

#: The band's markers.
BAND_COLOR = "#1f77b4"


class OptimizationHistoryBand(NamedTuple):
    """Several studies' histories drawn as one (``error_bar=True``): at each trial number the
    mean and standard deviation of the studies' values (``numbers``/``mean``/``std``: where
    some study completed that trial) and of their best-so-far values (``best_*``: where some
    study had a value by then; empty for a target whose better way is not known)."""

    numbers: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    best_numbers: np.ndarray
    best_mean: np.ndarray
    best_std: np.ndarray
    direction: str
    label: str


def history_label(
    objective: int, target: Target, target_name: str | None, names: Sequence[str] | None
) -> tuple[str, str]:
    """The label of an objective's values and of its best-so-far line."""
    index = objective if target is None else target
    if target_name:
        return target_name, f"best {target_name}"
    if names is not None and isinstance(index, int) and 0 <= index < len(names):
        return names[index], f"best {names[index]}"
    return "objective", "best so far"


def history_column(
    cols: Any,
    objective: int,
    target: Target,
    target_name: str | None,
    names: Sequence[str] | None = None,
) -> Any:
    """The values to draw, their label, and whether they have a best-so-far line."""
    if target is None or (isinstance(target, int) and not isinstance(target, bool)):
        column, _ = target_values(cols, objective if target is None else target)
        return column, history_label(objective, target, target_name, names)[0], True
    column, label = target_values(cols, target, target_name)
    return column, label, False


def get_band_info(
    sources: list[tuple[Any, str]],
    objective: int = 0,
    target: Target = None,
    target_name: str | None = None,
    names: Sequence[str] | None = None,
) -> OptimizationHistoryBand:
    """The band of ``sources``: (columns, direction) of each study."""
    size = max((int(cols.number.max()) + 1 for cols, _ in sources if cols.n), default=0)
    values = np.full((len(sources), size), np.nan)
    best = np.full((len(sources), size), np.nan)
    label, has_best = history_label(objective, target, target_name, names)[0], True
    for k, (cols, direction) in enumerate(sources):
        if not cols.n:
            continue
        column, label, has_best = history_column(cols, objective, target, target_name, names)
        done = cols.mask(TrialState.COMPLETE) & ~cols.warm
        own = np.where(done, column, np.nan)
        values[k, cols.number] = own
        order = np.argsort(cols.number, kind="stable")
        accumulate = np.fmin.accumulate if direction == "minimize" else np.fmax.accumulate
        best[k, cols.number[order]] = accumulate(own[order])

    def spread(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        some = ~np.isnan(table).all(axis=0)
        kept = table[:, some]
        return np.flatnonzero(some), np.nanmean(kept, axis=0), np.nanstd(kept, axis=0)

    numbers, mean, std = spread(values)
    best_numbers, best_mean, best_std = spread(best) if has_best else (numbers[:0],) * 3
    direction = sources[0][1] if sources else "minimize"
    return OptimizationHistoryBand(
        numbers, mean, std, best_numbers, best_mean, best_std, direction, label
    )


def band_traces(info: OptimizationHistoryBand) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": info.numbers,
            "y": info.mean,
            "error_y": {"type": "data", "array": info.std, "visible": True},
            "mode": "markers",
            "name": info.label,
            "marker": {"size": 6, "color": BAND_COLOR},
        }
    ]
    if len(info.best_numbers):
        x, mean, std = info.best_numbers, info.best_mean, info.best_std
        edge = {"type": "scatter", "x": x, "mode": "lines", "showlegend": False}
        edge["line"] = {"width": 0, "shape": "hv"}
        out += [
            {**edge, "y": mean + std, "hoverinfo": "skip"},
            {**edge, "y": mean - std, "fill": "tonexty", "fillcolor": "rgba(214,39,40,0.2)"},
            {
                "type": "scatter",
                "x": x,
                "y": mean,
                "mode": "lines",
                "name": "best so far",
                "line": {"color": "#d62728", "shape": "hv"},
            },
        ]
    return out
