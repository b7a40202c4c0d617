"""Model: loading, input description, running, and every bad-input path."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import onnx
import onnx_builders
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.model import Model, TensorInfo, guess_layout


def test_sources_path_bytes_proto_agree(tmp_path, conv_model):
    proto = onnx_builders.conv_nchw()
    path = tmp_path / "conv.onnx"
    onnx.save(proto, path)
    x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
    results = [
        Model(src).run({"x": x})["y"] for src in (path, str(path), proto.SerializeToString(), proto)
    ]
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
    assert Model(path).name == "conv.onnx" and Model(path).path == path
    assert Model(proto).name == "conv_nchw" and Model(proto).path is None


def test_describes_inputs_and_outputs(conv_model, nhwc_model, detector):
    (x,) = conv_model.inputs
    assert x == TensorInfo("x", (1, 3, 8, 8), np.dtype(np.float32), "NCHW", 3, (8, 8))
    assert conv_model.image_input == "x" and x.is_image
    assert conv_model.outputs[0].shape == (1, 4, 8, 8)

    (img,) = nhwc_model.inputs
    assert (img.layout, img.channels, img.size) == ("NHWC", 3, (8, 8))
    assert nhwc_model.image_input == "image"

    det = detector.image
    assert det.layout == "NCHW" and det.channels == 3 and det.size is None
    assert isinstance(det.shape[0], str) and isinstance(det.shape[2], str)  # dynamic dims
    with pytest.raises(dataclasses.FrozenInstanceError):
        det.name = "y"  # type: ignore[misc]


def test_guess_layout():
    assert guess_layout((1, 3, 224, 224)) == "NCHW"
    assert guess_layout((1, 224, 224, 3)) == "NHWC"
    assert guess_layout(("N", 1, "H", "W")) == "NCHW"
    assert guess_layout(("N", "H", "W", 3)) == "NHWC"
    assert guess_layout((1, 3, 3, 3)) == "NCHW"  # ambiguous: ONNX convention
    assert guess_layout((1, 16)) is None
    assert guess_layout((1, 2, 8, 8)) is None
    assert guess_layout(("N", "C", "H", "W")) is None


def test_run_matches_numpy_and_reuses_session(identity_model):
    session = identity_model.session
    x = np.arange(192, dtype=np.float32).reshape(1, 3, 8, 8)
    out = identity_model.run({"x": x})
    assert list(out) == ["y"]
    np.testing.assert_array_equal(out["y"], x)
    identity_model.run_image(x[0])  # 3-D gets a batch axis
    assert identity_model.session is session


def test_two_inputs_need_the_side_input(two_input_model):
    assert two_input_model.image_input == "x"
    x = np.ones((1, 3, 8, 8), np.float32)
    with pytest.raises(InputError, match="gain"):
        two_input_model.run_image(x)
    y1 = two_input_model.run_image(x, {"gain": np.array([1.0], np.float32)})["y"]
    y2 = two_input_model.run_image(x, extra_feeds={"gain": np.array([2.0], np.float32)})["y"]
    np.testing.assert_allclose(y2, 2 * y1, rtol=1e-6)


def test_shape_and_dtype_errors_name_the_input(conv_model):
    with pytest.raises(InputError, match=r"'x'.*\(1, 3, 8, 8\).*\(1, 3, 9, 8\)"):
        conv_model.run({"x": np.zeros((1, 3, 9, 8), np.float32)})
    with pytest.raises(InputError, match=r"'x'.*float32.*float64"):
        conv_model.run({"x": np.zeros((1, 3, 8, 8), np.float64)})
    with pytest.raises(InputError, match="Unknown input"):
        conv_model.run({"x": np.zeros((1, 3, 8, 8), np.float32), "z": 1})
    with pytest.raises(InputError, match="Unknown output"):
        conv_model.run({"x": np.zeros((1, 3, 8, 8), np.float32)}, outputs=["nope"])


def test_bad_model_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        Model(tmp_path / "missing.onnx")
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        Model(empty)
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"this is not a protobuf \x00\x01\x02" * 10)
    with pytest.raises(InputError, match="could not load"):
        Model(corrupt)
    truncated = tmp_path / "truncated.onnx"
    data = onnx_builders.classifier().SerializeToString()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="could not load"):
        Model(truncated)
    with pytest.raises(InputError, match="folder"):
        Model(tmp_path)
    with pytest.raises(InputError, match="path, bytes or onnx.ModelProto"):
        Model(12)  # type: ignore[arg-type]


def test_no_image_input():
    model = Model(onnx_builders.no_image_input())
    assert model.image_input is None
    assert model.run({"v": np.ones((1, 16), np.float32)})["y"].shape == (1, 16)
    with pytest.raises(InputError, match="no image-like input"):
        model.run_image(np.ones((1, 16), np.float32))
    with pytest.raises(InputError, match="not an input"):
        Model(onnx_builders.no_image_input(), image_input="x")
    # Naming a non-image-like input explicitly is allowed.
    assert Model(onnx_builders.no_image_input(), image_input="v").image_input == "v"


def test_pickle_rebuilds_the_session(tmp_path, conv_model):
    clone = pickle.loads(pickle.dumps(conv_model))
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(clone.run({"x": x})["y"], conv_model.run({"x": x})["y"])
    assert clone.digest == conv_model.digest
    path = tmp_path / "m.onnx"
    path.write_bytes(conv_model.model_bytes)
    assert pickle.loads(pickle.dumps(Model(path))).name == "m.onnx"


def test_repr_and_proto(conv_model):
    assert "x: float32 [1, 3, 8, 8] (NCHW)" in repr(conv_model)
    assert conv_model.proto.graph.name == "conv_nchw"


def test_starting_config_is_gray_for_a_one_channel_input():
    """What the dashboard and the CLI start from without a config: the default three
    channels cannot feed a [1, 1, H, W] input, grey levels can."""
    from nv12_widgets.model import compare

    gray = Model(onnx_builders.gray_nchw(size=(8, 8)))
    assert gray.starting_config().train_format == "gray"
    assert gray.starting_config().mean == (0.0,)
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert compare(gray, rgb, gray.starting_config()).config.train_format == "gray"
    assert Model(onnx_builders.conv_nchw()).starting_config().train_format == "rgb"
    assert Model(onnx_builders.nhwc_model()).starting_config().train_format == "rgb"


def test_starting_config_feeds_codes_to_a_uint8_input():
    """A uint8 RGB input normalises inside: it starts at divisor 1 (codes as they are),
    and the comparison feeds it uint8 on every path."""
    from onnx import TensorProto, helper

    from nv12_widgets.model import compare

    x = helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 8, 8, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 8, 3])
    nodes = [helper.make_node("Cast", ["x"], ["f"], to=TensorProto.FLOAT),
             helper.make_node("Sqrt", ["f"], ["y"])]  # fmt: skip
    proto = onnx_builders.make_model(nodes, [x], [y])
    model = Model(proto)
    config = model.starting_config()
    assert config.divisor == 1.0 and config.train_format == "rgb"
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    c = compare(model, rgb, config)
    assert {t.dtype for t in c.tensors.values()} == {np.dtype(np.uint8)}
    np.testing.assert_allclose(c.outputs_reference["y"][0], np.sqrt(rgb.astype(np.float32)))


def test_workflows_without_a_config_start_where_the_model_says():
    """Pipeline.for_model and sweep with config=None used PreprocessConfig(): a grey-level
    model failed ("takes 1 channel(s) ... use train_format='gray'")."""
    from nv12_widgets.model import Pipeline, sweep

    gray = Model(onnx_builders.gray_nchw(size=(8, 8)))
    assert Pipeline.for_model(gray).config.train_format == "gray"
    rgb = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    r = sweep(gray, rgb, amplitudes=(0, 1), seeds=(0,), variants={}, progress=False)
    assert r.config.train_format == "gray" and r.completed == r.total
