"""One study's summary for the studies panel, read from its storage: state, counts, budget,
best trial. A study no search of ours ran (plain Optuna) is judged by its trials alone."""

from __future__ import annotations

import math
import socket
from typing import Any

from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._ending import process_alive
from .._schema import CONTROL, STUDY_INFO, WARM_FROM

__all__ = ["number", "plain", "summarize"]

STATES_LIVE = ("running", "paused", "stopping")


def _alive_here(record: dict[str, Any]) -> bool | None:
    """Whether the process that wrote ``record`` still runs (None: not this host's)."""
    if record.get("host") != socket.gethostname() or not isinstance(record.get("pid"), int):
        return None
    return process_alive(record["pid"])


def _state(control: dict[str, Any], running: int) -> str:
    """``running``, ``paused``, ``stopping``, ``finished``, ``stopped``, ``failed`` or
    ``interrupted`` (its process is gone while the record says it runs)."""
    recorded = control.get("state")
    if isinstance(recorded, str) and recorded:
        if recorded in STATES_LIVE and _alive_here(control) is False:
            return "interrupted"
        return recorded
    # A study that no search of ours ran (plain Optuna): judged by its trials.
    return "running" if running else "finished"


def _budget(control: dict[str, Any], n_trials: int) -> int | None:
    """The trials the study will have when its recorded run ends: that run's budget plus the
    trials before it (None: no budget, or a record too old to say what it came after)."""
    budget, baseline = control.get("n_trials"), control.get("baseline")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        return None
    if isinstance(baseline, int) and baseline >= 0:
        return baseline + budget
    return budget if budget >= n_trials else None


def number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def summarize(
    storage: BaseStorage,
    study_id: int,
    name: str,
    directions: list[str],
    system: dict[str, Any],
    user: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The panel's row of one study: counts by state, best value, state, last update."""
    trials = storage.get_all_trials(study_id, deepcopy=False)
    counts = {state: 0 for state in ("complete", "pruned", "fail", "running", "waiting", "warm")}
    last = 0.0
    best: FrozenTrial | None = None
    maximize = directions[0] == "maximize"
    for trial in trials:
        if WARM_FROM in trial.system_attrs:  # copied by a warm start: counted apart, never best
            counts["warm"] += 1
            continue
        counts[trial.state.name.lower()] += 1
        for moment in (trial.datetime_complete, trial.datetime_start):
            if moment is not None:
                last = max(last, moment.timestamp())
                break
        if trial.state == TrialState.COMPLETE and len(directions) == 1:
            value = number(trial.value)
            if value is not None and (
                best is None or (value > best.value if maximize else value < best.value)  # type: ignore[operator]
            ):
                best = trial
    control = dict(system.get(CONTROL) or {})
    updated = number(control.get("updated"))
    if updated is not None:
        last = max(last, updated)
    return {
        "name": name,
        "directions": directions,
        "state": _state(control, counts["running"]),
        "trials": counts,
        "n_trials": len(trials) - counts["warm"],
        "budget": _budget(control, len(trials) - counts["warm"]),
        "best_value": None if best is None else number(best.value),
        "best_number": None if best is None else best.number,
        "best_params": {} if best is None else {k: plain(v) for k, v in best.params.items()},
        "algo": control.get("algo"),
        "workers": control.get("workers"),
        "last_update": last or None,
        # Written by a search of ours (its trial body is stored): load_search reopens it.
        "ours": "source" in dict((user or {}).get(STUDY_INFO) or {}),
    }


def plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)
