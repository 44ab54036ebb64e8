"""Studies: the driver that owns every trial's lifecycle, recovery of orphaned trials, study
versions, the control record, and the read model every view reads (snapshots, columns, views).

It knows executors and algorithms only through their contracts; the user-facing
:class:`~nas_notebook.Search` is built on it (:mod:`nas_notebook.search`).
"""

from .._storages import default_storage_url, open_storage
from ._columns import STATE_CODES, TrialColumns, columns_of
from ._control import RunStatus, publish_control, read_control, recorded_run, remaining_budget
from ._driver import Driver
from ._liveness import Heartbeat, live_drivers, record_driver
from ._pareto import direction_names, pareto_rows
from ._recovery import (
    ResumedRun,
    recover_stale_trials,
    rerun_interrupted,
    resume_run,
)
from ._remote import RemoteParts, check_picklable
from ._sample import Example, Feedback, sample
from ._snapshot import Progress, Snapshot, trials_table
from ._studies import create_study, resume_study
from ._versions import continued_seed, latest_version, next_version, study_names
from ._view import Best, StudyView, open_study_by_name, open_view
from ._warm import WarmStart

__all__ = [
    "STATE_CODES",
    "Best",
    "Driver",
    "Example",
    "Feedback",
    "Heartbeat",
    "Progress",
    "RemoteParts",
    "ResumedRun",
    "RunStatus",
    "Snapshot",
    "StudyView",
    "TrialColumns",
    "WarmStart",
    "check_picklable",
    "columns_of",
    "continued_seed",
    "create_study",
    "default_storage_url",
    "direction_names",
    "latest_version",
    "live_drivers",
    "next_version",
    "open_storage",
    "open_study_by_name",
    "open_view",
    "pareto_rows",
    "publish_control",
    "read_control",
    "record_driver",
    "recorded_run",
    "recover_stale_trials",
    "remaining_budget",
    "rerun_interrupted",
    "resume_run",
    "resume_study",
    "sample",
    "study_names",
    "trials_table",
]
