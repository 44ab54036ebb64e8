"""``report``: intermediate results from inside a trial body."""

from __future__ import annotations

from typing import Any

import optuna

from .._errors import ObjectiveError, TrialStopped
from .._schema import get_trial
from ..space import TrialContext, current
from ._checkpoint import TrialPaused
from ._objective import to_number

__all__ = ["report"]


def report(value: Any = None, step: int | None = None, **metrics: Any) -> bool:
    """Report intermediate results of the running trial.

    The objective's intermediate value (``value``, or the metric chosen with ``--metric``, or
    without either the first metric the trial reports) goes to the storage as an Optuna
    intermediate value at ``step``; when the search has a pruner and it decides to stop this
    trial, :class:`optuna.TrialPruned` is raised and the trial is recorded as PRUNED. Other
    metrics are stored as user attributes (their latest value). In a multi-objective search every
    metric is stored as a user attribute and nothing is pruned (Optuna keeps no intermediate
    values there). Outside a search the call does nothing, so a trial body also runs as a plain
    cell.

    Args:
        value: The objective's intermediate value.
        step: The step (epoch) it belongs to; by default one more than the last reported step.
        **metrics: Named metrics, e.g. ``accuracy=0.93, loss=0.2``.

    Returns:
        False (a pruned trial does not return).

    Example:
        >>> from nas_notebook import report
        >>> report(accuracy=0.9, step=0)   # outside a search: nothing happens
        False
    """
    context = current()
    if not isinstance(context, TrialContext):
        return False
    if context.cancelled:
        raise TrialStopped("the search was stopped")
    if step is None:
        step = context.next_step
    elif isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"report: `step` must be a non-negative int, got {step!r}")
    context.next_step = step + 1
    trial = context.trial
    if context.multi_objective:
        # Optuna records no intermediate values with several objectives: every metric becomes
        # a user attribute (its latest value), and nothing is pruned.
        if value is not None:
            context.reports["value"] = value
        for key, item in metrics.items():
            context.reports[key] = number = to_number(item, f"report: metric {key!r}")
            trial.set_user_attr(key, number)
        return False
    metric = context.objective_metric
    if metric is None and value is None and metrics:
        # Without --metric the first metric a trial reports is its learning curve.
        metric = context.tracked_metric = context.tracked_metric or next(iter(metrics))
    elif metric is None:
        metric = context.tracked_metric
    target = metrics.get(metric, value) if metric is not None else value
    if value is not None:
        context.reports["value"] = value
    for key, item in metrics.items():
        number = to_number(item, f"report: metric {key!r}")
        context.reports[key] = number
        if key != context.objective_metric:
            trial.set_user_attr(key, number)
    if target is not None:
        trial.report(to_number(target, "report: `value`"), step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step}")
        study = getattr(trial, "study", None)
        if study is not None and getattr(study.pruner, "promotes", False):
            _maybe_pause(context, study, step)
    return False


def _maybe_pause(context: TrialContext, study: optuna.Study, step: int) -> None:
    """Ask a promotion-type scheduler whether the trial goes on past ``step``; pause it (with
    its checkpoint) if not."""
    frozen = get_trial(study, context.trial)
    if not study.pruner.should_pause(study, frozen):  # type: ignore[attr-defined]
        return
    if not context.has_saved:
        raise ObjectiveError(
            f"the pruner pauses trials (here at step {step}) to resume them if promoted: "
            "call checkpoint(state) before report(...) and start the body with restore() "
            "(or use a pruner that stops trials instead: --pruner asha, --pruner curve)"
        )
    raise TrialPaused(f"paused at step {step}")
