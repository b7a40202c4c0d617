"""The vendor's noise test: small pixel-unit perturbations of a model input."""

from __future__ import annotations

import numpy as np

from ._checks import InputError, check_choice

__all__ = ["NOISE_KINDS", "add_noise", "scale_noise", "unit_noise"]

#: "uniform": U(0, a) as in the vendor's test; "symmetric": U(-a, a); "gaussian": N(0, a).
NOISE_KINDS = ("uniform", "symmetric", "gaussian")


def add_noise(
    x: np.ndarray,
    amplitude: float,
    *,
    kind: str = "uniform",
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Add noise in pixel units (grey levels) to an input.

    Parameters
    ----------
    x : numpy.ndarray
        Pixel-domain data (0..255 codes, before normalisation), any shape and dtype.
    amplitude : float
        Noise size in grey levels, >= 0. The vendor's test uses 2.
    kind : {"uniform", "symmetric", "gaussian"}
        "uniform" adds U(0, amplitude) (the vendor's test: it also shifts the mean by
        amplitude / 2), "symmetric" U(-amplitude, amplitude), "gaussian"
        N(0, amplitude).
    seed : int, numpy.random.Generator or None
        Same seed, same noise.

    Returns
    -------
    numpy.ndarray
        float32, same shape; not clipped (the model sees what the vendor feeds it).

    Examples
    --------
    >>> noisy = add_noise(np.zeros((2, 2, 3), np.uint8), 2.0, seed=0)  # U(0, 2), the vendor's test
    >>> noisy.dtype, noisy.shape, bool(noisy.min() >= 0 and noisy.max() <= 2)
    (dtype('float32'), (2, 2, 3), True)
    """
    check_choice("kind", kind, NOISE_KINDS)
    if not np.isfinite(amplitude) or amplitude < 0:
        raise InputError(f"amplitude must be a finite number >= 0, got {amplitude!r}.")
    x = np.asarray(x, dtype=np.float32)
    if amplitude == 0:
        return x.copy()
    out = scale_noise(unit_noise(x.shape, kind=kind, seed=seed), amplitude, kind=kind)
    out += x
    return out


def unit_noise(
    shape: tuple[int, ...],
    *,
    kind: str = "uniform",
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """The noise of amplitude 1 that :func:`add_noise` scales: U(0, 1) or N(0, 1), float32.

    Drawing is the costly part of the noise test; a caller that tries several amplitudes
    with one seed draws once and scales with :func:`scale_noise`, which gives exactly the
    values of ``add_noise(x, a, kind=kind, seed=seed) - x``.

    Examples
    --------
    >>> u = unit_noise((2, 2), seed=0)
    >>> bool(np.array_equal(scale_noise(u, 2.0) + 1, add_noise(np.ones((2, 2)), 2.0, seed=0)))
    True
    """
    check_choice("kind", kind, NOISE_KINDS)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    # float32 draws: half the time of float64 ones, and the model input is float32 anyway
    if kind == "gaussian":
        return rng.standard_normal(size=shape, dtype=np.float32)
    return rng.random(size=shape, dtype=np.float32)


def scale_noise(unit: np.ndarray, amplitude: float, *, kind: str = "uniform") -> np.ndarray:
    """Scale :func:`unit_noise` to ``amplitude`` grey levels (a new float32 array).

    "uniform": ``a * u``; "symmetric": ``2a * u - a``; "gaussian": ``a * n``.

    Examples
    --------
    >>> u = np.array([0.0, 0.25, 1.0], np.float32)
    >>> scale_noise(u, 2.0)
    array([0. , 0.5, 2. ], dtype=float32)
    >>> scale_noise(u, 2.0, kind="symmetric")
    array([-2., -1.,  2.], dtype=float32)
    """
    check_choice("kind", kind, NOISE_KINDS)
    if not np.isfinite(amplitude) or amplitude < 0:
        raise InputError(f"amplitude must be a finite number >= 0, got {amplitude!r}.")
    a = np.float32(amplitude)
    if kind == "symmetric":
        out = unit * (2 * a)
        out -= a
        return out
    return unit * a
