"""A study seen from the storage alone: what dashboards, the studies panel, plots and
``load_search`` read, without the trial program or the notebook's names.

:class:`StudyView` is the read side of :class:`~nas_notebook.Search` (a search is a view that can
also run); :func:`open_view` opens one on any stored study by its name.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._errors import StorageError
from .._logging import quiet_optuna
from .._schema import read_study_info, study_id
from .._storages import describe_storage, open_storage
from ..symbolic import materialize
from ..trial import TrialLog
from ._control import RunStatus, read_control, recorded_run
from ._pareto import pareto_rows
from ._snapshot import Progress, Snapshot, trials_table
from ._versions import latest_version, study_names

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Best", "StudyView", "open_study_by_name", "open_view"]


class Best(NamedTuple):
    """The best trial so far: its value, parameters (as stored), number and the frozen trial;
    for a search over a symbolic space (``--space``), :meth:`build` makes its object.

    Example:
        >>> from nas_notebook import Search, floatv
        >>> search = Search(lambda: floatv(0, 1, name="x"), n_trials=4, seed=0,
        ...                 storage="memory", executor="inline").start()
        >>> best = search.best
        >>> best.value == best.params["x"], best.trial.number == best.number
        (True, True)
    """

    value: float
    params: dict[str, Any]
    number: int
    trial: FrozenTrial
    space: Any = None

    def build(self) -> Any:
        """The concrete object (model, configuration dict...) of the best trial, materialized
        from the searched space and the trial's decisions.

        Raises:
            ValueError: The search had no symbolic space.
        """
        if self.space is None:
            raise ValueError(
                "this search has no symbolic space to build (give `space=` / --space); the "
                "best trial's parameters are in .params"
            )
        return materialize(self.space, self.params, strict=False)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Best(value={self.value!r}, number={self.number}, params={{{params}}})"


class StudyView:
    """The trials, progress, best and recorded run of one stored study (read-only).

    Reads go to the storage each time (incrementally: see :class:`Snapshot`); building a view
    reads nothing. Called from any thread: the user's, a dashboard's refresher.

    Args:
        study: The Optuna study.
        metrics: The objectives' names (``--metric``), if they have names.
        space: The symbolic space the trials materialize, if any (for :meth:`Best.build`).

    Example:
        >>> import optuna
        >>> study = optuna.create_study(study_name="plain")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> view = StudyView(study)
        >>> view.progress().complete, view.status().state, view.best.number in (0, 1, 2)
        (3, 'stored', True)
    """

    #: What the trials printed, for a search that runs them in this process (None here).
    log: TrialLog | None = None
    #: Whether the object can also steer the study (pause, stop, add trials...): a view cannot.
    steerable: bool = False

    def __init__(self, study: optuna.Study, metrics: Sequence[str] = (), space: Any = None) -> None:
        self.study = study
        self.metrics = tuple(metrics)
        self.space = space
        self._snapshot = Snapshot(study)
        self._directions: list[str] | None = None

    @property
    def name(self) -> str:
        """The study name."""
        return self.study.study_name

    @property
    def directions(self) -> list[str]:
        """Each objective's direction (``minimize`` or ``maximize``)."""
        if self._directions is None:
            self._directions = [d.name.lower() for d in self.study.directions]
        return self._directions

    @property
    def direction(self) -> str:
        """The first objective's direction."""
        return self.directions[0]

    @property
    def priors(self) -> dict[str, tuple[Any, str]]:
        """The priors written inline, by decision: ``(value, confidence)``, a choice's value as
        its stored label.

        Example:
            >>> from nas_notebook import Search, oneof
            >>> search = Search(lambda: oneof(["relu", "gelu"], prior="gelu", name="act") == "gelu",
            ...                 n_trials=2, storage="memory", executor="inline").start()
            >>> search.priors
            {'act': ('gelu', 'medium')}
        """
        cols = self.snapshot().columns()
        out = {}
        for name, spec in cols.priors.items():
            value = spec["value"]
            dist = cols.distributions.get(name)
            choices = getattr(dist, "choices", None)
            if choices is not None and isinstance(value, int) and 0 <= value < len(choices):
                value = choices[value]
            out[name] = (value, spec["confidence"])
        return out

    @property
    def objective_names(self) -> list[str]:
        """One name per objective: the metrics, else ``value`` (``value_0``... for several).

        Example:
            >>> import optuna
            >>> StudyView(optuna.create_study(directions=["minimize"] * 2)).objective_names
            ['value_0', 'value_1']
        """
        if self.metrics:
            return list(self.metrics)
        n = len(self.directions)
        return ["value"] if n == 1 else [f"value_{i}" for i in range(n)]

    def snapshot(self) -> Snapshot:
        """A freshly read :class:`Snapshot` of the study."""
        self._snapshot.refresh()
        return self._snapshot

    def progress(self) -> Progress:
        """Trial counts by state and the best value, read from the storage."""
        return self.snapshot().progress()

    def control(self) -> dict[str, Any]:
        """The state and settings last recorded in the storage by whichever process runs (or
        ran) this study: ``state``, ``algo``, ``workers``, ``n_trials`` (that run's budget),
        ``baseline`` (the finished trials it started after), ``host``, ``pid``, ``updated``
        (POSIX time); empty if none ran it yet."""
        return read_control(self.study)

    @property
    def state(self) -> str:
        """The state the process running the study last recorded (``created`` if none)."""
        return str(self.control().get("state") or "created")

    @property
    def done(self) -> bool:
        """Whether the view will change no more: a view of a stored study keeps following it."""
        return False

    def status(self, finished: int | None = None) -> RunStatus:
        """The run recorded in the storage, for a study with ``finished`` trials (read now
        when None)."""
        if finished is None:
            finished = self.progress().finished
        return recorded_run(self.control(), finished)

    @property
    def best(self) -> Best:
        """The best completed trial: ``.value``, ``.params``, ``.number``, ``.trial``.

        A multi-objective study has no single best: see :meth:`pareto_front`."""
        if len(self.directions) > 1:
            raise ValueError(
                f"{self.name!r} has {len(self.directions)} objectives and no single best trial: "
                "use .pareto_front()"
            )
        snapshot = self.snapshot()
        trial = snapshot.best()
        if trial is None:
            progress = snapshot.progress()
            raise LookupError(
                f"no trial of {self.name!r} has completed yet ({progress.failed} failed, "
                f"{progress.pruned} pruned, {progress.running} running)"
            )
        return Best(trial.value, dict(trial.params), trial.number, trial, self.space)  # type: ignore[arg-type]

    def pareto_front(self) -> pd.DataFrame:
        """The completed trials no other completed trial beats on every objective: one row per
        trial with ``number``, each objective (named by ``--metric``, else ``value_0``...) and
        each parameter, sorted by the first objective (best first).

        Example:
            >>> from nas_notebook import Search
            >>> s = Search("x = floatv(0, 1)\\n(x, 1 - x)", directions="maximize,maximize",
            ...            n_trials=5, executor="inline", algo="random", seed=0).start()
            >>> len(s.pareto_front()) == 5   # every trial trades one objective for the other
            True
        """
        import pandas as pd

        done = [t for t in self.snapshot().trials if t.state == TrialState.COMPLETE and t.values]
        names = self.objective_names if len(self.directions) > 1 else ["value"]
        front = (
            [done[int(i)] for i in pareto_rows([t.values for t in done], self.directions)]
            if done
            else []
        )
        frame = pd.DataFrame(
            [{"number": t.number, **dict(zip(names, t.values)), **t.params} for t in front],
            columns=["number", *names, *sorted({k for t in front for k in t.params})],
        )
        ascending = self.directions[0] == "minimize"
        return frame.sort_values(
            [names[0], "number"], ascending=[ascending, True], ignore_index=True
        )

    def dataframe(self) -> pd.DataFrame:
        """All trials as a pandas DataFrame (see :func:`~nas_notebook.study.trials_table`).

        While trials run (a cell after ``%%search`` in "Run All" runs at once), the table holds
        what the storage has so far, and a warning says so: a RUNNING row has no value yet.
        """
        snapshot = self.snapshot()
        frame = trials_table(snapshot.trials)
        progress = snapshot.progress()
        if progress.running:
            run = self.status(progress.finished)
            total = f" of {run.total}" if run.total else ""
            warnings.warn(
                f"{self.name!r} is still running: {run.done}{total} trials finished and "
                f"{progress.running} running, whose rows have no value yet; "
                f"{self.name}.wait() waits for the search to end",
                RuntimeWarning,
                stacklevel=2,
            )
        return frame

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials, read from the storage."""
        return list(self.snapshot().trials)

    def __repr__(self) -> str:
        p = self.progress()
        best = "none yet" if p.best_value is None else f"{p.best_value:.6g} (trial {p.best_number})"
        if len(self.directions) > 1:
            best = f"on the first of {len(self.directions)} objectives {best}"
        run = self.status(p.finished)
        total = f"/{run.total}" if run.total else ""
        earlier = f" after {run.earlier} earlier" if run.earlier else ""
        return (
            f"<{type(self).__name__} {self.name!r} {self.state}: {run.done}{total} trials"
            f"{earlier} "
            f"({p.complete} complete, {p.failed} failed, {p.pruned} pruned, {p.running} running), "
            f"{self.direction} best {best}>"
        )


def open_study_by_name(name: str, storage: str | BaseStorage | None) -> tuple[BaseStorage, str]:
    """The opened storage and the latest version of study ``name`` in it.

    Raises:
        StorageError: No study of that name is there (the message lists those that are).

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> for name in ("net", "net.2"):
        ...     _ = optuna.create_study(storage=storage, study_name=name)
        >>> open_study_by_name("net", storage)[1]
        'net.2'
        >>> open_study_by_name("other", storage)
        Traceback (most recent call last):
        ...
        nas_notebook._errors.StorageError: no study named 'other' in InMemoryStorage (studies ...
    """
    resolved = open_storage(storage)
    names = study_names(resolved)
    if name not in names:
        known = ", ".join(sorted(names)) or "none"
        raise StorageError(
            f"no study named {name!r} in {describe_storage(resolved)} (studies there: {known})"
        )
    return resolved, latest_version(name, names)


def open_view(name: str, storage: str | BaseStorage | None) -> StudyView:
    """A view of the latest study called ``name`` in ``storage``: no trial program, no
    notebook names, nothing written.

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> optuna.create_study(storage=storage, study_name="net").optimize(
        ...     lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> open_view("net", storage).progress().complete
        2
    """
    resolved, latest = open_study_by_name(name, storage)
    with quiet_optuna():
        study = optuna.load_study(study_name=latest, storage=resolved)
    metric = read_study_info(resolved, study_id(study)).get("metric")
    return StudyView(study, metrics=metric.split(",") if isinstance(metric, str) and metric else ())
