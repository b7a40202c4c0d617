"""The ONNX executors of the device profiles equal their numpy executors exactly."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from nv12_widgets.core import NV12, PROFILES, load_image, rgb_to_nv12
from nv12_widgets.model.devicepath.builder import GraphBuilder
from nv12_widgets.model.devicepath.profile_graphs import DECODE_GRAPHS

PHOTOS = ("astronaut.png", "coffee.png", "chelsea.png")
ROWS = {"rgb": [0, 1, 2], "bgr": [2, 1, 0]}


def decode_model(profile: str, h: int, w: int, rows: list[int], opset: int = 17):
    """y uint8 (1,H,W,1), uv uint8 (1,H/2,W/2,2) -> Cast float -> emitter -> out."""
    b = GraphBuilder("dec/", set())
    y_f = b.op("Cast", ["y"], "y_f", to=TensorProto.FLOAT)
    uv_f = b.op("Cast", ["uv"], "uv_f", to=TensorProto.FLOAT)
    res = DECODE_GRAPHS[profile](b, y_f, uv_f, rows)
    b.op("Identity", [res], "out", output="out")
    graph = helper.make_graph(
        b.nodes,
        "decode",
        [
            helper.make_tensor_value_info("y", TensorProto.UINT8, [1, h, w, 1]),
            helper.make_tensor_value_info("uv", TensorProto.UINT8, [1, h // 2, w // 2, 2]),
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, h, w, 3])],
        b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = min(model.ir_version, 9)
    onnx.checker.check_model(model, full_check=True)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def run(sess, frame: NV12) -> np.ndarray:
    y, uv = frame.as_model_inputs()
    return sess.run(None, {"y": np.ascontiguousarray(y), "uv": np.ascontiguousarray(uv)})[0][0]


def numpy_decode(profile: str, frame: NV12, order: str) -> np.ndarray:
    prof = PROFILES[profile]
    x = prof.decode_float(frame) if prof.decode_float is not None else prof.decode(frame)
    x = x.astype(np.float32)
    return x if order == "rgb" else x[..., ::-1]


def photo(name: str) -> np.ndarray:
    from pathlib import Path

    import nv12_widgets

    rgb = load_image(Path(nv12_widgets.__file__).parent / "data" / "images" / name)
    return np.ascontiguousarray(rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2])


def test_every_device_profile_has_a_graph():
    device = {n for n, p in PROFILES.items() if p.source}
    # every device profile, plus the float "horizon" form and OpenCV's decoder;
    # "vendor-pil" (PIL's bicubic resampler) has none
    assert set(DECODE_GRAPHS) == device | {"horizon", "opencv"}
    assert set(PROFILES) - set(DECODE_GRAPHS) == {"vendor-pil"}


@pytest.mark.parametrize("order", ["rgb", "bgr"])
@pytest.mark.parametrize("profile", sorted(DECODE_GRAPHS))
def test_graph_equals_numpy_on_photos(profile, order):
    for name in PHOTOS:
        rgb = photo(name)
        h, w = rgb.shape[:2]
        sess = decode_model(profile, h, w, ROWS[order])
        # frames from the profile's own encoder and from the other swing: every code
        for frame in (
            rgb_to_nv12(rgb, profile=profile),
            rgb_to_nv12(rgb, swing="studio"),
            rgb_to_nv12(rgb),
        ):
            got = run(sess, frame)
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, numpy_decode(profile, frame, order), err_msg=name)


@pytest.mark.parametrize("profile", sorted(DECODE_GRAPHS))
def test_graph_equals_numpy_on_every_code_pair_and_at_opset_11(profile):
    # All 65536 (U, V) pairs with a ramp of Y values: out-of-range codes, clipping, ties.
    rng = np.random.default_rng(1)
    uv = np.stack(np.meshgrid(np.arange(256), np.arange(256), indexing="ij"), -1)
    uv = uv.reshape(128, 512, 2).astype(np.uint8)
    y = rng.integers(0, 256, (256, 1024), dtype=np.uint8)
    frame = NV12(y, uv)
    sess = decode_model(profile, 256, 1024, ROWS["rgb"], opset=11)
    np.testing.assert_array_equal(run(sess, frame), numpy_decode(profile, frame, "rgb"))
