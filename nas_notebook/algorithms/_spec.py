"""What an algorithm or pruner spec says: ``NAME`` or ``NAME:key=value,key=value``, the values
Python literals when they parse as such, strings otherwise (``random``,
``tpe:n_startup_trials=5`` and ``median:n_warmup_steps=2`` are specs).
"""

from __future__ import annotations

import ast
from typing import Any

from .._errors import UnknownAlgorithmError

__all__ = ["parse_spec"]


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name:k=v,k2=v2"`` into ``("name", {"k": v, "k2": v2})``.

    Example:
        >>> parse_spec("tpe:n_startup_trials=5,multivariate=True")
        ('tpe', {'n_startup_trials': 5, 'multivariate': True})
    """
    name, _, rest = spec.strip().partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UnknownAlgorithmError(f"option {item!r} in {spec!r} is not key=value")
        options[key.strip()] = _literal(value.strip())
    return name.strip().lower(), options
