"""The rungs of successive halving as recorded on a trial: its value at rung ``k`` is the system
attribute :func:`~nas_notebook._schema.rung_key` ``(k)``, written rung after rung from 0 (the
attributes Optuna's successive-halving pruners write, so every such pruner reads the others').

Example:
    >>> from nas_notebook._schema import rung_key
    >>> attrs = {rung_key(0): 0.5, rung_key(1): 0.75}
    >>> reached(attrs), values(attrs)
    (2, [0.5, 0.75])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _schema
from .._schema import rung_key

__all__ = ["reached", "reached_by", "values"]


def reached(attrs: Mapping[str, Any]) -> int:
    """How many rungs a trial with these system attributes has a value at."""
    rung = 0
    while rung_key(rung) in attrs:
        rung += 1
    return rung


def reached_by(study: Any, trial: Any) -> int:
    """How many rungs ``trial`` of ``study`` has a value at, read from the storage at once: the
    trial a pruner is handed holds a lazy view of its attributes, slow to test key by key."""
    return reached(_schema.trial_attrs(study, trial))


def values(attrs: Mapping[str, Any]) -> list[float]:
    """A trial's value at each rung it reached, from rung 0 on."""
    return [attrs[rung_key(rung)] for rung in range(reached(attrs))]
