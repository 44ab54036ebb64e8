"""``sample``: the define-by-run feedback loop, one Optuna ask/tell per example.

Factorized search (the PyGlove paper's NAS-Bench-101 example): ``sample(f, outer_algo, n,
partition=pred)`` yields *outer* examples that decide only the decisions ``pred(name)`` accepts;
``sample(outer_example, inner_algo, k)`` then searches the remaining decisions with the outer
ones fixed, in a study of its own. Each loop's algorithm sees only its own decisions, and each
feedback goes to its own study.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import optuna
from optuna.trial import TrialState

from .._errors import ObjectiveError, SearchSpaceError
from .._logging import quiet_optuna
from .._schema import record_failure, storage_of
from .._storages import open_storage
from ..algorithms import make_pruner, make_sampler
from ..space import (
    HyperPrimitive,
    NameRegistry,
    Site,
    Space,
    TrialContext,
    activate,
    call_site,
)
from ..space import suggest as _suggest
from ..symbolic import Symbolic, materialize
from ..trial import to_number


def _is_symbolic_space(space: Any) -> bool:
    return isinstance(space, (Symbolic, HyperPrimitive, dict, list, tuple))


__all__ = ["Example", "Feedback", "sample"]

Partition = Callable[[str], bool]


class _OuterContext(TrialContext):
    """The outer example's own context: it makes the decisions the partition gives the outer
    loop and refuses the others (they belong to an inner loop)."""

    def __init__(self, trial: optuna.Trial, registry: NameRegistry, partition: Partition) -> None:
        super().__init__(trial, registry)
        self.partition = partition

    def outer_value(self, name: str, primitive: HyperPrimitive) -> Any:
        # Optuna returns the stored value when a trial suggests a name again: every inner
        # example sees the same outer decision.
        value = self.values[name] = _suggest(self.trial, name, primitive)
        return value

    def decide(self, primitive: HyperPrimitive, site: Site | None = None) -> Any:
        name = self.name_for(primitive, site or call_site())
        if not self.partition(name):
            raise SearchSpaceError(
                f"decision {name!r} is left to an inner loop by `partition`: search it with "
                "sample(example, ...)"
            )
        return self.outer_value(name, primitive)


class _InnerContext(TrialContext):
    """An inner example's context: the partition's decisions come from the outer example (fixed
    for the whole inner loop), the others from the inner trial."""

    def __init__(self, trial: optuna.Trial, registry: NameRegistry, outer: _OuterContext) -> None:
        super().__init__(trial, registry)
        self.outer = outer

    def decide(self, primitive: HyperPrimitive, site: Site | None = None) -> Any:
        name = self.name_for(primitive, site or call_site())
        if self.outer.partition(name):
            value = self.outer.outer_value(name, primitive)
        else:
            value = _suggest(self.trial, name, primitive)
        self.values[name] = value
        return value


class Example:
    """One example of the search space: ``with example():`` makes the code under it draw its
    decisions from this example's Optuna trial.

    Attributes:
        trial: The ``optuna.Trial`` behind the example.
        values: The decisions made so far, by parameter name (user-facing values).
    """

    def __init__(
        self,
        trial: optuna.Trial,
        registry: NameRegistry,
        partition: Partition | None = None,
        outer: Example | None = None,
    ) -> None:
        self.trial = trial
        self.partition = partition
        self.outer = outer
        self.context: TrialContext
        if outer is not None:
            assert isinstance(outer.context, _OuterContext)
            self.context = _InnerContext(trial, registry, outer.context)
        elif partition is not None:
            self.context = _OuterContext(trial, registry, partition)
        else:
            self.context = TrialContext(trial, registry)

    @property
    def number(self) -> int:
        return self.trial.number

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.context.values)

    @contextmanager
    def __call__(self) -> Iterator[Example]:
        with activate(self.context):
            yield self

    def __repr__(self) -> str:
        kind = "outer " if self.partition is not None else ""
        return f"<{kind}Example {self.number} {self.values}>"


class Feedback:
    """Tells the algorithm how an example did: ``feedback(value)``, or ``feedback.skip(reason)``."""

    def __init__(self, study: optuna.Study, example: Example) -> None:
        self.study = study
        self.example = example
        self.done = False

    def __call__(self, value: Any) -> None:
        """Record ``value`` (a number) as the example's objective."""
        if self.done:
            raise RuntimeError(f"feedback for example {self.example.number} was already given")
        try:
            number = to_number(value, "feedback value")
        except ObjectiveError as exc:
            self.skip(str(exc))
            raise
        self.study.tell(self.example.trial, number)
        self.done = True

    def report(self, value: float, step: int) -> bool:
        """Record an intermediate value; True if the pruner says the example should stop."""
        self.example.trial.report(to_number(value, "intermediate value"), step)
        return self.example.trial.should_prune()

    def skip(self, reason: str = "skipped") -> None:
        """Record the example as failed with ``reason`` (it gives the algorithm no value)."""
        if self.done:
            return
        trial = self.example.trial
        record_failure(self.study, trial, reason)
        self.study.tell(trial, state=TrialState.FAIL)
        self.done = True


def sample(
    space: Any,
    algorithm: str | optuna.samplers.BaseSampler | None = None,
    num_examples: int | None = None,
    *,
    partition: Partition | None = None,
    direction: str = "maximize",
    seed: int | None = None,
    pruner: str | optuna.pruners.BasePruner | None = None,
    study: optuna.Study | None = None,
    storage: str | None = None,
    name: str | None = None,
) -> Iterator[tuple[Example, Feedback]]:
    """Iterate over examples of a define-by-run search space, feeding results back.

    Args:
        space: A :class:`~nas_notebook.space.Space` from :func:`~nas_notebook.trace`, or the
            function itself (the loop body calls it); or an outer example of a factorized
            search (see ``partition``), whose remaining decisions this loop searches; or a
            symbolic space: a :class:`~nas_notebook.symbolic.Symbolic` (a symbolized class or
            function called with hyper values) or a configuration dict/list holding hyper
            values, whose examples are the concrete objects.
        partition: Makes this an outer loop of a factorized search: its examples decide only
            the decisions whose name ``partition(name)`` accepts; search the rest of each
            with ``sample(example, ...)`` and give this loop what the inner loop found.
        algorithm: An algorithm name (``random``, ``tpe``...) or an Optuna sampler; None: random
            search for a new study, the study's own sampler for a given ``study``.
        num_examples: How many examples (None: until the loop is left).
        direction: ``maximize`` (a reward, the default) or ``minimize``.
        seed: Seed of the algorithm.
        pruner: A pruner name or object, for ``feedback.report``.
        study: An existing Optuna study to continue (its direction is its own; an explicit
            ``algorithm`` or ``pruner`` is used on it, the caller's study object unchanged).
        storage: A storage URL for a new study.
        name: The new study's name.

    Yields:
        ``(example, feedback)``: run the code under ``with example():`` then call
        ``feedback(value)``. For a symbolic space, ``(obj, feedback)`` where ``obj`` is the
        materialized object (its example is ``feedback.example``). An example left without
        feedback is recorded as failed.

    Example:
        >>> from nas_notebook import floatv, oneof, sample
        >>> def f():
        ...     x = floatv(-1.0, 1.0)
        ...     return -(x - 0.3) ** 2
        >>> best = -1.0
        >>> for example, feedback in sample(f, "random", 10, seed=1):
        ...     with example():
        ...         reward = f()
        ...     feedback(reward)
        ...     best = max(best, reward)
        >>> best > -0.5
        True

        A factorized search: the outer loop picks ``k``, an inner loop tunes ``x`` for it.

        >>> def g():
        ...     k = oneof([1, 2, 3])
        ...     x = floatv(-1.0, 1.0)
        ...     return -(x - 0.1 * k) ** 2 + k
        >>> for outer, outer_feedback in sample(g, "random", 3, seed=0,
        ...                                     partition=lambda name: name == "k"):
        ...     found = []
        ...     for inner, inner_feedback in sample(outer, "random", 4, seed=1):
        ...         with inner():
        ...             reward = g()
        ...         inner_feedback(reward)
        ...         found.append(reward)
        ...     outer_feedback(max(found))
        >>> sorted(outer.trial.params), sorted(inner.trial.params)
        (['k'], ['x'])
    """
    outer = space if isinstance(space, Example) else None
    if outer is not None:
        if outer.partition is None:
            raise ValueError(
                "sample: an example is a space only in a factorized search: give the outer "
                "sample(...) a `partition`"
            )
        if partition is not None:
            raise ValueError("sample: `partition` is for the outer loop, not an inner one")
    symbolic = outer is None and _is_symbolic_space(space)
    if not symbolic and outer is None and not isinstance(space, Space) and not callable(space):
        raise TypeError(
            "sample: `space` must be a traced Space, a function, a symbolic object or a "
            f"configuration dict/list holding hyper values, got {space!r}"
        )
    if symbolic and partition is not None:
        raise ValueError("sample: `partition` (factorized search) needs a function as the space")
    if num_examples is not None and num_examples < 0:
        raise ValueError(f"sample: `num_examples` must be >= 0, got {num_examples!r}")
    if study is None:
        with quiet_optuna():
            study = optuna.create_study(
                storage=open_storage(storage),
                study_name=name,
                sampler=make_sampler("random" if algorithm is None else algorithm, seed),
                pruner=make_pruner(pruner),
                direction=direction,  # type: ignore[arg-type]  # checked by optuna
            )
    elif algorithm is not None or pruner is not None:
        # The same study through an object of our own, sampled as asked: the storage holds
        # its state, and the caller's study keeps its sampler.
        with quiet_optuna():
            study = optuna.load_study(
                study_name=study.study_name,
                storage=storage_of(study),
                sampler=study.sampler if algorithm is None else make_sampler(algorithm, seed),
                pruner=study.pruner if pruner is None else make_pruner(pruner),
            )
    # An inner loop names decisions as its outer loop does (one registry).
    registry = outer.context.registry if outer is not None else NameRegistry()
    count = 0
    while num_examples is None or count < num_examples:
        example = Example(study.ask(), registry, partition, outer)
        feedback = Feedback(study, example)
        try:
            if symbolic:
                try:
                    with example():
                        built = materialize(space)
                except BaseException as exc:
                    feedback.skip(f"the space could not be materialized: {exc}")
                    raise
                yield built, feedback
            else:
                yield example, feedback
        finally:
            if not feedback.done:
                feedback.skip("no feedback was given for this example")
        count += 1
