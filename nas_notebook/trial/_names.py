"""The names a trial body can use without importing them."""

from __future__ import annotations

from typing import Any

from ..space import floatv, intv, manyof, oneof
from ._checkpoint import checkpoint, restore
from ._elapse import elapse
from ._report import report

__all__ = ["TRIAL_NAMES"]

#: Added beneath the user's namespace for every trial body, and into the notebook's namespace
#: by ``%load_ext nas_notebook`` (where the user has not defined them).
TRIAL_NAMES: dict[str, Any] = {
    "checkpoint": checkpoint,
    "elapse": elapse,
    "floatv": floatv,
    "intv": intv,
    "manyof": manyof,
    "oneof": oneof,
    "report": report,
    "restore": restore,
}
