"""The one mapping between hyper primitives and Optuna distributions.

Everything that turns what a user wrote into what Optuna stores, and back, lives here:

* ``Float`` / ``Int`` map to ``FloatDistribution`` / ``IntDistribution`` with the same bounds,
  ``log`` and ``step``.
* ``OneOf`` maps to a ``CategoricalDistribution``. Candidates that Optuna can store natively
  (None, bool, int, float, str, all distinct) are stored as themselves; any other candidate
  (a class, a module, a function, a tuple...) is stored as a readable label such as ``"ReLU"``,
  and Optuna's internal representation of a categorical is the candidate's index. The trial gets
  the candidate object back.
* ``ManyOf(k, ...)`` maps to ``k`` categorical parameters ``name[0] .. name[k-1]``. Without
  ``distinct`` each ranges over all candidates. With ``distinct`` the ``i``-th one ranges over the
  indices ``0 .. n-1-i`` into the candidates not chosen yet (a Lehmer code), which keeps every
  distribution fixed across trials while making repeats impossible; the readable choice is stored
  as the user attribute ``name``. ``sorted`` orders the result by candidate position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from .._schema import record_prior
from ._values import Float, HyperPrimitive, Int, ManyOf, OneOf

__all__ = [
    "choices_for",
    "contains",
    "decode",
    "distributions",
    "encode_choice",
    "label",
    "suggest",
]

_NATIVE = (type(None), bool, int, float, str)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def label(candidate: Any) -> str:
    """A short readable label for a candidate that Optuna cannot store as itself."""
    if isinstance(candidate, type) or (callable(candidate) and hasattr(candidate, "__qualname__")):
        return str(getattr(candidate, "__qualname__", getattr(candidate, "__name__", "?")))
    text = _ADDRESS.sub("", repr(candidate))
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _natively_storable(candidates: Sequence[Any]) -> bool:
    """Whether Optuna can store every candidate as itself: each one None, a bool, an int, a
    float other than NaN or a str, and no two equal (``1 == 1.0 == True`` would make Optuna's
    ``choices.index`` ambiguous).

    Linear: these types hash consistently with ``==`` (equal numbers of any of them hash
    alike), so equal candidates are found by a set, not by comparing every pair.

    Example:
        >>> _natively_storable([1, "1", None]), _natively_storable([1, True])
        (True, False)
    """
    for c in candidates:
        if type(c) not in _NATIVE or (type(c) is float and math.isnan(c)):
            return False
    return len(set(candidates)) == len(candidates)


def choices_for(candidates: Sequence[Any]) -> tuple[Any, ...]:
    """The categorical choices Optuna stores for ``candidates``: the candidates themselves when
    Optuna can store them all (None, bool, int, float, str, all distinct), else a unique readable
    label for each.

    Example:
        >>> from nas_notebook.space import choices_for
        >>> choices_for([16, 32]), choices_for([int, float])
        ((16, 32), ('int', 'float'))
    """
    if _natively_storable(candidates):
        return tuple(candidates)
    labels = [label(c) for c in candidates]
    if len(set(labels)) != len(labels):
        labels = [f"{text}#{i}" for i, text in enumerate(labels)]
    return tuple(labels)


def distributions(name: str, primitive: HyperPrimitive) -> dict[str, BaseDistribution]:
    """The Optuna parameters (name -> distribution) that encode ``primitive`` named ``name``.

    A ``manyof`` picking ``k`` candidates is ``k`` parameters, ``name[0]`` to ``name[k-1]``.

    Example:
        >>> from nas_notebook.space import ManyOf, OneOf, distributions
        >>> distributions("act", OneOf(["relu", "gelu"]))
        {'act': CategoricalDistribution(choices=('relu', 'gelu'))}
        >>> list(distributions("ops", ManyOf(2, ["conv", "pool", "skip"])))
        ['ops[0]', 'ops[1]']
    """
    if isinstance(primitive, Float):
        return {
            name: FloatDistribution(
                primitive.low, primitive.high, log=primitive.log, step=primitive.step
            )
        }
    if isinstance(primitive, Int):
        return {
            name: IntDistribution(
                primitive.low, primitive.high, log=primitive.log, step=primitive.step
            )
        }
    if isinstance(primitive, OneOf):
        return {name: CategoricalDistribution(choices_for(primitive.candidates))}
    if isinstance(primitive, ManyOf):
        n = len(primitive.candidates)
        if primitive.distinct:
            return {
                f"{name}[{i}]": CategoricalDistribution(tuple(range(n - i)))
                for i in range(primitive.k)
            }
        choices = choices_for(primitive.candidates)
        return {f"{name}[{i}]": CategoricalDistribution(choices) for i in range(primitive.k)}
    raise TypeError(f"not a hyper primitive: {primitive!r}")


def _pick(primitive: ManyOf, raw: Sequence[Any]) -> list[Any]:
    """Turn the ``k`` stored values of a ``ManyOf`` into candidate indices, then candidates."""
    candidates = primitive.candidates
    if primitive.distinct:
        remaining = list(range(len(candidates)))
        indices = [remaining.pop(int(r)) for r in raw]
    else:
        choices = choices_for(candidates)
        indices = [choices.index(r) for r in raw]
    if primitive.sorted:
        indices.sort()
    return [candidates[i] for i in indices]


def suggest(trial: optuna.trial.BaseTrial, name: str, primitive: HyperPrimitive) -> Any:
    """Draw ``primitive`` through ``trial`` under ``name`` and return the user-facing value.

    Example:
        >>> import optuna
        >>> from nas_notebook.space import OneOf
        >>> trial = optuna.create_study().ask()
        >>> suggest(trial, "act", OneOf(["relu", "gelu"])) in ("relu", "gelu")
        True
    """
    if getattr(primitive, "confidence", None) is not None:
        _record_prior(trial, name, primitive)
    # The exact-type test first: it is the common case, on the per-decision path.
    if type(primitive) is Float or isinstance(primitive, Float):
        return trial.suggest_float(
            name, primitive.low, primitive.high, log=primitive.log, step=primitive.step
        )
    if type(primitive) is Int or isinstance(primitive, Int):
        return trial.suggest_int(
            name, primitive.low, primitive.high, log=primitive.log, step=primitive.step
        )
    if isinstance(primitive, OneOf):
        candidates = primitive.candidates
        choices = getattr(primitive, "_choices", None)
        if choices is None:  # derived once per value object (a call site reuses its objects)
            choices = primitive._choices = choices_for(candidates)
        picked = trial.suggest_categorical(name, choices)
        return candidates[choices.index(picked)]
    if isinstance(primitive, ManyOf):
        raw = [
            trial.suggest_categorical(n, d.choices)  # type: ignore[attr-defined]
            for n, d in distributions(name, primitive).items()
        ]
        value = _pick(primitive, raw)
        if primitive.distinct and primitive.k:
            trial.set_user_attr(name, [label(v) if type(v) not in _NATIVE else v for v in value])
        return value
    raise TypeError(f"not a hyper primitive: {primitive!r}")


def _record_prior(trial: optuna.trial.BaseTrial, name: str, primitive: Any) -> None:
    """Store ``primitive``'s prior with the trial's study (a trial without one, such as
    Optuna's ``FixedTrial``, has nothing to tell)."""
    study = getattr(trial, "study", None)
    if study is None:
        return
    value = primitive.prior_index if isinstance(primitive, OneOf) else primitive.prior
    if value is not None:
        record_prior(study, name, value, primitive.confidence)


def decode(name: str, primitive: HyperPrimitive, params: Mapping[str, Any]) -> Any:
    """The value ``primitive`` named ``name`` took in a stored trial whose parameters are
    ``params``: the candidate object itself for a ``oneof`` stored by its label.

    Raises:
        KeyError: ``params`` lacks a parameter of this decision (it was not reached).

    Example:
        >>> from nas_notebook.space import OneOf, decode
        >>> decode("cast", OneOf([int, float]), {"cast": "float"})
        <class 'float'>
    """
    if isinstance(primitive, (Float, Int)):
        return params[name]
    if isinstance(primitive, OneOf):
        choices = choices_for(primitive.candidates)
        return primitive.candidates[choices.index(params[name])]
    if isinstance(primitive, ManyOf):
        return _pick(primitive, [params[f"{name}[{i}]"] for i in range(primitive.k)])
    raise TypeError(f"not a hyper primitive: {primitive!r}")


def contains(primitive: Float | Int, value: Any) -> bool:
    """Whether ``value`` is a value ``primitive`` can take (in bounds, on its step).

    Example:
        >>> from nas_notebook.space import Float, Int, contains
        >>> contains(Int(0, 10, step=2), 4), contains(Int(0, 10, step=2), 5)
        (True, False)
        >>> contains(Float(0.0, 1.0), 1.5)
        False
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(primitive, Int) and not isinstance(value, int):
        return False
    if not primitive.low <= value <= primitive.high:
        return False
    step = primitive.step
    if step is None or (isinstance(primitive, Int) and step == 1):
        return True
    steps = (value - primitive.low) / step
    return math.isclose(steps, round(steps), abs_tol=1e-9)


def encode_choice(name: str, primitive: OneOf | ManyOf, indices: Sequence[int]) -> dict[str, Any]:
    """The Optuna parameters of a ``oneof`` (one candidate index) or ``manyof`` (``k``
    indices) that picked the candidates at ``indices``: the inverse of :func:`decode`.

    Raises:
        ValueError: Indices a ``manyof`` cannot pick (repeats when distinct, not in candidate
            order when sorted, not ``k`` of them).

    Example:
        >>> from nas_notebook.space import ManyOf, OneOf, encode_choice
        >>> encode_choice("act", OneOf(["relu", "gelu"]), [1])
        {'act': 'gelu'}
        >>> encode_choice("ops", ManyOf(2, ["conv", "pool", "skip"]), [2, 0])
        {'ops[0]': 2, 'ops[1]': 0}
    """
    if isinstance(primitive, OneOf):
        (index,) = indices
        return {name: choices_for(primitive.candidates)[index]}
    if len(indices) != primitive.k:
        raise ValueError(f"{primitive!r} picks {primitive.k}, not {len(indices)}")
    if primitive.sorted and list(indices) != sorted(indices):
        raise ValueError(f"{primitive!r} keeps the candidates' order")
    if not primitive.distinct:
        choices = choices_for(primitive.candidates)
        return {f"{name}[{i}]": choices[index] for i, index in enumerate(indices)}
    if len(set(indices)) != len(indices):
        raise ValueError(f"{primitive!r} picks distinct candidates")
    remaining = list(range(len(primitive.candidates)))
    out = {}
    for i, index in enumerate(indices):
        out[f"{name}[{i}]"] = remaining.index(index)
        remaining.remove(index)
    return out
