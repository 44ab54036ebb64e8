"""What runs inside a worker: one trial's program, its objective, and the calls a trial body
makes (``report``, ``checkpoint``/``restore``, ``elapse``).

Executors evaluate a :class:`Job` with :func:`run_job` (or :func:`evaluate` where the process
captures the output itself) and hand the :class:`Outcome` back to the driver, which alone tells
the study how the trial ended. Nothing here decides how many trials run.
"""

from ._checkpoint import TrialPaused, checkpoint, restore
from ._elapse import elapse, simulated_time
from ._elapse import local as simulation_local
from ._job import STOPPED_REASON, Job, Outcome, TrialRef, evaluate, inject_stop, run_job
from ._names import TRIAL_NAMES
from ._objective import Objective, infer_direction, to_number
from ._output import TrialLog
from ._program import FunctionProgram, ProgramError, TrialProgram, check_space_name
from ._report import report

__all__ = [
    "STOPPED_REASON",
    "TRIAL_NAMES",
    "FunctionProgram",
    "Job",
    "Objective",
    "Outcome",
    "ProgramError",
    "TrialLog",
    "TrialPaused",
    "TrialProgram",
    "TrialRef",
    "check_space_name",
    "checkpoint",
    "elapse",
    "evaluate",
    "infer_direction",
    "inject_stop",
    "report",
    "restore",
    "run_job",
    "simulated_time",
    "simulation_local",
    "to_number",
]
