"""Properties of the detection agreement and the decoders on arbitrary heads (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import Detections, detection_agreement, get, guess_bindings

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@st.composite
def detections(draw, max_boxes=8):
    n = draw(st.integers(0, max_boxes))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(1, 80, (n, 2))
    boxes = np.concatenate([xy, xy + wh], 1)
    return Detections(boxes, rng.uniform(0.05, 1, n), rng.integers(0, 3, n))


@SETTINGS
@given(detections(), detections())
def test_agreement_is_bounded_and_self_agreement_is_total(ref, test):
    a = detection_agreement(ref, test)
    for key in ("score", "precision", "recall", "ap50", "mean_iou"):
        assert 0.0 <= a[key] <= 1.0, (key, a)
    assert a["matched"] <= min(len(ref), len(test))
    assert a["matched"] + a["class_changes"] <= min(len(ref), len(test))
    same = detection_agreement(ref, ref)
    assert same["score"] == 1.0 and same["recall"] == 1.0 and same["class_changes"] == 0
    if len(ref):
        assert same["ap50"] == 1.0 and same["mean_shift"] == 0.0


@SETTINGS
@given(
    st.integers(0, 2**16),
    st.sampled_from([(1, 6, 2100), (1, 2100, 6), (1, 3549, 6), (1, 6300, 8), (1, 40, 97)]),
)
def test_any_float_head_decodes_or_says_why(seed, shape):
    head = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    for binding in guess_bindings({"y": head}):
        try:
            answer = binding.decode({"y": head})
        except InputError:
            continue
        kind = get(binding.kind)
        assert isinstance(kind.empty(answer), bool)
        if binding.kind != "other":
            assert kind.agreement(answer, answer)["score"] == 1.0
