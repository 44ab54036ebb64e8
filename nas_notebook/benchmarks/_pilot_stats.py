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
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import norm, rankdata

__all__ = [
    "latent_correlation",
    "normal_top_agreement",
    "project",
    "runs_for_top",
    "runs_needed",
    "spearman",
    "spearman_brown",
    "split_half",
    "split_half_se",
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


def _halves(runs: int, half: int, rng: np.random.Generator) -> list[tuple[list[int], list[int]]]:
    """Splits of ``range(runs)`` into two disjoint halves of ``half`` runs each: every one when
    there are at most :data:`MAX_SPLITS`, else that many distinct ones drawn at random (16 runs
    make 450,450 splits into halves of 4: drawing, not listing)."""
    total = math.comb(runs, half) * math.comb(runs - half, half) // 2
    # A split is its two halves in either order: keyed by the unordered pair.
    splits: dict[frozenset[tuple[int, ...]], tuple[tuple[int, ...], tuple[int, ...]]] = {}
    if total <= MAX_SPLITS:
        for first in itertools.combinations(range(runs), half):
            rest = [r for r in range(runs) if r not in first]
            for second in itertools.combinations(rest, half):
                splits.setdefault(frozenset((first, second)), (first, second))
    while len(splits) < min(total, MAX_SPLITS):
        order = [int(r) for r in rng.permutation(runs)]
        first, second = tuple(sorted(order[:half])), tuple(sorted(order[half : 2 * half]))
        splits.setdefault(frozenset((first, second)), (first, second))
    return [(list(a), list(b)) for a, b in splits.values()]


def _compare(a: np.ndarray, b: np.ndarray, better: np.ndarray) -> dict[str, float]:
    return {
        "spearman": spearman(a, b),
        "spearman_better_half": spearman(a[better], b[better]),
        "top10": top_agreement(a, b, 0.1),
        "top20": top_agreement(a, b, 0.2),
    }


def split_half(scores: np.ndarray, seed: int = 0, per_half: int | None = None) -> dict[str, float]:
    """Split-half statistics of ``scores`` ``(cells, runs)``, averaged over the splits into two
    halves of ``per_half`` runs (default: half the runs, one left out when odd; fewer measure
    how the statistics grow with the runs).

    Example:
        >>> same = np.repeat(np.arange(20.0)[:, None], 2, axis=1)
        >>> split_half(same)["spearman"], split_half(same)["top10"]
        (1.0, 1.0)
    """
    n_runs = scores.shape[1]
    half = n_runs // 2 if per_half is None else per_half
    if not 1 <= half <= n_runs // 2:
        raise ValueError(f"split_half: {n_runs} runs per cell make no two halves of {half}")
    better = scores.mean(axis=1) >= np.median(scores.mean(axis=1))
    rows = [
        _compare(scores[:, a].mean(axis=1), scores[:, b].mean(axis=1), better)
        for a, b in _halves(n_runs, half, np.random.default_rng(seed))
    ]
    stats = {key: float(np.mean([row[key] for row in rows])) for key in rows[0]}
    return {**stats, "runs_per_half": half, "splits": len(rows)}


def split_half_se(scores: np.ndarray, draws: int = 100, seed: int = 0) -> dict[str, float]:
    """Standard errors of :func:`split_half`'s statistics over the sample of cells (bootstrap
    over the cells). Protocols measured on the same cells differ by less than these suggest.

    Example:
        >>> same = np.repeat(np.arange(20.0)[:, None], 2, axis=1)
        >>> split_half_se(same, draws=5)["spearman"]
        0.0
    """
    rng = np.random.default_rng(seed)
    rows = [
        split_half(scores[rng.integers(0, len(scores), len(scores))], seed) for _ in range(draws)
    ]
    keys = ("spearman", "spearman_better_half", "top10", "top20")
    return {key: round(float(np.std([row[key] for row in rows], ddof=1)), 4) for key in keys}


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


def normal_top_agreement(correlation: float, fraction: float = 0.1) -> float:
    """The expected top-``fraction`` agreement of two rankings that are bivariate normal with
    ``correlation`` (what :func:`top_agreement` tends to on many cells).

    Example:
        >>> round(normal_top_agreement(0.0), 4), round(normal_top_agreement(0.9), 3)
        (0.1, 0.689)
    """
    if correlation >= 1:
        return 1.0
    c = float(norm.ppf(1 - fraction))
    spread = math.sqrt(1 - correlation**2)

    def both_above(x: float) -> float:
        return float(norm.pdf(x) * norm.sf((c - correlation * x) / spread))

    return float(quad(both_above, c, math.inf)[0] / fraction)


def latent_correlation(agreement: float, fraction: float = 0.1) -> float:
    """The correlation whose :func:`normal_top_agreement` is ``agreement``: the reliability of
    the top of a ranking, measured by its top agreement.

    Example:
        >>> round(latent_correlation(normal_top_agreement(0.8)), 6)
        0.8
    """
    if agreement >= 1:
        return 1.0
    if agreement <= normal_top_agreement(-0.99, fraction):
        return -0.99
    return float(brentq(lambda r: normal_top_agreement(r, fraction) - agreement, -0.99, 1 - 1e-9))


def project(measured: dict[str, float], runs_per_half: list[int]) -> dict[int, dict[str, float]]:
    """Split-half statistics expected with ``m`` runs per half, for each ``m`` in
    ``runs_per_half``, from :func:`split_half`'s ``measured`` ones.

    Spearman's rho (over all cells and over the better half) follows Spearman-Brown; a top
    agreement is turned into the correlation of a bivariate normal with that agreement
    (:func:`latent_correlation`), projected by Spearman-Brown and turned back. Both assume
    that more runs only shrink noise of the same kind.

    Example:
        >>> measured = {"spearman": 0.6, "spearman_better_half": 0.3, "top10": 0.4,
        ...             "top20": 0.5, "runs_per_half": 1}
        >>> p = project(measured, [1, 6])
        >>> round(p[1]["top10"], 6), round(p[6]["spearman"], 6)
        (0.4, 0.9)
    """
    half = measured["runs_per_half"]

    def grown(r: float, m: int) -> float:
        return spearman_brown(r, m / half) if r > 0 else r

    latent = {key: latent_correlation(measured[key], q) for key, q in _TOPS.items()}
    out = {}
    for m in runs_per_half:
        row = {key: grown(measured[key], m) for key in ("spearman", "spearman_better_half")}
        for key, q in _TOPS.items():
            row[key] = normal_top_agreement(grown(latent[key], m), q)
        out[m] = row
    return out


def runs_for_top(
    agreement: float, runs_per_half: int, fraction: float = 0.1, target: float = 0.7
) -> float:
    """Runs per half for a top-``fraction`` agreement of ``target``, projected as
    :func:`project` does from ``agreement`` measured with ``runs_per_half`` runs per half.

    Example:
        >>> round(runs_for_top(0.4, 1), 2)
        6.16
    """
    return runs_needed(
        latent_correlation(agreement, fraction),
        runs_per_half,
        latent_correlation(target, fraction),
    )


_TOPS = {"top10": 0.1, "top20": 0.2}
