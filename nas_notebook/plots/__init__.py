"""Plots of a search, one module per plot: ``_get_<plot>_info(columns, ...) -> NamedTuple``
computes what is drawn (tested directly, vectorized over the study's columns); ``plot_<plot>()``
renders it with plotly and accepts a :class:`~nas_notebook.Search` or a plain ``optuna.Study``."""

from ._contour import ContourAxis, ContourInfo, plot_contour
from ._intermediate_values import (
    CurveGroup,
    IntermediateValuesInfo,
    QuantileBand,
    plot_intermediate_values,
)
from ._optimization_history import OptimizationHistoryInfo, plot_optimization_history
from ._parallel_coordinate import ParallelCoordinateInfo, plot_parallel_coordinate
from ._param_importances import ParamImportancesInfo, plot_param_importances
from ._pareto_front import ParetoFrontInfo, pareto_rows, plot_pareto_front
from ._slice import SliceInfo, SliceParam, plot_slice

__all__ = [
    "ContourAxis",
    "ContourInfo",
    "CurveGroup",
    "IntermediateValuesInfo",
    "OptimizationHistoryInfo",
    "ParallelCoordinateInfo",
    "ParamImportancesInfo",
    "ParetoFrontInfo",
    "QuantileBand",
    "SliceInfo",
    "SliceParam",
    "pareto_rows",
    "plot_contour",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_slice",
]
