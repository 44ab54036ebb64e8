"""Hyper primitives, dict-space domains, their evaluation contexts, names from code, and the
Optuna codec."""

from ._codec import choices_for, contains, decode, distributions, encode_choice
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
from ._naming import NameRegistry, Site, call_site
from ._primitives import floatv, intv, manyof, oneof
from ._trace import Decision, Space, trace
from ._values import Float, HyperPrimitive, Int, ManyOf, OneOf

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
    "call_site",
    "choice",
    "choices_for",
    "contains",
    "current",
    "decode",
    "distributions",
    "encode_choice",
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
