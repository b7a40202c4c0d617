"""A one-output sigmoid classifier (1, 1) named "binary": the cosine of one value is
meaningless (NaN), the verdict rests on the side of 0.5 each path's score falls on."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_builders import make_model

from nv12_widgets.model import PreprocessConfig, compare


def _sigmoid_model(bias: float):
    rng = np.random.default_rng(0)
    init = [
        numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.zeros(4, np.float32), "b"),
        numpy_helper.from_array(rng.normal(0, 1.5, (1, 4)).astype(np.float32), "fc"),
        numpy_helper.from_array(np.array([bias], np.float32), "fb"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fb"], ["logit"], transB=1),
        helper.make_node("Sigmoid", ["logit"], ["p"]),
    ]
    return make_model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [1, 1])],
        init,
    )


def _image():
    ramp = np.linspace(0, 255, 16 * 16 * 3).reshape(16, 16, 3).astype(np.uint8)
    return np.ascontiguousarray(np.dstack([ramp[..., 0], ramp[::-1, :, 1], ramp[:, ::-1, 2]]))


def test_named_binary_output_is_judged_by_its_side_of_the_threshold():
    c = compare(_sigmoid_model(0.0), _image(), PreprocessConfig(), output_kinds={"p": "binary"})
    ref, nv = float(c.outputs_reference["p"][0, 0]), float(c.outputs_nv12["p"][0, 0])
    (task,) = c.tasks.values()
    assert task.binding.kind == "binary" and task.chosen
    assert ref > 0.5 and nv > 0.5 and ref != nv  # moved, on the same side
    assert task.score("nv12") == 1.0
    v = c.verdict()
    assert (v.code, v.rule, v.numbers["basis"]) == ("no-loss", "R3b", "task")
    assert v.title == "No visible effect" and f"{abs(nv - ref):.3g}" in v.text


def _logit(p):
    p = float(p[0, 0])
    return float(np.log(p / (1 - p)))


def test_a_flip_across_the_threshold_is_a_changed_answer():
    # a bias puts the threshold between the reference's and the NV12 path's logits (a
    # bias adds to both): the studio-swing decode moves the score across 0.5
    device = PreprocessConfig(decode_swing="studio")
    base = compare(_sigmoid_model(0.0), _image(), device=device)
    mid = (_logit(base.outputs_reference["p"]) + _logit(base.outputs_nv12["p"])) / 2
    c = compare(_sigmoid_model(-mid), _image(), device=device, output_kinds={"p": "binary"})
    ref, nv = float(c.outputs_reference["p"][0, 0]), float(c.outputs_nv12["p"][0, 0])
    (task,) = c.tasks.values()
    assert (ref > 0.5) != (nv > 0.5)
    assert task.score("nv12") == 0.0 and c.metrics["p"].task_nv12["score"] == 0.0
    assert c.verdict().code == "preprocessing"  # R1 names the swing mistake
