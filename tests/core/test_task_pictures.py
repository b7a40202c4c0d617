"""Task pictures (core.visual): boxes, changed-box matching, mask overlays, text edits."""

from __future__ import annotations

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import box_iou, edit_distance
from nv12_widgets.core.visual import (
    CHANGED_COLOR,
    KEPT_COLOR,
    LOST_COLOR,
    changed_boxes,
    draw_boxes,
    mask_overlay,
    text_edits,
)


def test_draw_boxes_xyxy_and_quads_highlighted_thicker():
    img = np.zeros((40, 40, 3), np.uint8)
    out = draw_boxes(img, [[5, 5, 20, 20], [22, 22, 35, 35]], highlight=[False, True])
    assert out[5, 12].tolist() == list(KEPT_COLOR)
    assert out[22, 28].tolist() == list(CHANGED_COLOR)
    # the highlighted box is drawn 2 px thick, the kept one 1 px
    assert (out[21:24, 28] == CHANGED_COLOR).all(axis=1).sum() >= 2
    assert (out[4:7, 12] == KEPT_COLOR).all(axis=1).sum() == 1
    quad = np.array([[[10, 2], [18, 10], [10, 18], [2, 10]]], float)  # a diamond
    out = draw_boxes(img, quad, labels=["text 0.91"])
    assert out[2, 10].any() and not out[10, 10].any() and not img.any()
    assert draw_boxes(img, np.zeros((0, 4))).tobytes() == img.tobytes()


def test_draw_boxes_bad_input():
    img = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(InputError, match="x1, y1, x2, y2"):
        draw_boxes(img, [[1, 2, 3]])
    with pytest.raises(InputError, match="one entry per box"):
        draw_boxes(img, [[1, 1, 4, 4]], labels=["a", "b"])


def test_changed_boxes_iou_agrees_with_opencv_polygon_iou():
    from nv12_widgets.core.visual import _as_boxes  # noqa: PLC2701 (test of a helper)

    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (20, 2))
    wh = rng.uniform(5, 30, (20, 2))
    boxes = np.concatenate([xy, xy + wh], 1)
    quads = _as_boxes(boxes)
    for i in range(0, 20, 2):
        for j in range(1, 20, 3):
            want = box_iou(quads[i], quads[j])  # cv2.intersectConvexConvex
            lost, new = changed_boxes(boxes[i : i + 1], boxes[j : j + 1], iou_threshold=want - 1e-4)
            if want > 1e-6:
                assert not lost[0] and not new[0]  # matches at its own IoU
                lost, _ = changed_boxes(
                    boxes[i : i + 1], boxes[j : j + 1], iou_threshold=want + 1e-4
                )
                assert lost[0]


def test_changed_boxes_one_to_one_and_per_class():
    ref = [[0, 0, 10, 10], [0, 0, 10, 10], [40, 40, 50, 50]]
    test = [[0, 0, 10, 11], [40, 40, 50, 50]]
    lost, new = changed_boxes(ref, test)
    assert lost.tolist() == [False, True, False] and new.tolist() == [False, False]
    lost, new = changed_boxes(ref, test, reference_classes=[0, 1, 2], test_classes=[1, 5])
    assert lost.tolist() == [True, False, True] and new.tolist() == [False, True]
    lost, new = changed_boxes([], test)
    assert lost.shape == (0,) and new.tolist() == [True, True]
    with pytest.raises(InputError, match="one entry per box"):
        changed_boxes(ref, test, reference_classes=[0])


def test_mask_overlay_regions_and_resizing():
    img = np.full((8, 8, 3), 100, np.uint8)
    ref = np.zeros((1, 1, 4, 4), np.float32) > 0
    ref[..., :2, :] = True
    test = np.zeros((4, 4), bool)
    test[:, :2] = True
    out = mask_overlay(img, ref, test, alpha=1.0)  # the maps are a quarter of the image
    assert out[0, 0].tolist() == list(KEPT_COLOR)  # both
    assert out[0, 7].tolist() == list(LOST_COLOR)  # reference only
    assert out[7, 0].tolist() == list(CHANGED_COLOR)  # test only
    assert out[7, 7].tolist() == [100, 100, 100]
    half = mask_overlay(img, ref, alpha=0.5)
    assert half[0, 0].tolist() == [int(np.rint(50 + c / 2)) for c in KEPT_COLOR]
    with pytest.raises(InputError, match="alpha"):
        mask_overlay(img, ref, alpha=0)
    with pytest.raises(InputError, match=r"\(h, w\)"):
        mask_overlay(img, np.zeros((2, 3, 4, 4)))


@pytest.mark.parametrize("seed", range(5))
def test_text_edits_rebuild_both_texts_with_the_edit_distance(seed):
    rng = np.random.default_rng(seed)
    a = "".join(rng.choice(list("abc12"), rng.integers(0, 9)))
    b = "".join(rng.choice(list("abc12"), rng.integers(0, 9)))
    ops = text_edits(a, b)
    assert "".join(r for _, r, _ in ops) == a and "".join(t for _, _, t in ops) == b
    edited = sum(max(len(r), len(t)) for op, r, t in ops if op != "equal")
    assert edited == edit_distance(a, b)
    assert all(r == t for op, r, t in ops if op == "equal")


def test_text_edits_example_from_the_issue():
    # 'x7k3p' read as '43' (the ddddocr case of the issue): 4 edits, the '3' kept
    assert text_edits("x7k3p", "43") == [
        ("delete", "x7", ""),
        ("replace", "k", "4"),
        ("equal", "3", "3"),
        ("delete", "p", ""),
    ]
    assert edit_distance("x7k3p", "43") == 4
    assert text_edits("", "") == [] and text_edits("ab", "ab") == [("equal", "ab", "ab")]
