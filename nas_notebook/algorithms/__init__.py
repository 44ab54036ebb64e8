"""Search algorithms and pruners by name (a registry over Optuna samplers and pruners)."""

from ._check import check_algorithm
from ._differential import DifferentialEvolution
from ._evolution import RegularizedEvolution
from ._extrapolation import CurveExtrapolationPruner
from ._grid import GridSearch
from ._policy import PolicyGradient, PPOController, ReinforceController
from ._prior_gp import PriorGP
from ._prior_tpe import PriorTPE
from ._priorband import PriorBand
from ._promotion import PromotingSuccessiveHalving
from ._random import RandomSearch
from ._registry import (
    default_pruner,
    make_pruner,
    make_sampler,
    pruner_names,
    register_pruner,
    register_sampler,
    sampler_names,
)
from ._said_once import CmaEs
from ._spec import parse_spec
from ._stopping import AsyncSuccessiveHalving

__all__ = [
    "AsyncSuccessiveHalving",
    "CmaEs",
    "CurveExtrapolationPruner",
    "DifferentialEvolution",
    "GridSearch",
    "PPOController",
    "PolicyGradient",
    "PriorBand",
    "PriorGP",
    "PriorTPE",
    "PromotingSuccessiveHalving",
    "RandomSearch",
    "RegularizedEvolution",
    "ReinforceController",
    "check_algorithm",
    "default_pruner",
    "make_pruner",
    "make_sampler",
    "parse_spec",
    "pruner_names",
    "register_pruner",
    "register_sampler",
    "sampler_names",
]
