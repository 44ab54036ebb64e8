"""Whether this process is shutting down, for the code that must then start nothing new; and
whether another process of this host still runs.

A Jupyter kernel asked to shut down or restart (ipykernel's ``do_shutdown``) sets its shell's
``exit_now`` first, and only then terminates the kernel's child processes: worker processes die
of SIGTERM while their lanes still run. Read here, that moment is told apart from a worker's
own crash, and the driver creates no trial from then on.
"""

from __future__ import annotations

import os
import sys

__all__ = ["ENDING_REASON", "process_alive", "process_ending"]

#: Why a trial that ran while its process shut down failed.
ENDING_REASON = "stopped: the kernel or process running the search shut down while the trial ran"


def process_ending() -> bool:
    """Whether the interpreter is finalizing, or the IPython kernel it runs is shutting down.

    Example:
        >>> process_ending()
        False
    """
    if sys.is_finalizing():
        return True
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return bool(getattr(shell, "exit_now", False))


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host exists (one of another user counts).

    Example:
        >>> process_alive(os.getpid())
        True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
