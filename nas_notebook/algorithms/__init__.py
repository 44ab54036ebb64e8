"""Search algorithms and pruners by name (a registry over Optuna samplers and pruners)."""

from ._evolution import RegularizedEvolution
from ._fast import AsyncSuccessiveHalving, RandomSearch
from ._grid import GridSearch
from ._policy import PolicyGradient, PPOController, ReinforceController
from ._promotion import PromotingSuccessiveHalving
from ._registry import (
    default_pruner,
    make_pruner,
    make_sampler,
    parse_spec,
    pruner_names,
    register_pruner,
    register_sampler,
    sampler_names,
)

__all__ = [
    "AsyncSuccessiveHalving",
    "GridSearch",
    "PPOController",
    "PolicyGradient",
    "PromotingSuccessiveHalving",
    "RandomSearch",
    "RegularizedEvolution",
    "ReinforceController",
    "default_pruner",
    "make_pruner",
    "make_sampler",
    "parse_spec",
    "pruner_names",
    "register_pruner",
    "register_sampler",
    "sampler_names",
]
