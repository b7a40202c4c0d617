"""signal_of / pair_evidence: known answers, constants recomputed plainly here."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.core.signal import (
    PROBABILITY_FLOOR,
    ROUNDING_ULPS,
    pair_evidence,
    rounding_eps,
    signal_of,
)

EPS32 = 2.0**-23  # float32 machine epsilon, written out (not numpy's value)


def test_constants_are_what_the_docstring_says():
    assert ROUNDING_ULPS == 256
    assert PROBABILITY_FLOOR == 1e-3
    assert rounding_eps(np.float32) == EPS32
    assert rounding_eps(np.float64) == EPS32  # never finer than float32
    assert rounding_eps(np.float16) == 2.0**-10


def test_empty_probability_map_has_no_signal():
    ref = np.zeros((1, 1, 16, 16), np.float32)
    ref[0, 0, 3, 4] = 1.4e-5  # the detector on astronaut
    s = signal_of(ref)
    assert not s.has_signal
    assert s.scale == 1.0
    assert s.peak == pytest.approx(1.4e-5)
    assert "no signal" in s.reason and "try another image" in s.reason


def test_probability_map_with_a_detection_has_signal():
    ref = np.zeros((1, 1, 16, 16), np.float32)
    ref[0, 0, 3:6, 2:9] = 0.9
    s = signal_of(ref)
    assert s.has_signal and s.scale == 1.0 and s.peak == pytest.approx(0.9)


def test_probability_floor_boundary():
    assert signal_of(np.array([0.0, 1e-3])).has_signal
    assert not signal_of(np.array([0.0, 0.999e-3])).has_signal


def test_logits_always_have_signal():
    rng = np.random.default_rng(0)
    for _ in range(20):
        logits = rng.normal(0, 3, size=(2, 10)).astype(np.float32)
        s = signal_of(logits)
        assert s.has_signal
        assert s.scale == pytest.approx(float(np.abs(logits).max()))


def test_softmax_of_a_classifier_has_signal():
    x = np.exp(np.array([[1.0, 2.0, 0.5, -1.0]]))
    assert signal_of(x / x.sum()).has_signal


def test_all_zero_output_has_no_signal():
    s = signal_of(np.zeros((3, 4), np.float32))
    assert not s.has_signal and s.peak == 0.0 and "zeros" in s.reason


def test_constant_plus_rounding_has_no_signal_but_a_real_spread_has():
    base = np.full(100, 5.0, np.float32)
    tiny = base + np.float32(5.0 * EPS32 * 4) * (np.arange(100) % 2)  # 4 ulps
    assert not signal_of(tiny).has_signal
    floor = ROUNDING_ULPS * EPS32 * 5.0
    clear = base.astype(np.float64) + 2 * floor * (np.arange(100) % 2)
    assert signal_of(clear.astype(np.float32)).has_signal


def test_single_value_output_has_signal():
    assert signal_of(np.array([[-3.5]], np.float32)).has_signal


def test_integer_nan_empty_and_object_outputs():
    assert signal_of(np.array([0, 0, 1], np.int64)).has_signal
    assert not signal_of(np.array([1.0, np.nan])).has_signal
    assert not signal_of(np.zeros((0, 3), np.float32)).has_signal
    assert not signal_of(np.array(["a"], dtype=object)).has_signal


def test_explicit_scale():
    ref = np.array([0.0, 0.05, 0.2], np.float32)  # a heatmap in [0, 255] units
    assert not signal_of(ref, scale=255.0).has_signal  # 0.2 < 1e-3 * 255
    assert signal_of(ref).has_signal
    with pytest.raises(InputError):
        signal_of(ref, scale=0.0)


def test_pair_evidence_floor_is_256_ulps_of_the_scale():
    ref = np.array([0.0, 0.5, 1.0], np.float32)  # probability-like: scale 1
    floor = 256 * EPS32 * 1.0
    below = ref.astype(np.float64) + np.array([0.0, 0.9 * floor, 0.0])
    above = ref.astype(np.float64) + np.array([0.0, 1.1 * floor, 0.0])
    pe = pair_evidence(ref, below)
    assert not pe.is_evidence and pe.floor == pytest.approx(floor)
    assert "not evidence" in pe.reason
    assert pair_evidence(ref, above).is_evidence


def test_pair_evidence_for_logits_scales_with_the_peak():
    ref = np.array([100.0, -20.0, 3.0], np.float32)
    floor = 256 * EPS32 * 100.0
    assert not pair_evidence(ref, ref + np.float32(0.5 * floor)).is_evidence
    assert pair_evidence(ref, ref + np.float32(2 * floor)).is_evidence


def test_pair_evidence_near_zero_vectors_low_cosine_is_not_evidence():
    # Two near-zero "probability maps" whose cosine is poor: the cosine is no evidence.
    rng = np.random.default_rng(1)
    ref = (rng.random(400) * 1e-6).astype(np.float32)
    test = (rng.random(400) * 1e-6).astype(np.float32)
    cos = float(ref @ test / np.linalg.norm(ref) / np.linalg.norm(test))
    assert cos < 0.9
    assert not pair_evidence(ref, test).is_evidence


def test_pair_evidence_integers_and_size_mismatch():
    a = np.array([1, 2, 3])
    assert not pair_evidence(a, a.copy()).is_evidence
    assert pair_evidence(a, np.array([1, 2, 4])).is_evidence
    with pytest.raises(InputError):
        pair_evidence(a, np.array([1, 2]))


def test_assess_pair_statuses():
    from nv12_widgets.core.signal import PAIR_STATUSES, assess_pair

    assert PAIR_STATUSES == ("no-signal", "rounding", "evidence")
    empty = np.zeros((1, 1, 8, 8), np.float32)
    empty[0, 0, 1, 1] = 2e-6
    a = assess_pair(empty, empty * 3)
    assert a.status == "no-signal" and not a.takes_part
    # the test path detects something the reference does not: evidence
    wrong = empty.copy()
    wrong[0, 0, 2:4, 2:6] = 0.9
    a = assess_pair(empty, wrong)
    assert a.status == "evidence" and a.takes_part and a.test.has_signal
    # ... and the other way round (the device misses a detection)
    assert assess_pair(wrong, empty).status == "evidence"
    probs = np.array([[0.1, 0.7, 0.2]], np.float32)
    a = assess_pair(probs, probs + np.float32(1e-6))
    assert a.status == "rounding" and a.takes_part
    assert assess_pair(probs, probs[:, ::-1]).status == "evidence"
    assert (
        assess_pair(probs, probs, reference_signal=signal_of(probs)).to_dict()["status"]
        == "rounding"
    )
