"""Ground-truth readers, the box mapping into the model frame, and set-level mAP / CER."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from nv12_widgets.core import InputError, fit_boxes, fit_image, read_ground_truth
from nv12_widgets.core.heads import (
    Detections,
    character_error_rate,
    match_image,
    pooled_average_precision,
)


# ---------------------------------------------------------------------- fit_boxes
@pytest.mark.parametrize("policy", ["resize", "center-crop", "letterbox", "letterbox-topleft"])
@pytest.mark.parametrize("source", [(120, 200), (200, 90)])
def test_fit_boxes_follows_fit_image(policy, source):
    """A white box drawn on a black image lands where fit_boxes says (within 1 px)."""
    h, w = source
    image = np.zeros((h, w, 3), np.uint8)
    box = np.array([[w * 0.3, h * 0.35, w * 0.7, h * 0.6]]).round()
    x1, y1, x2, y2 = box[0].astype(int)
    image[y1:y2, x1:x2] = 255  # pixels x1..x2-1: edges x1 and x2
    size = (64, 96)
    fitted = fit_image(image, size, policy=policy, interpolation="nearest")
    lit = np.argwhere(fitted[..., 0] > 127)
    found = [lit[:, 1].min(), lit[:, 0].min(), lit[:, 1].max() + 1, lit[:, 0].max() + 1]
    mapped = fit_boxes(box, source, size, policy=policy)[0]
    assert np.abs(np.array(found) - mapped).max() <= 1.0, (found, mapped)


def test_fit_boxes_clips_and_checks():
    out = fit_boxes([[0, 0, 10, 100]], (100, 100), (10, 10), policy="center-crop")
    assert out.tolist() == [[0.0, 0.0, 1.0, 10.0]]
    assert fit_boxes(np.zeros((0, 4)), (4, 4), (2, 2)).shape == (0, 4)
    with pytest.raises(InputError, match="K, 4"):
        fit_boxes([1, 2, 3], (4, 4), (2, 2))
    # the same geometry as fit_image: a letterboxed image has its bars where the box says
    wide = np.full((50, 100, 3), 200, np.uint8)
    fitted = fit_image(wide, (100, 100), policy="letterbox")
    (box,) = fit_boxes([[0, 0, 100, 50]], (50, 100), (100, 100), policy="letterbox")
    rows = np.nonzero(fitted[:, 50, 0] == 200)[0]
    assert (rows.min(), rows.max() + 1) == (box[1], box[3])


# ---------------------------------------------------------------------- mAP
def voc_ap(rec, prec):
    """py-faster-rcnn lib/datasets/voc_eval.py voc_ap(use_07_metric=False), verbatim."""
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def voc_class_ap(truths, tests, cls):
    """py-faster-rcnn's voc_eval loop (pooled detections sorted by score, per-image
    matching), with the one documented change: the best *unmatched* box (COCO)."""
    dets = [(s, i, b) for i, t in enumerate(tests)
            for b, s, c in zip(t.boxes, t.scores, t.classes, strict=True) if c == cls]  # fmt: skip
    dets.sort(key=lambda d: -d[0])
    used = {i: np.zeros(int(np.sum(g.classes == cls)), bool) for i, g in enumerate(truths)}
    npos = sum(len(v) for v in used.values())
    tp, fp = np.zeros(len(dets)), np.zeros(len(dets))
    for d, (_s, i, bb) in enumerate(dets):
        gt = truths[i].boxes[truths[i].classes == cls]
        best, jmax = 0.0, -1
        for j, g in enumerate(gt):
            iw = max(0.0, min(bb[2], g[2]) - max(bb[0], g[0]))
            ih = max(0.0, min(bb[3], g[3]) - max(bb[1], g[1]))
            inter = iw * ih
            union = (bb[2] - bb[0]) * (bb[3] - bb[1]) + (g[2] - g[0]) * (g[3] - g[1]) - inter
            if inter / union > best and not used[i][j]:
                best, jmax = inter / union, j
        if best >= 0.5:
            tp[d], used[i][jmax] = 1, True
        else:
            fp[d] = 1
    tp, fp = np.cumsum(tp), np.cumsum(fp)
    return voc_ap(tp / npos, tp / np.maximum(tp + fp, np.finfo(np.float64).eps))


def _random_set(rng, n_images=6, n_classes=3):
    truths, tests = [], []
    for _ in range(n_images):
        k = rng.integers(1, 5)
        xy = rng.uniform(0, 200, (k, 2))
        wh = rng.uniform(20, 60, (k, 2))
        gt = np.hstack([xy, xy + wh])
        cls = rng.integers(0, n_classes, k)
        keep = rng.random(k) < 0.8
        jitter = rng.normal(0, 6, (k, 4))
        det = (gt + jitter)[keep]
        dcls = np.where(rng.random(k) < 0.15, (cls + 1) % n_classes, cls)[keep]
        extra = np.hstack([rng.uniform(0, 200, (2, 2))] * 2) + [0, 0, 30, 30]
        boxes = np.vstack([det, extra])
        classes = np.concatenate([dcls, rng.integers(0, n_classes, 2)])
        truths.append(Detections(gt, np.ones(k), cls))
        tests.append(Detections(boxes, rng.random(len(boxes)), classes))
    return truths, tests


@pytest.mark.parametrize("seed", range(5))
def test_pooled_map_equals_voc_eval(seed):
    truths, tests = _random_set(np.random.default_rng(seed))
    result = pooled_average_precision(
        [match_image(g, t) for g, t in zip(truths, tests, strict=True)]
    )
    classes = sorted(set(np.concatenate([g.classes for g in truths]).tolist()))
    expected = {c: voc_class_ap(truths, tests, c) for c in classes}
    assert result["per_class"].keys() == expected.keys()
    for c in classes:
        assert result["per_class"][c] == pytest.approx(expected[c], abs=1e-12)
    assert result["map50"] == pytest.approx(np.mean(list(expected.values())), abs=1e-12)


def test_pooled_map_by_hand():
    gt = Detections(np.array([[0, 0, 10, 10.0], [20, 20, 30, 30]]), np.ones(2), np.array([0, 1]))
    same = Detections(gt.boxes, np.array([0.9, 0.8]), gt.classes)
    assert pooled_average_precision([match_image(gt, same)] * 3)["map50"] == 1.0
    # class 1 missed in one of two images: recall 1/2 at precision 1 -> AP 0.5; mAP .75
    miss = Detections(gt.boxes[:1], np.array([0.9]), gt.classes[:1])
    r = pooled_average_precision([match_image(gt, same), match_image(gt, miss)])
    assert r["per_class"] == {0: 1.0, 1: 0.5}
    assert r["map50"] == 0.75
    assert np.isnan(pooled_average_precision([])["map50"])


# ---------------------------------------------------------------------- CER
def test_character_error_rate():
    r = character_error_rate(["kitten", "ab", ""], ["sitting", "ab", "x"])
    assert r["edits"] == 3 + 0 + 1 and r["characters"] == 8
    assert r["cer"] == pytest.approx(4 / 8)
    assert r["exact"] == pytest.approx(1 / 3)
    assert character_error_rate(["ab"], ["ab"], indices=[0, 0])["n"] == 2
    with pytest.raises(InputError, match="ground-truth texts"):
        character_error_rate(["a"], [])


# ---------------------------------------------------------------------- readers
def test_coco_reader(tmp_path):
    data = {
        "images": [{"id": 1, "file_name": "dir/a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
        "annotations": [
            {"image_id": 1, "category_id": 90, "bbox": [1, 2, 3, 4]},
            {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "iscrowd": 1},
            {"image_id": 1, "category_id": 1, "bbox": [10, 10, 1, 1]},
        ],
        "categories": [{"id": 90, "name": "toothbrush"}, {"id": 1, "name": "person"}],
    }
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(data))
    gt = read_ground_truth(path)
    assert gt.kind == "detections" and gt.names == ("person", "toothbrush")
    a = gt.detections("/x/a.jpg", (50, 50))
    assert a.boxes.tolist() == [[1, 2, 4, 6], [10, 10, 11, 11]]
    assert a.classes.tolist() == [1, 0]
    assert len(gt.detections("b.jpg", (5, 5))) == 0  # listed, no object
    assert gt.detections("c.jpg", (5, 5)) is None  # not in the ground truth
    data["annotations"][0]["category_id"] = 7
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="category_id 7"):
        read_ground_truth(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="images / annotations"):
        read_ground_truth(path)


def test_yolo_reader_against_cv2_boxes(tmp_path):
    (tmp_path / "img.txt").write_text("0 0.25 0.5 0.1 0.2\n\n3 0.5 0.5 1 1\n")
    (tmp_path / "empty.txt").write_text("")
    gt = read_ground_truth(tmp_path)
    d = gt.detections("photos/img.png", (100, 200))
    assert d.classes.tolist() == [0, 3]
    # the same box as OpenCV's centre-size rectangle: cv2.boxPoints of ((cx, cy), (w, h), 0)
    corners = cv2.boxPoints(((50.0, 50.0), (20.0, 20.0), 0.0))
    expected = [corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max()]
    assert d.boxes[0] == pytest.approx(expected)
    assert d.boxes[1].tolist() == [0, 0, 200, 100]
    assert len(gt.detections("empty.jpg", (4, 4))) == 0
    assert gt.detections("other.jpg", (4, 4)) is None
    (tmp_path / "bad.txt").write_text("1 40 50 10 10\n")
    with pytest.raises(InputError, match="normalised"):
        gt.detections("bad.jpg", (100, 100))
    with pytest.raises(InputError, match="does not exist"):
        read_ground_truth(tmp_path / "nothing")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InputError, match="no .txt"):
        read_ground_truth(tmp_path / "nothing")


def test_text_reader(tmp_path):
    paddle = tmp_path / "rec_gt.txt"
    paddle.write_text("train/word_1.png\tHello, world\ntrain/word_2.png\t简单\n", "utf-8")
    gt = read_ground_truth(paddle)
    assert gt.kind == "text"
    assert gt.text("x/word_1.png") == "Hello, world" and gt.text("word_2.png") == "简单"
    with pytest.raises(InputError, match="not boxes|holds text"):
        gt.detections("word_1.png", (4, 4))
    table = tmp_path / "labels.csv"
    table.write_text('path,text\na.png,"x, y"\nb.png,z\n')
    assert read_ground_truth(table).texts == {"a.png": "x, y", "b.png": "z"}
    table.write_text("a.png,x,y\n")
    with pytest.raises(InputError, match="quote texts"):
        read_ground_truth(table)
    with pytest.raises(InputError, match="does not exist"):
        read_ground_truth(tmp_path / "missing.txt")
