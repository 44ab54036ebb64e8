"""From a symbolic space to concrete objects, and back.

:func:`materialize` walks a space (a :class:`~nas_notebook.symbolic.Symbolic`, a dict or list of
hyper values, a bare primitive) and makes each decision, in the order of the tree (arguments in
signature order), through one of two sources:

* stored decisions (an Optuna trial's ``params``, or a ``FrozenTrial``), decoded by the codec;
* the active search (a ``%%search`` trial, a ``sample`` example, a worker's trial): each hyper
  value is suggested to the trial under its key path, so every algorithm, executor and plot
  sees an ordinary Optuna parameter.

A ``oneof`` decides first, then only the chosen candidate's own decisions are made (named
``<choice>[i].<arg>``): sub-choices exist only under their parent. :func:`encode` goes the other
way: from a concrete object to the decisions that materialize it.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import SearchSpaceError
from ..space import (
    Float,
    HyperPrimitive,
    Int,
    ManyOf,
    OneOf,
    Site,
    call_site,
    choices_for,
    contains,
    current,
    decode,
    distributions,
    encode_choice,
)
from . import _keypath
from ._calls import call
from ._object import Functor, Symbolic, arguments_of, has_hyper, symbolic_method

# `materialize` has a parameter named `decisions`.
from ._ops import candidate_path, children, decision_name, rebuild
from ._ops import decisions as decisions_of
from ._symbolize import is_torch_module

__all__ = ["build_in_search", "build_with", "encode", "materialize"]

Decide = Callable[[HyperPrimitive, str], Any]


def _renamed(primitive: HyperPrimitive, name: str) -> HyperPrimitive:
    """``primitive`` under its key-path name. A oneof's stored labels are derived once, on the
    space's own object, so the copy made for each trial does not derive them again."""
    if primitive.name == name:
        return primitive
    if isinstance(primitive, OneOf) and getattr(primitive, "_choices", None) is None:
        primitive._choices = choices_for(primitive.candidates)
    named = copy.copy(primitive)
    named.name = name
    return named


def _user_site() -> Site:
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "nas_notebook."
    ):
        frame = frame.f_back
    return call_site(frame)


def _index(candidates: tuple[Any, ...], chosen: Any) -> int:
    for i, candidate in enumerate(candidates):
        if candidate is chosen:
            return i
    return candidates.index(chosen)  # pragma: no cover - the codec returns the candidate itself


def _fresh(value: Any) -> Any:
    """A leaf as an example gets it: a torch module is copied, so examples never share weights."""
    if is_torch_module(type(value)):
        return copy.deepcopy(value)
    return value


def _build(node: Any, path: str, decide: Decide, replace: Decide | None = None) -> Any:
    """``node`` built, each decision made by ``decide(primitive, name)`` (which returns the
    value or candidate, whose own decisions are then made), or, with ``replace``, each hyper
    value replaced whole by ``replace(primitive, name)`` (a super-network's choice modules)."""
    if isinstance(node, HyperPrimitive):
        name = decision_name(node, path)
        if replace is not None:
            return replace(node, name)
        value = decide(node, name)
        if isinstance(node, OneOf):
            i = _index(node.candidates, value)
            return _build(value, candidate_path(node, name, i), decide)
        if isinstance(node, ManyOf):
            return [
                _build(v, candidate_path(node, name, _index(node.candidates, v)), decide)
                for v in value
            ]
        return value
    if not has_hyper(node):
        return _leaves(node)
    built = {
        key: _build(child, _keypath.join(path, key), decide, replace)
        for key, child in children(node)
    }
    if isinstance(node, Functor):
        return Functor(node.target, built)
    if isinstance(node, Symbolic):
        return call(node.target, built)
    return rebuild(node, built)


def _leaves(node: Any) -> Any:
    """A fixed part of the space as an example gets it: lists and dicts are copied (an example
    that changes its configuration changes neither the space nor other examples)."""
    if isinstance(node, list):
        return [_leaves(child) for child in node]
    if isinstance(node, dict):
        return {key: _leaves(child) for key, child in node.items()}
    if isinstance(node, tuple):
        return rebuild(node, {i: _leaves(child) for i, child in enumerate(node)})
    if isinstance(node, Functor):
        return node
    if isinstance(node, Symbolic):  # a call without hyper values (``rebind``'s, ``clone``'s)
        return call(node.target, {key: _leaves(child) for key, child in node.arguments.items()})
    return _fresh(node)


def build_in_search(space: Any, site: Site) -> Any:
    """``space`` materialized by the active search, its decisions attributed to ``site`` (a
    trial body's ``--space``).

    Example:
        >>> from nas_notebook.space import Site, TraceContext, activate, uniform
        >>> config = {"lr": uniform(0.1, 1)}
        >>> with activate(TraceContext()) as context:
        ...     built = build_in_search(config, Site("<cell>", 1, 0, None))
        >>> built, list(context.decisions)
        ({'lr': 0.1}, ['lr'])
    """
    context = current()
    if context is None:
        raise SearchSpaceError("no search is active to decide the space")  # pragma: no cover

    def from_search(primitive: HyperPrimitive, name: str) -> Any:
        return context.decide(_renamed(primitive, name), site)

    return _build(space, "", from_search)


def build_with(space: Any, replace: Decide, *, path: str = "") -> Any:
    """``space`` built as :func:`materialize` builds it, each hyper value replaced whole by
    ``replace(primitive, name)`` instead of being decided.

    ``name`` is the name materialize gives the decision (``path`` is the key path of ``space``
    itself); the candidates of a replaced choice are left to ``replace``. That is how a
    super-network is built (:func:`~nas_notebook.torch.rewrite`): each choice becomes one module
    holding all its candidates.

    Example:
        >>> from nas_notebook import floatv, oneof
        >>> space = {"lr": floatv(1e-3, 1e-1), "act": oneof(["relu", "tanh"]), "epochs": 10}
        >>> build_with(space, lambda primitive, name: f"<{name}: {primitive.kind}>")
        {'lr': '<lr: floatv>', 'act': '<act: oneof>', 'epochs': 10}
    """
    return _build(space, path, _refuse, replace)


@symbolic_method("build")
def materialize(
    space: Any, decisions: Mapping[str, Any] | Any = None, *, strict: bool = True
) -> Any:
    """The concrete object of a symbolic space for ``decisions``.

    Args:
        space: A :class:`~nas_notebook.symbolic.Symbolic` (from a symbolized class or function
            called with hyper values), a dict/list/tuple holding hyper values (a configuration
            space), or a hyper primitive.
        decisions: The decisions by parameter name, as Optuna stores them (a trial's
            ``params``), or an Optuna trial. None: decided by the active search (inside a
            ``%%search`` cell or ``with example():``); outside any search, a space without
            hyper values is simply built.
        strict: Refuse decisions that are not in the space (False: ignore them, as for a
            trial that also made decisions of its own).

    Returns:
        The object: instances of the symbolized classes, :class:`Functor` s for symbolized
        functions, dicts/lists for configuration spaces. Fixed lists and dicts are copied, and
        so are torch modules given as values: two materialized objects never share weights,
        and changing one changes neither the space nor the others.

    Raises:
        SearchSpaceError: A decision missing from ``decisions`` or not in the space (both
            named), or a space with hyper values and neither decisions nor a search.

    Example:
        >>> from nas_notebook import floatv, oneof
        >>> space = {"lr": floatv(1e-3, 1e-1, log=True), "act": oneof(["relu", "tanh"]),
        ...          "epochs": 10}
        >>> materialize(space, {"lr": 0.01, "act": "tanh"})
        {'lr': 0.01, 'act': 'tanh', 'epochs': 10}
    """
    if decisions is None:
        context = current()
        if context is None:
            if has_hyper(space):
                count = len(decisions_of(space))
                raise SearchSpaceError(
                    f"materialize: the space has {count} decision(s) to make: give "
                    "`decisions` (e.g. a trial's params), or build it inside a search"
                )
            return _build(space, "", _refuse)
        return build_in_search(space, _user_site())
    params = getattr(decisions, "params", decisions)
    if not isinstance(params, Mapping):
        raise SearchSpaceError(
            f"materialize: `decisions` must map parameter names to values, got {decisions!r}"
        )
    used: set[str] = set()

    def from_params(primitive: HyperPrimitive, name: str) -> Any:
        try:
            value = decode(name, primitive, params)
        except KeyError:
            raise SearchSpaceError(
                f"materialize: decision {name!r} ({primitive!r}) is missing from `decisions` "
                f"(which has {sorted(params)!r})"
            ) from None
        except (ValueError, IndexError):
            raise SearchSpaceError(
                f"materialize: decision {name!r} has no candidate for the stored value "
                f"{params.get(name)!r} ({primitive!r})"
            ) from None
        used.update(distributions(name, primitive))
        return value

    built = _build(space, "", from_params)
    unused = sorted(set(params) - used)
    if unused and strict:
        raise SearchSpaceError(
            f"materialize: decisions {unused!r} are not in this space (its decisions: "
            f"{sorted(decisions_of(space))!r})"
        )
    return built


def _refuse(primitive: HyperPrimitive, name: str) -> Any:  # pragma: no cover - guarded above
    raise SearchSpaceError(f"materialize: no value for decision {name!r}")


class _Mismatch(Exception):
    pass


def encode(space: Any, value: Any) -> dict[str, Any]:
    """The decisions (Optuna parameters, by name) that materialize ``space`` into ``value``.

    ``value`` is matched against the space: a symbolized instance by its class and constructor
    arguments, a functor by its function and arguments, containers item by item, other values by
    equality (torch modules by class and printed form). The inverse of :func:`materialize`:
    ``materialize(space, encode(space, obj))`` equals ``obj`` (for a sorted ``manyof``, the
    encoding is the one that picks in candidate order).

    Raises:
        SearchSpaceError: ``value`` is not in the space; the message gives the key path where
            it departs from it.

    Example:
        >>> from nas_notebook import floatv, oneof
        >>> space = {"lr": floatv(1e-3, 1e-1, log=True), "act": oneof(["relu", "tanh"])}
        >>> encode(space, {"lr": 0.01, "act": "tanh"})
        {'lr': 0.01, 'act': 'tanh'}
    """
    out: dict[str, Any] = {}
    try:
        _encode(space, value, "", out)
    except _Mismatch as exc:
        raise SearchSpaceError(f"encode: the value is not in the space: {exc}") from None
    return out


def _same_leaf(expected: Any, value: Any) -> bool:
    if expected is value:
        return True
    if is_torch_module(type(expected)):
        return type(expected) is type(value) and repr(expected) == repr(value)
    try:
        return bool(expected == value)
    except Exception:
        return False


def _encode(space: Any, value: Any, path: str, out: dict[str, Any]) -> None:
    where = path or "the root"
    if isinstance(space, HyperPrimitive):
        name = decision_name(space, path)
        if isinstance(space, (Float, Int)):
            if not contains(space, value):
                raise _Mismatch(f"{value!r} at {name!r} is outside {space!r}")
            out[name] = value
            return
        assert isinstance(space, (OneOf, ManyOf))
        candidates = space.candidates
        picks = [value] if isinstance(space, OneOf) else value
        if isinstance(space, ManyOf) and (
            not isinstance(value, (list, tuple)) or len(value) != space.k
        ):
            raise _Mismatch(f"{value!r} at {name!r} is not a list of {space.k}")
        indices = []
        for pick in picks:
            for i, candidate in enumerate(candidates):
                sub: dict[str, Any] = {}
                try:
                    _encode(candidate, pick, candidate_path(space, name, i), sub)
                except _Mismatch:
                    continue
                if any(out.get(k, v) != v for k, v in sub.items()):
                    continue  # the same candidate picked twice with other sub-decisions
                out.update(sub)
                indices.append(i)
                break
            else:
                raise _Mismatch(f"{pick!r} at {name!r} is none of the candidates of {space!r}")
        try:
            out.update(encode_choice(name, space, indices))
        except ValueError as exc:
            raise _Mismatch(f"{value!r} at {name!r}: {exc}") from None
        return
    if isinstance(space, Symbolic):
        if isinstance(space, Functor):
            ok = isinstance(value, Functor) and value.target is space.target
            given = value.arguments if ok else None
        else:
            ok = type(value) is space.target
            given = arguments_of(value) if ok else None
        if given is None:
            raise _Mismatch(f"at {where}: expected a {space.target.__qualname__}, got {value!r}")
        expected = space.arguments
        if set(given) != set(expected):
            raise _Mismatch(f"at {where}: arguments {sorted(given)} instead of {sorted(expected)}")
        for key, child in expected.items():
            _encode(child, given[key], _keypath.join(path, key), out)
        return
    if not has_hyper(space):
        if not _same_leaf(space, value):
            raise _Mismatch(f"at {where}: expected {space!r}, got {value!r}")
        return
    if isinstance(space, dict):
        if not isinstance(value, dict) or set(value) != set(space):
            raise _Mismatch(f"at {where}: expected the keys {sorted(map(str, space))}")
    elif not isinstance(value, (list, tuple)) or len(value) != len(space):
        raise _Mismatch(f"at {where}: expected {len(space)} items, got {value!r}")
    for key, child in children(space):
        _encode(child, value[key], _keypath.join(path, key), out)
