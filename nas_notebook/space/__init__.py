"""Hyper primitives, dict-space domains, their evaluation contexts, names from code, and the
Optuna codec."""

from ._codec import choices_for, contains, decode, distributions, encode_choice, suggest
from ._context import (
    EvaluationContext,
    TraceContext,
    TrialContext,
    activate,
    current,
    enter,
    leave,
)
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
from ._naming import NameRegistry, Site, call_site, static_sites
from ._primitives import floatv, intv, manyof, oneof
from ._static import StaticValues, static_constants
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
    "StaticValues",
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
    "enter",
    "finrange",
    "floatv",
    "intv",
    "leave",
    "logfinrange",
    "lograndint",
    "loguniform",
    "manyof",
    "oneof",
    "ordinal",
    "randint",
    "static_constants",
    "static_sites",
    "suggest",
    "trace",
    "uniform",
]
