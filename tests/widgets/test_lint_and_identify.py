"""Headless dashboard tests: the linter's warning area appears and disappears as the
controls change; the table shows the reference's peak / scale and the task agreement;
a sequence output is shown as per-step argmax; the Identify panel inside the dashboard
names the pipeline of a dump made with a known config."""

from __future__ import annotations

import datetime

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import nv12_widgets.core as core
from nv12_widgets.model import PreprocessConfig
from nv12_widgets.widgets import NV12Debugger

PIXEL_MEAN = "123.675, 116.28, 103.53"


def _codes(d: NV12Debugger) -> list[str]:
    return [f.code for f in d.comparison.lint]


def test_mean_in_pixel_units_shows_a_warning_that_goes_away(dashboard):
    d = dashboard
    # the 48 x 64 photo stretched to the 32 x 32 input: an aspect-ratio warning only
    assert _codes(d) == ["aspect-ratio"]
    assert "aspect-ratio" in d.similarity.warnings.value
    before = d.preprocess.mean.value
    d.preprocess.divisor.value = 255.0
    d.preprocess.mean.value = PIXEL_MEAN
    assert d.errors.value == "", d.errors.message
    assert "mean-units" in _codes(d)
    shown = d.similarity.warnings.value
    assert d.similarity.warnings.layout.display is None
    assert "mean-units" in shown and "error" in shown and "fields: mean" in shown
    assert "nv12-warnings" in d.similarity.warnings._dom_classes
    assert "[mean-units]" in d.similarity.verdict.value  # rule R1 names it
    assert d.errors.value == ""  # a warning is not an error: separate areas
    d.preprocess.mean.value = before
    assert "mean-units" not in _codes(d) and "mean-units" not in d.similarity.warnings.value
    d.preprocess.resize_policy.value = "letterbox"  # no stretch: no finding left at all
    assert _codes(d) == [], _codes(d)
    assert d.similarity.warnings.value == "" and d.similarity.warnings.layout.display == "none"


def test_decode_swing_studio_gives_decode_swing(dashboard):
    d = dashboard
    d.preprocess.decode_swing.value = "studio"
    assert "decode-swing" in _codes(d)
    assert "decode-swing" in d.similarity.warnings.value
    assert d.comparison.verdict().code == "preprocessing"
    d.preprocess.decode_swing.value = d.preprocess.specs["decode_swing"].none_word
    assert "decode-swing" not in d.similarity.warnings.value


def test_table_shows_reference_peak_scale_and_task_agreement(dashboard):
    table = dashboard.similarity.table.value
    m = dashboard.comparison.metrics["prob"]
    for header in ("ref peak", "ref scale", "task NV12"):
        assert header in table, header
    assert m.kind == "dense" and m.task_nv12 is not None
    assert f"IoU {m.task_nv12['iou']:.3f}" in table
    assert f"{m.ref_peak:.4g}" in table


def _sequence_model() -> onnx.ModelProto:
    """x [1, 3, 8, 8] -> seq [1, 8, 5]: per column of the image a softmax over 5
    classes (a CTC-head-like output), colour-sensitive weights."""
    rng = np.random.default_rng(5)
    w = rng.normal(0, 2.0, (5, 3, 8, 1)).astype(np.float32)  # one kernel per column
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"]),  # [1, 5, 1, 8]
        helper.make_node("Squeeze", ["c", "axis"], ["s"]),  # [1, 5, 8]
        helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),  # [1, 8, 5]
        helper.make_node("Softmax", ["t"], ["seq"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_ctc",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("seq", TensorProto.FLOAT, [1, 8, 5])],
        initializer=[
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(np.array([2], np.int64), "axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def test_a_sequence_output_is_shown_as_per_step_argmax(photo):
    config = PreprocessConfig(divisor=255.0, mean=(0.5,), std=(0.5,), decode_swing="studio")
    d = NV12Debugger(_sequence_model(), photo, config, samples=[])
    assert d.comparison is not None, d.errors.message
    m = d.comparison.metrics["seq"]
    assert m.kind == "sequence"
    assert d.similarity.maps.layout.display == "none"  # no squeezed 8 x 5 heatmap
    assert d.similarity.sequence.layout.display is None
    text = d.similarity.sequence.value
    steps = core.sequence_steps(
        d.comparison.outputs_reference["seq"], d.comparison.outputs_nv12["seq"]
    )
    assert f"differs at {steps['differ'].size} of 8 steps" in text
    for row in steps["rows"]:
        assert f"<td>{row['step']}</td><td>{row['reference']}</td>" in text
    assert f"steps {m.task_nv12['step_agreement']:.3f}" in d.similarity.table.value


def test_identify_panel_in_the_dashboard_names_a_known_pipeline(dashboard, photo):
    d = dashboard
    assert d.identify in d.identify_box.children
    assert d.identify_box.get_title(0) == "Identify a board dump"
    # a dump made with a known config: the photo as studio-swing NV12, chroma decimated
    frame = core.rgb_to_nv12(photo, swing="studio", chroma="decimate")
    data = frame.tobytes()
    d.identify.upload.value = (
        {
            "name": "board_64x48.nv12",
            "type": "",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        },
    )
    d.identify.width.value, d.identify.height.value = 64, 48
    d.identify.button.click()
    result = d.identify.last
    assert result is not None and result.identified, d.identify.error.value
    assert result.config.swing == "studio" and result.best.max_abs == 0
    assert "identified" in d.identify.result.value
    # the panel follows the dashboard's image: a raw frame has no RGB to explain against
    d.set_image(frame, "cam.nv12")
    assert d.identify.run() is None and "no source image" in d.identify.error.value
