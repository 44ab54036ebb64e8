"""Notebook widgets: the live search dashboard."""

from ._dashboard import Dashboard, render_trial_table

__all__ = ["Dashboard", "render_trial_table"]
