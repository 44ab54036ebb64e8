"""nas_notebook: neural architecture and hyperparameter search, inline in Jupyter notebooks.

Mark values to search where they are used (``lr = floatv(1e-4, 1e-1, log=True)``), run the cell
as ``%%search NAME`` (after ``%load_ext nas_notebook``), and keep working while trials run.
"""

from __future__ import annotations

from typing import Any

from ._errors import (
    DuplicateNameError,
    ObjectiveError,
    SearchSpaceError,
    StorageError,
    TrialStopped,
    UnknownAlgorithmError,
)
from ._version import __version__
from .search import Search, load_search
from .space import Space, floatv, intv, manyof, oneof, trace
from .study import sample
from .trial import checkpoint, elapse, report, restore

__all__ = [
    "DuplicateNameError",
    "ObjectiveError",
    "Search",
    "SearchSpaceError",
    "Space",
    "StorageError",
    "TrialStopped",
    "UnknownAlgorithmError",
    "__version__",
    "checkpoint",
    "elapse",
    "floatv",
    "intv",
    "load_ipython_extension",
    "load_search",
    "manyof",
    "oneof",
    "report",
    "restore",
    "sample",
    "trace",
]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nas_notebook``: register ``%%search`` and put the primitives in the namespace.

    Example:
        >>> from IPython.testing.globalipapp import get_ipython
        >>> shell = get_ipython()
        >>> load_ipython_extension(shell)
        >>> "search" in shell.magics_manager.magics["cell"], "floatv" in shell.user_ns
        (True, True)
    """
    from .magics import load_ipython_extension as load

    load(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt studies panel (installed by the wheel)."""
    return [{"src": "labextension", "dest": "nas-notebook"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The studies panel's server side (see :mod:`nas_notebook._server`)."""
    return [{"module": "nas_notebook._server"}]
