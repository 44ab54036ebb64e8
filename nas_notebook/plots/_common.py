"""Helpers shared by the plot modules: accept a Search, an Optuna study, or a snapshot."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial

__all__ = ["direction_of", "trials_of"]


def trials_of(source: Any) -> list[FrozenTrial]:
    """The trials of a :class:`~nas_notebook.Search`, an ``optuna.Study`` or a snapshot."""
    if hasattr(source, "snapshot") and callable(source.snapshot):
        return list(source.snapshot().trials)
    if isinstance(source, optuna.Study):
        return source.get_trials(deepcopy=False)
    if hasattr(source, "trials"):
        return list(source.trials)
    raise TypeError(f"expected a Search or an optuna.Study, got {type(source).__name__}")


def direction_of(source: Any) -> str:
    """``minimize`` or ``maximize`` for the first objective of ``source``."""
    study = getattr(source, "study", source)
    return str(study.directions[0].name.lower())
