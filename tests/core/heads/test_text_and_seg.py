"""CTC layouts, CER, DB no-signal and segmentation mIoU with known truth."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import jaccard_score

from nv12_widgets.core.heads import Text, get, guess_bindings, text_agreement


def steps(indices, classes=6):
    return np.eye(classes, dtype=np.float32)[indices]


def test_ctc_btc_and_tbc_layouts_decode_alike():
    seq = [0, 3, 3, 0, 3, 1, 0, 2]
    btc = steps(seq)[None]  # (1, T, C)
    tbc = btc.transpose(1, 0, 2)  # (T, 1, C): ddddocr
    ctc = get("ctc")
    a, b = ctc.decode([btc], charset="_abcde"), ctc.decode([tbc], charset="_abcde")
    assert a.labels == b.labels == [[3, 3, 1, 2]] and a.text == ["ccab"]
    # a (T, B, C) batch of two forced by layout
    two = np.stack([steps(seq), steps([1] * 8)], axis=1)
    assert ctc.decode([two], layout="tbc").labels == [[3, 3, 1, 2], [1]]


def test_cer_exact_match_and_empty_answers():
    ref = Text([[1, 2, 3, 4]], np.zeros((1, 4), int))
    test = Text([[1, 3, 4, 5]], np.zeros((1, 4), int))
    a = text_agreement(ref, test)  # delete 2, insert 5: 2 edits over 4 characters
    assert a["cer"] == 0.5 and a["exact_match"] == 0.0 and a["score"] == 0.5
    empty = Text([[]], np.zeros((1, 4), int))
    assert text_agreement(empty, empty)["score"] == 1.0
    assert text_agreement(empty, test)["score"] == 0.0
    assert get("ctc").empty(empty) and not get("ctc").empty(ref)


def test_db_map_below_threshold_is_no_signal():
    m = np.full((1, 1, 64, 64), 2.79e-3, np.float32)  # an astronomy photo's peak
    ans = get("dense").decode([m])
    assert get("db").empty(ans) and ans.peak == pytest.approx(2.79e-3)
    m[0, 0, 10:30, 5:60] = 0.95
    assert not get("db").empty(get("db").decode([m]))


def test_segmentation_miou_equals_sklearn_jaccard():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1, 5, 32, 32)).astype(np.float32)
    noisy = logits + rng.normal(scale=0.5, size=logits.shape).astype(np.float32)
    seg = get("segmentation")
    a, b = seg.decode([logits]), seg.decode([noisy])
    ours = seg.agreement(a, b)
    labels = np.union1d(a.labels, b.labels)
    theirs = jaccard_score(a.labels.ravel(), b.labels.ravel(), labels=labels, average="macro")
    assert ours["miou"] == pytest.approx(theirs) and ours["score"] == ours["miou"]
    assert ours["pixel_accuracy"] == pytest.approx(np.mean(a.labels == b.labels))
    background = seg.decode([np.zeros((1, 3, 8, 8), np.float32)])
    assert seg.empty(background)


def test_paddleocr_charset_from_metadata():
    chars = "ab\nc"  # two lines: "ab" would be one entry; PaddleOCR has one char per line
    x = np.zeros((1, 3, 4), np.float32)
    x[0, [0, 1, 2], [1, 0, 3]] = 1.0
    (b,) = guess_bindings({"softmax": x}, {"character": chars})
    assert b.kind == "ctc" and b.params["charset"] == ["blank", "ab", "c", " "]
    assert b.decode({"softmax": x}).text == ["ab "]


def test_answers_as_plain_data():
    import json

    text = get("ctc").decode([steps([0, 1, 2])[None]], charset="_ab")
    assert json.loads(json.dumps(text.to_dict())) == {"labels": [[1, 2]], "text": ["ab"]}
    m = np.zeros((1, 1, 32, 32), np.float32)
    m[0, 0, 8:16, 4:28] = 0.9
    boxes = json.loads(json.dumps(get("db").decode([m]).to_dict()))
    assert len(boxes["boxes"]) == 1 and boxes["threshold"] == 0.3


@pytest.mark.parametrize(
    "values",
    [(-9.7, -7.4), (10.0, 62.0), (-0.5, 0.9), (0.1, 1.5)],  # logits, depth, both ends
)
def test_a_one_channel_map_outside_0_1_is_not_guessed_as_a_db_map(values):
    """DB's map is a sigmoid (PaddleOCR det_db_head.py); a (1, 1, H, W) logit or depth
    map used to be guessed "dense"/db and called empty ("no pixel above 0.3": no signal)
    when all its values were below 0.3."""
    from nv12_widgets.core import output_kind

    lo, hi = values
    a = np.linspace(lo, hi, 32 * 32, dtype=np.float32).reshape(1, 1, 32, 32)
    assert get("db").confidence([a]) == 0.0  # never guessed ...
    assert get("db").fits([a]) and output_kind(a, override="db") == "db"  # ... but choosable
    assert output_kind(a) == "other"
    assert not any(b.kind == "db" for b in guess_bindings({"map": a}))
    prob = 1 / (1 + np.exp(-a.astype(np.float64)))  # the same map through a sigmoid
    assert output_kind(prob.astype(np.float32)) == "dense"
    assert get("db").confidence([prob.astype(np.float32)]) == pytest.approx(0.7)
