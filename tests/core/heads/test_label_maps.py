"""Segmentation exports that end in ArgMax (PaddleSeg's default, mmdeploy's mmseg):
their integer label map is read as a segmentation answer, judged by mIoU."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core.heads import get, guess_bindings
from nv12_widgets.core.heads.classify import label_map


def _miou_by_hand(r: np.ndarray, t: np.ndarray) -> float:
    """mIoU over the classes present in either map, written out class by class."""
    ious = []
    for c in sorted(set(np.unique(r)) | set(np.unique(t))):
        inter = np.logical_and(r == c, t == c).sum()
        union = np.logical_or(r == c, t == c).sum()
        ious.append(inter / union)
    return float(np.mean(ious))


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_])
@pytest.mark.parametrize("shape", [(1, 16, 20), (1, 1, 16, 20)])
def test_an_integer_map_is_guessed_a_trusted_segmentation_answer(dtype, shape):
    rng = np.random.default_rng(0)
    top = 2 if dtype is np.bool_ else 5
    ref = rng.integers(0, top, shape).astype(dtype)
    (b,) = guess_bindings({"labels": ref})
    assert b.kind == "segmentation" and b.confidence >= 0.8
    test = ref.copy()
    flat = test.reshape(-1)
    flat[:40] = (flat[:40].astype(np.int64) + 1) % top
    kind = get("segmentation")
    out = kind.agreement(kind.decode([ref]), kind.decode([test]))
    expected = _miou_by_hand(ref.reshape(-1).astype(int), test.reshape(-1).astype(int))
    assert out["miou"] == pytest.approx(expected)


def test_what_is_not_a_label_map():
    assert label_map(np.full((1, 16, 16), -1, np.int64)) is None  # negative: not indices
    assert label_map(np.full((1, 16, 16), 5000, np.int64)) is None  # beyond any class count
    assert label_map(np.zeros((1, 3, 16, 16), np.int64)) is None  # several channels
    assert label_map(np.zeros((1, 16, 16), np.float32)) is None  # logits / probabilities
    (b,) = guess_bindings({"ids": np.zeros((1, 4), np.int64)})  # small: not an image map
    assert b.kind == "other"


def test_an_argmax_segmenter_is_judged_by_its_masks():
    """A tiny conv segmenter exported with ArgMax (int64 (N, H, W)): the comparison
    binds it as segmentation, its task agreement is the masks' mIoU."""
    from nv12_widgets.model import PreprocessConfig, compare

    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.normal(0, 0.05, (4, 3, 3, 3)).astype(np.float32), "w")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["logits"], pads=[1, 1, 1, 1]),
        helper.make_node("ArgMax", ["logits"], ["labels"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "seg",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("labels", TensorProto.INT64, [1, 32, 32])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    image = rng.integers(0, 256, (48, 48, 3)).astype(np.uint8)
    c = compare(model, image, PreprocessConfig(), device=PreprocessConfig(decode_swing="studio"))
    m = c.metrics["labels"]
    assert m.kind == "segmentation"
    (task,) = c.tasks.values()
    assert task.trusted and task.binding.kind == "segmentation"
    expected = _miou_by_hand(c.outputs_reference["labels"], c.outputs_nv12["labels"])
    assert m.task_nv12["miou"] == pytest.approx(expected)


def test_a_label_map_verdict_rests_on_the_masks_not_on_a_cosine_of_indices():
    """Class indices are names: the verdict of an ArgMax segmenter runs on 1 - mIoU
    (rule R3b), the cosine of the indices is not quoted as its loss."""
    from nv12_widgets.core import load_image
    from nv12_widgets.model import PreprocessConfig, compare, demo_image_paths

    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.normal(0, 0.05, (4, 3, 3, 3)).astype(np.float32), "w")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["logits"], pads=[1, 1, 1, 1]),
        helper.make_node("ArgMax", ["logits"], ["labels"], axis=1, keepdims=0),
    ]
    graph = helper.make_graph(
        nodes,
        "seg",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("labels", TensorProto.INT64, [1, 32, 32])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    c = compare(model, load_image(demo_image_paths()[0]), PreprocessConfig(noise_amplitude=1.0))
    v = c.verdict()
    miou = c.metrics["labels"].task_nv12["miou"]
    assert v.rule == "R3b" and v.numbers["basis"] == "task"
    assert v.loss_nv12 == pytest.approx(1.0 - miou) and "class indices" in v.text
