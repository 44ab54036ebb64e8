"""Algorithm and pruner names, resolved to Optuna samplers and pruners.

A spec is ``NAME`` or ``NAME:key=value,key=value`` (values parsed as Python literals when they
are, strings otherwise); ``random``, ``tpe:n_startup_trials=5`` and ``median:n_warmup_steps=2``
are specs. Other algorithms plug in with :func:`register_sampler` / :func:`register_pruner`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna

from .._errors import UnknownAlgorithmError
from ._cache import PicklableLock
from ._differential import DifferentialEvolution
from ._evolution import RegularizedEvolution
from ._extrapolation import CurveExtrapolationPruner
from ._grid import GridSearch
from ._policy import PPOController, ReinforceController
from ._prior_tpe import PriorTPE
from ._priorband import PriorBand
from ._promotion import PromotingSuccessiveHalving
from ._random import RandomSearch
from ._said_once import CmaEs
from ._spec import parse_spec
from ._stopping import AsyncSuccessiveHalving

__all__ = [
    "default_pruner",
    "make_pruner",
    "make_sampler",
    "pruner_names",
    "register_pruner",
    "register_sampler",
    "sampler_names",
]


@dataclass(frozen=True)
class _Entry:
    factory: Callable[..., Any]
    summary: str
    seeded: bool
    pruner: str | None = None


_samplers: dict[str, _Entry] = {}
_pruners: dict[str, _Entry] = {}


def register_sampler(
    name: str,
    factory: Callable[..., optuna.samplers.BaseSampler],
    summary: str,
    seeded: bool = True,
    pruner: str | None = None,
) -> None:
    """Make ``--algo name`` build ``factory(seed=..., **options)`` (``seed`` only when seeded);
    ``pruner`` is the pruner spec the algorithm comes with when no ``--pruner`` is given (BOHB
    is TPE with Hyperband).

    Example:
        >>> import optuna
        >>> from nas_notebook.algorithms import make_sampler, register_sampler
        >>> register_sampler("qmc", optuna.samplers.QMCSampler, "quasi-Monte Carlo (Optuna)")
        >>> type(make_sampler("qmc:scramble=True", seed=0)).__name__
        'QMCSampler'
        >>> from nas_notebook.algorithms._registry import _samplers; del _samplers["qmc"]
    """
    _samplers[name] = _Entry(factory, summary, seeded, pruner)


def default_pruner(spec: str | optuna.samplers.BaseSampler) -> str | None:
    """The pruner spec algorithm ``spec`` comes with (None for most; an object has none).

    Example:
        >>> default_pruner("bohb"), default_pruner("tpe")
        ('hyperband', None)
    """
    if not isinstance(spec, str):
        return None
    entry = _samplers.get(parse_spec(spec)[0])
    return None if entry is None else entry.pruner


def register_pruner(
    name: str, factory: Callable[..., optuna.pruners.BasePruner], summary: str
) -> None:
    """Make ``--pruner name`` build ``factory(**options)``.

    Example:
        >>> import optuna
        >>> from nas_notebook.algorithms import make_pruner, register_pruner
        >>> register_pruner("patient", optuna.pruners.PatientPruner, "waits before pruning")
        >>> make_pruner("patient:wrapped_pruner=None,patience=3")._patience
        3
        >>> from nas_notebook.algorithms._registry import _pruners; del _pruners["patient"]
    """
    _pruners[name] = _Entry(factory, summary, False)


def sampler_names() -> list[str]:
    """The registered algorithm names, sorted.

    Example:
        >>> {"random", "tpe", "evolution", "ppo"} <= set(sampler_names())
        True
    """
    return sorted(_samplers)


def pruner_names() -> list[str]:
    """The registered pruner names, sorted.

    Example:
        >>> pruner_names()
        ['asha', 'curve', 'hyperband', 'median', 'none']
    """
    return sorted(_pruners)


def _build(kind: str, table: dict[str, _Entry], spec: str, **extra: Any) -> Any:
    name, options = parse_spec(spec)
    entry = table.get(name)
    if entry is None:
        raise UnknownAlgorithmError(
            f"unknown {kind} {name!r}; known {kind}s: {', '.join(sorted(table))}"
        )
    if entry.seeded:
        options.setdefault("seed", extra.get("seed"))
    try:
        return entry.factory(**options)
    except TypeError as exc:
        raise UnknownAlgorithmError(f"{kind} {name!r}: bad options {options}: {exc}") from None


def make_sampler(
    spec: str | optuna.samplers.BaseSampler, seed: int | None = None
) -> optuna.samplers.BaseSampler:
    """The sampler for ``spec`` (a registry spec, or a sampler object returned as is).

    Example:
        >>> type(make_sampler("random", seed=0)).__name__
        'RandomSearch'
    """
    if isinstance(spec, optuna.samplers.BaseSampler):
        return spec
    if not isinstance(spec, str):
        raise UnknownAlgorithmError(f"algorithm must be a name or an Optuna sampler, got {spec!r}")
    return _build("algorithm", _samplers, spec, seed=seed)


def _gp(**options: Any) -> optuna.samplers.BaseSampler:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise UnknownAlgorithmError(
            "algorithm 'gp' needs PyTorch: pip install 'nas_notebook[torch]'"
        ) from None
    from ._prior_gp import PriorGP

    return PriorGP(**options)


def make_pruner(spec: str | optuna.pruners.BasePruner | None) -> optuna.pruners.BasePruner:
    """The pruner for ``spec`` (``None`` means no pruning).

    Example:
        >>> type(make_pruner("median")).__name__
        'MedianPruner'
    """
    if spec is None:
        return optuna.pruners.NopPruner()
    if isinstance(spec, optuna.pruners.BasePruner):
        return spec
    return _build("pruner", _pruners, spec)


register_sampler("random", RandomSearch, "uniform random search, or from the priors written inline")
register_sampler(
    "tpe", PriorTPE, "tree-structured Parzen estimator (Optuna), with the priors written inline"
)
register_sampler(
    "grid",
    GridSearch,
    "every combination, the space discovered as trials run (points=N per numeric decision; "
    "shuffle=True for a seeded random order); the search ends when it is exhausted",
)
register_sampler(
    "evolution",
    RegularizedEvolution,
    "regularized (ageing) evolution: tournament selection, one decision mutated per child",
)
register_sampler(
    "reinforce",
    ReinforceController,
    "policy-gradient controller (REINFORCE with a moving-average baseline, as in TuNAS)",
)
register_sampler(
    "ppo",
    PPOController,
    "policy-gradient controller trained with PPO's clipped objective (as in PyGlove)",
)
register_sampler(
    "gp",
    lambda **options: _gp(**options),
    "Gaussian-process Bayesian optimization (Optuna's GPSampler, its expected improvement "
    "weighed by the priors written inline as piBO does; needs torch)",
)
register_sampler(
    "cmaes",
    CmaEs,
    "CMA-ES over the numeric decisions, the others sampled at random, said once (Optuna)",
)


class _NSGAIISampler(optuna.samplers.NSGAIISampler):
    """Optuna's NSGA-II, picklable: since Optuna 5.1 its generation cache holds a thread lock,
    and samplers travel to worker processes and are pickled with a search (the cache it guards
    is rebuilt from the storage anyway)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._thread_lock = PicklableLock()  # type: ignore[assignment]  # used as a lock only


#: PriorBand's scheduler: ASHA, one rung every factor 3 from the first step. Over Hyperband's
#: brackets it was as good with a good prior and far better with a misleading one on the
#: tabulated benchmark (``bench/beyond.py``): a bracket that starts high trains the prior's
#: draws fully before any evidence.
PRIORBAND_PRUNER = "asha:min_resource=1,reduction_factor=3"

register_sampler(
    "nsga2",
    _NSGAIISampler,
    "NSGA-II genetic algorithm, for several objectives (Optuna)",
)
register_sampler(
    "dehb",
    DifferentialEvolution,
    "differential evolution over the trials' rung results, with the Hyperband pruner unless "
    "--pruner says otherwise (after DEHB)",
    pruner="hyperband",
)
register_sampler(
    "priorband",
    PriorBand,
    "PriorBand: new trials of successive halving drawn from the priors written inline, from "
    "around the incumbent or at random, the prior's share given to the incumbent if the best "
    "trials are not where it points (with ASHA, rungs at 1, 3, 9... steps, unless --pruner says "
    "otherwise: --pruner hyperband gives PriorBand's brackets)",
    pruner=PRIORBAND_PRUNER,
)
register_sampler(
    "bohb",
    lambda **options: optuna.samplers.TPESampler(**{"multivariate": True, **options}),
    "BOHB: multivariate TPE with the Hyperband pruner unless --pruner says otherwise",
    pruner="hyperband",
)
register_pruner("none", optuna.pruners.NopPruner, "never prune")
register_pruner("median", optuna.pruners.MedianPruner, "prune below the median of earlier trials")


def _asha(type: str = "stopping", **options: Any) -> optuna.pruners.BasePruner:
    if type == "stopping":
        return AsyncSuccessiveHalving(**options)
    if type == "promotion":
        return PromotingSuccessiveHalving(**options)
    raise UnknownAlgorithmError(f"pruner 'asha': type is 'stopping' or 'promotion', not {type!r}")


register_pruner(
    "asha",
    _asha,
    "asynchronous successive halving: type=stopping (the default) stops trials below a rung's "
    "top fraction; type=promotion pauses them and resumes the promoted ones (checkpoint/restore)",
)
register_pruner(
    "curve",
    CurveExtrapolationPruner,
    "learning-curve prediction: stops a trial whose final value, predicted from its curve so far "
    "by the study's finished curves (model=families: by parametric curve families) and read "
    "optimistically, cannot beat the best",
)
register_pruner(
    "hyperband",
    optuna.pruners.HyperbandPruner,
    "Hyperband over successive-halving brackets, stopping type (Optuna); give max_resource=STEPS "
    "when the trials' steps are known, or it prunes nothing until a first trial completes",
)
