"""The trials that did not complete, on the optimization history: pruned ones at their last
reported value, failed ones with the start of their reason, drawn apart from the completed
trials (neither is mixed into the values or the best-so-far line)."""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import numpy as np
from optuna.trial import TrialState

from .._schema import FAIL_REASON, WARM_FROM
from ..study import TrialColumns
from ._common import decimate

__all__ = [
    "FAILED_COLOR",
    "MAX_OTHERS",
    "PRUNED_COLOR",
    "WARM_COLOR",
    "OtherTrials",
    "other_traces",
    "other_trials",
    "warm_trials",
]

#: At most this many pruned, and this many failed, trials are drawn (an even sample), as SVG
#: markers beside the completed trials' (see ``MAX_POINTS`` of the history).
MAX_OTHERS = 1000
#: A failed trial's hover shows at most this much of the first line of its reason.
REASON_CHARS = 80

PRUNED_COLOR, FAILED_COLOR, WARM_COLOR = "#ff7f0e", "#d62728", "#8c8c8c"


class OtherTrials(NamedTuple):
    """The pruned (or failed) trials drawn, apart from the completed ones: ``numbers`` (an even
    sample of at most :data:`MAX_OTHERS` of the ``total``), their ``values`` (a pruned trial's
    last reported value, or the target's value where the trial has one; NaN where neither:
    drawn in a strip under the plot, not on the value axis) and the hover ``texts``."""

    numbers: np.ndarray
    values: np.ndarray
    texts: list[str]
    total: int


def last_reported(cols: TrialColumns) -> tuple[np.ndarray, np.ndarray]:
    """Each row's last reported step (-1: none) and value."""
    rows, steps, values = cols.curves()
    step, value = np.full(cols.n, -1, dtype=np.int64), np.full(cols.n, np.nan)
    if len(rows):
        ends = np.r_[rows[1:] != rows[:-1], True]
        step[rows[ends]], value[rows[ends]] = steps[ends], values[ends]
    return step, value


def _reason(trial: Any) -> str:
    text = str(trial.system_attrs.get(FAIL_REASON) or "no reason recorded").strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > REASON_CHARS:
        first = first[: REASON_CHARS - 1] + "…"
    return html.escape(first, quote=False)


def other_trials(
    cols: TrialColumns, state: TrialState, column: np.ndarray, label: str, reported: bool
) -> OtherTrials:
    """The trials in ``state`` (pruned or failed) to draw, with their ``column`` values;
    ``reported``: the column is the objective whose intermediate values the trials report, so a
    pruned trial is drawn at its last reported value (and step)."""
    rows = np.flatnonzero(cols.mask(state))
    total = len(rows)
    rows = rows[decimate(total, MAX_OTHERS)]
    values = column[rows].astype(float)
    steps = np.full(len(rows), -1, dtype=np.int64)
    if reported and state == TrialState.PRUNED and len(rows):
        last_step, last_value = last_reported(cols)
        fill = last_step[rows] >= 0  # (Optuna stores that value as the trial's too)
        values[fill], steps[fill] = last_value[rows][fill], last_step[rows][fill]
    numbers = cols.number[rows]
    texts = []
    trials = cols.trials
    for row, n, v, s in zip(rows.tolist(), numbers.tolist(), values.tolist(), steps.tolist()):
        if state == TrialState.FAIL:
            text = f"trial {n} failed: {_reason(trials[row])}"
        elif s >= 0:
            text = f"trial {n} pruned at step {s}<br>{label} (reported) {v:.6g}"
        else:
            text = f"trial {n} pruned" if v == v else f"trial {n} pruned before reporting"
        texts.append(text + (f"<br>{label} {v:.6g}" if v == v and s < 0 else ""))
    return OtherTrials(numbers, values, texts, total)


def warm_trials(cols: TrialColumns, column: np.ndarray, label: str) -> OtherTrials:
    """The completed trials a warm start copied from other studies, with their ``column``
    values (drawn apart: they are not this study's own results)."""
    rows = np.flatnonzero(cols.mask(TrialState.COMPLETE) & cols.warm)
    total = len(rows)
    rows = rows[decimate(total, MAX_OTHERS)]
    values = column[rows].astype(float)
    trials = cols.trials
    texts = [
        f"trial {n}: warm start from {html.escape(str(trials[row].system_attrs.get(WARM_FROM)))}"
        f"<br>{label} {v:.6g}"
        for row, n, v in zip(rows.tolist(), cols.number[rows].tolist(), values.tolist())
    ]
    return OtherTrials(cols.number[rows], values, texts, total)


def other_traces(name: str, group: OtherTrials, color: str, symbol: str) -> list[dict[str, Any]]:
    """The pruned or failed trials: those with a value on the value axis, the others in the
    strip under it (``y2``), one legend entry for both."""
    out: list[dict[str, Any]] = []
    missing = np.isnan(group.values)
    for sel, axis in ((~missing, "y"), (missing, "y2")):
        if not sel.any():
            continue
        rows = np.flatnonzero(sel)
        out.append(
            {
                "type": "scatter",
                "x": group.numbers[rows],
                "y": group.values[rows] if axis == "y" else np.full(len(rows), 0.5),
                "yaxis": axis,
                "mode": "markers",
                "name": name,
                "legendgroup": name,
                "showlegend": not out,
                "marker": {"size": 7 if len(rows) < 1000 else 5, "color": color,
                           "symbol": symbol},
                "text": [group.texts[i] for i in rows.tolist()],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )  # fmt: skip
    return out
