"""A peer against ours over paired seeds: the mean difference and its standard error, which
says whether so many seeds resolve the difference of the means."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["paired_difference"]


def paired_difference(peer: Any, ours: Any) -> tuple[np.ndarray, np.ndarray]:
    """``peer - ours`` seed by seed (the seeds along the first axis; NaN where either is
    missing), returned as its mean over the seeds and the mean's standard error (NaN with fewer
    than two seeds).

    Example:
        >>> mean, se = paired_difference([[0.3, 0.2], [0.5, 0.2]], [[0.1, 0.1], [0.1, 0.1]])
        >>> mean.round(2).tolist(), se.round(2).tolist()
        ([0.3, 0.1], [0.1, 0.0])
    """
    diff = np.asarray(peer, dtype=float) - np.asarray(ours, dtype=float)
    seeds = np.sum(~np.isnan(diff), axis=0)
    mean = np.nanmean(diff, axis=0)
    if diff.shape[0] < 2:
        return mean, np.full_like(mean, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.nanstd(diff, axis=0, ddof=1) / np.sqrt(seeds)
    return mean, se
