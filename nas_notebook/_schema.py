"""What the package writes into an Optuna storage, and the only code that touches Optuna's private
storage API.

The storage is the single source of truth: every view and algorithm reads the state below from
it, never from a runner's memory. Each key is spelled here only; a test fails on any other module
that spells a ``nas_notebook:`` key or reaches into Optuna's private attributes.

Study attributes (key: kind; writer -> readers; type):

- ``nas_notebook``: user attribute; the search that creates the study -> ``load_search``, the
  studies panel; dict ``source`` (the trial body), ``metric`` (str or None).
- ``nas_notebook:control``: system; the running search, on each change -> dashboards, the
  studies panel, ``load_search``; dict ``state``, ``algo``, ``workers``, ``executor``,
  ``n_trials``, ``baseline``, ``host``, ``pid``, ``updated``.
- ``nas_notebook:driver:HOST:PID``: system; each search as it starts -> recovery on resume;
  float (POSIX time).
- ``nas_notebook:warm:SOURCE``: system; a search warm-started from study ``SOURCE`` -> the
  same search resumed (it copies nothing twice); int trials copied.
- ``nas_notebook:prior:NAME``: system; the first trial that draws a decision with a ``prior=``
  -> the samplers that use priors, views; dict ``value`` (the internal value: the number, or
  the choice's index), ``confidence`` (``low``/``medium``/``high``).

Trial system attributes (key: writer -> readers; type):

- ``fail_reason``: the driver, recovery, ``sample`` -> views, the CLI, optuna-dashboard; str.
  Optuna's own key, kept so that optuna-dashboard shows our reasons.
- ``nas_notebook:traceback``: the driver -> views; str.
- ``nas_notebook:paused_at``: the driver (promotion) -> views; int step, None once resumed.
- ``nas_notebook:interrupted``: the driver and recovery, for a trial that failed only because
  the process running it ended -> the resume that re-runs it; True.
- ``nas_notebook:retry_of``: a resumed search, on the re-run of an interrupted trial -> views,
  the next resume (a re-run is not re-run again); int number of the interrupted trial.
- ``fixed_params``: Optuna's ``enqueue_trial``, the re-run of an interrupted trial -> Optuna's
  ``suggest_*``, grid search; dict name -> value.
- ``nas_notebook:started``: a Dask task as it begins -> the Dask executor; int pid.
- ``nas_notebook:warm_from``: a warm start, on each trial it copies -> views, which show
  such trials apart; str ``SOURCE#NUMBER``.
- ``nas_notebook:sim_segments``: the simulated executor -> views (:func:`sim_segments`); list
  of ``[lane, start, end]`` in simulated seconds, one per stretch of work.
- ``grid:point``, ``grid:index``, ``grid:exhausted``, ``grid:frontier``: grid search -> itself.
- ``evolution:parent``, ``evolution:mutated``, ``evolution:also_mutated``,
  ``evolution:value``: regularized evolution -> itself; int, str or None, list, a value.
- ``policy:choice:NAME``: policy-gradient controllers -> themselves; ``[index, logp, size]``.
- ``dehb:unit``: differential evolution -> itself; dict name -> the trial's value in [0, 1].
- ``priorband:draw``: PriorBand -> itself, views; dict ``mode`` (``prior``, ``incumbent`` or
  ``random``), ``unit`` (name -> value in [0, 1]: the incumbent's mutated decisions).
- ``completed_rung_N``: ASHA (Optuna's key) and the promotion scheduler -> both; float.

User attributes of a trial are the user's: ``report(name=value)`` stores a metric there under its
own name. A failed trial also gets ``fail_reason`` and ``traceback`` there (:func:`record_failure`):
Optuna's own tools (optuna-dashboard, ``trials_dataframe``) show user attributes, not system
ones. Objective names are Optuna's own (``Study.set_metric_names``).

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> trial = study.ask()
    >>> set_trial_attr(study, trial, TRACEBACK, "Traceback ...")
    >>> get_trial(study, trial).system_attrs[TRACEBACK]
    'Traceback ...'
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.study._frozen import FrozenStudy
from optuna.trial import FrozenTrial, TrialState

__all__ = [
    "ALSO_MUTATED",
    "CONTROL",
    "DE_UNIT",
    "DRIVER_PREFIX",
    "EVOLUTION_VALUE",
    "FAIL_REASON",
    "FIXED_PARAMS",
    "GRID_EXHAUSTED",
    "GRID_FRONTIER",
    "GRID_INDEX",
    "GRID_POINT",
    "INTERRUPTED",
    "MUTATED",
    "PARENT",
    "PAUSED_AT",
    "POLICY_CHOICE",
    "PRIORBAND",
    "PRIOR_PREFIX",
    "RETRY_OF",
    "SIM_SEGMENTS",
    "STARTED",
    "STUDY_INFO",
    "TRACEBACK",
    "USER_FAIL_REASON",
    "USER_TRACEBACK",
    "WARM_FROM",
    "WARM_PREFIX",
    "all_trials",
    "create_trial_id",
    "get_trial",
    "journal_path",
    "read_control",
    "read_priors",
    "read_study_attrs",
    "read_study_info",
    "record_failure",
    "record_prior",
    "rung_key",
    "set_study_attr",
    "set_trial_attr",
    "set_trial_state",
    "sim_segments",
    "storage_of",
    "study_attrs",
    "study_id",
    "study_key",
    "tell",
    "trial_attrs",
    "trial_id",
    "trial_id_of_number",
    "unwrap_storage",
]

# -- study keys --------------------------------------------------------------------------------

#: User attribute: ``{"source": trial body, "metric": reported metric or None}``.
STUDY_INFO = "nas_notebook"
#: System attribute where a running search publishes its state and settings.
CONTROL = "nas_notebook:control"
#: Prefix of the system attribute naming a process that drove the study: ``PREFIX + host:pid``.
DRIVER_PREFIX = "nas_notebook:driver:"
#: Study system attribute prefix: the prior of each decision that has one (see the docstring).
PRIOR_PREFIX = "nas_notebook:prior:"

# -- trial keys --------------------------------------------------------------------------------

#: Optuna's own system attribute for why a trial failed (optuna-dashboard shows it).
FAIL_REASON = "fail_reason"
#: User attributes that repeat a failed trial's reason and traceback for Optuna's own tools.
USER_FAIL_REASON = "fail_reason"
USER_TRACEBACK = "traceback"
#: The user's traceback of a trial that failed with an exception.
TRACEBACK = "nas_notebook:traceback"
#: The step a trial is paused at by a promotion-type scheduler (None once resumed or ended).
PAUSED_AT = "nas_notebook:paused_at"
#: The trial failed only because the process running it ended; a resumed search re-runs it.
INTERRUPTED = "nas_notebook:interrupted"
#: On the re-run of an interrupted trial: the interrupted trial's number.
RETRY_OF = "nas_notebook:retry_of"
#: Optuna's own key for the parameters an enqueued trial must take.
FIXED_PARAMS = "fixed_params"
#: The pid of the Dask worker process that started the trial's body.
STARTED = "nas_notebook:started"
#: Every ``[lane, start, end]`` a trial ran in (more than one when it was paused and promoted).
SIM_SEGMENTS = "nas_notebook:sim_segments"
#: Trial system attribute: the study and trial a warm start copied this trial from.
WARM_FROM = "nas_notebook:warm_from"
#: Study system attribute prefix: the studies a search was warm-started from (see the docstring).
WARM_PREFIX = "nas_notebook:warm:"
#: Grid search: the trial's grid point (dict decision name -> value).
GRID_POINT = "grid:point"
#: Grid search: the point's index in the enumeration of the space known when it started.
GRID_INDEX = "grid:index"
#: Grid search: the trial found the grid exhausted.
GRID_EXHAUSTED = "grid:exhausted"
#: Grid search: the trial opened a decision the grid had not seen (True, as is exhausted).
GRID_FRONTIER = "grid:frontier"
#: Regularized evolution: the parent's trial number.
PARENT = "evolution:parent"
#: Regularized evolution: the mutated decision's name (None for a random child).
MUTATED = "evolution:mutated"
#: Regularized evolution: the decisions that appeared with the mutation.
ALSO_MUTATED = "evolution:also_mutated"
#: Regularized evolution: the mutated decision's new value.
EVOLUTION_VALUE = "evolution:value"
#: Differential evolution: the trial's vector, each decision's value scaled to [0, 1].
DE_UNIT = "dehb:unit"
#: PriorBand: where the trial was drawn from, and the decisions drawn when it was created.
PRIORBAND = "priorband:draw"
#: Policy-gradient controllers: prefix of ``[index, log-probability, size]`` of a decision.
POLICY_CHOICE = "policy:choice:"


def rung_key(rung: int) -> str:
    """The system attribute holding a trial's value at ``rung`` (the key Optuna's successive
    halving writes, so ASHA and promotion share their rungs).

    Example:
        >>> rung_key(2)
        'completed_rung_2'
    """
    return f"completed_rung_{rung}"


# -- Optuna's private storage API, in one place ---------------------------------------------


def storage_of(study: optuna.Study) -> BaseStorage:
    """The storage ``study`` reads and writes."""
    return study._storage


def study_id(study: optuna.Study | FrozenStudy) -> int:
    """The storage's id of ``study`` (a study or a ``FrozenStudy`` from ``get_all_studies``)."""
    return study._study_id


def study_key(study: optuna.Study) -> tuple[int, int]:
    """A key for per-study caches: the storage object and the study's id in it."""
    return (id(study._storage), study._study_id)


def trial_id(trial: Any) -> int:
    """The storage's id of ``trial`` (an ``optuna.Trial``, a ``FrozenTrial``, a reference, or
    the id itself)."""
    return trial if isinstance(trial, int) else trial._trial_id


def all_trials(
    study: optuna.Study, states: Sequence[TrialState] | None = None
) -> list[FrozenTrial]:
    """Every trial of ``study`` (in ``states`` if given), without Optuna's deep copy: callers
    must not modify them."""
    chosen = tuple(states) if states is not None else None
    return study._storage.get_all_trials(study._study_id, deepcopy=False, states=chosen)


def get_trial(study: optuna.Study, trial: Any) -> FrozenTrial:
    """The stored state of ``trial`` (an object with a trial id, or the id), read now."""
    return study._storage.get_trial(trial_id(trial))


def trial_id_of_number(study: optuna.Study, number: int) -> int:
    """The storage's id of trial ``number`` of ``study``."""
    return study._storage.get_trial_id_from_study_id_trial_number(study._study_id, number)


def trial_attrs(study: optuna.Study, trial: Any) -> dict[str, Any]:
    """The system attributes of ``trial`` as stored now."""
    return study._storage.get_trial_system_attrs(trial_id(trial))


def sim_segments(attrs: dict[str, Any]) -> list[list[Any]]:
    """The ``[lane, start, end]`` stretches in a trial's system attributes ``attrs``.

    Example:
        >>> sim_segments({SIM_SEGMENTS: [[0, 0.0, 2.5]]}), sim_segments({})
        ([[0, 0.0, 2.5]], [])
    """
    return list(attrs.get(SIM_SEGMENTS, ()))


def set_trial_attr(study: optuna.Study, trial: Any, key: str, value: Any) -> None:
    """Write system attribute ``key`` of ``trial`` (any object with a trial id)."""
    study._storage.set_trial_system_attr(trial_id(trial), key, value)


def set_trial_state(study: optuna.Study, trial: Any, state: TrialState) -> bool:
    """Set the state of a trial without telling the sampler (recovery of orphaned trials)."""
    return study._storage.set_trial_state_values(trial_id(trial), state)


def create_trial_id(study: optuna.Study) -> int:
    """A new RUNNING trial for another process to sample: an enqueued (WAITING) one first, as
    Optuna's own ``ask`` takes them; returns its id."""
    waiting = study._pop_waiting_trial_id()
    return waiting if waiting is not None else study._storage.create_new_trial(study._study_id)


def read_study_attrs(storage: BaseStorage, study_id: int) -> dict[str, Any]:
    """The system attributes of the study ``study_id``."""
    return storage.get_study_system_attrs(study_id)


def study_attrs(study: optuna.Study) -> dict[str, Any]:
    """The system attributes of ``study`` as stored now."""
    return study._storage.get_study_system_attrs(study._study_id)


def set_study_attr(study: optuna.Study, key: str, value: Any) -> None:
    """Write system attribute ``key`` of ``study``."""
    study._storage.set_study_system_attr(study._study_id, key, value)


#: Priors this process stored, by storage (held weakly: ids are reused) -> (study, name, spec).
_written_priors: weakref.WeakKeyDictionary[Any, set[tuple[int, str, str]]]
_written_priors = weakref.WeakKeyDictionary()


def record_prior(study: optuna.Study, name: str, value: float, confidence: str) -> None:
    """Store the prior of decision ``name`` with the study, once per process (a trial calls it
    before drawing the decision, so the sampler that draws it already reads it)."""
    spec: dict[str, Any] = {"value": value, "confidence": confidence}
    storage = study._storage
    key = (study._study_id, name, repr(spec))
    written = _written_priors.setdefault(storage, set())
    if key in written:
        return
    storage.set_study_system_attr(study._study_id, PRIOR_PREFIX + name, spec)
    written.add(key)


def read_priors(study: optuna.Study) -> dict[str, dict[str, Any]]:
    """The priors stored with ``study``: decision name -> ``{"value", "confidence"}``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(); record_prior(study, "lr", 0.003, "high")
        >>> read_priors(study)
        {'lr': {'value': 0.003, 'confidence': 'high'}}
    """
    attrs, n = study._storage.get_study_system_attrs(study._study_id), len(PRIOR_PREFIX)
    return {key[n:]: value for key, value in attrs.items() if key.startswith(PRIOR_PREFIX)}


def read_control(
    storage: BaseStorage | optuna.Study, study_id: int | None = None
) -> dict[str, Any]:
    """What the process running a study last recorded about it (:data:`CONTROL`); empty if
    none ran it yet. Give a study, or a storage and the study's id.

    Example:
        >>> import optuna
        >>> read_control(optuna.create_study())
        {}
    """
    if isinstance(storage, optuna.Study):
        attrs = storage._storage.get_study_system_attrs(storage._study_id)
    elif study_id is not None:
        attrs = storage.get_study_system_attrs(study_id)
    else:
        raise TypeError("read_control: give a study, or a storage and a study id")
    return dict(attrs.get(CONTROL) or {})


def read_study_info(storage: BaseStorage, study_id: int) -> dict[str, Any]:
    """The study's :data:`STUDY_INFO` (empty for a study the package did not write)."""
    return dict(storage.get_study_user_attrs(study_id).get(STUDY_INFO) or {})


def unwrap_storage(storage: BaseStorage) -> BaseStorage:
    """The storage under Optuna's in-process cache (``create_study`` wraps an RDB storage in
    one); any other storage as it is."""
    from optuna.storages._cached_storage import _CachedStorage

    return storage._backend if isinstance(storage, _CachedStorage) else storage


def journal_path(storage: BaseStorage) -> str | None:
    """The absolute file path of a journal-file storage (None for any other storage)."""
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    if isinstance(storage, JournalStorage):
        backend = getattr(storage, "_backend", None)
        if isinstance(backend, JournalFileBackend):
            return os.path.abspath(backend._file_path)
    return None


def record_failure(
    study: optuna.Study, trial: Any, reason: str | None, traceback: str | None = None
) -> None:
    """Write why ``trial`` failed: Optuna's :data:`FAIL_REASON` and our :data:`TRACEBACK`, and
    the same as user attributes (``fail_reason``, ``traceback``) where optuna-dashboard shows
    them. Its state is set by the caller.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> trial = study.ask()
        >>> record_failure(study, trial, "ValueError: bad")
        >>> study.tell(trial, state=optuna.trial.TrialState.FAIL).user_attrs
        {'fail_reason': 'ValueError: bad'}
    """
    storage, tid = study._storage, trial_id(trial)
    if reason:
        storage.set_trial_system_attr(tid, FAIL_REASON, reason)
        storage.set_trial_user_attr(tid, USER_FAIL_REASON, reason)
    if traceback:
        storage.set_trial_system_attr(tid, TRACEBACK, traceback)
        storage.set_trial_user_attr(tid, USER_TRACEBACK, traceback)


def _tell_function() -> Callable[..., Any]:
    try:
        from optuna.study._tell import _tell_with_warning
    except ImportError:  # pragma: no cover - a later Optuna that moved it
        return lambda study, trial, values=None, state=None: study.tell(trial, values, state)
    return _tell_with_warning


#: ``Study.tell`` without the deep copy of the trial it returns (most of a tell's cost), called
#: as ``Study.optimize`` calls it: ``tell(study, trial_or_number, values, state=...)``.
tell: Callable[..., Any] = _tell_function()
