"""Statistics over per-image values: percentile bootstrap intervals and the exact McNemar test.

Public, so that every workflow that compares paths or runs (``evaluate``, the board
ladder, ``nv12-widgets diff``) reads its intervals and p-values from one place.

Intervals are 95% percentile bootstrap over images: ``n_boot`` (2000) resamples with
replacement of the per-image values drawn with ``numpy.random.default_rng(seed)`` (seed
0), the 2.5th and 97.5th percentiles of the resampled means (numpy's default linear
interpolation); NaN values are left out first (Efron & Tibshirani, *An Introduction to
the Bootstrap*, 1993, ch. 13). Paired differences resample the same images for both
sides. With few discordant pairs the percentile interval can exclude 0 while the exact
McNemar p is not small: read the p-value before trusting such an interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nv12_widgets.core import InputError

__all__ = ["bootstrap_ci", "bootstrap_statistic", "mcnemar_exact", "paired_bootstrap_ci"]


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile-bootstrap confidence interval.

    Parameters
    ----------
    values : sequence of float
        One value per image; NaNs are dropped first.
    n_boot : int
        Resamples (with replacement, same size as the data).
    seed : int
        Seed of ``numpy.random.default_rng``: the same data give the same interval.
    level : float
        0.95 for the 2.5th..97.5th percentiles of the resampled means.

    Returns
    -------
    (mean, low, high) : tuple of float
        NaN for all three when no value is finite; ``(x, x, x)`` for one value.

    Examples
    --------
    >>> bootstrap_ci([1.0, 1.0, 1.0])
    (1.0, 1.0, 1.0)
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size == 1:
        return (mean, mean, mean)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    means = x[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.percentile(means, [100 * alpha, 100 * (1 - alpha)])
    return (mean, float(lo), float(hi))


def bootstrap_statistic(
    n: int,
    statistic: Callable[[np.ndarray], float],
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """A set-level statistic (pooled mAP, corpus CER) and its percentile-bootstrap interval.

    For statistics that are not a mean of per-image values: ``statistic(indices)`` is
    computed on all ``n`` images (``arange(n)``) and on ``n_boot`` resamples of image
    indices with replacement, drawn as :func:`bootstrap_ci` draws them (the same
    generator and seed); resamples where it is NaN are left out.

    Returns
    -------
    (value, low, high) : tuple of float
        NaN for all three when ``n`` is 0; ``(x, x, x)`` for one image.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> bootstrap_statistic(4, lambda i: x[i].mean()) == bootstrap_ci(x)
    True
    """
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    value = float(statistic(np.arange(n)))
    if n == 1:
        return (value, value, value)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    values = np.array([float(statistic(row)) for row in idx])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (value, math.nan, math.nan)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.percentile(values, [100 * alpha, 100 * (1 - alpha)])
    return (value, float(lo), float(hi))


def paired_bootstrap_ci(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of ``b - a`` over paired samples and its percentile-bootstrap interval.

    The same resampled images are used for both (the pairing), i.e. the bootstrap of the
    per-image differences; pairs with a NaN on either side are dropped.

    Examples
    --------
    >>> paired_bootstrap_ci([1, 1, 0], [1, 1, 0])
    (0.0, 0.0, 0.0)
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise InputError(f"paired samples must have the same length, got {a.size} and {b.size}.")
    return bootstrap_ci(b - a, n_boot=n_boot, seed=seed, level=level)


def mcnemar_exact(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> dict[str, float]:
    """Exact (binomial) McNemar test of two paired classifiers' correctness.

    Parameters
    ----------
    a_correct, b_correct : sequence of bool
        Per image, whether path A / path B predicted the label.

    Returns
    -------
    dict
        ``b`` (A right, B wrong), ``c`` (A wrong, B right) and ``p``: the two-sided
        p-value ``min(1, 2 * P(X <= min(b, c)))`` with ``X ~ Binomial(b + c, 1/2)``
        (1.0 when there is no discordant pair). McNemar, Psychometrika 12 (1947); the
        exact form as in ``statsmodels.stats.contingency_tables.mcnemar(exact=True)``.

    Examples
    --------
    >>> mcnemar_exact([1] * 9 + [0], [0] * 9 + [1])["p"]
    0.021484375
    """
    a = np.asarray(a_correct, dtype=bool).ravel()
    b_ = np.asarray(b_correct, dtype=bool).ravel()
    if a.shape != b_.shape:
        raise InputError(f"paired samples must have the same length, got {a.size} and {b_.size}.")
    b = int(np.sum(a & ~b_))
    c = int(np.sum(~a & b_))
    n = b + c
    if n == 0:
        return {"b": 0, "c": 0, "p": 1.0}
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return {"b": b, "c": c, "p": min(1.0, 2.0 * tail)}
