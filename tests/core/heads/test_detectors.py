"""Detector kinds on tiny synthetic heads of every layout, with known truth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import (
    Detections,
    average_precision,
    compare_components,
    detection_agreement,
    get,
    greedy_nms,
    guess_bindings,
    iou_matrix,
    nms,
    output_kind,
    task_agreement,
    task_summary,
)
from nv12_widgets.core.heads.grids import cell_counts, input_sizes_for

N320 = 2100  # anchors of a 320 x 320 anchor-free head (strides 8, 16, 32)

# three objects (cx, cy, w, h), classes, scores; a duplicate of the first shifted 2 px
OBJECTS = [
    ((100, 80, 40, 20), 1, 0.9),
    ((102, 80, 40, 20), 1, 0.6),  # IoU 0.905 with the first: suppressed
    ((200, 200, 60, 60), 0, 0.8),
    ((205, 200, 60, 60), 2, 0.7),  # overlaps the second but another class
]
TRUTH_XYXY = {(80, 70, 120, 90, 1), (170, 170, 230, 230, 0), (175, 170, 235, 230, 2)}


def v8_head(objects=OBJECTS, nc=3, extra=0, n=N320):
    head = np.zeros((1, 4 + nc + extra, n), np.float32)
    head[0, :4] = np.array([10.0, 10.0, 4.0, 4.0])[:, None]  # background boxes, no score
    for i, (box, cls, score) in enumerate(objects):
        head[0, :4, 7 * i + 3] = box
        head[0, 4 + cls, 7 * i + 3] = score
    return head


def as_set(d: Detections):
    pairs = zip(d.boxes, d.classes, strict=True)
    return {(*np.round(b).astype(int).tolist(), int(c)) for b, c in pairs}


# ---------------------------------------------------------------------- NMS / IoU
def test_nms_equals_opencv_nmsboxes_on_random_boxes():
    rng = np.random.default_rng(0)
    for _ in range(20):
        xy = rng.uniform(0, 100, (60, 2))
        wh = rng.uniform(5, 40, (60, 2))
        scores = rng.uniform(0, 1, 60)
        ours = greedy_nms(np.concatenate([xy, xy + wh], 1), scores, 0.45).tolist()
        theirs = cv2.dnn.NMSBoxes(np.concatenate([xy, wh], 1).tolist(), scores.tolist(), 0.0, 0.45)
        assert ours == [int(i) for i in np.asarray(theirs).ravel()]
        assert nms(np.concatenate([xy, xy + wh], 1), scores, 0.45).tolist() == ours


def test_iou_matrix_by_hand_and_plus_one_convention():
    assert iou_matrix([[0, 0, 4, 2]], [[2, 1, 6, 3]])[0, 0] == pytest.approx(2 / 14)
    # YOLOX / Fast R-CNN "+1": 5x3 boxes overlapping 3x2
    assert iou_matrix([[0, 0, 4, 2]], [[2, 1, 6, 3]], offset=1)[0, 0] == pytest.approx(
        6 / (15 + 15 - 6)
    )


# ---------------------------------------------------------------------- yolov8
@pytest.mark.parametrize("transpose", [False, True])
def test_yolov8_known_boxes_both_layouts(transpose):
    head = v8_head()
    if transpose:
        head = head.transpose(0, 2, 1).copy()
    d = get("yolov8").decode([head])
    assert as_set(d) == TRUTH_XYXY
    assert d.scores.tolist() == pytest.approx([0.9, 0.8, 0.7])
    agnostic = get("yolov8").decode([head], agnostic=True, iou=0.5)
    assert len(agnostic) == 2  # the class-2 box goes under the class-0 box
    assert get("yolov8").decode([head], conf=0.85).classes.tolist() == [1]


def test_yolov8_pose_keypoints_and_names():
    head = v8_head(nc=1, objects=[((50, 60, 20, 30), 0, 0.9)], extra=15)  # 5 landmarks
    head[0, 5:, 3] = np.arange(15)
    d = get("yolov8").decode([head], kpt_shape=(5, 3), names=["face"])
    assert d.keypoints.shape == (1, 5, 3) and d.keypoints[0, 1].tolist() == [3, 4, 5]
    assert d.label(0) == "face"
    parts = get("yolov8").components([head], kpt_shape="[5, 3]")
    assert sorted(parts) == ["boxes", "class_scores", "keypoints"]
    assert parts["keypoints"].shape == (N320, 15)


def test_yolov8_segmentation_masks_from_prototypes():
    head = v8_head(nc=2, objects=[((160, 160, 64, 64), 1, 0.9)], extra=2)
    head[0, 6:, 3] = [1.0, -1.0]  # mask = proto0 - proto1
    protos = np.zeros((1, 2, 80, 80), np.float32)
    protos[0, 0] = 1.0  # positive everywhere: the mask is the box, cropped
    d = get("yolov8").decode([head, protos])
    assert d.masks.shape == (1, 80, 80)
    ys, xs = np.nonzero(d.masks[0])  # box 128..192 px at 1/4 resolution: 32..47
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (32, 47, 32, 47)
    half = protos.copy()
    half[0, 0, :40] = -1.0  # rows 0..39 off: the mask keeps rows 40..47 of 32..47
    a = get("yolov8").agreement(d, get("yolov8").decode([head, half]))
    assert a["score"] == 1.0 and a["mask_iou"] == pytest.approx(8 / 16)


def test_yolov8_empty_head_is_no_signal():
    head = v8_head(objects=[((100, 80, 40, 20), 1, 0.2)])  # below conf 0.25
    d = get("yolov8").decode([head])
    assert get("yolov8").empty(d) and d.peak == pytest.approx(0.2)
    assert detection_agreement(d, d)["score"] == 1.0


# ---------------------------------------------------------------------- yolov5 / yolox
def test_yolov5_objectness_times_class():
    head = np.zeros((1, 3 * N320, 8), np.float32)
    head[0, 10] = [100, 80, 40, 20, 0.9, 0.1, 0.8, 0.2]  # 0.72 for class 1
    head[0, 11] = [300, 80, 40, 20, 0.2, 0.0, 1.0, 0.0]  # obj 0.2 <= conf 0.25: dropped
    d = get("yolov5").decode([head])
    assert as_set(d) == {(80, 70, 120, 90, 1)} and d.scores.tolist() == pytest.approx([0.72])


def test_yolox_raw_grid_and_decoded_give_the_same_boxes():
    size, strides = (416, 416), (8, 16, 32)
    n = sum(cell_counts(size, strides))
    raw = np.zeros((1, n, 7), np.float32)
    # stride-16 cell (x=5, y=7): index 52*52 + 7*26 + 5
    raw[0, 2704 + 7 * 26 + 5] = [0.25, 0.5, np.log(3), np.log(2), 0.8, 0.1, 0.9]
    d = get("yolox").decode([raw])
    cx, cy, w, h = (5.25) * 16, (7.5) * 16, 48, 32
    assert d.boxes[0] == pytest.approx([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])
    assert d.classes.tolist() == [1] and d.scores[0] == pytest.approx(0.72)
    decoded = np.zeros_like(raw)
    decoded[0, :, :2] = 200.0
    decoded[0, 2704 + 7 * 26 + 5] = [cx, cy, w, h, 0.8, 0.1, 0.9]
    assert get("yolox").decode([decoded]).boxes == pytest.approx(d.boxes)


# ---------------------------------------------------------------------- picodet / boxes_scores
def test_picodet_dfl_decoding_known_distances():
    size, strides = (96, 64), (8, 16, 32, 64)  # h, w: portrait, like a page
    counts = cell_counts(size, strides)
    scores = [np.zeros((1, n, 3), np.float32) for n in counts]
    dists = [np.full((1, n, 32), -20.0, np.float32) for n in counts]
    # stride-16 cell (x=2, y=1) of a 6 x 4 grid: centre (40, 24); l, t, r, b = 1, 2, 3, 0 bins
    i = 1 * 4 + 2
    scores[1][0, i, 2] = 0.9
    for side, b in enumerate([1, 2, 3, 0]):
        dists[1][0, i, side * 8 + b] = 20.0
    d = get("picodet").decode(scores + dists, input_size=size)
    assert d.classes.tolist() == [2]
    # x2 = 40 + 48 clipped to the width 64 and y1 = 24 - 32 to 0 (PicoDet's warp_boxes)
    assert d.boxes[0] == pytest.approx([40 - 16, 0, 64, 24], abs=1e-4)
    # the anchor counts of 96 x 64 and 64 x 96 are the same: without input_size the
    # portrait reading (h >= w) is taken
    assert get("picodet").decode(scores + dists).boxes == pytest.approx(d.boxes)
    landscape = get("picodet").decode(scores + dists, input_size=(64, 96)).boxes
    assert not np.allclose(landscape, d.boxes)
    with pytest.raises(InputError):
        get("picodet").decode(scores + dists, input_size=(64, 64))


def test_boxes_scores_multilabel_and_background():
    boxes = np.array([[[0, 0, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]]], np.float32)
    scores = np.array([[[0.1, 0.9, 0.5], [0.2, 0.8, 0.0], [0.9, 0.0, 0.0]]], np.float32)
    d = get("boxes_scores").decode([boxes, scores], conf=0.3, iou=0.5)
    assert sorted(d.classes.tolist()) == [0, 1, 2]
    bg = get("ssd").decode([boxes, scores.transpose(0, 2, 1)], conf=0.3, background=0)
    assert sorted(bg.classes.tolist()) == [1, 2]


# ---------------------------------------------------------------------- agreement
def test_average_precision_all_point_by_hand():
    # precision 1, .5, .667, .5, .4, .5 at recall .25, .25, .5, .5, .5, .75 (4 refs)
    assert average_precision([1, 0, 1, 0, 0, 1], 4) == pytest.approx(0.25 + 0.5 / 3 + 0.125)
    assert average_precision([], 3) == 0.0


def test_detection_agreement_hand_computed():
    ref = Detections(
        np.array([[0, 0, 10, 10], [20, 20, 40, 40], [50, 50, 60, 60]], float),
        np.array([0.9, 0.8, 0.7]),
        np.array([0, 0, 1]),
    )
    test = Detections(
        np.array([[1, 0, 11, 10], [50, 50, 60, 60], [70, 70, 80, 80], [20, 20, 40, 40]], float),
        np.array([0.95, 0.6, 0.9, 0.5]),
        np.array([0, 0, 1, 0]),  # the box at 50 changed class; a new class-1 box at 70
    )
    a = detection_agreement(ref, test)
    assert a["matched"] == 2 and a["precision"] == 0.5 and a["recall"] == pytest.approx(2 / 3)
    assert a["f1"] == pytest.approx(4 / 7) and a["score"] == a["f1"]
    # class 0: hits in score order (.95 T, .6 F, .5 T) over 2 refs -> 1*.5 + (2/3)*.5
    # class 1: one ref, the only test box misses -> 0
    assert a["ap50"] == pytest.approx((0.5 + 1 / 3) / 2)
    assert a["mean_iou"] == pytest.approx((90 / 110 + 1) / 2)
    assert a["mean_shift"] == pytest.approx(0.25) and a["max_shift"] == 1.0
    assert a["class_changes"] == 1  # the box at 50 stayed, class 1 -> 0
    summary = get("yolov8").summary(a)
    assert summary.startswith("F1 0.571, AP50 0.417, 2/3 boxes")


def test_task_agreement_by_name_reads_a_yolov8_head():
    ref = v8_head()
    moved = ref.copy()
    moved[0, 4 + 1, [3, 10]] = 0.1  # the first object (and its duplicate) lose their score
    assert output_kind(ref) == "yolov8"
    t = task_agreement(ref, moved, "yolov8")
    assert t["kind"] == "yolov8" and t["recall"] == pytest.approx(2 / 3)
    assert task_summary(t).startswith("F1 0.800")


def test_components_separate_boxes_from_scores():
    ref = v8_head()
    ref[0, :4] += np.linspace(0, 300, N320)[None]  # large box coordinates everywhere
    test = ref.copy()
    test[0, 4:] = ref[0, 4:][::-1]  # class scores permuted: the answer changes
    whole = np.dot(ref.ravel(), test.ravel()) / np.linalg.norm(ref) / np.linalg.norm(test)
    parts = compare_components("yolov8", [ref], [test])
    assert whole > 0.999 and parts["class_scores"]["cosine"] < 0.7
    assert parts["boxes"]["cosine"] == 1.0


# ---------------------------------------------------------------------- detection
def test_grid_sizes_are_inferred():
    assert input_sizes_for(2100)[0] == (320, 320)
    assert input_sizes_for(3549)[0] == (416, 416)
    assert (640, 640) in input_sizes_for(8400)


def test_guess_bindings_for_detector_layouts():
    rng = np.random.default_rng(0)
    outs = {"output0": v8_head()}
    assert [(b.kind, b.outputs) for b in guess_bindings(outs)] == [("yolov8", ("output0",))]
    meta = {"task": "detect", "names": "{0: 'a', 1: 'b', 2: 'c'}", "imgsz": "[320, 320]"}
    (b,) = guess_bindings(outs, meta)
    assert b.params["names"] == ["a", "b", "c"] and b.params["imgsz"] == (320, 320)
    counts = cell_counts((800, 608), (8, 16, 32, 64))
    pico = {f"s{i}": rng.random((1, n, 10), dtype=np.float32) for i, n in enumerate(counts)}
    pico |= {f"b{i}": rng.random((1, n, 32), dtype=np.float32) for i, n in enumerate(counts)}
    (b,) = guess_bindings(pico, {"character": "\n".join("abcdefghij")})
    assert b.kind == "picodet" and b.outputs == ("s0", "s1", "s2", "s3", "b0", "b1", "b2", "b3")
    assert b.params["names"] == list("abcdefghij")
    assert len(b.decode(pico)) >= 0
    ssd = {"boxes": rng.random((1, 500, 4), dtype=np.float32), "scores": rng.random((1, 5, 500))}
    assert [x.kind for x in guess_bindings(ssd)] == ["boxes_scores"]
    raw_yolox = np.zeros((1, 3549, 6), np.float32)
    assert [x.kind for x in guess_bindings({"o": raw_yolox})] == ["yolox"]
    ctc = {"387": rng.normal(size=(24, 1, 80)).astype(np.float32)}
    assert [x.kind for x in guess_bindings(ctc)] == ["ctc"]
    seg_meta = {"task": "segment", "names": "{0: 'a', 1: 'b'}", "imgsz": "[320, 320]"}
    seg = {"output0": v8_head(nc=2, extra=32), "output1": np.zeros((1, 32, 80, 80), np.float32)}
    (b,) = guess_bindings(seg, seg_meta)
    assert b.kind == "yolov8" and b.outputs == ("output0", "output1")
    (b,) = guess_bindings(seg)  # without metadata: by the shapes
    assert b.kind == "yolov8" and b.outputs == ("output0", "output1")


def test_bad_metadata_names_is_an_input_error():
    with pytest.raises(InputError, match="literal"):
        guess_bindings({"o": v8_head()}, {"task": "detect", "names": "__import__('os')"})
