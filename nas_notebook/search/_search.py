"""``Search``: the handle a ``%%search`` cell binds to its NAME, and the headless entry point."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage

from .._storages import open_storage, storage_url
from ..algorithms import check_algorithm, default_pruner, make_pruner, make_sampler
from ..executors import Executor, make_executor
from ..study import (
    Driver,
    Heartbeat,
    RunStatus,
    StudyView,
    check_picklable,
    continued_seed,
    create_study,
    publish_control,
    record_driver,
    resume_run,
    resume_study,
)
from ..trial import Objective, TrialLog, TrialProgram
from ._live import add_live, runs_here
from ._load_body import stored_function
from ._options import (
    benchmark_body,
    build_program,
    check_options,
    default_directions,
    program_space,
    warm_start_of,
)
from ._steer import Steering

__all__ = ["Search"]


class Search(Steering, StudyView):
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
        directions: One direction per objective (``"maximize,minimize"``).
        metric: The reported metric that is the objective (``report(accuracy=...)``).
        n_trials: How many trials to run (None: until stopped or timed out).
        timeout: Seconds after which no new trial starts (simulated seconds with an executor
            of simulated time).
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
        check_names: Check now that the body's free names are in ``user_ns`` (and, for worker
            processes, that they pickle); otherwise :meth:`start` does. A search opened only
            to look at a study (``load_search(NAME)``) needs none of the notebook's names.

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("x = floatv(-1, 1)\\n(x - 0.5) ** 2", direction="minimize",
        ...            n_trials=5, executor="inline", seed=0, algo="random").start()
        >>> len(s.study.trials)
        5
    """

    steerable = True

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
        check_names: bool = True,
        warm_start: str | optuna.Study | Sequence[str | optuna.Study] | None = None,
    ) -> None:
        wanted = check_options(n_trials, timeout, direction, directions)
        self.user_ns: Mapping[str, Any] = user_ns if user_ns is not None else {}
        #: The benchmark spec the trials run, if any.
        self.benchmark = benchmark
        if benchmark is not None:
            body, metric, direction = benchmark_body(benchmark, body, metric, direction)
        self.program = build_program(body, space, name, first_line, self.user_ns)
        self.executor = make_executor(executor, workers)
        n_metrics = len(metric.split(",")) if metric else 0
        n_objectives = len(wanted) if wanted else max(n_metrics, 1)
        self.objective = Objective(metric, n_objectives)
        if wanted is None and direction is not None and n_objectives > 1:
            raise ValueError(
                f"--metric names {n_objectives} objectives: give --directions (one each), "
                "not --direction"
            )
        self.n_trials = n_trials
        if timeout is not None and self.executor.simulated_time:
            self.executor.time_budget = timeout
            timeout = None
        self.timeout = timeout
        #: The study's storage, opened.
        self.storage = open_storage(storage)
        if self.executor.remote:
            storage_url(self.storage)  # worker processes must be able to open it: say so now
        sampler = make_sampler(algo, seed)
        # Checked before the study is created: a mistake there leaves no empty study behind.
        warm = warm_start_of(self.storage, warm_start, self.program, n_objectives, name)
        self.seed = seed
        #: The algorithm's spec (a registry name) or its class name.
        self.algo = algo if isinstance(algo, str) else type(algo).__name__
        # An algorithm may come with a pruner (BOHB: Hyperband) unless one is named.
        pruner_obj = make_pruner(pruner if pruner is not None else default_pruner(algo))
        if getattr(pruner_obj, "promotes", False) and not self.executor.resumes_paused:
            raise ValueError(
                f"--pruner: a promotion-type scheduler resumes paused trials, which the "
                f"{self.executor.name} executor cannot do"
            )
        if check_names:
            self._check_runnable(sampler, pruner_obj)
        #: Trials a dead process had left RUNNING, marked FAIL when this search resumed them.
        self.recovered: list[int] = []
        #: Interrupted trials of the study queued to run again when this search resumed it.
        self.rerun: list[int] = []
        self._prepared = not resume
        if wanted is None and direction is not None:
            wanted = [direction]
        if resume:
            study = resume_study(self.storage, name, sampler, pruner_obj, wanted)
            check_algorithm(sampler, pruner_obj, [d.name.lower() for d in study.directions])
        else:
            info = {
                "source": self.program.source,
                "metric": self.objective.metric,
                **stored_function(self.program),
            }
            directions = wanted or default_directions(self.objective, self.program)
            # Before the study exists: an algorithm refusing it later would strand a trial.
            check_algorithm(sampler, pruner_obj, directions)
            study = create_study(self.storage, name, sampler, pruner_obj, directions, info)
            if self.objective.metrics:  # Optuna's own tools (optuna-dashboard) show them
                with warnings.catch_warnings():
                    # Optuna marks the call experimental: nothing the user could act on.
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    study.set_metric_names(list(self.objective.metrics))
        if resume and seed is not None and study.trials:
            # Seeded like the first run, a resumed algorithm would draw that run's trials again.
            study.sampler = make_sampler(algo, continued_seed(seed, len(study.trials)))
        super().__init__(
            study, metrics=self.objective.metrics, space=program_space(self.program, self.user_ns)
        )
        self.driver: Driver | None = None
        #: What background trials printed (a blocking executor prints to the cell instead).
        self.log: TrialLog = TrialLog()
        self._lock = threading.Lock()
        self._started = False
        # Set once the final state is in the storage: wait() returns after it, so that a view
        # opened then (another kernel, the panel) reads the search as ended.
        self._recorded_end = threading.Event()
        # One write of the control record at a time, its state read inside: a Stop's 'stopping'
        # computed before the end, written after the end's 'stopped', would stay for good.
        self._publish_lock = threading.Lock()
        #: Trials the study had finished before this search ran (a resumed study has some).
        self.baseline: int = self.progress().finished
        self._warm = None if warm is None else warm.bind(study)

    # -- construction ---------------------------------------------------------------------

    def _check_runnable(
        self, sampler: optuna.samplers.BaseSampler, pruner: optuna.pruners.BasePruner
    ) -> None:
        """The body's names are in the namespace and, for worker processes, everything they
        need pickles: checked before any study is created or any trial runs."""
        self.program.check(self.user_ns)
        if self.executor.remote:
            check_picklable(self.program, self.user_ns, sampler, pruner)

    # -- running --------------------------------------------------------------------------

    def start(self) -> Search:
        """Start the trials (in the background unless the executor is blocking); return self."""
        self._check_runnable(self.study.sampler, self.study.pruner)
        self.prepare()
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
                remote=self.executor.remote,
                on_recorded=None if self._warm is None else self._warm.on_recorded,
            )
        add_live(self)
        heartbeat = Heartbeat(self.study, record_driver(self.study)).start()
        self._publish()
        if self.executor.blocking:
            try:
                self.executor.start(self.driver)
                self._started = True
                self._publish()
            finally:
                heartbeat.stop()
                self._recorded_end.set()
            self._raise_if_broken()
            return self
        self.executor.start(self.driver)
        self._started = True
        # After start: joining an executor that has no lanes yet returns at once.
        threading.Thread(
            target=self._publish_when_done, args=(heartbeat,), name="nas-notebook-end", daemon=True
        ).start()
        return self

    def prepare(self) -> Search:
        """Make a resumed study ready to go on; :meth:`start` calls it, and calling it first
        shows its errors where the search is made. Looking at a study never calls it.

        Trials a process that is gone left RUNNING are marked failed (:attr:`recovered`), and
        each trial that failed only because its process ended is queued to run once more with
        its own parameters (:attr:`rerun`). Without ``n_trials``, the search goes on to the
        budget recorded for the study's last run (the re-runs count within it).

        Raises:
            ValueError: Without ``n_trials``, that budget was already spent.
        """
        if not self._prepared:
            run = resume_run(self.study, self.n_trials, runs_here(self.name, self.storage))
            self.recovered, self.rerun, self.n_trials, self.baseline = run
            self._prepared = True
        return self

    def _publish_when_done(self, heartbeat: Heartbeat) -> None:
        self.executor.join()
        try:
            heartbeat.stop()
            self._publish()
        finally:
            self._recorded_end.set()

    def _publish(self) -> None:
        """Write the search's state and settings into the storage (see ``_schema.CONTROL``)."""
        with self._publish_lock:
            driver = self.driver
            publish_control(
                self.study,
                state=self.state,
                algo=self.algo,
                workers=self.executor.workers,
                executor=self.executor.name,
                n_trials=driver.n_trials if driver is not None else self.n_trials,
                # Trials the study had before this run: a view elsewhere counts this run's
                # from it.
                baseline=self.baseline,
            )

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
            if self.executor.join(timeout):
                self._recorded_end.wait(timeout)
        except KeyboardInterrupt:
            self.stop(cancel=True)
            if not self.executor.join(5.0):
                self.driver.abandon("interrupted by the user")
            raise
        self._raise_if_broken()
        return self

    def stop(self, cancel: bool = False, wait: bool = False) -> Search:
        """Start no more trials. Running trials finish, unless ``cancel`` is true: then each
        is stopped and recorded as FAIL with reason "stopped". Completed trials are never lost.

        Where a cancel takes effect: a worker process (``executor="process"``) is killed at
        once; a thread trial is stopped at its next Python bytecode, so a trial blocked in a
        long C call (``time.sleep``, a C extension, a blocking read) stops only when that call
        returns. Trials that must be killable at once belong in worker processes.
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

    @property
    def done(self) -> bool:
        """True once the search was started and every trial it began has ended."""
        # Until the executor has started (lanes spawned), joining it would say "all ended".
        return self.driver is not None and self._started and self.executor.join(0)

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

    @property
    def started(self) -> bool:
        """Whether :meth:`start` was called on this handle (this process runs the search)."""
        return self.driver is not None

    def status(self, finished: int | None = None) -> RunStatus:
        """The run this search shows: its own once it runs or was given a budget, else the
        one recorded in the storage (a search opened to look at a study run elsewhere)."""
        if finished is None:
            finished = self.progress().finished
        driver = self.driver
        if driver is None:
            recorded = super().status(finished)
            if not self.n_trials:
                return recorded
            return RunStatus(recorded.state, finished - self.baseline, self.n_trials, self.baseline)
        return RunStatus(self.state, finished - self.baseline, driver.n_trials, self.baseline)

    def dashboard(self, refresh_interval: float = 0.5) -> Any:
        """A live dashboard widget for this search (see :mod:`nas_notebook.widgets`)."""
        # The one upward import of the package: a display hook, imported when first shown.
        from ..widgets import Dashboard

        return Dashboard(self, refresh_interval=refresh_interval)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.dashboard())
