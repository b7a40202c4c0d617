"""Comparison metrics: cosine similarity, SQNR, absolute errors, top-k agreement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nv12_widgets.core import (
    InputError,
    cosine_similarity,
    max_abs_error,
    mean_abs_error,
    sqnr_db,
    topk_agreement,
)


# -- cosine -------------------------------------------------------------------------------
def test_cosine_identical_is_exactly_one():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64, np.uint8, np.int8):
        a = (rng.standard_normal((3, 17, 5)) * 40).astype(dtype)
        if not a.any():
            continue
        assert cosine_similarity(a, a.copy()) == 1.0
    assert isinstance(cosine_similarity(np.ones(3), np.ones(3)), float)


def test_cosine_zero_opposite_orthogonal():
    a = np.array([1.0, 2.0, 3.0])
    assert cosine_similarity(a, np.zeros(3)) == 0.0
    assert cosine_similarity(np.zeros(3), a) == 0.0
    assert cosine_similarity(np.zeros(3), np.zeros(3)) == 0.0
    assert cosine_similarity(a, -a) == -1.0
    assert cosine_similarity(a, 2.5 * a) == pytest.approx(1.0, abs=1e-15)
    assert cosine_similarity([1, 0], [0, 1]) == 0.0
    # 45 degrees, hand computed: 1 / sqrt(2).
    assert cosine_similarity([1, 0], [1, 1]) == pytest.approx(1 / math.sqrt(2), abs=1e-15)
    # 1*4 + 2*5 + 3*6 = 32, |a| = sqrt(14), |b| = sqrt(77).
    assert cosine_similarity(a, [4, 5, 6]) == pytest.approx(32 / math.sqrt(14 * 77), abs=1e-15)


def test_cosine_flattens_any_shapes():
    a = np.arange(1, 13, dtype=np.float32)
    b = a[::-1].copy()
    expected = float(np.dot(a.astype(np.float64), b)) / float(np.dot(a.astype(np.float64), a))
    assert cosine_similarity(a.reshape(3, 4), b.reshape(1, 2, 6)) == pytest.approx(
        expected, abs=1e-15
    )


def test_cosine_accumulates_in_float64():
    # Squares of 1e20 overflow float32 (max 3.4e38): float32 accumulation gives inf/nan.
    a = np.array([1e20, 2e20, 3e20], np.float32)
    b = np.array([2e20, 4e20, 6.000001e20], np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive32 = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    assert not np.isfinite(naive32)
    assert cosine_similarity(a, b) == pytest.approx(1.0, abs=1e-12)
    # Many large values: float32 running sums lose the small differences entirely.
    big = np.full(3_000_000, 3000.0, np.float32)
    other = big.copy()
    other[::2] = 3001.0
    a64, b64 = big.astype(np.float64), other.astype(np.float64)
    exact = float(a64 @ b64 / math.sqrt((a64 @ a64) * (b64 @ b64)))
    assert exact < 1.0
    naive32 = np.dot(big, other) / (np.linalg.norm(big) * np.linalg.norm(other))
    assert abs(float(naive32) - exact) > 1e-6  # what float32 accumulation would report
    got = cosine_similarity(big, other)
    assert got == pytest.approx(exact, abs=1e-12)
    assert sqnr_db(big, other) == pytest.approx(10 * math.log10(3000.0**2 * 2 / 1.0), abs=1e-9)


# -- sqnr, abs errors ---------------------------------------------------------------------
def test_sqnr():
    a = np.array([3.0, 4.0])  # |a|^2 = 25
    assert sqnr_db(a, a) == math.inf
    assert sqnr_db(a, a.astype(np.float32)) == math.inf
    # noise (0.5, 0) -> 0.25: 10 log10(25 / 0.25) = 20 dB
    assert sqnr_db(a, [3.5, 4.0]) == pytest.approx(20.0, abs=1e-12)
    assert sqnr_db(np.zeros(2), [1.0, 0.0]) == -math.inf
    assert sqnr_db(np.zeros(2), np.zeros(2)) == math.inf
    # Equal noise and signal power: 0 dB.
    assert sqnr_db([1.0, 0.0], [0.0, 0.0]) == pytest.approx(0.0, abs=1e-12)


def test_abs_errors():
    a = np.array([[0, 255], [10, 20]], np.uint8)
    b = np.array([[255, 0], [10, 21]], np.uint8)
    # No uint8 wrap-around: |0 - 255| = 255, not 1.
    assert max_abs_error(a, b) == 255.0
    assert mean_abs_error(a, b) == (255 + 255 + 0 + 1) / 4
    c, d = np.array([-128], np.int8), np.array([127], np.int8)
    assert max_abs_error(c, d) == 255.0
    assert max_abs_error(a, a) == 0.0 and mean_abs_error(a, a) == 0.0
    assert max_abs_error(np.zeros(0), np.zeros(0)) == 0.0
    assert mean_abs_error(np.zeros(0), np.zeros(0)) == 0.0
    assert isinstance(max_abs_error(a, b), float)


# -- top-k --------------------------------------------------------------------------------
def test_topk_agreement_examples():
    ref = np.array([0.1, 0.7, 0.2])
    assert topk_agreement(ref, [0.0, 0.9, 0.1]) == 1.0
    assert topk_agreement(ref, [0.5, 0.4, 0.1]) == 0.0
    # top-2 of ref: {1, 2}; of test: {1, 0} -> 1 of 2
    assert topk_agreement(ref, [0.3, 0.6, 0.1], k=2) == 0.5
    assert topk_agreement(ref, [0.0, 0.1, 0.2], k=3) == 1.0
    # Rows: argmax agrees in rows 0 and 2, not in row 1 -> 2/3.
    r = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    t = np.array([[5, 1, 1], [1, 0, 2], [0, 1, 3]], np.float32)
    assert topk_agreement(r, t) == pytest.approx(2 / 3)
    # Top-2 per row: {0, 1|2}... use distinct scores for a hand count:
    r = np.array([[4, 3, 2, 1], [1, 2, 3, 4]])
    t = np.array([[4, 1, 3, 2], [4, 3, 2, 1]])
    # row 0: {0, 1} vs {0, 2} -> 1/2; row 1: {3, 2} vs {0, 1} -> 0
    assert topk_agreement(r, t, k=2) == 0.25


def test_topk_errors():
    with pytest.raises(InputError, match="same shape"):
        topk_agreement(np.zeros(3), np.zeros(4))
    with pytest.raises(InputError, match=r"\(C,\) or \(N, C\)"):
        topk_agreement(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)))
    with pytest.raises(
        InputError, match=r"k must be between 1 and the number of classes \(3\), got 4"
    ):
        topk_agreement(np.zeros(3), np.zeros(3), k=4)
    with pytest.raises(InputError, match="got 0"):
        topk_agreement(np.zeros(3), np.zeros(3), k=0)


@pytest.mark.parametrize("func", [cosine_similarity, sqnr_db, max_abs_error, mean_abs_error])
def test_size_mismatch(func):
    with pytest.raises(InputError, match=r"cannot compare arrays of 3 and 4 elements.*same output"):
        func(np.zeros(3), np.zeros((2, 2)))


# -- a single value -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "ref, test",
    [
        (np.array([[0.8]], np.float32), np.array([[0.3]], np.float32)),  # a sigmoid score
        (np.float32(2.5), np.float32(-7.0)),  # a regressed scalar, rank 0
        (np.array([3], np.int64), np.array([5], np.int64)),  # an ArgMax class index
    ],
)
def test_a_single_changed_value_has_no_cosine_but_its_errors(ref, test):
    """The cosine of two one-element vectors is +-1 whatever the change (scikit-learn's
    independent cosine_similarity says so too): it must not read as "no loss"."""
    from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

    from nv12_widgets.core import compare_arrays
    from nv12_widgets.core.metrics import SINGLE_VALUE

    a, b = (np.asarray(v, np.float64).reshape(1, 1) for v in (ref, test))
    assert abs(sk_cosine(a, b)[0, 0]) == pytest.approx(1.0)  # the degeneracy
    m = compare_arrays(ref, test)
    assert math.isnan(m.cosine) and m.note == SINGLE_VALUE and not m.measured
    assert m.max_abs == pytest.approx(abs(float(a[0, 0]) - float(b[0, 0])), rel=1e-6)
    assert math.isfinite(m.sqnr_db)
    if np.asarray(ref).dtype.kind == "i":
        assert m.agreement == 0.0
    # the same value on both paths: nothing changed, cosine 1 as for any identical pair
    same = compare_arrays(ref, np.array(ref, copy=True))
    assert same.cosine == 1.0 and same.measured
