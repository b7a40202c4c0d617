"""add_noise: the vendor's U(0, a) test and its variants."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import NOISE_KINDS, InputError, add_noise

N = 200_000


def test_uniform_range_and_mean():
    x = np.full((400, 500), 100, np.uint8)
    out = add_noise(x, 2.0, seed=0)
    assert out.dtype == np.float32 and out.shape == x.shape
    noise = out.astype(np.float64) - 100
    assert noise.min() >= 0.0 and noise.max() < 2.0
    # U(0, 2): mean 1, sd 2 / sqrt(12) = 0.577, so the mean of 200k draws is 1 +- 0.0013.
    assert noise.mean() == pytest.approx(1.0, abs=0.01)
    assert noise.std() == pytest.approx(2 / np.sqrt(12), rel=0.01)
    # Covers the whole interval, not just part of it.
    assert noise.min() < 0.01 and noise.max() > 1.99
    assert x.dtype == np.uint8 and (x == 100).all()  # input untouched


def test_symmetric():
    noise = add_noise(np.zeros(N), 3.0, kind="symmetric", seed=1).astype(np.float64)
    assert noise.min() >= -3.0 and noise.max() < 3.0
    assert noise.min() < -2.99 and noise.max() > 2.99
    assert noise.mean() == pytest.approx(0.0, abs=0.03)
    assert noise.std() == pytest.approx(6 / np.sqrt(12), rel=0.01)


def test_gaussian():
    noise = add_noise(np.zeros(N, np.float32), 2.0, kind="gaussian", seed=2).astype(np.float64)
    assert noise.mean() == pytest.approx(0.0, abs=0.02)
    assert noise.std() == pytest.approx(2.0, rel=0.01)
    assert (noise < 0).any() and np.abs(noise).max() > 6  # unbounded, unlike the uniforms


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_seed_reproducibility(kind):
    x = np.arange(1000, dtype=np.float32).reshape(10, 100)
    a = add_noise(x, 1.5, kind=kind, seed=42)
    b = add_noise(x, 1.5, kind=kind, seed=42)
    c = add_noise(x, 1.5, kind=kind, seed=43)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # A Generator is consumed: two calls with the same generator differ.
    rng = np.random.default_rng(7)
    d, e = add_noise(x, 1.5, kind=kind, seed=rng), add_noise(x, 1.5, kind=kind, seed=rng)
    assert not np.array_equal(d, e)
    np.testing.assert_array_equal(d, add_noise(x, 1.5, kind=kind, seed=np.random.default_rng(7)))


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_amplitude_zero_returns_equal_copy(kind):
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = add_noise(x, 0, kind=kind, seed=0)
    np.testing.assert_array_equal(out, x)
    assert out.dtype == np.float32
    assert out is not x and not np.shares_memory(out, x)
    out[0, 0] = 99
    assert x[0, 0] == 0
    u8 = add_noise(np.array([[1, 255]], np.uint8), 0.0)
    assert u8.dtype == np.float32 and u8.tolist() == [[1.0, 255.0]]


def test_not_clipped():
    out = add_noise(np.full(1000, 255, np.uint8), 2.0, seed=0)
    assert out.max() > 255  # the model sees what the vendor's test feeds it


def test_errors():
    x = np.zeros(3)
    with pytest.raises(
        InputError, match=r"kind='normal' is not supported.*'uniform', 'symmetric', 'gaussian'"
    ):
        add_noise(x, 1.0, kind="normal")
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(InputError, match="amplitude must be a finite number >= 0"):
            add_noise(x, bad)
