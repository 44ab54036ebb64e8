"""Plots of a search, one module per plot: ``_get_<plot>_info(trials) -> NamedTuple`` computes
what is drawn (tested directly); ``plot_<plot>(study)`` renders it with plotly."""

from ._optimization_history import OptimizationHistoryInfo, plot_optimization_history

__all__ = ["OptimizationHistoryInfo", "plot_optimization_history"]
