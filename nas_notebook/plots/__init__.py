"""Plots of a search, one module per plot: ``_get_<plot>_info(columns, ...) -> NamedTuple``
computes what is drawn (tested directly, vectorized over the study's columns; the tuples are
internal to their modules); ``plot_<plot>()`` renders it with plotly and accepts a
:class:`~nas_notebook.Search` or a plain ``optuna.Study``. Each ``plot_<plot>()`` also takes the
arguments of its ``optuna.visualization`` namesake, with their meaning, so it can replace it."""

from ..study import pareto_rows
from ._contour import plot_contour
from ._intermediate_values import plot_intermediate_values
from ._optimization_history import plot_optimization_history
from ._parallel_coordinate import plot_parallel_coordinate
from ._param_importances import plot_param_importances
from ._pareto_front import plot_pareto_front
from ._slice import plot_slice

__all__ = [
    "pareto_rows",
    "plot_contour",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_slice",
]
