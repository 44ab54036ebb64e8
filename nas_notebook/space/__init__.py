"""Hyper primitives, dict-space domains, their evaluation contexts, names from code, and the
Optuna codec."""

from ._context import EvaluationContext, TraceContext, TrialContext, activate, current
from ._dict_space import (
    choice,
    finrange,
    logfinrange,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)
from ._naming import NameRegistry, Site
from ._primitives import Float, HyperPrimitive, Int, ManyOf, OneOf, floatv, intv, manyof, oneof
from ._trace import Decision, Space, trace

__all__ = [
    "Decision",
    "EvaluationContext",
    "Float",
    "HyperPrimitive",
    "Int",
    "ManyOf",
    "NameRegistry",
    "OneOf",
    "Site",
    "Space",
    "TraceContext",
    "TrialContext",
    "activate",
    "choice",
    "current",
    "finrange",
    "floatv",
    "intv",
    "logfinrange",
    "lograndint",
    "loguniform",
    "manyof",
    "oneof",
    "ordinal",
    "randint",
    "trace",
    "uniform",
]
