"""Output kinds and task-level agreement: known answers computed by hand here."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import (
    DBTextDetection,
    Interpreter,
    OutputInterpreter,
    box_iou,
    box_match,
    ctc_greedy_decode,
    db_boxes,
    edit_distance,
    interpret,
    mask_iou,
    output_kind,
    sequence_agreement,
    step_agreement,
    task_agreement,
)


def onehot_steps(indices, classes, batch_axis=True, peak=0.9):
    """(1, T, C) softmax-like scores whose argmax is ``indices``."""
    t = len(indices)
    x = np.full((t, classes), (1 - peak) / (classes - 1))
    x[np.arange(t), indices] = peak
    return x[None] if batch_axis else x


# ---------------------------------------------------------------------- kinds
@pytest.mark.parametrize(
    ("shape", "kind"),
    [
        ((1000,), "classifier"),
        ((1, 2), "classifier"),
        ((4, 10), "classifier"),
        ((1, 1000, 1, 1), "classifier"),
        ((1, 1, 320, 320), "dense"),
        ((1, 1, 1), "other"),
        ((1, 3, 8, 8), "other"),
        ((1, 2, 3, 4, 5), "other"),
    ],
)
def test_kind_by_shape(shape, kind):
    rng = np.random.default_rng(0)
    # a DB map is a sigmoid's 0..1 (a map outside it is not one: test_text_and_seg.py)
    values = rng.random(size=shape) if kind == "dense" else rng.normal(size=shape)
    assert output_kind(values.astype(np.float32)) == kind


def test_integer_outputs_are_other():
    assert output_kind(np.zeros((1, 10), np.int64)) == "other"


def test_ctc_softmax_output_is_sequence():  # PaddleOCR rec: 1 x T x 6625 softmax
    rng = np.random.default_rng(0)
    x = rng.random((1, 40, 6625))
    assert output_kind((x / x.sum(-1, keepdims=True)).astype(np.float32)) == "sequence"


def test_log_softmax_output_is_sequence_even_with_few_classes():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 40, 10))
    logp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    assert output_kind(logp) == "sequence"


def test_sigmoid_map_without_channel_axis_is_dense():
    rng = np.random.default_rng(2)
    assert output_kind(rng.random((1, 64, 96)).astype(np.float32)) == "dense"


def test_3d_logits_guess_by_shape():
    rng = np.random.default_rng(3)
    assert output_kind(rng.normal(size=(1, 25, 37))) == "sequence"  # more classes than steps
    assert output_kind(rng.normal(size=(1, 64, 48))) == "dense"


def test_override():
    x = np.zeros((1, 64, 48), np.float32)
    assert output_kind(x, override="sequence") == "sequence"
    assert output_kind(x, override="other") == "other"
    with pytest.raises(InputError):
        output_kind(np.zeros((1, 10)), override="sequence")
    with pytest.raises(InputError):
        output_kind(x, override="boxes")


# ---------------------------------------------------------------------- sequences
def test_ctc_greedy_decode_known_sequences():
    # "h e l l o": the double l needs a blank between the two l runs
    seq = [0, 8, 8, 5, 0, 12, 12, 0, 12, 15, 15, 0]
    assert ctc_greedy_decode(onehot_steps(seq, 20)) == [[8, 5, 12, 12, 15]]
    assert ctc_greedy_decode(onehot_steps([0, 0, 0], 5)) == [[]]
    assert ctc_greedy_decode(onehot_steps([3, 3, 3], 5, batch_axis=False)) == [[3]]
    # blank as the last class (some toolkits)
    assert ctc_greedy_decode(onehot_steps([4, 1, 4, 1, 0, 4], 5), blank=4) == [[1, 1, 0]]
    with pytest.raises(InputError):
        ctc_greedy_decode(onehot_steps([1], 5), blank=5)


def test_edit_distance_known_values():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert edit_distance([1, 2, 3], [3, 2, 1]) == 2


def test_sequence_agreement_known_answer():
    ref = np.concatenate(
        [onehot_steps([0, 1, 1, 0, 2, 0, 3], 6), onehot_steps([0, 4, 0, 4, 0, 0, 0], 6)]
    )
    test = np.concatenate(
        [onehot_steps([0, 1, 1, 0, 2, 2, 3], 6), onehot_steps([0, 4, 4, 4, 0, 0, 0], 6)]
    )
    out = sequence_agreement(ref, test)
    assert out["reference_decoded"] == [[1, 2, 3], [4, 4]]
    assert out["test_decoded"] == [[1, 2, 3], [4]]
    assert out["step_agreement"] == pytest.approx(12 / 14)
    assert out["exact_match"] == 0.5
    assert out["edit_distance"] == 1
    assert out["normalized_edit_distance"] == pytest.approx((0 + 1 / 2) / 2)


def test_step_agreement_shape_checks():
    assert step_agreement(onehot_steps([1, 2], 3), onehot_steps([1, 0], 3)) == 0.5
    with pytest.raises(InputError):
        step_agreement(np.zeros((1, 2, 3)), np.zeros((1, 3, 3)))
    with pytest.raises(InputError):
        step_agreement(np.zeros(3), np.zeros(3))


# ---------------------------------------------------------------------- dense
def test_mask_iou_hand_computed():
    ref = np.zeros((1, 1, 10, 10), np.float32)
    test = np.zeros_like(ref)
    ref[0, 0, 2:6, 2:6] = 0.8  # 16 px
    test[0, 0, 4:8, 4:8] = 0.8  # 16 px, overlap 2x2 = 4
    assert mask_iou(ref, test) == pytest.approx(4 / 28)
    # threshold is strict and settable
    test[0, 0, 4:8, 4:8] = 0.3
    assert mask_iou(ref, test) == 0.0
    assert mask_iou(ref, test, threshold=0.2) == pytest.approx(4 / 28)


def test_mask_iou_of_two_empty_masks_is_one():
    assert mask_iou(np.zeros((4, 4)), np.full((4, 4), 0.1)) == 1.0
    with pytest.raises(InputError):
        mask_iou(np.zeros((4, 4)), np.zeros((4, 5)))


# ---------------------------------------------------------------------- bundle
def test_task_agreement_classifier_cases():
    ref = np.array([[5.0, 1, 2, 3, 4, 0, -1], [0, 1, 2, 3, 4, 5, 6]])
    test = np.array([[1.0, 5, 2, 3, 4, 0, -1], [0, 1, 2, 3, 4, 5, 6]])
    out = task_agreement(ref, test, "classifier")
    assert out["top1"] == 0.5
    assert out["top5"] == 1.0  # the same five classes lead in both rows
    out = task_agreement(ref[:, :, None, None], test[:, :, None, None], "classifier")
    assert out["top1"] == 0.5
    assert task_agreement(np.array([[0.3, 0.7]]), np.array([[0.4, 0.6]]), "classifier") == {
        "kind": "classifier",
        "score": 1.0,
        "top1": 1.0,
        "top5": None,
    }


def test_task_agreement_dense_and_sequence_and_other():
    ref = np.zeros((1, 1, 4, 4))
    ref[..., :2, :] = 0.9
    out = task_agreement(ref, ref * 0.3, "dense", threshold=0.25)
    assert out == {
        "kind": "dense",
        "iou": 1.0,
        "threshold": 0.25,
        "reference_area": 8,
        "test_area": 8,
        # the DB kind's boxes: a 4 x 2 region's contour is a 3 x 1 rectangle, below
        # PaddleOCR's min_size 3: no box on either path, which agree (F1 1)
        "score": 1.0,
        "f1": 1.0,
        "precision": 1.0,
        "recall": 1.0,
        "mean_iou": 1.0,
        "matched": 0,
        "reference_boxes": 0,
        "test_boxes": 0,
    }
    seq = task_agreement(
        onehot_steps([1, 0, 2], 3), onehot_steps([1, 0, 2], 3), "sequence", blank=0
    )
    assert seq["exact_match"] == 1.0 and seq["reference_decoded"] == [[1, 2]]
    assert task_agreement(np.zeros(3), np.zeros(3), "other") == {"kind": "other"}
    with pytest.raises(InputError):
        task_agreement(ref, ref, "dense", blank=0)
    with pytest.raises(InputError):
        task_agreement(ref, ref[..., :2], "dense")


# ---------------------------------------------------------------------- interpreters
def test_interpreter_protocol_and_builder():
    label = Interpreter("label", lambda o: int(np.argmax(o["y"])), lambda a, b: float(a == b))
    assert isinstance(label, OutputInterpreter)
    assert isinstance(DBTextDetection(), OutputInterpreter)
    out = interpret(label, {"y": np.array([0.1, 0.9])}, {"y": np.array([0.2, 0.8])})
    assert out == {"name": "label", "value": 1.0, "reference": 1, "test": 1}
    with pytest.raises(InputError):
        interpret(lambda o: o, {}, {})


def test_box_iou_axis_aligned_by_hand():
    a = np.array([[0, 0], [4, 0], [4, 2], [0, 2]], float)  # 8
    b = np.array([[2, 1], [6, 1], [6, 3], [2, 3]], float)  # 8, overlap 2x1
    assert box_iou(a, b) == pytest.approx(2 / 14)
    assert box_iou(a, a + 10) == 0.0


def test_box_match_f1_by_hand():
    sq = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    ref = [sq, sq + 20, sq + 40]
    test = [sq + [1, 0], sq + 20, sq + 100]  # 2 matches (IoU 0.818, 1.0), 1 miss, 1 extra
    out = box_match(ref, test)
    assert out["matched"] == 2
    assert out["precision"] == pytest.approx(2 / 3) and out["recall"] == pytest.approx(2 / 3)
    assert out["f1"] == pytest.approx(2 / 3)
    assert out["mean_iou"] == pytest.approx((90 / 110 + 1.0) / 2)
    assert box_match([], [])["f1"] == 1.0
    assert box_match(ref, [])["f1"] == 0.0


def test_db_boxes_one_block_hand_computed():
    m = np.zeros((1, 1, 40, 60), np.float32)
    m[0, 0, 5:15, 10:30] = 0.9  # rows 5..14, cols 10..29
    boxes, scores = db_boxes(m)
    assert boxes.shape == (1, 4, 2) and scores[0] == pytest.approx(0.9, abs=1e-6)
    # contour through pixel centres: 19 x 9 rectangle centred at (19.5, 9.5)
    w, h = 19.0, 9.0
    d = w * h * 1.5 / (2 * (w + h))  # PaddleOCR unclip distance: area * ratio / perimeter
    xs, ys = boxes[0, :, 0], boxes[0, :, 1]
    # grown by d on every side; pyclipper (PaddleOCR's unclip) returns integer points
    assert (xs.min(), xs.max()) == pytest.approx((np.round(10 - d), np.round(29 + d)), abs=1e-3)
    assert (ys.min(), ys.max()) == pytest.approx((np.round(5 - d), np.round(14 + d)), abs=1e-3)
    assert abs(xs.max() - xs.min() - (w + 2 * d)) < 1 and abs(ys.max() - ys.min() - (h + 2 * d)) < 1


def test_db_boxes_filters_small_and_weak_regions():
    m = np.zeros((40, 60), np.float32)
    m[2:4, 2:4] = 0.9  # 2x2 px: contour rect 1x1 < min_size 3
    m[20:30, 10:40] = 0.5  # above thresh 0.3, mean 0.5 < box_thresh 0.6
    boxes, scores = db_boxes(m)
    assert boxes.shape == (0, 4, 2) and scores.shape == (0,)
    assert len(db_boxes(m, box_thresh=0.4)[0]) == 1


def test_db_text_detection_interpreter():
    a = np.zeros((1, 1, 40, 60), np.float32)
    a[0, 0, 5:15, 10:30] = 0.9
    b = a.copy()
    b[0, 0, 25:35, 10:50] = 0.9  # an extra detection on the test path
    det = DBTextDetection()
    out = interpret(det, {"map": a}, {"map": b})
    assert len(out["reference"]) == 1 and len(out["test"]) == 2
    assert out["value"] == pytest.approx(2 * 0.5 * 1 / 1.5)  # P = 1/2, R = 1
    with pytest.raises(InputError):
        det({"a": a, "b": b})
    assert len(DBTextDetection(output="b")({"a": a, "b": b})) == 2


def test_task_summary_per_kind():
    from nv12_widgets.core import task_summary
    from nv12_widgets.core.vocabulary import format_metric

    cls = task_agreement(np.eye(8)[[1]], np.eye(8)[[1]], "classifier")
    assert task_summary(cls) == "top-1 1.000, top-5 1.000"
    seq = task_agreement(np.eye(3)[[1, 0, 2]], np.eye(3)[[1, 2, 2]], "sequence")
    assert task_summary(seq) == "steps 0.667, decoded equal, CER 0.000"  # "1 2" both
    seq = task_agreement(np.eye(3)[[1, 0, 2]], np.eye(3)[[1, 1, 0]], "sequence")
    assert task_summary(seq) == "steps 0.333, decoded differs (1 edits), CER 0.500"
    dense = task_agreement(np.ones((1, 1, 4, 4)), np.ones((1, 1, 4, 4)), "dense")
    assert task_summary(dense) == "IoU 1.000 (> 0.3), boxes F1 1.000"
    assert task_summary(None) == "" and task_summary({"kind": "other"}) == ""
    assert format_metric("task_nv12", dense) == "IoU 1.000 (> 0.3), boxes F1 1.000"
    assert format_metric("task_nv12", {"kind": "other"}) == "—"
