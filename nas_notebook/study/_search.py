"""``Search``: the handle a ``%%search`` cell binds to its NAME, and the headless entry point."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._errors import StorageError
from .._logging import quiet_optuna
from ..algorithms import default_pruner, make_pruner, make_sampler, parse_spec, sampler_names
from ..executors import Executor, SimulatedExecutor, make_executor
from ..symbolic import materialize
from ._driver import Driver
from ._objective import Objective, infer_direction
from ._output import TrialLog
from ._program import FunctionProgram, TrialProgram, check_space_name
from ._recovery import record_driver, recover_stale_trials
from ._snapshot import Progress, Snapshot, trials_table

if TYPE_CHECKING:
    import pandas as pd

from ._storage import default_storage_url, describe_storage, open_storage, storage_url

__all__ = ["CONTROL", "Best", "Search", "load_search", "read_control"]

#: Study system attribute where a running search publishes its state and settings, so that any
#: other view of the study (another kernel, the JupyterLab panel, a script) sees them.
CONTROL = "nas_notebook:control"

_DIRECTIONS = ("minimize", "maximize")
_live: weakref.WeakSet[Search] = weakref.WeakSet()


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


def _benchmark_body(
    spec: str, body: Any, metric: str | None, direction: str | None
) -> tuple[Callable[[], Any], str, str | None]:
    """The trial body, metric and direction of benchmark ``spec``; a cell given with it must
    hold nothing but comments."""
    from ..benchmarks import make_benchmark

    if body is not None and not (isinstance(body, str) and _only_comments(body)):
        raise ValueError(
            f"--benchmark {spec}: the benchmark brings its own trial body; leave the cell empty"
        )
    bench = make_benchmark(spec)
    if metric is not None and metric != bench.metric:
        raise ValueError(f"--metric: the benchmark {spec} reports {bench.metric!r}, not {metric!r}")
    return bench, bench.metric, direction or bench.direction


def _continued_seed(seed: int, n_trials: int) -> int:
    """The seed for an algorithm that takes over a study of ``n_trials`` trials: reproducible,
    and different from the seed that drew those trials.

    Example:
        >>> _continued_seed(0, 6) == _continued_seed(0, 6) != _continued_seed(0, 7)
        True
    """
    import numpy as np

    return int(np.random.SeedSequence([seed, n_trials]).generate_state(1)[0])


def _parse_directions(directions: str | Sequence[str] | None) -> list[str] | None:
    """``"maximize,minimize"`` or a sequence of directions as a list (None stays None)."""
    if directions is None:
        return None
    items = directions.split(",") if isinstance(directions, str) else list(directions)
    parsed = [str(item).strip().lower() for item in items]
    bad = [item for item in parsed if item not in _DIRECTIONS]
    if bad or not parsed:
        raise ValueError(
            f"`directions` must be 'minimize' or 'maximize' for each objective, separated by "
            f"commas, got {directions!r}"
        )
    return parsed


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _study_names(storage: BaseStorage) -> list[str]:
    return [s.study_name for s in storage.get_all_studies()]


class Search:
    """A search over a trial body, backed by an Optuna study.

    Args:
        body: The trial body: cell text (the last expression is the objective) or a function
            of no arguments returning the objective.
        benchmark: A benchmark name with options (``nas201_digits``, ``nas201_digits:seed=1``:
            see :func:`~nas_notebook.benchmarks.make_benchmark`) whose trial body, search space
            and objective are used instead of ``body`` (which must then be empty). Run it with
            ``executor="simulated"`` to search in simulated time.
        name: The study name. A name already used in the storage gets a numbered sibling
            (``NAME.2``) unless ``resume`` is true.
        storage: A storage URL (see :func:`~nas_notebook.study.open_storage`) or object;
            in-memory when None.
        algo: An algorithm name (``random``, ``tpe``...) with options, or an Optuna sampler.
        pruner: A pruner name (``median``, ``none``) or an Optuna pruner.
        direction: ``minimize`` or ``maximize``; inferred from the metric (or the last
            expression) when None: names like loss, error or latency minimize, others maximize.
        metric: The reported metric that is the objective (``report(accuracy=...)``).
        n_trials: How many trials to run (None: until stopped or timed out).
        timeout: Seconds after which no new trial starts (simulated seconds with the simulated
            executor).
        seed: Seed of the algorithm.
        executor: ``thread`` (background, the default), ``inline`` (blocking) or an executor.
        workers: Number of concurrent trials.
        resume: Continue the study ``name`` in ``storage`` (it must exist).
        space: A symbolic space each trial sees materialized: for cell text, the name of a
            variable of ``user_ns`` that the body reads (``--space config``); for a function,
            the space itself (a dict of domains, a symbolized object with hyper values), and
            the function is called with the materialized object. ``search.best.build()``
            rebuilds the best trial's object.
        user_ns: The namespace the body's free names come from (the notebook's); the
            primitives and ``report`` are found even when it lacks them.
        first_line: The cell line of the body's first line (for messages and tracebacks).

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("x = floatv(-1, 1)\\n(x - 0.5) ** 2", direction="minimize",
        ...            n_trials=5, executor="inline", seed=0, algo="random").start()
        >>> len(s.study.trials)
        5
    """

    def __init__(
        self,
        body: str | Callable[[], Any] | TrialProgram | None = None,
        *,
        benchmark: str | None = None,
        name: str | None = None,
        storage: str | BaseStorage | None = None,
        algo: str | optuna.samplers.BaseSampler = "tpe",
        pruner: str | optuna.pruners.BasePruner | None = None,
        direction: str | None = None,
        directions: str | Sequence[str] | None = None,
        metric: str | None = None,
        n_trials: int | None = None,
        timeout: float | None = None,
        seed: int | None = None,
        executor: str | Executor = "thread",
        workers: int = 1,
        resume: bool = False,
        space: Any = None,
        user_ns: Mapping[str, Any] | None = None,
        first_line: int = 1,
    ) -> None:
        if n_trials is not None and (isinstance(n_trials, bool) or n_trials < 1):
            raise ValueError(f"`n_trials` must be a positive integer, got {n_trials!r}")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"`timeout` must be positive, got {timeout!r}")
        if direction is not None and direction not in _DIRECTIONS:
            raise ValueError(f"`direction` must be 'minimize' or 'maximize', got {direction!r}")
        wanted = _parse_directions(directions)
        if wanted is not None and direction is not None:
            raise ValueError("give `direction` (one objective) or `directions`, not both")
        self.user_ns: Mapping[str, Any] = user_ns if user_ns is not None else {}
        #: The benchmark spec the trials run, if any.
        self.benchmark = benchmark
        if benchmark is not None:
            body, metric, direction = _benchmark_body(benchmark, body, metric, direction)
        if body is None:
            raise ValueError("Search needs a trial body (cell text or a function) or a benchmark")
        if isinstance(body, TrialProgram):
            self.program = body
        elif callable(body):
            if isinstance(space, str):
                check_space_name(space, self.user_ns, frozenset([space]))
                space = self.user_ns[space]
            self.program = FunctionProgram(body, space)
        else:
            if space is not None and not isinstance(space, str):
                raise ValueError(
                    "`space` for a cell body is the name of the variable that holds the space"
                )
            self.program = TrialProgram(
                body, label=name or "search", first_line=first_line, space=space
            )
        self.program.check(self.user_ns)
        #: The symbolic space the trials materialize (None: a define-by-run body).
        self.space: Any = (
            self.user_ns.get(self.program.space)
            if self.program.space is not None
            else getattr(self.program, "space_value", None)
        )
        self.executor = make_executor(executor, workers)
        self._remote = bool(getattr(self.executor, "remote", False))
        n_metrics = len(metric.split(",")) if metric else 0
        n_objectives = len(wanted) if wanted else max(n_metrics, 1)
        self.objective = Objective(metric, n_objectives)
        if wanted is None and direction is not None and n_objectives > 1:
            raise ValueError(
                f"--metric names {n_objectives} objectives: give --directions (one each), "
                "not --direction"
            )
        self.n_trials = n_trials
        if timeout is not None and isinstance(self.executor, SimulatedExecutor):
            self.executor.time_budget = timeout
            timeout = None
        self.timeout = timeout
        self._storage = open_storage(storage)
        #: Where worker processes open the study (remote executors only).
        self._storage_url = storage_url(self._storage) if self._remote else None
        sampler = make_sampler(algo, seed)
        self.seed = seed
        #: The algorithm's spec (a registry name) or its class name.
        self.algo = algo if isinstance(algo, str) else type(algo).__name__
        # An algorithm may come with a pruner (BOHB: Hyperband) unless one is named.
        self._pruner = make_pruner(pruner if pruner is not None else default_pruner(algo))
        if getattr(self._pruner, "promotes", False) and self.executor.name == "dask":
            raise ValueError(
                "--pruner: a promotion-type scheduler resumes paused trials, which the thread, "
                "process, inline and simulated executors can do, not dask"
            )
        if self._remote:  # before any study is created
            self._check_picklable(sampler, self._pruner)
        self.recovered: list[int] = []
        if wanted is None and direction is not None:
            wanted = [direction]
        self.study = self._open_study(name, sampler, self._pruner, wanted, resume)
        if resume and seed is not None and self.study.trials:
            # Seeded like the first run, a resumed algorithm would draw that run's trials again.
            self.study.sampler = make_sampler(algo, _continued_seed(seed, len(self.study.trials)))
        #: Each objective's direction (``minimize`` or ``maximize``).
        self.directions = [d.name.lower() for d in self.study.directions]
        #: The first objective's direction.
        self.direction = self.directions[0]
        self.driver: Driver | None = None
        #: What background trials printed (a blocking executor prints to the cell instead).
        self.log = TrialLog()
        self._snapshot = Snapshot(self.study)
        self._lock = threading.Lock()
        self._study_part: tuple[dict[str, Any], str] | None = None
        self._started = False
        #: Trials the study had finished before this search ran (a resumed study has some).
        self._snapshot.refresh()
        self.baseline: int = self._snapshot.progress().finished

    # -- study ----------------------------------------------------------------------------

    def _hint(self) -> str | None:
        if self.objective.metric:
            return self.objective.metric
        source = self.program.source.rstrip().splitlines()
        return source[-1] if source else None

    def _open_study(
        self,
        name: str | None,
        sampler: optuna.samplers.BaseSampler,
        pruner: optuna.pruners.BasePruner,
        directions: list[str] | None,
        resume: bool,
    ) -> optuna.Study:
        storage = self._storage
        existing = _study_names(storage) if name else []
        if resume:
            if name not in existing:
                known = ", ".join(sorted(existing)) or "none"
                raise StorageError(
                    f"--resume: no study named {name!r} in {describe_storage(storage)} "
                    f"(studies there: {known})"
                )
            name = _latest_version(name, existing)
            with quiet_optuna():
                study = optuna.load_study(
                    study_name=name, storage=storage, sampler=sampler, pruner=pruner
                )
            stored = [d.name.lower() for d in study.directions]
            if directions is not None and directions != stored:
                raise ValueError(
                    f"--direction(s) {','.join(directions)} does not match the resumed study, "
                    f"which is {','.join(stored)}"
                )
            where = describe_storage(storage)
            live_here = any(
                s.study.study_name == name
                and not s.done
                and (s._storage is storage or describe_storage(s._storage) == where)
                for s in list(_live)
            )
            #: Trials a dead process had left RUNNING, now marked FAIL (see _recovery).
            self.recovered = recover_stale_trials(study, live_here)
            return study
        if name in existing:
            name = _next_version(name, existing)
        if directions is not None:
            chosen = directions
        elif self.objective.n_objectives > 1:
            chosen = [infer_direction(metric) for metric in self.objective.metrics]
        else:
            chosen = [infer_direction(self._hint())]
        with quiet_optuna():
            study = optuna.create_study(
                storage=storage,
                study_name=name,
                sampler=sampler,
                pruner=pruner,
                directions=chosen,  # type: ignore[arg-type]
            )
        study.set_user_attr(
            "nas_notebook",
            {"source": self.program.source, "metric": self.objective.metric},
        )
        return study

    @property
    def name(self) -> str:
        """The study name."""
        return self.study.study_name

    # -- running --------------------------------------------------------------------------

    def start(self) -> Search:
        """Start the trials (in the background unless the executor is blocking); return self."""
        with self._lock:
            if self.driver is not None:
                raise RuntimeError(f"search {self.name!r} was already started")
            self.driver = Driver(
                self.study,
                self.program,
                self.user_ns,
                self.objective,
                n_trials=self.n_trials,
                timeout=self.timeout,
                log=None if self.executor.blocking else self.log,
                remote=self._remote,
            )
        if self._remote:
            self._prepare_remote()
        _live.add(self)
        record_driver(self.study)
        self._publish()
        self.executor.start(self.driver)
        self._started = True
        if self.executor.blocking:
            self._publish()
            self._raise_if_broken()
        else:  # after start: joining an executor that has no lanes yet returns at once
            threading.Thread(
                target=self._publish_when_done, name="nas-notebook-end", daemon=True
            ).start()
        return self

    def _publish_when_done(self) -> None:
        self.executor.join()
        self._publish()

    def _publish(self) -> None:
        """Write the search's state and settings into the storage (see :data:`CONTROL`)."""
        import os
        import socket
        import time

        driver = self.driver
        record: dict[str, Any] = {
            "state": self.state,
            "algo": self.algo,
            "workers": self.executor.workers,
            "executor": self.executor.name,
            "n_trials": driver.n_trials if driver is not None else self.n_trials,
            # Trials the study had before this run: a view elsewhere counts this run's from it.
            "baseline": self.baseline,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "updated": time.time(),
        }
        try:
            self._storage.set_study_system_attr(self.study._study_id, CONTROL, record)
        except Exception:  # a view's record must never break the search (storage gone, say)
            logging.getLogger(__name__).warning(
                "could not record the state of %r in its storage", self.name, exc_info=True
            )

    def _shipped_names(self) -> tuple[dict[str, Any], tuple[tuple[str, int], ...]]:
        names = {
            k: v
            for k, v in self.program.namespace(self.user_ns).items()
            if k not in ("__builtins__", "__name__")
        }
        return names, tuple(sorted((k, id(v)) for k, v in names.items()))

    def _check_picklable(
        self, sampler: optuna.samplers.BaseSampler, pruner: optuna.pruners.BasePruner
    ) -> None:
        """Raise a ValueError naming the first thing a worker needs that cannot be pickled."""
        import cloudpickle

        names, _ = self._shipped_names()
        parts = {
            **{f"`{k}`": v for k, v in names.items()},
            "the trial body": self.program,
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

    def _prepare_remote(self) -> None:
        """Tell the executor how to build its messages (see ``executors._worker``)."""
        self._check_picklable(self.study.sampler, self.study.pruner)

        def study_part() -> tuple[dict[str, Any], str]:
            # Rebuilt when the algorithm changes: workers reload the study when the token does.
            sampler = self.study.sampler
            cached = self._study_part
            if cached is None or cached[0]["sampler"] is not sampler:
                part = {
                    "storage": self._storage_url,
                    "study_name": self.study.study_name,
                    "sampler": sampler,
                    "pruner": self.study.pruner,
                    "program": self.program,
                    "objective": self.objective,
                }
                cached = self._study_part = (part, uuid.uuid4().hex)
            return cached

        def message_for(job: Any) -> tuple[Any, ...]:
            names, names_token = self._shipped_names()
            part, token = study_part()
            return part, token, names, names_token

        self.executor.message_for = message_for  # type: ignore[attr-defined]
        storage = self._storage

        def trial_started(job: Any) -> bool:
            attrs = storage.get_trial_system_attrs(job.trial._trial_id)
            return "nas_notebook:started" in attrs

        self.executor.trial_started = trial_started  # type: ignore[attr-defined]

    def _raise_if_broken(self) -> None:
        driver = self.driver
        if driver is not None and driver.interrupted:
            raise KeyboardInterrupt
        if driver is not None and driver.error is not None:
            raise driver.error

    def wait(self, timeout: float | None = None) -> Search:
        """Block until the search ends (or ``timeout`` seconds pass); return self.

        Interrupting the kernel (Ctrl-C) while waiting stops the search: running trials are
        cancelled and recorded as failed ("interrupted"), completed ones are kept.
        """
        if self.driver is None:
            raise RuntimeError("the search has not been started; call start()")
        try:
            self.executor.join(timeout)
        except KeyboardInterrupt:
            self.stop(cancel=True)
            if not self.executor.join(5.0):
                self.driver.abandon("interrupted by the user")
            raise
        self._raise_if_broken()
        return self

    def stop(self, cancel: bool = False, wait: bool = False) -> Search:
        """Start no more trials. Running trials finish, unless ``cancel`` is true: then each
        is stopped at its next decision or ``report`` (at once on a thread executor) and recorded
        as FAIL with reason "stopped". Completed trials are never lost.
        """
        if self.driver is None:
            return self
        self.driver.stop(cancel=cancel)
        if cancel:
            for job in self.executor.running():
                self.executor.cancel(job)
        self._publish()
        if wait:
            self.executor.join()
        return self

    def pause(self) -> Search:
        """Start no new trial until :meth:`resume`; running ones continue."""
        if self.driver is not None:
            self.driver.pause()
            self._publish()
        return self

    def resume(self) -> Search:
        """Continue after :meth:`pause`."""
        if self.driver is not None:
            self.driver.resume()
            self._publish()
        return self

    def add_trials(self, n: int) -> Search:
        """Run ``n`` more trials than planned (a search that already ended does not restart:
        call :func:`load_search` for that)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"add_trials: `n` must be a positive integer, got {n!r}")
        if self.driver is not None:
            self.driver.add_trials(n)
            self._publish()
        else:
            self.n_trials = (self.n_trials or 0) + n
        return self

    def set_algorithm(self, algo: str | optuna.samplers.BaseSampler) -> Search:
        """Use ``algo`` (a registry spec such as ``"random"`` or ``"tpe:n_startup_trials=5"``,
        or an Optuna sampler) from the next trial on. The new algorithm sees every earlier trial:
        Optuna samplers rebuild their state from the storage.

        Example:
            >>> s = Search("x = floatv(0, 1)\\nx", n_trials=4, executor="inline", algo="random")
            >>> s.set_algorithm("tpe").algo
            'tpe'
        """
        seed = self.seed
        if seed is not None and self.study.trials:
            seed = _continued_seed(seed, len(self.study.trials))
        sampler = make_sampler(algo, seed)
        if self._remote:
            self._check_picklable(sampler, self.study.pruner)
        self.study.sampler = sampler
        self.algo = algo if isinstance(algo, str) else type(algo).__name__
        if self.driver is not None:
            self._publish()
        return self

    def set_workers(self, workers: int) -> Search:
        """Run ``workers`` trials at once from now on (thread, process and Dask executors).
        Shrinking never interrupts a running trial: a lane ends after its current one."""
        try:
            self.executor.resize(workers)
        except NotImplementedError as exc:
            raise ValueError(str(exc)) from None
        if self.driver is not None:
            self._publish()
        return self

    @property
    def done(self) -> bool:
        """True once the search was started and every trial it began has ended."""
        # Until the executor has started (lanes spawned), joining it would say "all ended".
        return self.driver is not None and self._started and self.executor.join(0)

    def control(self) -> dict[str, Any]:
        """The state and settings last recorded in the storage by whichever process runs (or
        ran) this study: ``state``, ``algo``, ``workers``, ``n_trials`` (that run's budget),
        ``baseline`` (the finished trials it started after), ``host``, ``pid``, ``updated``
        (POSIX time); empty if none ran it yet."""
        return read_control(self.study)

    @property
    def state(self) -> str:
        """``created``, ``running``, ``paused``, ``stopping``, ``stopped`` (ended by
        :meth:`stop` or an interrupt before its budget), ``finished`` or ``failed``."""
        driver = self.driver
        if driver is None:
            return "created"
        if self.done:
            if driver.error is not None:
                return "failed"
            return "stopped" if driver.stopped_early else "finished"
        if driver.stopping:
            return "stopping"
        return "paused" if driver.paused else "running"

    # -- results (read from the storage) ---------------------------------------------------

    def snapshot(self) -> Snapshot:
        """A freshly read :class:`Snapshot` of the study."""
        self._snapshot.refresh()
        return self._snapshot

    def progress(self) -> Progress:
        """Trial counts by state and the best value, read from the storage."""
        return self.snapshot().progress()

    @property
    def best(self) -> Best:
        """The best completed trial: ``.value``, ``.params``, ``.number``, ``.trial``.

        A multi-objective search has no single best: see :meth:`pareto_front`."""
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
        return Best(
            trial.value,  # type: ignore[arg-type]
            dict(trial.params),
            trial.number,
            trial,
            self.space,
        )

    def pareto_front(self) -> pd.DataFrame:
        """The completed trials no other completed trial beats on every objective: one row per
        trial with ``number``, each objective (named by ``--metric``, else ``value_0``...) and
        each parameter, sorted by the first objective (best first).

        Example:
            >>> s = Search("x = floatv(0, 1)\\n(x, 1 - x)", directions="maximize,maximize",
            ...            n_trials=5, executor="inline", algo="random", seed=0).start()
            >>> len(s.pareto_front()) == 5   # every trial trades one objective for the other
            True
        """
        import pandas as pd

        from ..plots._pareto_front import pareto_rows

        snapshot = self.snapshot()
        done = [t for t in snapshot.trials if t.state == TrialState.COMPLETE and t.values]
        names = list(self.objective.metrics) or [f"value_{i}" for i in range(len(self.directions))]
        if len(names) == 1:
            names = ["value"]
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
        """All trials as a pandas DataFrame (see :func:`~nas_notebook.study.trials_table`)."""
        return trials_table(self.snapshot().trials)

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials, read from the storage."""
        return list(self.snapshot().trials)

    def __repr__(self) -> str:
        p = self.progress()
        best = "none yet" if p.best_value is None else f"{p.best_value:.6g} (trial {p.best_number})"
        if len(self.directions) > 1:
            best = f"on the first of {len(self.directions)} objectives {best}"
        planned = self.driver.n_trials if self.driver is not None else self.n_trials
        total = f"/{planned}" if planned else ""
        earlier = f" after {self.baseline} earlier" if self.baseline else ""
        done = p.finished - self.baseline
        return (
            f"<Search {self.name!r} {self.state}: {done}{total} trials{earlier} "
            f"({p.complete} complete, {p.failed} failed, {p.pruned} pruned, {p.running} running), "
            f"{self.direction} best {best}>"
        )

    def dashboard(self, refresh_interval: float = 0.5) -> Any:
        """A live dashboard widget for this search (see :mod:`nas_notebook.widgets`)."""
        from ..widgets import Dashboard

        return Dashboard(self, refresh_interval=refresh_interval)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.dashboard())


def read_control(study: optuna.Study) -> dict[str, Any]:
    """What the process running ``study`` last recorded about it (see :data:`CONTROL`).

    Example:
        >>> s = Search("x = floatv(0, 1)\\nx", n_trials=2, executor="inline").start()
        >>> read_control(s.study)["state"]
        'finished'
    """
    attrs = study._storage.get_study_system_attrs(study._study_id)
    return dict(attrs.get(CONTROL) or {})


def load_search(
    name: str,
    storage: str | BaseStorage | None = None,
    user_ns: Mapping[str, Any] | None = None,
    **options: Any,
) -> Search:
    """The search ``name`` stored in ``storage``, ready to continue or to look at.

    The trial body is the one stored with the study (the cell's source), and the search resumes
    the latest study of that name: ``load_search("net").add_trials(10).start()`` runs ten more
    trials, the algorithm seeing every earlier one. Unless ``algo=`` says otherwise, that is
    the algorithm the study was last searched with (when it was given by name).

    Args:
        name: The study name.
        storage: A storage URL or object; by default the journal of the current folder.
        user_ns: Where the body's names come from (in a notebook: ``globals()``).
        **options: Other :class:`Search` arguments (``executor``, ``workers``, ``n_trials``...).

    Example:
        >>> s = Search("x = floatv(0, 1)\\nx", name="demo", storage="memory", n_trials=2,
        ...            executor="inline").start()
        >>> again = load_search("demo", storage=s.study._storage, executor="inline")
        >>> len(again.trials)
        2
    """
    resolved = open_storage(storage if storage is not None else default_storage_url())
    names = _study_names(resolved)
    if name not in names:
        known = ", ".join(sorted(names)) or "none"
        raise StorageError(
            f"no study named {name!r} in {describe_storage(resolved)} (studies there: {known})"
        )
    study_id = resolved.get_study_id_from_name(_latest_version(name, names))
    stored = resolved.get_study_user_attrs(study_id).get("nas_notebook", {})
    if "source" not in stored:
        raise StorageError(f"study {name!r} was not written by nas_notebook: it has no trial body")
    options.setdefault("metric", stored.get("metric"))
    # More trials go on with the algorithm the study was searched with, unless told otherwise
    # (a sampler object is recorded by its class name: nothing to rebuild it from).
    recorded = dict(resolved.get_study_system_attrs(study_id).get(CONTROL) or {}).get("algo")
    if "algo" not in options and isinstance(recorded, str):
        with contextlib.suppress(ValueError):
            if parse_spec(recorded)[0] in sampler_names():
                options["algo"] = recorded
    return Search(
        stored["source"], name=name, storage=resolved, resume=True, user_ns=user_ns, **options
    )


def _version_of(name: str, base: str) -> int | None:
    if name == base:
        return 1
    prefix, _, number = name.rpartition(".")
    return int(number) if prefix == base and number.isdigit() else None


def _latest_version(base: str, existing: list[str]) -> str:
    versions = [(v, n) for n in existing if (v := _version_of(n, base)) is not None]
    return max(versions)[1]


def _next_version(base: str, existing: list[str]) -> str:
    versions = [v for n in existing if (v := _version_of(n, base)) is not None]
    return f"{base}.{max(versions) + 1}"


@atexit.register
def _stop_live_searches() -> None:
    """At interpreter exit, leave no trial RUNNING: cancel, wait briefly, then mark failed."""
    for search in list(_live):
        driver = search.driver
        if driver is None or search.executor.join(0):
            continue
        search.stop(cancel=True)
        if not search.executor.join(2.0):
            driver.abandon("the Python process exited while the trial ran")
