"""The table's own yardsticks for ``bench/efficient_nas.py``: what a returned child's percentile
is worth, computed from the table, with nothing trained.

* **random-search equivalent**: how many trainings random search needs for its returned cell to
  reach a method's mean validation percentile on average (``random_curve``: 4,000 draws per
  budget of uniformly random cells, each selected by one training, the table's seeds in turn).
  A method at cost ``c`` with equivalent ``n`` is ``n / c`` times as efficient as random search.
* **short trainings**: random search at the target cost (3 trainings) spent on more, shorter
  trainings (``short_trainings``: 30 one-epoch trainings, 15 of two epochs...), selected by
  the accuracy after those epochs: what a multi-fidelity search could do at that cost.
* **noise ceiling**: the mean percentile (in the mean table) of the cells in the top 10% of one
  training seed. The table's seeds disagree (their final validation accuracies correlate at
  about 0.7), so even a method that always returned a cell of one training's top 10% would
  score this, not 1.0.
* **top 10% agreement** (``top_agreement``): the share of one training seed's top 10% that is
  in another seed's top 10%, and in the mean table's: the second is the rate at which a
  method returning only cells of one training's top 10% would land in the table's top 10%,
  the yardstick for a method's "top 10%" count. (Among the better half of the cells the
  seeds' accuracies hardly correlate at all: there the ranking is mostly training noise.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nas_notebook.benchmarks import TabulatedBenchmark

__all__ = [
    "RANDOM_BUDGETS",
    "TARGET_COST",
    "TOP",
    "UNIT_EPOCHS",
    "noise_ceiling",
    "percentiles",
    "random_curve",
    "random_equivalent",
    "short_trainings",
    "top_agreement",
]

#: The top-10% threshold as a percentile.
TOP = 0.9
#: The target cost, in trainings of one child.
TARGET_COST = 3.0
#: Epochs of one child's training (the cost unit).
UNIT_EPOCHS = 10
RANDOM_BUDGETS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100, 150, 200)
RANDOM_DRAWS = 4000


def percentiles(valid: np.ndarray) -> np.ndarray:
    """Each cell's percentile in ``valid``: the fraction of cells with a strictly lower value."""
    return np.searchsorted(np.sort(valid), valid, side="left") / len(valid)


def _random_search(pct: np.ndarray, scores: list[np.ndarray], n: int, rng: Any) -> float:
    """Expected percentile (in ``pct``) of the cell random search returns: ``n`` uniformly
    random cells (with replacement: at most a few hundred of 15,625), the one whose
    ``scores[k % seeds]`` is highest kept, over :data:`RANDOM_DRAWS` draws."""
    picks = []
    for k, score in enumerate(scores):
        draws = RANDOM_DRAWS // len(scores) + (k < RANDOM_DRAWS % len(scores))
        cells = rng.integers(0, len(pct), size=(draws, n))
        picks.append(pct[np.take_along_axis(cells, score[cells].argmax(1)[:, None], 1)[:, 0]])
    return float(np.mean(np.concatenate(picks)))


def random_curve(pct: np.ndarray, one_trainings: list[np.ndarray]) -> list[float]:
    """Expected percentile of random search's returned cell at each of :data:`RANDOM_BUDGETS`
    (trainings), each cell selected by one full training (``one_trainings``, per seed)."""
    rng = np.random.default_rng(0)
    return [_random_search(pct, one_trainings, n, rng) for n in RANDOM_BUDGETS]


def short_trainings(pct: np.ndarray, bench: TabulatedBenchmark) -> dict[int, float]:
    """Random search at the target cost with shorter trainings: for ``e`` epochs, the
    ``TARGET_COST * UNIT_EPOCHS // e`` cells of that many ``e``-epoch trainings, selected by
    their validation accuracy after ``e`` epochs. Optimistic: the table's early epochs come
    from the full 10-epoch schedule (a real ``e``-epoch training decays its rate sooner)."""
    rng = np.random.default_rng(1)
    # A table of mean curves only: the mean's early epochs (more optimistic still).
    curves = [bench.values("valid_acc", seed) for seed in bench.seeds or ["mean"]]
    return {
        e: _random_search(
            pct, [c[:, e - 1] for c in curves], int(TARGET_COST * UNIT_EPOCHS // e), rng
        )
        for e in (1, 2, 3, 5, UNIT_EPOCHS)
    }


def random_equivalent(curve: list[float], target: float) -> float:
    """The trainings random search needs to reach ``target`` on average (interpolated along
    ``curve``; ``inf`` past its last budget)."""
    if target <= curve[0]:
        return float(RANDOM_BUDGETS[0])
    if target > curve[-1]:
        return math.inf
    return float(np.interp(target, curve, RANDOM_BUDGETS))


def noise_ceiling(pct: np.ndarray, one_trainings: list[np.ndarray]) -> float:
    """Mean percentile (in ``pct``) of the cells in the top 10% of one training, over seeds."""
    return float(np.mean([np.mean(pct[one >= np.quantile(one, TOP)]) for one in one_trainings]))


def top_agreement(pct: np.ndarray, one_trainings: list[np.ndarray]) -> dict[str, float]:
    """How reproducible "top 10%" is under the table's own protocol.

    ``seeds``: the fraction of one training seed's top 10% that is also in another seed's top
    10% (mean over ordered pairs of seeds; 0.1 if the ranking were noise, 1.0 if trainings
    agreed). ``table``: the fraction of one seed's top 10% in the top 10% of ``pct`` (the mean
    table), mean over seeds: the rate at which a method that only ever returned cells of one
    training's top 10% would meet the target per run.
    """
    tops = [one >= np.quantile(one, TOP) for one in one_trainings]
    pairs = [
        np.mean(tops[t][tops[s]]) for s in range(len(tops)) for t in range(len(tops)) if s != t
    ]
    return {
        "seeds": float(np.mean(pairs)) if pairs else math.nan,
        "table": float(np.mean([np.mean(pct[top] >= TOP) for top in tops])),
    }
