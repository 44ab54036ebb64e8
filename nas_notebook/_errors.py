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
    """A hyper primitive was given arguments that define no valid search space.

    Raised at the line that builds the primitive, naming the argument at fault.

    Example:
        >>> from nas_notebook import SearchSpaceError, floatv
        >>> try:
        ...     floatv(0, 1, log=True)
        ... except SearchSpaceError as error:
        ...     print(error)
        floatv(low=0, high=1, log=True): `low` must be > 0 on a log scale
    """


class DuplicateNameError(SearchSpaceError):
    """Two different decision points would be stored under one parameter name.

    A clash the cell's code shows is refused before the search starts, naming the cell line;
    one that only a run can show (a name computed at run time) fails that trial with this
    message, naming both lines, and the search goes on.

    Example:
        >>> from nas_notebook import Search
        >>> Search("x = floatv(0, 1)\\ny = floatv(0, 1, name='x')\\nx + y", storage="memory")
        Traceback (most recent call last):
        ...
        nas_notebook.trial._program.ProgramError: line 2: two decisions would share the name ...
        >>> body = "names = ['x']\\nx = floatv(0, 1)\\ny = floatv(0, 1, name=names[0])\\nx + y"
        >>> s = Search(body, storage="memory", n_trials=1, executor="inline").start()
        >>> print(s.dataframe()["fail_reason"][0])  # doctest: +NORMALIZE_WHITESPACE
        search space: DuplicateNameError: two decisions would share the name 'x':
        cell line 2 and cell line 3; pass name=... to one of them
    """


class UnknownAlgorithmError(ValueError):
    """An algorithm or pruner name that the registry does not know.

    Example:
        >>> from nas_notebook import UnknownAlgorithmError
        >>> from nas_notebook.algorithms import make_pruner
        >>> try:
        ...     make_pruner("ashaa")
        ... except UnknownAlgorithmError as error:
        ...     print(error)
        unknown pruner 'ashaa'; known pruners: asha, curve, hyperband, median, none
    """


class StorageError(ValueError):
    """A storage URL that does not open, or a study that it does not hold.

    Example:
        >>> from nas_notebook import StorageError, load_search
        >>> try:
        ...     load_search("nope", storage="memory")
        ... except StorageError as error:
        ...     print(error)
        no study named 'nope' in InMemoryStorage (studies there: none)
    """


class ObjectiveError(ValueError):
    """A trial finished without a usable objective value (missing, NaN or not a number).

    The trial fails with the message as its reason; the search goes on.

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("float('nan')", storage="memory", n_trials=1, executor="inline").start()
        >>> s.dataframe()[["state", "fail_reason"]].values.tolist()
        [['FAIL', 'objective is NaN']]
    """


class TrialStopped(BaseException):
    """Raised inside a running trial when its search was stopped with ``cancel=True``.

    A ``BaseException`` (like ``KeyboardInterrupt``), so ``except Exception`` in user code does
    not swallow it.

    Example:
        >>> from nas_notebook import TrialStopped
        >>> try:
        ...     try:
        ...         raise TrialStopped("stopped by the user")
        ...     except Exception:  # a training loop's own error handling
        ...         print("swallowed")
        ... except TrialStopped as stop:
        ...     print("reaches the search:", stop)
        reaches the search: stopped by the user
    """
