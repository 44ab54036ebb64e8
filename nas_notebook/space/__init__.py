"""Hyper primitives, their evaluation contexts, names from code, and the Optuna codec."""

from ._context import EvaluationContext, TraceContext, TrialContext, activate, current
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
    "current",
    "floatv",
    "intv",
    "manyof",
    "oneof",
    "trace",
]
