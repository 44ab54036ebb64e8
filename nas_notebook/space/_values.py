"""Hyper values: the small immutable objects that define a decision.

``OneOf``, ``ManyOf``, ``Float`` and ``Int`` validate their arguments when they are built and
compare by definition. The primitive helpers (:mod:`._primitives`) build them; the codec
(:mod:`._codec`) maps them to Optuna distributions.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from .._errors import SearchSpaceError
from ._prior_args import CONFIDENCES, check_confidence, in_range, integer, prior_repr, same

__all__ = ["CONFIDENCES", "Float", "HyperPrimitive", "Int", "ManyOf", "OneOf"]


class HyperPrimitive:
    """Base class of the hyper value objects.

    Subclasses are immutable after ``__init__``; equality is by definition (kind, arguments and
    explicit name), which is what lets an explicitly named decision be shared between call sites.
    """

    kind: str = "hyper"
    __slots__ = ("name",)

    name: str | None

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self._key())))

    def default(self) -> Any:
        """The value returned while tracing (the first candidate, or the lower bound)."""
        raise NotImplementedError

    @classmethod
    def _from_key(cls, key: tuple[Any, ...]) -> HyperPrimitive:
        """Build the value object from a helper's call key (see ``_primitives._decide``)."""
        raise NotImplementedError


def _check_name(kind: str, name: object) -> str | None:
    if name is None or (type(name) is str and name.strip()):
        return name
    if not isinstance(name, str) or not name.strip():
        raise SearchSpaceError(f"{kind}(name={name!r}): `name` must be a non-empty string")
    return name


def _real(kind: str, param: str, value: object) -> float:
    # The common case, checked cheaply; ``v - v == 0`` is false for inf and nan.
    if (type(value) is float or type(value) is int) and value - value == 0:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SearchSpaceError(f"{kind}: `{param}` must be a number, got {value!r}")
    as_float = float(value)
    if not math.isfinite(as_float):
        raise SearchSpaceError(f"{kind}: `{param}` must be finite, got {value!r}")
    return as_float


class OneOf(HyperPrimitive):
    """One value chosen from ``candidates`` (any Python objects).

    Made by :func:`~nas_notebook.oneof`; outside a search it is a value object.

    Example:
        >>> from nas_notebook.space import OneOf
        >>> OneOf([16, 32, 64], name="width")
        oneof([16, 32, 64], name='width')
        >>> OneOf([16, 32, 64]) == OneOf([16, 32, 64])
        True
    """

    kind = "oneof"
    __slots__ = ("_choices", "candidates", "confidence", "prior", "prior_index")
    candidates: tuple[Any, ...]
    _choices: tuple[Any, ...]  # set by the codec on first use
    #: The candidate believed best (None: no prior), its index, and how sure the belief is.
    prior: Any
    prior_index: int | None
    confidence: str | None

    def __init__(
        self,
        candidates: Sequence[Any],
        *,
        name: str | None = None,
        prior: Any = None,
        confidence: str | None = None,
    ) -> None:
        if isinstance(candidates, (str, bytes)):
            raise SearchSpaceError(
                f"oneof: `candidates` must be a list of options, got the string {candidates!r}"
            )
        if not isinstance(candidates, Sequence):
            try:
                candidates = list(candidates)
            except TypeError:
                raise SearchSpaceError(
                    f"oneof: `candidates` must be a list of options, got {candidates!r}"
                ) from None
        if len(candidates) == 0:
            raise SearchSpaceError("oneof: `candidates` is empty; give at least one option")
        self.candidates = tuple(candidates)
        self.name = _check_name("oneof", name)
        self.confidence = check_confidence("oneof", prior, confidence)
        self.prior, self.prior_index = prior, None
        if prior is not None:
            found = [i for i, c in enumerate(self.candidates) if c is prior or same(c, prior)]
            if not found:
                raise SearchSpaceError(
                    f"oneof: `prior`={prior!r} is not one of the candidates "
                    f"{list(self.candidates)!r}"
                )
            self.prior_index = found[0]

    def _key(self) -> tuple[Any, ...]:
        return (self.candidates, self.name, self.prior_index, self.confidence)

    @classmethod
    def _from_key(cls, key: tuple[Any, ...]) -> OneOf:
        return cls(key[1], name=key[3], prior=key[4], confidence=key[5])

    def default(self) -> Any:
        return self.candidates[0] if self.prior_index is None else self.prior

    def __repr__(self) -> str:
        extra = f", name={self.name!r}" if self.name else ""
        extra += prior_repr(self.prior, self.confidence)
        return f"oneof({list(self.candidates)!r}{extra})"


class ManyOf(HyperPrimitive):
    """``k`` values chosen from ``candidates``; distinct and/or sorted by candidate order.

    Made by :func:`~nas_notebook.manyof`.

    Example:
        >>> from nas_notebook.space import ManyOf
        >>> ManyOf(2, ["conv", "pool", "skip"]).k
        2
        >>> ManyOf(4, ["conv", "pool", "skip"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        nas_notebook._errors.SearchSpaceError: manyof: `k`=4 exceeds the 3 candidates while ...
    """

    kind = "manyof"
    __slots__ = ("candidates", "distinct", "k", "sorted")
    k: int
    candidates: tuple[Any, ...]
    distinct: bool
    sorted: bool

    def __init__(
        self,
        k: int,
        candidates: Sequence[Any],
        *,
        distinct: bool = True,
        sorted: bool = False,
        name: str | None = None,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
            raise SearchSpaceError(f"manyof: `k` must be a non-negative integer, got {k!r}")
        if isinstance(candidates, (str, bytes)) or not isinstance(candidates, Sequence):
            raise SearchSpaceError(
                f"manyof: `candidates` must be a list of options, got {candidates!r}"
            )
        if len(candidates) == 0:
            raise SearchSpaceError("manyof: `candidates` is empty; give at least one option")
        if distinct and k > len(candidates):
            raise SearchSpaceError(
                f"manyof: `k`={k} exceeds the {len(candidates)} candidates while distinct=True; "
                "lower k or pass distinct=False"
            )
        self.k = int(k)
        self.candidates = tuple(candidates)
        self.distinct = bool(distinct)
        self.sorted = bool(sorted)
        self.name = _check_name("manyof", name)

    def _key(self) -> tuple[Any, ...]:
        return (self.k, self.candidates, self.distinct, self.sorted, self.name)

    @classmethod
    def _from_key(cls, key: tuple[Any, ...]) -> ManyOf:
        _, k, candidates, _, distinct, ordered, name, _ = key
        return cls(k, candidates, distinct=distinct, sorted=ordered, name=name)

    def default(self) -> list[Any]:
        if self.distinct:
            return list(self.candidates[: self.k])
        return [self.candidates[0]] * self.k

    def __repr__(self) -> str:
        extra = f", name={self.name!r}" if self.name else ""
        return (
            f"manyof({self.k}, {list(self.candidates)!r}, distinct={self.distinct}, "
            f"sorted={self.sorted}{extra})"
        )


class Float(HyperPrimitive):
    """A float in ``[low, high]``, optionally log-scaled or on a ``step`` grid.

    Made by :func:`~nas_notebook.floatv`.

    Example:
        >>> from nas_notebook.space import Float
        >>> Float(0.0, 1.0, step=0.25)
        floatv(0.0, 1.0, step=0.25)
        >>> Float(0.0, 1.0, log=True)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        nas_notebook._errors.SearchSpaceError: floatv(...): `low` must be > 0 on a log scale
    """

    kind = "floatv"
    __slots__ = ("confidence", "high", "log", "low", "prior", "step")
    low: float
    high: float
    log: bool
    step: float | None
    #: The value believed best (None: no prior) and how sure the belief is.
    prior: float | None
    confidence: str | None

    def __init__(
        self,
        low: float,
        high: float,
        *,
        log: bool = False,
        step: float | None = None,
        name: str | None = None,
        prior: float | None = None,
        confidence: str | None = None,
    ) -> None:
        self.low = _real("floatv", "low", low)
        self.high = _real("floatv", "high", high)
        if self.low > self.high:
            raise SearchSpaceError(
                f"floatv(low={low!r}, high={high!r}): `low` must not exceed `high`"
            )
        if log and self.low <= 0:
            raise SearchSpaceError(
                f"floatv(low={low!r}, high={high!r}, log=True): `low` must be > 0 on a log scale"
            )
        if step is not None:
            step = _real("floatv", "step", step)
            if step <= 0:
                raise SearchSpaceError(f"floatv: `step` must be > 0, got {step!r}")
            if log:
                raise SearchSpaceError("floatv: `step` and `log=True` cannot be combined")
        self.log = bool(log)
        self.step = step
        self.name = _check_name("floatv", name)
        self.confidence = check_confidence("floatv", prior, confidence)
        self.prior = None if prior is None else in_range("floatv", self, _real, prior)

    def _key(self) -> tuple[Any, ...]:
        return (self.low, self.high, self.log, self.step, self.name, self.prior, self.confidence)

    @classmethod
    def _from_key(cls, key: tuple[Any, ...]) -> Float:
        return cls(
            key[1], key[2], log=key[3], step=key[4], name=key[5], prior=key[6], confidence=key[7]
        )

    def default(self) -> float:
        return self.low if self.prior is None else self.prior

    def __repr__(self) -> str:
        extra = ", log=True" if self.log else ""
        extra += f", step={self.step!r}" if self.step is not None else ""
        extra += f", name={self.name!r}" if self.name else ""
        extra += prior_repr(self.prior, self.confidence)
        return f"floatv({self.low!r}, {self.high!r}{extra})"


class Int(HyperPrimitive):
    """An integer in ``[low, high]`` (both included), optionally log-scaled or stepped.

    Made by :func:`~nas_notebook.intv`.

    Example:
        >>> from nas_notebook.space import Int
        >>> Int(16, 256, log=True)
        intv(16, 256, log=True)
    """

    kind = "intv"
    __slots__ = ("confidence", "high", "log", "low", "prior", "step")
    low: int
    high: int
    log: bool
    step: int
    #: The value believed best (None: no prior) and how sure the belief is.
    prior: int | None
    confidence: str | None

    def __init__(
        self,
        low: int,
        high: int,
        *,
        log: bool = False,
        step: int = 1,
        name: str | None = None,
        prior: int | None = None,
        confidence: str | None = None,
    ) -> None:
        for param, value in (("low", low), ("high", high), ("step", step)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise SearchSpaceError(f"intv: `{param}` must be an integer, got {value!r}")
        if low > high:
            raise SearchSpaceError(
                f"intv(low={low!r}, high={high!r}): `low` must not exceed `high`"
            )
        if step <= 0:
            raise SearchSpaceError(f"intv: `step` must be > 0, got {step!r}")
        if log and low < 1:
            raise SearchSpaceError(
                f"intv(low={low!r}, high={high!r}, log=True): `low` must be >= 1 on a log scale"
            )
        if log and step != 1:
            raise SearchSpaceError("intv: `step` and `log=True` cannot be combined")
        self.low, self.high, self.step = int(low), int(high), int(step)
        self.log = bool(log)
        self.name = _check_name("intv", name)
        self.confidence = check_confidence("intv", prior, confidence)
        self.prior = None if prior is None else int(in_range("intv", self, integer, prior))

    def _key(self) -> tuple[Any, ...]:
        return (self.low, self.high, self.log, self.step, self.name, self.prior, self.confidence)

    @classmethod
    def _from_key(cls, key: tuple[Any, ...]) -> Int:
        return cls(
            key[1], key[2], log=key[3], step=key[4], name=key[5], prior=key[6], confidence=key[7]
        )

    def default(self) -> int:
        return self.low if self.prior is None else self.prior

    def __repr__(self) -> str:
        extra = ", log=True" if self.log else ""
        extra += f", step={self.step!r}" if self.step != 1 else ""
        extra += f", name={self.name!r}" if self.name else ""
        extra += prior_repr(self.prior, self.confidence)
        return f"intv({self.low!r}, {self.high!r}{extra})"
