"""Calls by named arguments: how a symbolic object keeps the arguments of a call.

Arguments are bound to the callable's signature, so positional arguments have names too
(``Conv(oneof([4, 8]), 3)`` names the first one ``filters``); the values of a ``*args`` parameter
are ``args[0]``, ``args[1]``...; a ``**kwargs`` entry is named by its keyword. A callable without
a signature (some built-ins) names positional arguments ``arg0``, ``arg1``... :func:`call` turns
the named arguments back into a call.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

__all__ = ["bind", "call", "format_call", "in_signature_order", "signature_of"]

_T = TypeVar("_T")
_signatures: weakref.WeakKeyDictionary[Any, inspect.Signature | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def signature_of(target: Any) -> inspect.Signature | None:
    """The signature that names ``target``'s arguments (a class: its ``__init__`` without
    ``self``), or None when Python cannot tell."""
    try:
        return _signatures[target]
    except (KeyError, TypeError):
        pass
    signature: inspect.Signature | None
    try:
        if isinstance(target, type):
            init = inspect.signature(target.__init__)  # type: ignore[misc]
            signature = init.replace(parameters=list(init.parameters.values())[1:])
        else:
            signature = inspect.signature(getattr(target, "__wrapped__", target))
    except (TypeError, ValueError):
        signature = None
    try:
        with _lock:
            _signatures[target] = signature
    except TypeError:  # not weakly referenceable: computed again next time
        pass
    return signature


def bind(target: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``target(*args, **kwargs)`` by name, in the signature's order.

    A ``*args`` parameter holds a tuple; ``**kwargs`` entries are flattened into the result.
    Arguments that do not fit the signature are kept as ``arg<i>`` / keywords, so the call
    itself reports the error.
    """
    signature = signature_of(target)
    if signature is not None:
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError:
            signature = None
    if signature is None:
        out = {f"arg{i}": value for i, value in enumerate(args)}
        out.update(kwargs)
        return out
    out = {}
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def in_signature_order(target: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``arguments`` with the signature's parameters first, in its order: two objects given the
    same arguments in another order (``rebind`` adds new ones) print and hash alike."""
    signature = signature_of(target)
    if signature is None:
        return dict(arguments)
    ordered = {name: arguments[name] for name in signature.parameters if name in arguments}
    ordered.update((k, v) for k, v in arguments.items() if k not in ordered)
    return ordered


def call(target: Callable[..., _T], arguments: Mapping[str, Any]) -> _T:
    """Call ``target`` with ``arguments`` as :func:`bind` returns them."""
    args, kwargs = _split(target, arguments)
    return target(*args, **kwargs)


def _split(target: Any, arguments: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    signature = signature_of(target)
    remaining = dict(arguments)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if signature is None:
        i = 0
        while f"arg{i}" in remaining:
            args.append(remaining.pop(f"arg{i}"))
            i += 1
        return args, remaining
    parameters = list(signature.parameters.values())
    has_var_positional = any(p.name in remaining for p in parameters if p.kind is p.VAR_POSITIONAL)
    positional = True
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.name not in remaining:
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                positional = False
            continue
        value = remaining.pop(p.name)
        if p.kind is p.VAR_POSITIONAL:
            args.extend(value)
        elif p.kind is p.POSITIONAL_ONLY or (
            p.kind is p.POSITIONAL_OR_KEYWORD and positional and has_var_positional
        ):
            args.append(value)
        else:
            kwargs[p.name] = value
    kwargs.update(remaining)  # **kwargs entries
    return args, kwargs


def format_call(target: Any, arguments: Mapping[str, Any]) -> str:
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
    parts = [
        (f"{value!r}" if key.startswith("arg") and key[3:].isdigit() else f"{key}={value!r}")
        for key, value in arguments.items()
    ]
    return f"{name}({', '.join(parts)})"
