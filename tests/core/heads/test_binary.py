"""The one-output binary sigmoid classifier kind against scikit-learn's accuracy and
the sigmoid written out (probability > 0.5 <=> logit > 0)."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core.heads import get, guess_bindings, task_agreement

metrics = pytest.importorskip("sklearn.metrics")


@pytest.mark.parametrize("seed", range(4))
def test_same_side_fraction_is_sklearn_accuracy_of_thresholded_scores(seed):
    rng = np.random.default_rng(seed)
    ref = rng.uniform(0, 1, (32, 1)).astype(np.float32)
    test = np.clip(ref + rng.normal(0, 0.1, ref.shape), 0, 1).astype(np.float32)
    a = task_agreement(ref, test, "binary")
    assert a["score"] == pytest.approx(metrics.accuracy_score(ref[:, 0] > 0.5, test[:, 0] > 0.5))
    assert a["reference_positive"] == int((ref > 0.5).sum())
    assert a["max_change"] == pytest.approx(float(np.abs(test - ref).max()))


def test_logits_use_the_logit_of_the_threshold():
    rng = np.random.default_rng(7)
    ref, test = rng.normal(0, 2, (50, 1)), rng.normal(0, 2, (50, 1))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    want = metrics.accuracy_score(sig(ref[:, 0]) > 0.5, sig(test[:, 0]) > 0.5)
    assert task_agreement(ref, test, "binary", logits=True)["score"] == pytest.approx(want)
    (b,) = guess_bindings({"logit": ref.astype(np.float32)})
    assert b.kind == "binary" and b.params == {"logits": True} and b.confidence < 0.8


def test_guess_and_refusals():
    (b,) = guess_bindings({"p": np.array([[0.3]], np.float32)})
    assert b.kind == "binary" and b.confidence == 0.75
    assert not get("binary").fits([np.zeros((1, 2), np.float32)])
    assert guess_bindings({"prob": np.zeros((1, 2), np.float32)})[0].kind == "classifier"
    with pytest.raises(ValueError, match="binary classifier output"):
        get("binary").decode([np.zeros((1, 3))])
