"""What travels to worker processes: the study's description and the user's names.

A remote executor (``Executor.remote``) sends each worker the storage URL, the study name, the
sampler, the pruner, the trial program and the objective, plus the user's names the program
reads. Both are sent again only when they change -- a new algorithm (``set_algorithm``) or a
name rebound in the notebook -- which the tokens of :meth:`RemoteParts.message` tell workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import optuna

from .._schema import storage_of
from .._storages import storage_url
from ..trial import Objective, TrialProgram

__all__ = ["RemoteParts", "check_picklable", "shipped_names"]


def shipped_names(
    program: TrialProgram, user_ns: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[tuple[str, int], ...]]:
    """The user's names ``program`` reads, and a token that changes when one is rebound."""
    names = {
        k: v for k, v in program.namespace(user_ns).items() if k not in ("__builtins__", "__name__")
    }
    return names, tuple(sorted((k, id(v)) for k, v in names.items()))


def check_picklable(
    program: TrialProgram,
    user_ns: Mapping[str, Any],
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
) -> None:
    """Raise a ValueError naming the first thing a worker needs that cannot be pickled.

    Example:
        >>> import threading, optuna
        >>> from nas_notebook.trial import TrialProgram
        >>> check_picklable(TrialProgram("with lock:\\n    x = 1\\nx"), {"lock": threading.Lock()},
        ...                 optuna.samplers.RandomSampler(), optuna.pruners.NopPruner())
        Traceback (most recent call last):
        ...
        ValueError: `lock` cannot be sent to worker processes (TypeError: ...
    """
    import cloudpickle

    names, _ = shipped_names(program, user_ns)
    parts = {
        **{f"`{k}`": v for k, v in names.items()},
        "the trial body": program,
        "the algorithm": sampler,
        "the pruner": pruner,
    }
    for what, value in parts.items():
        try:
            cloudpickle.dumps(value)
        except Exception as exc:
            raise ValueError(
                f"{what} cannot be sent to worker processes ({type(exc).__name__}: {exc}); "
                "define it inside the cell, or use --executor thread"
            ) from None


class RemoteParts:
    """Builds the messages of a remote executor for one search (see the module docstring).

    Called by lanes, on lane threads; the cache is replaced whole, never mutated, so it needs
    no lock.
    """

    def __init__(
        self,
        study: optuna.Study,
        program: TrialProgram,
        user_ns: Mapping[str, Any],
        objective: Objective,
    ) -> None:
        self.study, self.program, self.user_ns, self.objective = study, program, user_ns, objective
        #: Where worker processes open the study.
        self.url = storage_url(storage_of(study))
        self._part: tuple[dict[str, Any], str] | None = None

    def _study_part(self) -> tuple[dict[str, Any], str]:
        sampler = self.study.sampler
        cached = self._part
        if cached is None or cached[0]["sampler"] is not sampler:
            part = {
                "storage": self.url,
                "study_name": self.study.study_name,
                "sampler": sampler,
                "pruner": self.study.pruner,
                "program": self.program,
                "objective": self.objective,
            }
            cached = self._part = (part, uuid.uuid4().hex)
        return cached

    def message(self) -> tuple[Any, ...]:
        """``(study part, its token, names, their token)`` for the next job."""
        names, names_token = shipped_names(self.program, self.user_ns)
        part, token = self._study_part()
        return part, token, names, names_token
