"""Symbolic manipulation: walk a tree of symbolic objects, clone it, rebind parts of it.

The tree: a :class:`~nas_notebook.symbolic.Symbolic` (or a symbolized class's instance) has its
arguments as children, lists/tuples/dicts their items, a ``oneof``/``manyof`` its candidates;
anything else is a leaf. Key paths (:mod:`._keypath`) address the nodes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .._errors import SearchSpaceError
from ..space import Float, HyperPrimitive, Int, ManyOf, OneOf
from . import _keypath
from ._calls import call, signature_of
from ._object import Symbolic, arguments_of, has_hyper, is_symbolic_class, symbolic_method

__all__ = [
    "candidate_path",
    "children",
    "clone",
    "decision_name",
    "decisions",
    "rebind",
    "rebuild",
    "walk",
]

Rewrite = Callable[[str, Any, Any], Any]


def children(node: Any) -> Iterator[tuple[Any, Any]]:
    """``(key, child)`` pairs of a node (none for a leaf): a symbolic object's arguments by
    name, a list's or tuple's items by position, a dict's items, a choice's candidates by
    position.

    Example:
        >>> from nas_notebook import oneof
        >>> list(children({"act": oneof(["relu", "tanh"]), "epochs": 10}))
        [('act', oneof(['relu', 'tanh'])), ('epochs', 10)]
        >>> list(children(oneof(["relu", "tanh"]))), list(children(10))
        ([(0, 'relu'), (1, 'tanh')], [])
    """
    if isinstance(node, (OneOf, ManyOf)):
        yield from enumerate(node.candidates)
        return
    if isinstance(node, HyperPrimitive):
        return
    arguments = arguments_of(node)
    if arguments is not None:
        yield from arguments.items()
    elif isinstance(node, (list, tuple)):
        yield from enumerate(node)
    elif isinstance(node, dict):
        yield from node.items()


def rebuild(node: Any, changed: Mapping[Any, Any]) -> Any:
    """``node`` with the children in ``changed`` (key -> value) replaced; ``node`` itself when
    nothing changed. A concrete object whose new arguments hold no hyper value is built again;
    otherwise the result is a :class:`Symbolic`."""
    if not changed:
        return node
    if isinstance(node, OneOf):
        candidates = list(node.candidates)
        for key, value in changed.items():
            candidates[key] = value
        return OneOf(candidates, name=node.name)
    if isinstance(node, ManyOf):
        candidates = list(node.candidates)
        for key, value in changed.items():
            candidates[key] = value
        return ManyOf(
            node.k, candidates, distinct=node.distinct, sorted=node.sorted, name=node.name
        )
    if isinstance(node, Symbolic):
        arguments = dict(node.arguments)
        arguments.update(changed)
        return type(node)(node.target, arguments)
    given = arguments_of(node)
    if given is not None:
        given.update(changed)
        if any(has_hyper(v) for v in given.values()):
            return Symbolic(type(node), given)
        return call(type(node), given)
    if isinstance(node, list):
        items = list(node)
        for key, value in changed.items():
            items[key] = value
        return items
    if isinstance(node, tuple):
        items = list(node)
        for key, value in changed.items():
            items[key] = value
        return type(node)(*items) if hasattr(node, "_fields") else tuple(items)
    if isinstance(node, dict):
        out = dict(node)
        out.update(changed)
        return out
    raise SearchSpaceError(f"{node!r} has no parts to replace")  # pragma: no cover


def walk(root: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every node under ``root`` as ``(key_path, value, parent)``, parents before children.

    Example:
        >>> from nas_notebook import oneof
        >>> for path, value, _ in walk({"opt": "adam", "layers": [oneof([1, 2]), 3]}):
        ...     print(path, value)
        opt adam
        layers [oneof([1, 2]), 3]
        layers[0] oneof([1, 2])
        layers[0][0] 1
        layers[0][1] 2
        layers[1] 3
    """
    for key, child in children(root):
        child_path = _keypath.join(path, key)
        yield child_path, child, root
        yield from walk(child, child_path)


def _rewrite(node: Any, path: str, fn: Rewrite) -> Any:
    changed = {}
    for key, child in children(node):
        child_path = _keypath.join(path, key)
        new = fn(child_path, child, node)
        if new is child:
            new = _rewrite(child, child_path, fn)
        if new is not child:
            changed[key] = new
    return rebuild(node, changed)


def _accepts(node: Any, key: Any) -> bool:
    """Whether ``key`` may be given to ``node`` although it is not among its children yet."""
    target = node.target if isinstance(node, Symbolic) else type(node)
    if not (isinstance(node, Symbolic) or is_symbolic_class(type(node))):
        return isinstance(node, dict)
    signature = signature_of(target)
    if signature is None or not isinstance(key, str):
        return False
    parameter = signature.parameters.get(key)
    if parameter is not None:
        return parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    return any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())


def _set(node: Any, segments: list[Any], value: Any, path: str, done: str) -> Any:
    key, rest = segments[0], segments[1:]
    here = dict(children(node))
    if key not in here and not (not rest and _accepts(node, key)):
        where = done or "the root"
        options = ", ".join(repr(k) for k in here) or "nothing"
        raise SearchSpaceError(
            f"rebind: {path!r} does not exist: {where} has no {key!r} (it has {options})"
        )
    child_path = _keypath.join(done, key)
    new = value if not rest else _set(here[key], rest, value, path, child_path)
    return rebuild(node, {key: new})


@symbolic_method("rebind")
def rebind(obj: Any, changes: Mapping[str, Any] | Rewrite | None = None, /, **kwargs: Any) -> Any:
    """A copy of ``obj`` with some of its parts replaced; ``obj`` is not changed.

    ``changes`` is either a mapping from key paths to new values (``{"model.repeats": 4}``; the
    last segment may also name an argument not given yet), or a function ``fn(key_path, value,
    parent)`` called on every node, parents first, that returns the node's replacement (the
    same object to keep it; a replaced node is not visited further). ``value`` is the node as it
    is: a concrete object (``isinstance`` works) or a :class:`Symbolic` for a call that holds
    hyper values (its class is ``value.target``). Keyword arguments are top-level changes.

    A concrete object whose arguments change is built again from them (a module gets fresh
    weights); where the new arguments hold hyper values it becomes a :class:`Symbolic`, so
    rebinding a model is how it turns into a search space.

    Args:
        obj: A symbolic object, a symbolized class's instance, or a list/dict of them.
        changes: Key paths to values, or a rewrite function.
        **kwargs: More changes by top-level name.

    Returns:
        The rewritten object (``obj`` itself when nothing changed).

    Raises:
        SearchSpaceError: A key path that does not exist (the message names what does).

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... class Conv:
        ...     def __init__(self, filters, kernel=3):
        ...         self.filters, self.kernel = filters, kernel
        >>> def relax(path, value, parent):
        ...     if isinstance(parent, Conv) and path.endswith("filters"):
        ...         return oneof([value // 2, value, value * 2])
        ...     return value
        >>> rebind([Conv(8), Conv(16, kernel=5)], relax)
        [Conv(filters=oneof([4, 8, 16])), Conv(filters=oneof([8, 16, 32]), kernel=5)]
        >>> rebind(Conv(8), {"kernel": 5})
        Conv(filters=8, kernel=5)
    """
    if changes is not None and not isinstance(changes, Mapping) and not callable(changes):
        raise SearchSpaceError(
            f"rebind: expected a mapping of key paths to values or a function, got {changes!r}"
        )
    if callable(changes) and not isinstance(changes, Mapping):
        if kwargs:
            raise SearchSpaceError("rebind: give either a function or key paths, not both")
        return _rewrite(obj, "", changes)
    updates = dict(changes or {})
    updates.update(kwargs)
    result = obj
    for path, value in updates.items():
        result = _set(result, _keypath.parse(path), value, path, "")
    return result


@symbolic_method("clone")
def clone(obj: Any, deep: bool = True) -> Any:
    """A copy of ``obj``: a symbolic object's tree of calls and containers is copied (hyper
    primitives, immutable, are shared); with ``deep`` other values inside are deep-copied.
    Anything else is ``copy.deepcopy``-ed (``copy.copy`` when not ``deep``): a concrete model
    keeps its weights.

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... def foo(a, b):
        ...     return a + b
        >>> space = foo(a=oneof([1, 2]), b=[0.5])
        >>> copy = clone(space)
        >>> copy == space, copy.b is space.b
        (True, False)
    """
    if isinstance(obj, Symbolic):
        return type(obj)(obj.target, {k: clone(v, deep) for k, v in obj.arguments.items()})
    if isinstance(obj, HyperPrimitive):
        return obj
    if isinstance(obj, (list, tuple, dict)) and has_hyper(obj):
        return rebuild(obj, {key: clone(child, deep) for key, child in children(obj)})
    return copy.deepcopy(obj) if deep else copy.copy(obj)


def candidate_path(primitive: OneOf | ManyOf, name: str, index: int) -> str:
    """Where the own decisions of candidate ``index`` of the choice ``name`` are named:
    ``name[i]`` for a ``oneof``, ``name.candidates[i]`` for a ``manyof`` (whose Optuna slots
    are ``name[0]``, ``name[1]``...).

    Example:
        >>> from nas_notebook import manyof, oneof
        >>> candidate_path(oneof(["a", "b"]), "op", 1), candidate_path(manyof(1, ["a"]), "ops", 0)
        ('op[1]', 'ops.candidates[0]')
    """
    if isinstance(primitive, ManyOf):
        return _keypath.join(_keypath.join(name, "candidates"), index)
    return _keypath.join(name, index)


def decision_name(primitive: HyperPrimitive, path: str) -> str:
    """The parameter name of the hyper value ``primitive`` found at ``path``: its explicit
    ``name=``, else the key path (a bare primitive at the root: its kind)."""
    return primitive.name or path or primitive.kind


def decisions(space: Any, path: str = "") -> dict[str, HyperPrimitive]:
    """Every decision of a symbolic space by name, conditional ones included (a candidate's own
    decisions are under ``<choice>[i]``, ``<choice>.candidates[i]`` for a ``manyof``). A
    ``manyof`` named ``m`` is stored by Optuna as ``k`` parameters ``m[0]``...``m[k-1]``.

    Example:
        >>> from nas_notebook import floatv, oneof
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... def opt(name, lr=0.1):
        ...     return name, lr
        >>> list(decisions({"opt": oneof([opt("sgd", lr=floatv(0.01, 0.1)), opt("adam")])}))
        ['opt', 'opt[0].lr']
    """
    out: dict[str, HyperPrimitive] = {}
    _collect(space, path, out)
    return out


def _collect(node: Any, path: str, out: dict[str, HyperPrimitive]) -> None:
    if isinstance(node, HyperPrimitive):
        name = decision_name(node, path)
        out.setdefault(name, node)
        if isinstance(node, (Float, Int)):
            return
        assert isinstance(node, (OneOf, ManyOf))
        for i, candidate in enumerate(node.candidates):
            _collect(candidate, candidate_path(node, name, i), out)
        return
    if not has_hyper(node):
        return
    for key, child in children(node):
        _collect(child, _keypath.join(path, key), out)
