"""Key paths: where a value sits in a symbolic tree, written as ``model.op[1].filters``.

A segment is an argument name or a string dictionary key (``.name``), or a position in a list,
a tuple or the candidates of a ``oneof``/``manyof`` (``[1]``). A dictionary key that is not an
identifier, or is not a string, is written in brackets with its ``repr`` (``['a b']``, ``[3]``).
The same strings name the decisions of a symbolic space in the Optuna study.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .._errors import SearchSpaceError

__all__ = ["join", "parse"]

_NAME = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)")


def join(path: str, key: Any) -> str:
    """``path`` extended by ``key`` (an argument name, dictionary key or index).

    Example:
        >>> join(join("model", "op"), 1)
        'model.op[1]'
    """
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    if isinstance(key, str) and key.isidentifier() and key.isascii():
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]"


def _bracket(path: str, start: int) -> tuple[Any, int]:
    """The literal in the brackets opening at ``start`` and the position after them; a quoted
    key may itself hold brackets, so each ``]`` is tried in turn."""
    end = path.find("]", start)
    while end != -1:
        try:
            return ast.literal_eval(path[start + 1 : end]), end + 1
        except (ValueError, SyntaxError):
            end = path.find("]", end + 1)
    raise SearchSpaceError(
        f"{path!r} is not a key path: the bracket at character {start} holds neither an index "
        "nor a key"
    )


def parse(path: str) -> list[Any]:
    """The segments of ``path``: names (str) and indices or bracketed keys.

    Raises:
        SearchSpaceError: ``path`` is not a key path.

    Example:
        >>> parse("model.op[1].filters")
        ['model', 'op', 1, 'filters']
    """
    if not isinstance(path, str):
        raise SearchSpaceError(f"a key path must be a string, got {path!r}")
    segments: list[Any] = []
    position = 0
    while position < len(path):
        if path.startswith("[", position):
            segment, position = _bracket(path, position)
            segments.append(segment)
            continue
        match = _NAME.match(path, position)
        if match is None or (position == 0 and path.startswith(".")):
            raise SearchSpaceError(f"{path!r} is not a key path (at character {position})")
        segments.append(match.group(1))
        position = match.end()
    if not segments:
        raise SearchSpaceError("an empty key path names nothing")
    return segments
