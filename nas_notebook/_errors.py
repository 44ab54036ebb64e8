"""Exceptions raised by nas_notebook.

Every error that comes from something a user wrote names the parameter (or option) at fault, so
the message makes sense even when it surfaces far from the line that caused it. The magic turns
the ``ValueError`` subclasses below into IPython ``UsageError`` s, which print without a traceback.
"""

from __future__ import annotations

__all__ = [
    "DuplicateNameError",
    "ObjectiveError",
    "SearchSpaceError",
    "StorageError",
    "TrialStopped",
    "UnknownAlgorithmError",
]


class SearchSpaceError(ValueError):
    """A hyper primitive was given arguments that define no valid search space."""


class DuplicateNameError(SearchSpaceError):
    """Two different decision points would be stored under one parameter name."""


class UnknownAlgorithmError(ValueError):
    """An algorithm or pruner name that the registry does not know."""


class StorageError(ValueError):
    """A storage URL that does not open, or a study that it does not hold."""


class ObjectiveError(ValueError):
    """A trial finished without a usable objective value (missing, NaN or not a number)."""


class TrialStopped(BaseException):
    """Raised inside a running trial when its search was stopped with ``cancel=True``.

    A ``BaseException`` (like ``KeyboardInterrupt``), so ``except Exception`` in user code does
    not swallow it.
    """
