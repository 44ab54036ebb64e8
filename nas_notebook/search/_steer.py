"""Steering a running search: the controls a notebook's widgets call (the dashboard's control
bar, on the kernel's thread) and their methods on :class:`~nas_notebook.Search`. Each takes
effect from the next trial on, loses no trial, and is recorded in the storage for other views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import optuna

from ..algorithms import check_algorithm, make_sampler
from ..executors import Executor
from ..study import Driver, check_picklable, continued_seed
from ..trial import TrialProgram

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Steering"]


class Steering:
    """Pause, resume, add trials, switch the algorithm, resize: mixed into ``Search``, whose
    driver, executor, study and settings these read."""

    driver: Driver | None
    executor: Executor
    study: optuna.Study
    program: TrialProgram
    user_ns: Mapping[str, Any]
    n_trials: int | None
    seed: int | None
    algo: str

    def _publish(self) -> None:
        raise NotImplementedError

    @property
    def done(self) -> bool:
        raise NotImplementedError

    def _refuse_once_ended(self, what: str) -> None:
        """Raise if this handle's search ran to its end: a change would affect nothing, and its
        record in the storage must keep saying how it ended."""
        if self.done:
            name = self.study.study_name
            raise ValueError(
                f"{what}: the search {name!r} has ended; continue it with "
                f"load_search({name!r}, user_ns=globals()) and change that one"
            )

    def pause(self) -> Self:
        """Start no new trial until :meth:`resume`; running ones continue."""
        if self.driver is not None:
            self.driver.pause()
            self._publish()
        return self

    def resume(self) -> Self:
        """Continue after :meth:`pause`."""
        if self.driver is not None:
            self.driver.resume()
            self._publish()
        return self

    def add_trials(self, n: int) -> Self:
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

    def set_algorithm(self, algo: str | optuna.samplers.BaseSampler) -> Self:
        """Use ``algo`` (a registry spec such as ``"random"`` or ``"tpe:n_startup_trials=5"``,
        or an Optuna sampler) from the next trial on. The new algorithm sees every earlier trial:
        Optuna samplers rebuild their state from the storage.

        Example:
            >>> from nas_notebook import Search
            >>> s = Search("x = floatv(0, 1)\\nx", n_trials=4, executor="inline", algo="random")
            >>> s.set_algorithm("tpe").algo
            'tpe'
        """
        self._refuse_once_ended("set_algorithm")
        seed = self.seed
        if seed is not None and self.study.trials:
            seed = continued_seed(seed, len(self.study.trials))
        sampler = make_sampler(algo, seed)
        check_algorithm(sampler, self.study.pruner, self.study.directions)
        if self.executor.remote:
            check_picklable(self.program, self.user_ns, sampler, self.study.pruner)
        self.study.sampler = sampler
        self.algo = algo if isinstance(algo, str) else type(algo).__name__
        if self.driver is not None:
            self._publish()
        return self

    def set_workers(self, workers: int) -> Self:
        """Run ``workers`` trials at once from now on (thread, process and Dask executors).
        Shrinking never interrupts a running trial: a lane ends after its current one."""
        self._refuse_once_ended("set_workers")
        try:
            self.executor.resize(workers)
        except NotImplementedError as exc:
            raise ValueError(str(exc)) from None
        if self.driver is not None:
            self._publish()
        return self
