"""Notebook widgets: the live search dashboard, its controls and its trial table."""

from ._controls import ControlBar
from ._dashboard import Dashboard
from ._figure import Figure
from ._trial_table import TrialTable

__all__ = ["ControlBar", "Dashboard", "Figure", "TrialTable"]
