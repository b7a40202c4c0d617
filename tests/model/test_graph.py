"""insert_nv12_preprocess: the NV12 conversion inside the graph equals the numpy path."""

from __future__ import annotations

import numpy as np
import onnx
import onnx_builders
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from nv12_widgets.core import (
    InputError,
    cosine_similarity,
    fit_image,
    normalize,
    nv12_to_format,
    rgb_to_nv12,
    to_layout,
)
from nv12_widgets.model import PreprocessConfig, demo_config, demo_model_path
from nv12_widgets.model.devicepath.graph import (
    insert_nv12_preprocess,
    is_nv12_model,
    load_proto,
    nv12_input_names,
    preprocess_metadata,
    preprocess_node_names,
    topological_nodes,
)
from nv12_widgets.model.devicepath.pipeline import Pipeline

NAMES = ("nv12_y", "nv12_uv")  # the tiny builders call their output "y"


def _run(proto: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _numpy_path(model: onnx.ModelProto, rgb: np.ndarray, cfg: PreprocessConfig, layout: str):
    """The numpy NV12 path (the Pipeline's numpy executor) followed by the float model."""
    frame = rgb_to_nv12(
        rgb, swing=cfg.swing, matrix=cfg.matrix, chroma=cfg.chroma, profile=cfg.profile
    )
    kw = cfg.decode_kwargs()  # the device decode, written out with core calls
    pixels = nv12_to_format(frame, cfg.train_format, **kw)
    x = to_layout(normalize(pixels, layout="NHWC", **cfg.normalize_params()), layout)
    pipe = Pipeline.for_proto(model, cfg.replace(size=rgb.shape[:2], layout=layout))
    assert np.array_equal(pipe.device_tensor(frame), x)  # the executor is these core calls
    name = [i.name for i in model.graph.input][0]
    return frame, pixels, _run(model, {name: x})


def _graph_path(inserted: onnx.ModelProto, frame, names=NAMES):
    y, uv = frame.as_model_inputs()
    return _run(inserted, {names[0]: np.ascontiguousarray(y), names[1]: np.ascontiguousarray(uv)})


@pytest.fixture
def noise_image() -> np.ndarray:
    """Random pixels: every colour, many rounding cases."""
    return np.random.default_rng(7).integers(0, 256, (24, 32, 3), dtype=np.uint8)


CASES = [
    ("rgb", None, "nearest"),
    ("bgr", None, "nearest"),
    ("yuv444", None, "nearest"),
    ("gray", None, "nearest"),
    ("rgb", "horizon", "nearest"),
    ("bgr", "horizon", "nearest"),
    ("yuv444", "horizon", "nearest"),
    ("rgb", "opencv", "nearest"),
    ("bgr", "opencv", "nearest"),
    ("rgb", None, "nearest-studio-bt709"),
    ("rgb", None, "nearest-decoded-as-studio"),
]


@pytest.mark.parametrize(("fmt", "profile", "variant"), CASES)
def test_identity_model_output_equals_the_numpy_nv12_path_exactly(
    fmt, profile, variant, rgb_image, noise_image
):
    """Identity model: the graph's output *is* the normalised NV12-path tensor; bit-exact."""
    channels = 1 if fmt == "gray" else 3
    model = onnx_builders.identity_nchw(size=None, channels=channels)  # dynamic H, W
    kwargs = {}
    if variant == "nearest-studio-bt709":
        kwargs = {"swing": "studio", "matrix": "bt709"}
    elif variant == "nearest-decoded-as-studio":
        kwargs = {"decode_swing": "studio"}
    cfg = PreprocessConfig(
        train_format=fmt,
        profile=profile,
        upsample="nearest",
        mean=(0.4,) * channels,
        std=(0.2,) * channels,
        size=(24, 32),
        **kwargs,
    )
    inserted = insert_nv12_preprocess(model, cfg, input_names=NAMES)
    for img in (rgb_image, noise_image):
        frame, _, (expected,) = _numpy_path(model, img, cfg, "NCHW")
        (got,) = _graph_path(inserted, frame)
        assert got.shape == (1, channels, 24, 32)
        assert np.array_equal(got, expected), f"max diff {np.abs(got - expected).max()}"


def test_inputs_are_y_and_uv_uint8_with_fixed_shapes_and_the_rest_is_kept():
    model = onnx_builders.conv_nchw(size=None, batch=None)  # N, H, W dynamic
    cfg = PreprocessConfig(size=(16, 20))
    inserted = insert_nv12_preprocess(model, cfg, input_names=NAMES)
    inputs = {i.name: i for i in inserted.graph.input}
    assert list(inputs) == list(NAMES)
    shapes = {
        n: (i.type.tensor_type.elem_type, [d.dim_value for d in i.type.tensor_type.shape.dim])
        for n, i in inputs.items()
    }
    assert shapes == {
        "nv12_y": (TensorProto.UINT8, [1, 16, 20, 1]),
        "nv12_uv": (TensorProto.UINT8, [1, 8, 10, 2]),
    }
    # original initializers kept byte for byte, original nodes kept in order after ours
    orig = {i.name: i.SerializeToString() for i in model.graph.initializer}
    new = {i.name: i.SerializeToString() for i in inserted.graph.initializer}
    assert all(new[k] == v for k, v in orig.items())
    ops = [n.op_type for n in inserted.graph.node]
    assert ops[-2:] == ["Conv", "Tanh"]
    assert all(n.name.startswith("nv12_preprocess/") for n in inserted.graph.node[:-2])
    assert {"Resize", "Floor", "Clip", "MatMul", "Transpose"} <= set(ops)
    assert [o.name for o in inserted.graph.output] == ["y"]
    assert preprocess_metadata(inserted)["replaced_input"] == "x"
    assert nv12_input_names(inserted) == NAMES and is_nv12_model(inserted)
    assert not is_nv12_model(model)
    assert len(preprocess_node_names(inserted)) == len(ops) - 2
    assert inserted.opset_import[0].version == 13  # kept


def test_conv_nhwc_and_gray_models_match_the_numpy_path(rgb_image):
    cases = [
        (onnx_builders.conv_nchw(size=(24, 32)), PreprocessConfig(train_format="bgr"), "NCHW"),
        (onnx_builders.nhwc_model(size=(24, 32)), PreprocessConfig(train_format="rgb"), "NHWC"),
        (onnx_builders.gray_nchw(size=(24, 32)), PreprocessConfig(train_format="gray"), "NCHW"),
    ]
    for model, cfg, layout in cases:
        inserted = insert_nv12_preprocess(model, cfg, input_names=NAMES)
        frame, _, expected = _numpy_path(model, rgb_image, cfg, layout)
        got = _graph_path(inserted, frame)
        assert np.array_equal(got[0], expected[0])


def test_bilinear_upsampling_is_opencv_linear_exact(noise_image):
    """Bilinear chroma: bit-exact to cv2.INTER_LINEAR_EXACT, as core.upsample_uv is."""
    import cv2

    model = onnx_builders.identity_nchw(size=(24, 32))
    # divisor 1, mean 0, std 1: the identity output is the pixel codes themselves
    cfg = PreprocessConfig(train_format="yuv444", upsample="bilinear", divisor=1.0)
    inserted = insert_nv12_preprocess(model, cfg, input_names=NAMES)
    frame, pixels, _ = _numpy_path(model, noise_image, cfg, "NCHW")
    (got,) = _graph_path(inserted, frame)
    got = got[0].transpose(1, 2, 0)
    exact_uv = cv2.resize(frame.uv, (32, 24), interpolation=cv2.INTER_LINEAR_EXACT)
    assert np.array_equal(got[..., 0], frame.y)
    assert np.array_equal(got[..., 1:], exact_uv)
    # core's nv12_to_format uses cv2.INTER_LINEAR_EXACT too: identical
    np.testing.assert_array_equal(got, pixels.astype(np.float32))
    cfg_rgb = cfg.replace(train_format="rgb")
    inserted = insert_nv12_preprocess(model, cfg_rgb, input_names=NAMES)
    _, pixels, _ = _numpy_path(model, noise_image, cfg_rgb, "NCHW")
    (got,) = _graph_path(inserted, frame)
    np.testing.assert_array_equal(got[0].transpose(1, 2, 0), pixels.astype(np.float32))


def test_low_opset_model_is_raised_to_11():
    rng = np.random.default_rng(5)
    w = onnx.numpy_helper.from_array(rng.normal(size=(2, 3, 1, 1)).astype(np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Relu", ["c"], ["out"])],
        "opset10",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8])],
        [w],
    )
    old = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)])
    old.ir_version = 5
    onnx.checker.check_model(old)
    cfg = PreprocessConfig()
    inserted = insert_nv12_preprocess(old, cfg)
    assert inserted.opset_import[0].version == 11
    img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    frame, _, expected = _numpy_path(old, img, cfg, "NCHW")
    assert np.array_equal(_graph_path(inserted, frame, ("y", "uv"))[0], expected[0])


def test_side_inputs_stay_and_model_like_forms_are_accepted(tmp_path):
    model = onnx_builders.two_input(size=(8, 8))
    path = tmp_path / "two.onnx"
    onnx.save(model, str(path))
    for form in (model, str(path), path, model.SerializeToString()):
        inserted = insert_nv12_preprocess(form, PreprocessConfig(), input_names=NAMES)
        assert [i.name for i in inserted.graph.input] == [*NAMES, "gain"]


def test_default_input_names_y_uv(rgb_image):
    model = onnx_builders.conv_nchw(size=(24, 32))
    model.graph.output[0].name = "out"
    model.graph.node[-1].output[0] = "out"
    inserted = insert_nv12_preprocess(model, PreprocessConfig())
    assert [i.name for i in inserted.graph.input] == ["y", "uv"]
    y, uv = rgb_to_nv12(rgb_image).as_model_inputs()
    assert _run(inserted, {"y": np.ascontiguousarray(y), "uv": np.ascontiguousarray(uv)})[
        0
    ].shape == (
        1,
        4,
        24,
        32,
    )


@pytest.mark.parametrize(
    ("build", "cfg", "match"),
    [
        (lambda: onnx_builders.conv_nchw(), PreprocessConfig(profile="vendor-pil"), "PIL"),
        (lambda: onnx_builders.conv_nchw(), PreprocessConfig(train_format="gray"), "channel"),
        (lambda: onnx_builders.conv_nchw(size=None), PreprocessConfig(), "config.size"),
        (lambda: onnx_builders.conv_nchw(size=(7, 8)), PreprocessConfig(), "odd"),
        (lambda: onnx_builders.conv_nchw(), PreprocessConfig(size=(16, 16)), "fixed at"),
        (lambda: onnx_builders.no_image_input(), PreprocessConfig(), "no image-like input"),
        (
            lambda: onnx_builders.conv_nchw(),
            PreprocessConfig(train_format="yuv444", profile="opencv"),
            "YUV444",
        ),
    ],
)
def test_errors_say_what_to_do(build, cfg, match):
    with pytest.raises(InputError, match=match):
        insert_nv12_preprocess(build(), cfg, input_names=NAMES)


def test_name_clash_is_reported_with_the_fix():
    with pytest.raises(InputError, match="input_names="):
        insert_nv12_preprocess(onnx_builders.conv_nchw(), PreprocessConfig())  # output is "y"
    inserted = insert_nv12_preprocess(
        onnx_builders.conv_nchw(), PreprocessConfig(), input_names=NAMES
    )
    with pytest.raises(InputError, match="NV12-inserted already"):
        insert_nv12_preprocess(inserted, PreprocessConfig(), input_names=NAMES)


def test_load_proto_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_proto(tmp_path / "missing.onnx")
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_proto(tmp_path / "empty.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage-not-protobuf\xff\xff")
    with pytest.raises(InputError, match="not a readable ONNX model"):
        load_proto(tmp_path / "bad.onnx")
    with pytest.raises(InputError, match="Model, a path"):
        load_proto(42)  # type: ignore[arg-type]


def test_topological_nodes_sorts_a_shuffled_graph_and_rejects_cycles():
    nodes = [
        helper.make_node("Relu", ["b"], ["c"], name="n2"),
        helper.make_node("Neg", ["x"], ["a"], name="n0"),
        helper.make_node("Abs", ["a"], ["b"], name="n1"),
    ]
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [2])],
    )
    assert [n.name for n in topological_nodes(g)] == ["n0", "n1", "n2"]
    g.node[1].input[0] = "c"  # n0 now reads n2's output: a cycle
    with pytest.raises(InputError, match="cycle"):
        topological_nodes(g)


@pytest.mark.slow
def test_demo_detector_equivalence(detector):
    """The real PP-OCRv4 detector at 320x320: NV12-inserted model vs numpy path + float model."""
    cfg = demo_config()
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_image_paths

    inserted = insert_nv12_preprocess(detector, cfg)
    assert preprocess_metadata(inserted)["size"] == [320, 320]
    float_model = load_proto(demo_model_path())
    for path in demo_image_paths()[:2]:
        rgb = fit_image(load_image(path), cfg.size, policy=cfg.resize_policy)
        frame, _, (expected,) = _numpy_path(float_model, rgb, cfg, "NCHW")
        (got,) = _graph_path(inserted, frame, names=("y", "uv"))
        cos = cosine_similarity(expected, got)
        print(
            f"{path.name}: detector NV12-inserted vs numpy path cosine {cos:.9f}, max abs "
            f"{np.abs(got - expected).max():.3g}"
        )
        assert cos >= 0.99999
        assert np.abs(got - expected).max() < 1e-3


def test_the_bundled_classifier_with_dynamic_minus_one_dims_takes_nv12():
    """Paddle2ONNX writes dim_value: -1 for dynamic dims: the bundled text-direction
    classifier (x [-1, 3, -1, -1]) must take the NV12 insertion, and the inserted graph
    must equal the numpy NV12 path."""
    from nv12_widgets.model import demo_model
    from nv12_widgets.model.devicepath.pipeline import Pipeline

    model = demo_model("classifier")
    cfg = demo_config("classifier")
    dims = [d.dim_value for d in model.proto.graph.input[0].type.tensor_type.shape.dim]
    assert any(d <= 0 for d in dims), dims  # the case of the bug report
    inserted = insert_nv12_preprocess(model, cfg)
    rgb = np.random.default_rng(3).integers(0, 256, (48, 192, 3), dtype=np.uint8)
    run = Pipeline.for_model(model, cfg).run(rgb)
    (got,) = _graph_path(inserted, run.frame, names=("y", "uv"))
    (want,) = model.session.run(None, {model.image_input: run.device_tensor})
    # the model's own kernels differ between a static and a dynamic input shape by float32
    # rounding; the preprocessing itself is bit-exact:
    assert np.allclose(got, want, rtol=0, atol=1e-6)
    pre = Pipeline.for_model(model, cfg).preprocess_model()
    (tensor,) = _graph_path(pre, run.frame, names=("y", "uv"))
    assert np.array_equal(tensor, run.device_tensor)


def test_insert_into_a_uint8_model_equals_the_compared_nv12_path():
    """A model taking uint8 RGB codes used to be "no image-like input (a 4-D float
    tensor ...)"; the inserted graph (Round, Clip, Cast) feeds it what compare's NV12
    path feeds it, bit for bit."""
    from onnx import numpy_helper

    from nv12_widgets.model import compare

    w = np.random.default_rng(8).normal(0, 0.5, (2, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Cast", ["image"], ["f"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["f"], ["t"], perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "w"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "u8",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [1, 16, 24, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 16, 24])],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    config = PreprocessConfig(divisor=1.0, profile="openvino-f32")  # float decode: rounded
    inserted = insert_nv12_preprocess(model, config, input_names=("ny", "nuv"))
    rgb = np.random.default_rng(9).integers(0, 256, (32, 40, 3), dtype=np.uint8)
    c = compare(model, rgb, config)
    y, uv = c.nv12_frame.as_model_inputs()
    sess = ort.InferenceSession(inserted.SerializeToString(), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {"ny": np.ascontiguousarray(y), "nuv": np.ascontiguousarray(uv)})
    assert np.array_equal(out, c.outputs_nv12["y"])
