"""The Pipeline: its numpy executor and its ONNX executor agree exactly, stage by stage.

Every device stage that runs on the device (decode with every profile that has an ONNX
form, normalize + layout + dtype) is emitted alone into a small ONNX model, run with
onnxruntime on real photos, and compared with the numpy executor bit for bit.
"""

from __future__ import annotations

import itertools

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from nv12_widgets.core import PROFILES, InputError, fit_image, load_image
from nv12_widgets.model import Model, PreprocessConfig, demo_image_paths
from nv12_widgets.model.devicepath.builder import GraphBuilder
from nv12_widgets.model.devicepath.graph import insert_nv12_preprocess
from nv12_widgets.model.devicepath.pipeline import (
    DecodeStage,
    EncodeStage,
    InputPlan,
    NormalizeStage,
    Pipeline,
    device_path_key,
    plan_input,
)
from nv12_widgets.model.devicepath.session import is_dynamic

SIZE = (96, 128)  # (height, width): small, but real photo content


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {
        p.stem: fit_image(load_image(p), SIZE, policy="resize", interpolation="area")
        for p in demo_image_paths()
    }


def _plan(channels: int, layout: str = "NCHW", dtype=np.float32) -> InputPlan:
    shape = (1, channels, *SIZE) if layout == "NCHW" else (1, *SIZE, channels)
    return InputPlan("x", layout, SIZE, channels, np.dtype(dtype), shape)


def _run_decode_graph(stage: DecodeStage, frame) -> np.ndarray:
    b = GraphBuilder("t/", {"y", "uv", "out"})
    y_f = b.op("Cast", ["y"], "y_f", to=TensorProto.FLOAT)
    uv_f = b.op("Cast", ["uv"], "uv_f", to=TensorProto.FLOAT)
    pixels = stage.onnx(b, y_f, uv_f)
    b.op("Identity", [pixels], "id", output="out")
    h, w = frame.height, frame.width
    graph = helper.make_graph(
        b.nodes,
        "decode",
        [
            helper.make_tensor_value_info("y", TensorProto.UINT8, [1, h, w, 1]),
            helper.make_tensor_value_info("uv", TensorProto.UINT8, [1, h // 2, w // 2, 2]),
        ],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
        initializer=b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y, uv = frame.as_model_inputs()
    return sess.run(None, {"y": np.ascontiguousarray(y), "uv": np.ascontiguousarray(uv)})[0][0]


def _graph_profiles() -> list[str | None]:
    from nv12_widgets.model.devicepath.profile_graphs import DECODE_GRAPHS

    return [None, *sorted(DECODE_GRAPHS)]


DECODES = [
    # (train_format, profile, swing, decode_swing, matrix, upsample)
    (fmt, None, swing, dswing, matrix, up)
    for fmt, swing, dswing, matrix, up in itertools.product(
        ("rgb", "bgr", "yuv444", "gray"),
        ("full", "studio"),
        (None, "full", "studio"),
        ("bt601", "bt709"),
        ("nearest", "bilinear"),
    )
    if dswing is None or dswing != swing
]


@pytest.mark.parametrize("fmt,profile,swing,dswing,matrix,upsample", DECODES)
def test_decode_stage_numpy_equals_onnx_generic(
    photos, fmt, profile, swing, dswing, matrix, upsample
):
    cfg = PreprocessConfig(
        train_format=fmt, swing=swing, decode_swing=dswing, matrix=matrix, upsample=upsample
    )
    pipe = Pipeline.from_plan(_plan(cfg.channels), cfg)
    for rgb in photos.values():
        frame = pipe.encode.numpy(rgb)
        expected = pipe.decode.numpy(frame).astype(np.float32)
        assert np.array_equal(_run_decode_graph(pipe.decode, frame), expected)


@pytest.mark.parametrize("profile", [p for p in _graph_profiles() if p is not None])
@pytest.mark.parametrize("fmt", ["rgb", "bgr", "gray"])
def test_decode_stage_numpy_equals_onnx_per_profile(photos, profile, fmt):
    cfg = PreprocessConfig(train_format=fmt, profile=profile)
    pipe = Pipeline.from_plan(_plan(cfg.channels), cfg)
    for rgb in photos.values():
        frame = pipe.encode.numpy(rgb)
        expected = pipe.decode.numpy(frame).astype(np.float32)
        assert np.array_equal(_run_decode_graph(pipe.decode, frame), expected), profile


@pytest.mark.parametrize(
    "layout,dtype,divisor,mean,std",
    [
        ("NCHW", np.float32, 255.0, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ("NHWC", np.float32, 1.0, (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)),
        ("NCHW", np.float16, 1.0, (128.0,), (128.0,)),
        ("NHWC", np.float64, 255.0, (0.5,), (0.5,)),
    ],
)
def test_normalize_stage_numpy_equals_onnx(photos, layout, dtype, divisor, mean, std):
    cfg = PreprocessConfig(divisor=divisor, mean=mean, std=std, layout=layout)
    stage = NormalizeStage.of(cfg, _plan(3, layout, dtype))
    b = GraphBuilder("t/", {"px", "out"})
    stage.onnx(b, "px", "out")
    graph = helper.make_graph(
        b.nodes,
        "norm",
        [helper.make_tensor_value_info("px", TensorProto.FLOAT, [1, *SIZE, 3])],
        [
            helper.make_tensor_value_info(
                "out", helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), None
            )
        ],
        initializer=b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for rgb in photos.values():
        got = sess.run(None, {"px": rgb[None].astype(np.float32)})[0]
        want = stage.numpy(rgb)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "profile,fmt,layout",
    [
        (p, f, lay)
        for p in _graph_profiles()
        for f, lay in (("rgb", "NCHW"), ("bgr", "NHWC"), ("yuv444", "NCHW"))
        # profiles that convert NV12 straight to RGB have no YUV444 decode
        if not (
            f == "yuv444" and p is not None and PROFILES[p].upsample not in ("nearest", "bilinear")
        )
    ],
)
def test_whole_device_path_numpy_equals_onnx(photos, profile, fmt, layout):
    cfg = PreprocessConfig(
        train_format=fmt, profile=profile, layout=layout, mean=(0.5,), std=(0.25,), divisor=255
    )
    pipe = Pipeline.from_plan(_plan(3, layout), cfg)
    sess = ort.InferenceSession(
        pipe.preprocess_model().SerializeToString(), providers=["CPUExecutionProvider"]
    )
    for rgb in photos.values():
        run = pipe.run(rgb)
        y, uv = run.frame.as_model_inputs()
        got = sess.run(None, {"y": np.ascontiguousarray(y), "uv": np.ascontiguousarray(uv)})[0]
        assert np.array_equal(got, run.device_tensor)


def test_run_gives_every_intermediate(photos):
    cfg = PreprocessConfig(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    pipe = Pipeline.from_plan(_plan(3), cfg)
    run = pipe.run(photos["coffee"])
    assert run.fitted.shape == (*SIZE, 3)
    assert run.reference_pixels.shape == (*SIZE, 3) and run.reference_pixels.dtype == np.uint8
    assert run.reference_tensor.shape == (1, 3, *SIZE)
    assert (run.frame.height, run.frame.width) == SIZE
    # a consistent full-swing float pipeline: matched == device decode
    assert np.array_equal(run.device_pixels, run.format_pixels)
    assert np.array_equal(pipe.device_tensor(run.frame), run.device_tensor)
    assert np.array_equal(pipe.reference_tensor(photos["coffee"]), run.reference_tensor)
    # the NV12 path is close to, not equal to, the reference
    diff = np.abs(run.device_pixels.astype(int) - run.reference_pixels.astype(int))
    assert 0 < diff.max() < 64


def test_matched_decode_is_the_true_swing_while_the_device_assumes_another(photos):
    cfg = PreprocessConfig(swing="full", decode_swing="studio")
    pipe = Pipeline.from_plan(_plan(3), cfg)
    assert pipe.decode.swing == "studio" and pipe.matched.swing == "full"
    run = pipe.run(photos["chelsea"])
    assert not np.array_equal(run.device_pixels, run.format_pixels)


def test_profiles_decode_with_their_own_upsampling():
    for name, prof in PROFILES.items():
        stage = DecodeStage.device(PreprocessConfig(profile=name, upsample="bilinear"))
        assert stage.profile == name and stage.upsample == prof.upsample
    enc = EncodeStage.of(PreprocessConfig(profile="opencv", swing="full"))
    assert enc.swing == "studio"  # the profile's own swing wins


def test_device_path_key_ignores_what_does_not_change_the_path():
    a = PreprocessConfig(profile="horizon", chroma="mean", noise_amplitude=1.0)
    b = PreprocessConfig(profile="horizon", chroma="decimate", noise_amplitude=2.0, size=(32, 32))
    assert device_path_key(a) == device_path_key(b)
    assert device_path_key(a) != device_path_key(a.replace(train_format="bgr"))
    assert device_path_key(PreprocessConfig(mean=0.5)) == device_path_key(
        PreprocessConfig(mean=(0.5,) * 3)
    )


def test_vendor_pil_has_no_onnx_form(photos):
    pipe = Pipeline.from_plan(_plan(3), PreprocessConfig(profile="vendor-pil"))
    with pytest.raises(InputError, match="no ONNX form"):
        pipe.preprocess_model()


@pytest.mark.parametrize(
    "dims,config,match",
    [
        ([2, 3, 8, 8], PreprocessConfig(), "fixed batch of 2"),
        ([1, 3, "h", "w"], PreprocessConfig(), r"dynamic size; set config.size.*size_options"),
        ([1, 3, 8, 8], PreprocessConfig(size=(16, 16)), r"fixed at \(8, 8\)"),
        ([1, 1, 8, 8], PreprocessConfig(), "takes 1 channel"),
        ([1, 3, 7, 8], PreprocessConfig(), "odd"),
        ([1, 3, 8], PreprocessConfig(), "not 4-D"),
        # neither layout gives 1 or 3 channels: setting config.layout cannot help
        ([1, 8, 5, 5], PreprocessConfig(), "8 channels as NCHW and 5 as NHWC.*cannot feed"),
        ([1, 4, 32, 32], PreprocessConfig(layout="NCHW"), "4 channel.*cannot feed"),
        ([1, 4, 32, 32], PreprocessConfig(), "RGBA"),
        ([3, 32, 32], PreprocessConfig(), "without a batch axis.*re-export"),
        ([1, 3, 8, 8], PreprocessConfig(layout="NHWC"), "takes 8 channel.*set config.layout"),
    ],
)
def test_plan_input_errors(dims, config, match):
    with pytest.raises(InputError, match=match):
        plan_input("x", dims, np.dtype(np.float32), config)


def test_plan_input_treats_minus_one_as_dynamic():
    plan = plan_input("x", [-1, 3, -1, -1], np.dtype(np.float32), PreprocessConfig(size=(48, 320)))
    assert plan.shape == (1, 3, 48, 320)
    assert is_dynamic(-1) and is_dynamic(0) and is_dynamic("N") and not is_dynamic(1)
    with pytest.raises(InputError, match="uint8: it takes pixel codes"):
        plan_input("x", [1, 3, 8, 8], np.dtype(np.uint8), PreprocessConfig())


# ---------------------------------------------------------------------- runs and the stage cache
def test_a_run_holds_every_intermediate_and_the_tensors_it_feeds(photos):
    from nv12_widgets.core import normalize, nv12_to_format, rgb_to_format, rgb_to_nv12, to_layout

    img = photos["coffee"]
    cfg = PreprocessConfig(train_format="bgr", swing="studio", mean=0.5, std=0.25)
    run = Pipeline.from_plan(_plan(3), cfg).run(img)
    frame = rgb_to_nv12(img, swing="studio")
    assert run.frame == frame and run.source == "image"
    np.testing.assert_array_equal(run.device_pixels, nv12_to_format(frame, "bgr", swing="studio"))
    want = to_layout(normalize(rgb_to_format(img, "bgr"), mean=0.5, std=0.25, divisor=255), "NCHW")
    np.testing.assert_array_equal(run.reference_tensor, want)
    assert run.format_tensor.shape == run.device_tensor.shape == (1, 3, *SIZE)


@pytest.mark.parametrize("profile", ["openvino-f32", "tidl"])
def test_float_decode_profiles_feed_float_pixels(photos, profile):
    run = Pipeline.from_plan(_plan(3), PreprocessConfig(profile=profile)).run(photos["coffee"])
    assert run.device_pixels.dtype == np.float32
    assert not np.array_equal(run.device_pixels, np.round(run.device_pixels))
    np.testing.assert_array_equal(
        run.device_tensor, NormalizeStage.of(PreprocessConfig(), _plan(3)).numpy(run.device_pixels)
    )


def test_the_stage_cache_runs_each_shared_stage_once(photos):
    from nv12_widgets.model.devicepath.pipeline import StageCache

    img = photos["chelsea"].copy()
    cache = StageCache(64)
    a = Pipeline.from_plan(_plan(3), PreprocessConfig(swing="studio"))
    b = Pipeline.from_plan(_plan(3), PreprocessConfig(swing="studio", decode_swing="full"))
    first = a.run(img, cache=cache)
    assert first.device_tensor is not None and first.reference_tensor is not None
    second = b.run(img, cache=cache)
    assert second.frame is first.frame  # fit and encode are shared: not run again
    assert second.reference_tensor is first.reference_tensor
    assert not np.array_equal(second.device_tensor, first.device_tensor)
    assert cache.hits["frame"] == 1 and cache.hits["reference_tensor"] == 1
    plain = b.run(img)  # no cache: the same values
    np.testing.assert_array_equal(plain.device_tensor, second.device_tensor)
    assert not second.device_tensor.flags.writeable and img.flags.writeable
    img[0, 0] = 255 - img[0, 0]  # an image edited in place is a new image
    third = b.run(img, cache=cache)
    assert third.key("device_tensor") != second.key("device_tensor")


def test_stages_pickle_without_their_cached_hash():
    import pickle

    stage = DecodeStage.device(PreprocessConfig(profile="tidl"))
    hash(stage)
    again = pickle.loads(pickle.dumps(stage))
    assert "_hash" not in again.__dict__ and again == stage and hash(again) == hash(stage)


@pytest.mark.parametrize("config", [PreprocessConfig(), PreprocessConfig(size=(299, 299))])
def test_a_model_fixed_at_an_odd_size_is_not_told_to_set_config_size(config):
    """An Inception-style 299 x 299 input: config.size cannot change a fixed size (it must
    equal it), so the message names the real way out instead of a dead end."""
    with pytest.raises(InputError) as err:
        plan_input("x", [1, 3, 299, 299], np.dtype(np.float32), config)
    message = str(err.value)
    assert "fixed at an odd size 299 x 299" in message and "300 x 300" in message
    assert "Set config.size" not in message
    # a dynamic input at an odd config.size: there config.size is the way out
    with pytest.raises(InputError, match="Set config.size to even numbers"):
        plan_input("x", [1, 3, "h", "w"], np.dtype(np.float32), PreprocessConfig(size=(33, 32)))


# ---------------------------------------------------------------------- uint8 image inputs
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_a_uint8_input_gets_codes_rounded_and_clipped_numpy_equals_onnx(layout):
    """A model taking uint8 pixel codes (it normalises inside, e.g. a TensorFlow
    detector's ``image_tensor``): float pixels (noise, float-decoding profiles) are
    rounded half to even and clipped to 0..255 - numpy and ONNX Round + Clip + Cast
    bit for bit, ties and out-of-range values included."""
    cfg = PreprocessConfig(divisor=1.0, layout=layout)
    stage = NormalizeStage.of(cfg, _plan(3, layout, np.uint8))
    b = GraphBuilder("t/", {"px", "out"})
    stage.onnx(b, "px", "out")
    graph = helper.make_graph(
        b.nodes,
        "norm",
        [helper.make_tensor_value_info("px", TensorProto.FLOAT, [1, *SIZE, 3])],
        [helper.make_tensor_value_info("out", TensorProto.UINT8, None)],
        initializer=b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    ramp = np.linspace(-3.5, 258.5, SIZE[0] * SIZE[1] * 3, dtype=np.float32)
    pixels = np.concatenate([ramp, np.float32([0.5, 1.5, 2.5, 254.5, -0.5, 300.0])])
    pixels = np.resize(pixels, (*SIZE, 3)).astype(np.float32)
    got = sess.run(None, {"px": pixels[None]})[0]
    want = stage.numpy(pixels)
    assert got.dtype == want.dtype == np.uint8 and np.array_equal(got, want)
    laid = pixels.transpose(2, 0, 1) if layout == "NCHW" else pixels
    assert np.array_equal(want[0], np.clip(np.rint(laid), 0, 255).astype(np.uint8))


def test_a_uint8_input_is_fed_codes_and_refuses_a_normalising_config(photos):
    """It used to be refused whatever the config ("not floating point ... give its float
    original"); a normalising config is still refused, saying what to set."""
    with pytest.raises(InputError, match=r"uint8: it takes pixel codes.*set divisor=1, mean=0"):
        plan_input("x", [1, 3, 8, 8], np.dtype(np.uint8), PreprocessConfig())
    with pytest.raises(InputError, match="not floating point"):  # int8: quantised, not codes
        plan_input("x", [1, 3, 8, 8], np.dtype(np.int8), PreprocessConfig(divisor=1.0))
    # one uint8 channel: an NV12-inserted model's Y plane, not an image of codes
    nv12_model = insert_nv12_preprocess(
        _float_model(), PreprocessConfig(), input_names=("nv12_y", "nv12_uv")
    )
    gray_codes = PreprocessConfig(train_format="gray", divisor=1.0)
    with pytest.raises(InputError, match="NV12-inserted .* give its float original"):
        Pipeline.for_model(Model(nv12_model), gray_codes)
    for profile in (None, "openvino-f32", "horizon"):
        cfg = PreprocessConfig(divisor=1.0, profile=profile)
        pipe = Pipeline.from_plan(_plan(3, "NHWC", np.uint8), cfg)
        run = pipe.run(photos["coffee"])
        assert run.device_tensor.dtype == run.reference_tensor.dtype == np.uint8
        np.testing.assert_array_equal(run.reference_tensor[0], run.reference_pixels)
        sess = ort.InferenceSession(
            pipe.preprocess_model().SerializeToString(), providers=["CPUExecutionProvider"]
        )
        y, uv = run.frame.as_model_inputs()
        got = sess.run(None, {"y": np.ascontiguousarray(y), "uv": np.ascontiguousarray(uv)})
        assert np.array_equal(got[0], run.device_tensor)


def _float_model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
