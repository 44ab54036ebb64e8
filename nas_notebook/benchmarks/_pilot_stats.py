"""Split-half reliability of a ranking of cells measured by repeated training runs (see
:mod:`nas_notebook.benchmarks.pilot`).

A score matrix ``(cells, runs)`` holds one number per cell and run, higher meaning better. Its
runs are split into two halves of equal size; each half's mean ranks the cells, and the two
rankings are compared: Spearman's rho over all cells and over the better half of the cells (by
the mean of all runs), and the share of the top 10 % / 20 % of one half that is also in the
other's. With more than one way to split, the statistics are averaged over the splits.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import rankdata

__all__ = [
    "project",
    "runs_needed",
    "spearman",
    "spearman_brown",
    "split_half",
    "top_agreement",
]

#: At most this many splits of the runs into halves are averaged (chosen at random beyond it).
MAX_SPLITS = 35


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of ``a`` and ``b`` (ties get their mean rank).

    Example:
        >>> spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0]))
        0.5
    """
    ra, rb = rankdata(a), rankdata(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _top_weights(x: np.ndarray, k: int) -> np.ndarray:
    """Each cell's share of membership in the top ``k`` of ``x``: 1 above the threshold, the
    free places split evenly between the cells tied at it."""
    threshold = np.sort(x)[::-1][k - 1]
    above = x > threshold
    tied = x == threshold
    weights = above.astype(np.float64)
    weights[tied] = (k - above.sum()) / tied.sum()
    return weights


def top_agreement(a: np.ndarray, b: np.ndarray, fraction: float) -> float:
    """The share of the top ``fraction`` of cells by ``a`` that is also in the top by ``b``.

    Ties at the threshold count as the expected overlap of a random tie break, so that a
    coarse metric (accuracy on a small set) gains nothing from breaking ties by cell order.

    Example:
        >>> top_agreement(np.arange(10.0), np.arange(10.0), 0.2)
        1.0
        >>> top_agreement(np.arange(10.0), -np.arange(10.0), 0.2)
        0.0
    """
    k = max(1, round(fraction * len(a)))
    return float((_top_weights(a, k) * _top_weights(b, k)).sum() / k)


def _halves(runs: int, rng: np.random.Generator) -> list[tuple[list[int], list[int]]]:
    """Splits of ``range(runs)`` into two halves of ``runs // 2`` (one run left out when odd)."""
    half = runs // 2
    splits = []
    for first in itertools.combinations(range(runs), half):
        rest = [r for r in range(runs) if r not in first]
        for second in itertools.combinations(rest, half):
            if (second, first) not in splits:
                splits.append((first, second))
    if len(splits) > MAX_SPLITS:
        chosen = rng.choice(len(splits), MAX_SPLITS, replace=False)
        splits = [splits[i] for i in sorted(chosen)]
    return [(list(a), list(b)) for a, b in splits]


def _compare(a: np.ndarray, b: np.ndarray, better: np.ndarray) -> dict[str, float]:
    return {
        "spearman": spearman(a, b),
        "spearman_better_half": spearman(a[better], b[better]),
        "top10": top_agreement(a, b, 0.1),
        "top20": top_agreement(a, b, 0.2),
    }


def split_half(scores: np.ndarray, seed: int = 0) -> dict[str, float]:
    """Split-half statistics of ``scores`` ``(cells, runs)``, averaged over the splits.

    Example:
        >>> same = np.repeat(np.arange(20.0)[:, None], 2, axis=1)
        >>> split_half(same)["spearman"], split_half(same)["top10"]
        (1.0, 1.0)
    """
    n_runs = scores.shape[1]
    if n_runs < 2:
        raise ValueError("split_half: at least 2 runs per cell are needed")
    better = scores.mean(axis=1) >= np.median(scores.mean(axis=1))
    rows = [
        _compare(scores[:, a].mean(axis=1), scores[:, b].mean(axis=1), better)
        for a, b in _halves(n_runs, np.random.default_rng(seed))
    ]
    stats = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
    return {**stats, "runs_per_half": n_runs // 2, "splits": len(rows)}


def spearman_brown(reliability: float, factor: float) -> float:
    """The Spearman-Brown prediction: the reliability of the mean of ``factor`` times as many
    runs as those whose mean has ``reliability``.

    Example:
        >>> round(spearman_brown(0.5, 2), 4)
        0.6667
    """
    return factor * reliability / (1 + (factor - 1) * reliability)


def runs_needed(reliability: float, runs_per_half: int, target: float = 0.9) -> float:
    """Runs per half for a split-half ``target``, by Spearman-Brown from a split-half
    ``reliability`` measured with ``runs_per_half`` runs in each half (``inf`` if it is not
    positive). The table then needs twice as many runs per cell.

    Example:
        >>> runs_needed(0.5, 1, 0.9)
        9.0
    """
    if not reliability > 0:
        return math.inf
    if reliability >= 1:
        return float(runs_per_half)
    single = reliability / (runs_per_half - (runs_per_half - 1) * reliability)
    return round(target * (1 - single) / (single * (1 - target)), 6)


def _noise_variance(scores: np.ndarray, window: int) -> np.ndarray:
    """Each cell's variance between runs, smoothed over the ``window`` cells of nearest mean
    (one cell's few runs estimate it poorly)."""
    means = scores.mean(axis=1)
    variance = scores.var(axis=1, ddof=1)
    order = np.argsort(means)
    smooth = np.empty_like(variance)
    half = window // 2
    for position, cell in enumerate(order):
        lo = max(0, min(position - half, len(order) - window))
        smooth[cell] = variance[order[lo : lo + window]].mean()
    return smooth


def project(
    scores: np.ndarray, runs_per_half: list[int], sims: int = 200, seed: int = 0
) -> dict[int, dict[str, float]]:
    """Split-half statistics expected with ``m`` runs per half, for each ``m`` in
    ``runs_per_half``, by simulation.

    The model: each run of a cell is its true score plus Gaussian noise. The noise variance of
    a cell is its variance between runs, smoothed over the 20 cells of nearest mean; the true
    scores are the cells' means shrunk towards the grand mean so that their variance is that
    of the means less the noise the means still hold. Measured halves and the projection at the
    measured ``m`` can be compared to judge the model.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> scores = rng.normal(0, 1, (100, 1)) + rng.normal(0, 0.5, (100, 4))
        >>> p = project(scores, [2, 50], sims=20)
        >>> p[50]["spearman"] > p[2]["spearman"] > 0.8
        True
    """
    n_cells, n_runs = scores.shape
    rng = np.random.default_rng(seed)
    noise = _noise_variance(scores, min(20, n_cells))
    means = scores.mean(axis=1)
    spread = means.var(ddof=1)
    true_var = max(spread - noise.mean() / n_runs, 0.0)
    truth = (
        means.mean() + math.sqrt(true_var / spread) * (means - means.mean()) if spread else means
    )
    better = truth >= np.median(truth)
    sd = np.sqrt(noise)
    out = {}
    for m in runs_per_half:
        rows = [
            _compare(
                truth + sd * rng.standard_normal(n_cells) / math.sqrt(m),
                truth + sd * rng.standard_normal(n_cells) / math.sqrt(m),
                better,
            )
            for _ in range(sims)
        ]
        out[m] = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
    return out
