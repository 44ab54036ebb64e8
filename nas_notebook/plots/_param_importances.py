"""Parameter importances by Optuna's own evaluators, on a bounded sample of the trials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from ..study import columns_of
from ._common import (
    Target,
    check_params,
    columns_and_directions,
    decimate,
    default_direction,
    metric_names,
    target_values,
)

if TYPE_CHECKING:
    # At run time optuna.importance is imported only when importances are asked for: it imports
    # scikit-learn, which takes seconds.
    from optuna.importance import BaseImportanceEvaluator

__all__ = ["ParamImportancesInfo", "plot_param_importances"]

#: Importances are evaluated on at most this many completed trials: with PED-ANOVA that takes
#: about 0.25 s, where Optuna's own plot of a whole 10,000-trial study takes seconds (minutes
#: with fANOVA).
MAX_TRIALS = 2000
#: fANOVA's forest for ``evaluator="fanova"``: Optuna's default (64 trees of depth 64) takes
#: about 10 s on 500 trials; these take about 1 s on 2,000, with importances within a few percent.
FANOVA_TREES, FANOVA_DEPTH = 16, 8


class ParamImportancesInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``names``/``importances`` (summing to 1) are most important first, for ``target`` (a label:
    ``objective``, ``objective 1``, ``duration`` or a user attribute's name) by ``evaluator``,
    evaluated on ``n_used`` of the ``n_complete`` completed trials that have a finite target.
    ``message`` says why there are no importances, when there are none.
    """

    names: list[str]
    importances: np.ndarray
    target: str
    evaluator: str
    n_used: int
    n_complete: int
    message: str


def _evaluator(
    evaluator: str | BaseImportanceEvaluator | None, seed: int
) -> BaseImportanceEvaluator:
    from optuna.importance import (
        BaseImportanceEvaluator,
        FanovaImportanceEvaluator,
        PedAnovaImportanceEvaluator,
    )

    if isinstance(evaluator, BaseImportanceEvaluator):
        return evaluator
    if evaluator is None or evaluator == "ped_anova":  # None: Optuna's default, PED-ANOVA
        return PedAnovaImportanceEvaluator()
    if evaluator == "fanova":
        return FanovaImportanceEvaluator(n_trees=FANOVA_TREES, max_depth=FANOVA_DEPTH, seed=seed)
    raise ValueError(
        f"evaluator: expected 'ped_anova', 'fanova' or an evaluator, got {evaluator!r}"
    )


class _Sample:
    """The part of an ``optuna.Study`` that Optuna's importance evaluators read: completed
    trials and one minimized objective. A real study would deep-copy every trial on the way
    in, which cost more than the evaluation itself."""

    directions = (StudyDirection.MINIMIZE,)

    def __init__(self, trials: list[FrozenTrial]) -> None:
        self._trials = trials

    def get_trials(self, deepcopy: bool = True, states: Any = None) -> list[FrozenTrial]:
        return list(self._trials)  # all COMPLETE

    def _is_multi_objective(self) -> bool:
        return False


def _sample_trial(row: int, value: float, trial: FrozenTrial) -> FrozenTrial:
    # Each its own trial id: PED-ANOVA matches trials by it.
    return FrozenTrial(
        number=row,
        trial_id=row,
        state=TrialState.COMPLETE,
        value=value,
        datetime_start=None,
        datetime_complete=None,
        params=trial.params,
        distributions=trial.distributions,
        user_attrs={},
        system_attrs={},
        intermediate_values={},
    )


def _get_param_importances_info(
    source: Any,
    directions: Sequence[str] | str = ("minimize",),
    target: Target = None,
    evaluator: str | BaseImportanceEvaluator | None = "ped_anova",
    params: Sequence[str] | None = None,
    target_direction: str | None = None,
    max_trials: int = MAX_TRIALS,
    seed: int = 0,
    target_name: str | None = None,
    objective_names: Sequence[str] | None = None,
) -> ParamImportancesInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``directions`` are the study's; ``target`` is an objective index (default 0), ``"duration"``
    or a numeric user attribute; ``target_direction`` says which way is better for it (default:
    the objective's direction, ``minimize`` for the others), which matters to PED-ANOVA.

    The evaluator sees an even random sample (``seed``) of ``max_trials`` of the completed
    trials, not the best ones: both evaluators compare the good trials with all of them, which a
    sample skewed to the best would distort.
    """
    from optuna.importance import get_param_importances

    cols = columns_of(source)
    directions = [directions] if isinstance(directions, str) else list(directions)
    column, label = target_values(cols, target, target_name, objective_names)
    better = default_direction(directions, target)
    if params is not None:
        check_params(cols, params)
    if target_direction not in (None, "minimize", "maximize"):
        raise ValueError(
            f"target_direction: expected 'minimize' or 'maximize', got {target_direction!r}"
        )
    chosen = _evaluator(evaluator, seed)
    name = type(chosen).__name__.removesuffix("ImportanceEvaluator")
    name = {"PedAnova": "PED-ANOVA", "Fanova": "fANOVA"}.get(name, name)
    rows = np.flatnonzero(cols.mask(TrialState.COMPLETE) & np.isfinite(column))
    n_complete = len(rows)
    if n_complete < 2:
        message = (
            f"Importances need at least 2 completed trials with a value of {label} "
            f"({n_complete} so far)."
        )
        return ParamImportancesInfo([], np.zeros(0), label, name, 0, n_complete, message)
    rows = rows[decimate(n_complete, max_trials, seed=seed)]
    if not any(_varies(cols.params[p][rows]) for p in (params or cols.distributions)):
        message = "Importances need a parameter whose value differs between completed trials."
        return ParamImportancesInfo([], np.zeros(0), label, name, 0, n_complete, message)
    # The scratch study minimizes, so a maximized target is negated rather than given to the
    # evaluator as a callable (which PED-ANOVA would assume is minimized, with a warning).
    sign = -1.0 if (target_direction or better) == "maximize" else 1.0
    trials = cols.trials
    sample = [_sample_trial(r, sign * float(column[r]), trials[r]) for r in rows.tolist()]
    present = {p for t in sample for p in t.params}
    wanted = None if params is None else [p for p in params if p in present]
    study: Any = _Sample(sample)  # duck-typed: the evaluators read only what _Sample has
    result = get_param_importances(study, evaluator=chosen, params=wanted)
    names = list(result)
    importances = np.array([result[n] for n in names], dtype=float)
    order = np.argsort(-importances, kind="stable")
    names, importances = [names[i] for i in order], importances[order]
    message = "" if names else f"{name} assessed no parameter"
    if not names and name == "fANOVA":
        message += " (fANOVA leaves out the parameters that some trials lack)"
    return ParamImportancesInfo(names, importances, label, name, len(rows), n_complete, message)


def _varies(values: np.ndarray) -> bool:
    values = values[~np.isnan(values)]
    return len(values) > 1 and bool(values.min() != values.max())


def waiting(info: ParamImportancesInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    return None if info.names else info.message or "No parameter to assess yet."


def traces(info: ParamImportancesInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    return [
        {
            "type": "bar",
            "orientation": "h",
            # Bars are drawn bottom-up: reversed, the most important is on top.
            "x": info.importances[::-1],
            "y": info.names[::-1],
            "text": [f"{v:.2f}" if v >= 0.01 else "<0.01" for v in info.importances[::-1]],
            "textposition": "outside",
            "hovertemplate": "%{y}: %{x:.4f}<extra></extra>",
            "marker": {"color": "#1f77b4"},
            "name": "importance",
        }
    ]


def layout(info: ParamImportancesInfo) -> dict[str, Any]:
    used = f"{info.evaluator}, {info.n_used} of {info.n_complete} trials"
    result: dict[str, Any] = {
        "title": {"text": f"Parameter importances for {info.target} ({used})"},
        "xaxis": {"title": {"text": "importance"}, "range": [0, 1.1]},
        "yaxis": {"automargin": True},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
        "height": max(240, 80 + 28 * len(info.names)),
        "showlegend": False,
    }
    if info.message:
        result["annotations"] = [
            {"text": info.message, "showarrow": False, "xref": "paper", "yref": "paper"}
        ]
    return result


def plot_param_importances(
    study: Any,
    target: Target | BaseImportanceEvaluator = None,
    params: Sequence[str] | None = None,
    *,
    evaluator: str | BaseImportanceEvaluator | None = "ped_anova",
    target_direction: str | None = None,
    target_name: str | None = None,
) -> go.Figure:
    """Parameter importances in ``study`` (a :class:`~nas_notebook.Search` or Optuna study).

    Computed by Optuna's evaluators on an even random sample of at most :data:`MAX_TRIALS`
    completed trials (the title says how many), so they stay quick on large studies.

    Takes the arguments of ``optuna.visualization.plot_param_importances`` too, with their
    meaning, by name or in Optuna's order (``plot_param_importances(study, evaluator,
    params)``: an evaluator where the target goes is taken as the evaluator).

    Args:
        study: The search or study.
        target: What the importances are for: an objective's index (default: the first),
            ``"duration"``, the name of a numeric user attribute or reported metric such as
            ``"latency"``, or a function of a completed trial giving a number (as in Optuna).
        params: The parameters to assess (default: all).
        evaluator: ``"ped_anova"`` (Optuna's default, fast; also ``None``), ``"fanova"`` (a
            random forest, a second or two) or any ``optuna.importance`` evaluator.
        target_direction: ``"minimize"`` or ``"maximize"``: which way the target is better
            (default: the objective's direction; ``minimize`` for duration, attributes and
            functions).
        target_name: The name of the target in the title (by default ``objective``, the
            attribute's name, or ``target`` for a function).

    Raises:
        ValueError: An unknown ``target``, ``params`` name or ``evaluator``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> list(plot_param_importances(study).data[0].y)
        ['x']
    """
    if _is_evaluator(target):  # Optuna's order: (study, evaluator, params)
        if evaluator not in (None, "ped_anova"):
            raise ValueError("two evaluators given: one where the target goes, one by name")
        target, evaluator = None, target
    cols, directions = columns_and_directions(study)
    info = _get_param_importances_info(
        cols,
        directions,
        target,  # type: ignore[arg-type]  # an evaluator there was moved above
        evaluator,
        params,
        target_direction,
        target_name=target_name,
        objective_names=metric_names(study),
    )
    return go.Figure(data=traces(info), layout=layout(info))


def _is_evaluator(value: Any) -> bool:
    if value is None or isinstance(value, (int, str)) or callable(value):
        return False  # without importing optuna.importance (scikit-learn: seconds)
    from optuna.importance import BaseImportanceEvaluator

    return isinstance(value, BaseImportanceEvaluator)
