"""Dynamic input sizes, ``dim_value: -1``, external data, and onnxruntime size rejections."""

from __future__ import annotations

import numpy as np
import onnx
import onnx_builders
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError
from nv12_widgets.model import Model, PreprocessConfig, compare
from nv12_widgets.model.devicepath.session import default_size, is_dynamic, size_presets


def _needs_height_48() -> onnx.ModelProto:
    """[N, 3, H, W] declared fully dynamic, but an Add with a [1, 1, 48, 1] constant makes
    onnxruntime reject any height other than 48 (or 1) at run time, as a recogniser whose
    exporter forgot to fix H does ("Non concat axis dimensions must match")."""
    c = numpy_helper.from_array(np.linspace(-1, 1, 48, dtype=np.float32).reshape(1, 1, 48, 1), "c")
    return onnx_builders.make_model(
        [helper.make_node("Add", ["x", "c"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [c],
        name="needs_h48",
    )


def test_is_dynamic():
    assert [is_dynamic(d) for d in (None, "N", "p2o.DynamicDimension.0", -1, 0)] == [True] * 5
    assert not is_dynamic(1) and not is_dynamic(np.int64(48))


def test_dim_value_minus_one_is_dynamic_everywhere():
    # Paddle2ONNX style: dim_value -1 for batch, height and width
    proto = onnx_builders.conv_nchw(size=(-1, -1), batch=-1)
    model = Model(proto)
    (info,) = model.inputs
    assert info.shape[0] is None and info.shape[2] is None and info.shape[3] is None
    assert info.layout == "NCHW" and info.channels == 3 and info.size is None
    assert info.describe() == "x: float32 [?, 3, ?, ?] (NCHW)"
    assert info.dim_names[1] == "3" and "(dynamic)" in info.dims_tooltip()
    assert model.image_input == "x"
    x = np.zeros((1, 3, 8, 6), np.float32)
    assert model.run({"x": x})["y"].shape == (1, 4, 8, 6)  # a 0 / -1 dim accepts any size
    rgb = np.random.default_rng(0).integers(0, 256, (16, 12, 3), dtype=np.uint8)
    cmp = compare(model, rgb, PreprocessConfig(size=(8, 6)))  # no "fixed batch of -1"
    assert cmp.size == (8, 6)


def test_dim_value_zero_is_described_as_dynamic():
    info = Model(onnx_builders.conv_nchw(size=(0, 8), batch=0)).image
    assert info.describe() == "x: float32 [?, 3, ?, 8] (NCHW)"
    assert info.size is None and info.dim_names == ("0", "3", "0", "8")


def test_readable_description_keeps_the_declared_names():
    proto = onnx_builders.conv_nchw(size=("p2o.DynamicDimension.1", "p2o.DynamicDimension.2"))
    info = Model(proto).image
    assert info.describe() == "x: float32 [1, 3, ?, ?] (NCHW)"
    assert info.dim_names == ("1", "3", "p2o.DynamicDimension.1", "p2o.DynamicDimension.2")
    assert info.dims_tooltip() == (
        "N = 1, C = 3, H = p2o.DynamicDimension.1 (dynamic), W = p2o.DynamicDimension.2 (dynamic)"
    )


def test_default_size_rule_dynamic_hw():
    info = Model(onnx_builders.conv_nchw(size=None, batch=None)).image
    assert info.describe() == "x: float32 [?, 3, ?, ?] (NCHW)"
    assert default_size(info) == (320, 320)  # no image
    assert default_size(info, (480, 640)) == (480, 640)  # already multiples of 32, <= 640
    assert default_size(info, (1080, 1920)) == (352, 640)  # scaled: 360 x 640 -> 352 x 640
    assert default_size(info, (100, 150)) == (96, 160)  # never scaled up, rounded to /32
    assert default_size(info, (10, 10)) == (32, 32)  # at least one multiple
    presets = size_presets(info, (1080, 1920))
    assert presets[0] == ("352 x 640 (image aspect, /32)", (352, 640))
    assert (224, 224) in [s for _, s in presets] and len(set(presets)) == len(presets)
    with pytest.raises(InputError, match="multiple must be a positive even integer"):
        default_size(info, (10, 10), multiple=3)


def test_default_size_rule_fixed_height_dynamic_width():
    info = Model(onnx_builders.conv_nchw(size=(48, "W"), batch=None)).image
    assert info.describe() == "x: float32 [?, 3, 48, ?] (NCHW)"
    assert default_size(info, (100, 400)) == (48, 192)  # 48 * 400 / 100 = 192
    assert default_size(info, (32, 100)) == (48, 160)  # 150 -> 160
    assert default_size(info, (10, 4000)) == (48, 640)  # capped at 640
    assert default_size(info) == (48, 320)
    assert size_presets(info, (100, 400))[:2] == [
        ("48 x 192 (image aspect, /32)", (48, 192)),
        ("48 x 320", (48, 320)),
    ]
    fixed = Model(onnx_builders.conv_nchw(size=(8, 8))).image
    assert default_size(fixed, (100, 400)) == (8, 8)
    assert size_presets(fixed, (100, 400)) == [("8 x 8 (the model's fixed size)", (8, 8))]


def test_wrong_size_for_a_fixed_height_says_what_to_try():
    model = Model(onnx_builders.conv_nchw(size=(48, "W"), batch=None))
    with pytest.raises(InputError) as err:
        model.run({"x": np.zeros((1, 3, 224, 224), np.float32)})
    text = str(err.value)
    assert "224 x 224 (height x width)" in text
    assert "height fixed at 48, width dynamic (?)" in text
    assert "Try config.size=(48, 64): keep the model's height 48" in text


def test_onnxruntime_rejection_names_the_size_and_prints_no_log_lines(capfd):
    model = Model(_needs_height_48())
    ok = model.run({"x": np.zeros((1, 3, 48, 64), np.float32)})["y"]
    assert ok.shape == (1, 3, 48, 64)
    capfd.readouterr()
    with pytest.raises(InputError) as err:
        model.run({"x": np.zeros((1, 3, 224, 224), np.float32)})
    text = str(err.value)
    assert "onnxruntime failed running" in text and "48 by 224" in text
    assert "rejected size 224 x 224 (height x width)" in text
    assert "declares height dynamic (?), width dynamic (?)" in text and "Try " in text
    out, errout = capfd.readouterr()
    assert "onnxruntime" not in errout and "onnxruntime" not in out


def test_external_data_loads_from_any_working_directory(tmp_path, monkeypatch):
    proto = onnx_builders.conv_nchw()
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    expected = Model(proto).run({"x": x})["y"]
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "conv.onnx"
    onnx.save_model(
        proto,
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="conv.onnx.data",
        size_threshold=0,
    )
    assert (folder / "conv.onnx.data").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for src in (path, str(path)):
        model = Model(src)
        np.testing.assert_array_equal(model.run({"x": x})["y"], expected)
    # the proto and bytes hold the weights: graph surgery and pickling keep working
    assert not any(t.data_location == TensorProto.EXTERNAL for t in model.proto.graph.initializer)
    # the .onnx bytes alone cannot find their data: the error says to load by path
    with pytest.raises(InputError, match="load it by path"):
        Model(path.read_bytes())
    (folder / "conv.onnx.data").rename(folder / "moved.data")
    with pytest.raises(InputError, match="external data files that could not be read"):
        Model(path)
