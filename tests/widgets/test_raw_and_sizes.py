"""Headless dashboard tests: raw frames by path and upload; dynamic-size models and the
size control (recogniser-shaped [?, 3, 48, ?]); a bad size keeps the last good state."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import NV12, nv12_to_rgb, resize_nv12, rgb_to_nv12
from nv12_widgets.widgets import NV12Debugger
from nv12_widgets.widgets.panels import UPLOAD_ACCEPT, YOUR_IMAGE


def _recogniser() -> onnx.ModelProto:
    """A text-recogniser-shaped model: x [?, 3, 48, ?] (Paddle2ONNX writes -1 for the
    batch and a name for the width) -> y [?, 4, 48, ?], a colour-sensitive 3x3 conv."""
    rng = np.random.default_rng(3)
    w = rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
            helper.make_node("Tanh", ["c"], ["y"]),
        ],
        "tiny_rec",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [-1, 3, 48, "p2o.W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [-1, 4, 48, "p2o.W"])],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


@pytest.fixture
def frame(photo) -> NV12:
    return rgb_to_nv12(photo)  # 48 x 64


def test_upload_accepts_raw_frames():
    for ext in (".nv12", ".nv21", ".yuv", ".i420", ".raw"):
        assert ext in UPLOAD_ACCEPT
    assert "image/*" in UPLOAD_ACCEPT


def test_raw_frame_by_path_shows_its_y_plane(dashboard, frame, tmp_path):
    d = dashboard
    path = tmp_path / "cam_64x48.nv12"
    path.write_bytes(frame.tobytes())
    assert d.image_panel.raw_box.layout.display == "none"
    d.image_panel.path.value = str(path)
    d.image_panel.load.click()
    assert d.errors.value == "", d.errors.message
    assert d.image_panel.raw_box.layout.display is None  # raw controls shown
    assert np.array_equal(d.image_panel.view.array, frame.y)  # the Y plane, not RGB
    assert d.image_panel.source == frame and d.frame == frame
    assert "raw frame (Y plane shown)" in d.image_panel.info.value
    assert (d.image_panel.raw_width.value, d.image_panel.raw_height.value) == (64, 48)
    assert d.image_panel.sample.value == YOUR_IMAGE
    # the comparator is fed the frame itself; its reference is the frame's best PC decode
    size = d.comparison.size  # the frame is resized in the NV12 domain to the model size
    expected = nv12_to_rgb(resize_nv12(frame, size), swing="full", upsample="bilinear")
    assert d.image == frame and d.comparison is not None and d.comparison.source == "frame"
    assert np.array_equal(d.comparison.fitted_image, expected)


def test_raw_frame_by_upload_with_typed_size_stride_and_index(dashboard, frame):
    d = dashboard
    other = rgb_to_nv12(np.full((48, 64, 3), 90, np.uint8))

    # two frames, rows padded to 80 bytes, NV21 order, no size in the name
    def padded(f):
        y = np.full((48, 80), 7, np.uint8)
        y[:, :64] = f.y
        vu = np.full((24, 80), 7, np.uint8)
        vu[:, :64] = f.uv[..., ::-1].reshape(24, 64)
        return y.tobytes() + vu.tobytes()

    data = padded(other) + padded(frame)
    d.image_panel.upload.value = (
        {
            "name": "dump.yuv",
            "type": "application/octet-stream",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": datetime.now(timezone.utc),
        },
    )
    assert "does not say its size" in d.errors.message  # no size yet: friendly error
    assert d.image_panel.raw_box.layout.display is None  # ...and the controls to give it
    p = d.image_panel
    p.raw_format.value = "nv21"
    p.raw_stride.value = 80
    p.raw_width.value = 64
    p.raw_height.value = 48
    assert d.errors.value == "", d.errors.message
    assert p.source == other
    p.raw_index.value = 1
    assert p.source == frame and np.array_equal(p.view.array, frame.y)
    p.raw_index.value = 5
    assert "holds 2 frames" in d.errors.message and p.source == frame  # last good kept


def test_recogniser_shaped_model_opens_and_the_size_control_changes_it(photo):
    text_line = np.ascontiguousarray(np.repeat(photo[:16], 2, axis=0)[:, :, :])  # 32 x 64
    text_line = np.tile(text_line, (1, 3, 1))  # 32 x 192: a wide text line
    d = NV12Debugger(_recogniser(), text_line, samples=[])
    assert d.errors.value == "", d.errors.message
    assert d.comparison is not None
    pre = d.preprocess
    assert pre.size_box.layout.display is None
    # default: height 48 kept, width from the aspect ratio (48 * 192 / 32 = 288)
    assert (pre.size_h.value, pre.size_w.value) == (48, 288)
    assert d.comparison.size == (48, 288)
    assert "48 x 288 (height x width)" in d.status.value
    labels = [label for label, _ in pre.size_preset.options]
    assert "48 x 288 (image aspect, /32)" in labels and "48 x 320" in labels
    assert "?, 3, 48, ?" in d.children[1].value and "p2o.W (dynamic)" in d.children[1].value
    pre.size_preset.value = (48, 320)
    assert d.comparison.size == (48, 320) and d.errors.value == ""
    pre.size_w.value = 96
    assert d.comparison.size == (48, 96) and pre.size_preset.value == "custom"


def test_bad_size_shows_a_friendly_error_and_keeps_the_last_good_state(photo):
    d = NV12Debugger(_recogniser(), photo, samples=[])
    good = d.comparison
    table = d.similarity.table.value
    d.preprocess.size_h.value = 64  # the model fixes height 48
    message = d.errors.message
    assert (
        "64 x" in message and "height fixed at 48" in message and "Try config.size=(48" in message
    )
    assert "last good state" in d.errors.value
    assert d.comparison is good and d.similarity.table.value == table
    d.preprocess.size_h.value = 47  # odd: NV12 needs even sizes
    assert "even" in d.errors.message and d.comparison is good
    d.preprocess.size_h.value = 48
    assert d.errors.value == "" and d.comparison.size[0] == 48


def test_fixed_size_model_shows_its_size_read_only(dashboard):
    pre = dashboard.preprocess
    assert pre.size_h.disabled and pre.size_w.disabled
    assert [label for label, _ in pre.size_preset.options][1:] == [
        "32 x 32 (the model's fixed size)"
    ]


def test_debugger_takes_a_frame_or_a_raw_path(tiny_model, tiny_config, frame, tmp_path):
    d = NV12Debugger(tiny_model, frame, tiny_config, samples=[])
    assert d.frame == frame and d.comparison is not None
    path = tmp_path / "f.nv12"
    path.write_bytes(frame.tobytes())
    (tmp_path / "f.json").write_text('{"width": 64, "height": 48}')
    d2 = NV12Debugger(tiny_model, path, tiny_config, samples=[])
    assert d2.frame == frame and d2.errors.value == "", d2.errors.message
