"""Searches over Optuna studies: the handle, the driver, storages, the feedback loop, views."""

from ._checkpoint import checkpoint, restore
from ._driver import Driver
from ._elapse import elapse, simulated_time
from ._job import Job, Outcome, run_job
from ._objective import Objective, infer_direction
from ._program import ProgramError, TrialProgram
from ._report import report
from ._sample import Example, Feedback, sample
from ._search import Best, Search, load_search, read_control
from ._snapshot import Progress, Snapshot, trials_table
from ._storage import default_storage_url, open_storage

__all__ = [
    "Best",
    "Driver",
    "Example",
    "Feedback",
    "Job",
    "Objective",
    "Outcome",
    "ProgramError",
    "Progress",
    "Search",
    "Snapshot",
    "TrialProgram",
    "checkpoint",
    "default_storage_url",
    "elapse",
    "infer_direction",
    "load_search",
    "open_storage",
    "read_control",
    "report",
    "restore",
    "run_job",
    "sample",
    "simulated_time",
    "trials_table",
]
