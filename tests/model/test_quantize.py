"""quantize_model (QDQ, calibrated with the config's preprocessing) and quant_matrix."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import onnx
import onnx_builders
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from nv12_widgets.core import (
    InputError,
    cosine_similarity,
    fit_image,
    normalize,
    rgb_to_format,
    rgb_to_nv12,
    to_layout,
)
from nv12_widgets.model import (
    Model,
    PreprocessConfig,
    demo_config,
    demo_image_paths,
    demo_model_path,
)
from nv12_widgets.model.devicepath.graph import insert_nv12_preprocess
from nv12_widgets.model.workflows.compare import compare
from nv12_widgets.model.workflows.quantize import (
    CalibrationCancelled,
    CalibrationFeeds,
    QuantMatrix,
    _kl_range,
    quant_matrix,
    quantization_settings,
    quantize_model,
)

SIZE = (16, 20)
CFG = PreprocessConfig(train_format="bgr", mean=(0.5,), std=(0.25,))
NAMES = ("nv12_y", "nv12_uv")


@pytest.fixture(scope="module")
def images() -> list[np.ndarray]:
    """Smooth colourful images of various sizes (fitted to 16x20 by the config)."""
    rng = np.random.default_rng(0)
    out = []
    for h, w in ((20, 24), (32, 30), (16, 20), (40, 50)):
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
        phase = rng.uniform(0, 6, 3)
        img = 128 + 110 * np.sin(
            np.stack([xx * 5 + phase[0], yy * 4 + phase[1], (xx + yy) * 3 + phase[2]], -1)
        )
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


@pytest.fixture(scope="module")
def conv() -> onnx.ModelProto:
    return onnx_builders.conv_nchw(size=SIZE)


def _inits(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def _float_tensors(model, images, cfg) -> list[np.ndarray]:
    return [f["x"] for f in CalibrationFeeds(model, images, cfg, progress=False)]


def test_calibration_feeds_are_the_reference_preprocessing(conv, images):
    feeds = list(CalibrationFeeds(conv, images, CFG, progress=False))
    assert len(feeds) == len(images)
    for img, f in zip(images, feeds, strict=True):
        px = rgb_to_format(fit_image(img, SIZE), "bgr")
        expected = to_layout(normalize(px, layout="NHWC", **CFG.normalize_params()), "NCHW")
        assert set(f) == {"x"} and f["x"].dtype == np.float32
        assert np.array_equal(f["x"], expected)
    # the same tensor compare() feeds as its reference
    comp = compare(Model(conv), images[0], CFG)
    assert np.array_equal(rgb_to_format(comp.fitted_image, "bgr"), comp.reference_input)


def test_minmax_scales_are_the_calibrated_ranges(conv, images):
    """Asymmetric int8 minmax: scale = (max - min) / 255 over every calibration tensor."""
    q = quantize_model(conv, images, CFG, progress=False)
    ops = [n.op_type for n in q.graph.node]
    assert ops.count("QuantizeLinear") >= 2 and "DequantizeLinear" in ops
    xs = _float_tensors(conv, images, CFG)
    probe = onnx.ModelProto()
    probe.CopyFrom(conv)
    probe.graph.output.append(onnx.helper.make_tensor_value_info("c", onnx.TensorProto.FLOAT, None))
    sess = ort.InferenceSession(probe.SerializeToString())
    cs = np.concatenate([sess.run(["c"], {"x": x})[0].ravel() for x in xs])
    inits = _inits(q)
    for name, values in (("x", np.concatenate([x.ravel() for x in xs])), ("c", cs)):
        lo, hi = min(values.min(), 0.0), max(values.max(), 0.0)
        assert float(inits[f"{name}_scale"]) == pytest.approx((hi - lo) / 255, rel=1e-6)
        assert int(inits[f"{name}_zero_point"]) == round(-128 - lo / ((hi - lo) / 255))
    settings = quantization_settings(q)
    assert settings["method"] == "minmax" and settings["calibration_images"] == len(images)
    assert settings["config"] == CFG.to_dict()
    # the quantised model tracks the float one closely on the calibration data
    fm, qm = Model(conv), Model(q)
    for x in xs:
        assert cosine_similarity(fm.run({"x": x})["y"], qm.run({"x": x})["y"]) > 0.995


def test_methods_give_different_ranges(conv):
    """Random-pixel images: the conv output is bell-shaped with thin tails."""
    rng = np.random.default_rng(0)
    noisy = [rng.integers(0, 256, (20, 24, 3), dtype=np.uint8) for _ in range(3)]
    scales = {}
    for method in ("minmax", "entropy", "percentile"):
        q = quantize_model(conv, noisy, CFG, method=method, percentile=99.0, progress=False)
        scales[method] = float(_inits(q)["c_scale"])
        assert quantization_settings(q)["method"] == method
    # entropy and a 99 % percentile both clip the tails that minmax has to cover
    assert scales["entropy"] < scales["minmax"]
    assert scales["percentile"] < 0.8 * scales["minmax"]


def test_kl_range_clips_a_long_tail_and_keeps_a_compact_distribution():
    rng = np.random.default_rng(3)
    compact = rng.uniform(-1, 1, 100_000)
    tail = np.concatenate([rng.normal(0, 1, 100_000), [40.0, -35.0]])
    for data, clipped in ((compact, False), (tail, True)):
        t = np.abs(data).max()
        counts, edges = np.histogram(data, 512, range=(-t, t))
        lo, hi = _kl_range((counts, edges.astype(np.float32), data.min(), data.max(), t), 128)
        if clipped:
            assert 3 < hi < 20 and -20 < lo < -3  # the outliers are cut off
        else:
            assert hi > 0.95 * data.max() and lo < 0.95 * data.min()


def _conv_relu(opset: int) -> onnx.ModelProto:
    rng = np.random.default_rng(4)
    w = numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(np.float32), "w")
    graph = onnx.helper.make_graph(
        [
            onnx.helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
            onnx.helper.make_node("Relu", ["c"], ["out"]),
        ],
        "conv_relu",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, *SIZE])],
        [onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [1, 4, *SIZE])],
        [w],
    )
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def test_per_channel_converts_old_opsets(images):
    model = _conv_relu(11)
    q = quantize_model(model, images, CFG, per_channel=True, progress=False)
    assert q.opset_import[0].version >= 13
    assert _inits(q)["w_scale"].shape == (4,)  # one scale per output channel
    assert quantization_settings(q)["opset"]["original"] == 11
    q8 = quantize_model(model, images, CFG, progress=False)
    assert _inits(q8)["w_scale"].shape == ()
    x = _float_tensors(model, images[:1], CFG)[0]
    assert (
        cosine_similarity(Model(model).run({"x": x})["out"], Model(q).run({"x": x})["out"]) > 0.99
    )


def test_int16_activations(conv, images):
    q = quantize_model(conv, images, CFG, activation_type="int16", progress=False)
    assert _inits(q)["c_zero_point"].dtype == np.int16
    x = _float_tensors(conv, images[:1], CFG)[0]
    cos = cosine_similarity(Model(conv).run({"x": x})["y"], Model(q).run({"x": x})["y"])
    assert cos > 0.9999


def test_nv12_inserted_model_quantizes_with_nv12_calibration(conv, images):
    nv12_model = insert_nv12_preprocess(conv, CFG, input_names=NAMES)
    feeds = list(CalibrationFeeds(nv12_model, images, CFG, progress=False))
    frame = rgb_to_nv12(fit_image(images[0], SIZE))
    y, uv = frame.as_model_inputs()
    assert set(feeds[0]) == set(NAMES)
    assert np.array_equal(feeds[0]["nv12_y"], y) and np.array_equal(feeds[0]["nv12_uv"], uv)

    q = quantize_model(nv12_model, images, CFG, progress=False)
    assert [i.name for i in q.graph.input] == list(NAMES)
    # the preprocessing stays float: the first quantised tensor is the normalised image
    q_inputs = [n.input[0] for n in q.graph.node if n.op_type == "QuantizeLinear"]
    assert "x" in q_inputs
    assert not any(t.startswith("nv12_preprocess/") for t in q_inputs)
    qm = quant_matrix(conv, q, images[0], CFG)
    assert qm.cells["quantized"]["featuremap"] is None  # an NV12 model has no featuremap cell
    assert qm.cosine("quantized", "nv12") == pytest.approx(qm.cosine("float", "nv12"), abs=5e-3)
    assert qm.symptoms["symptom 2: quantized nv12 vs float nv12"]["y"] > 0.995
    assert "n/a" in str(qm)


def test_quant_matrix_cells_match_compare_and_direct_runs(conv, images):
    q = quantize_model(conv, images, CFG, progress=False)
    qm = quant_matrix(conv, q, images[1], CFG)
    assert isinstance(qm, QuantMatrix) and qm.outputs == ["y"]
    assert qm.cosine("float", "featuremap") == 1.0
    comp = compare(Model(conv), images[1], CFG)
    assert qm.cosine("float", "nv12") == pytest.approx(comp.metrics["y"].cosine_nv12, abs=1e-12)
    ref = comp.outputs_reference["y"]
    x = to_layout(normalize(comp.reference_input, layout="NHWC", **CFG.normalize_params()), "NCHW")
    assert qm.cosine("quantized", "featuremap") == pytest.approx(
        cosine_similarity(ref, Model(q).run({"x": x})["y"]), abs=1e-12
    )
    d = json.loads(json.dumps(qm.to_dict()))
    assert d["reference"] == "float/featuremap"
    assert set(d["cells"]) == {"float", "quantized"}
    assert set(d["cells"]["quantized"]) == {"featuremap", "nv12"}
    assert "symptom 1: quantized nv12 vs quantized featuremap" in qm.symptoms
    md = qm.to_markdown()
    assert "| float | 1.000000 (reference)" in md and "| quantized |" in md
    with pytest.raises(InputError):
        qm.cosine("int4", "nv12")


def test_cancel_and_progress(conv, images, tmp_path):
    stop = threading.Event()
    stop.set()
    out = tmp_path / "q.onnx"
    with pytest.raises(CalibrationCancelled, match="after 0 image"):
        quantize_model(conv, images, CFG, cancel=stop, save_path=out, progress=False)
    assert not out.exists()

    class StopsAfterTwo(threading.Event):
        """An event that becomes set once two images have been calibrated."""

        def __init__(self) -> None:
            super().__init__()
            self.checks = 0

        def is_set(self) -> bool:
            self.checks += 1
            return self.checks > 2

    with pytest.raises(CalibrationCancelled, match="after 2 image"):
        quantize_model(conv, images, CFG, cancel=StopsAfterTwo(), save_path=out, progress=True)
    assert not out.exists()
    q = quantize_model(conv, images, CFG, save_path=out, progress=True)
    assert out.is_file() and onnx.load(str(out)).graph.node[0].op_type == q.graph.node[0].op_type


def test_calibration_images_from_a_folder(conv, images, tmp_path):
    import cv2

    for i, img in enumerate(images[:2]):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), img[..., ::-1])
    (tmp_path / "notes.txt").write_text("not an image")
    q = quantize_model(conv, tmp_path, CFG, progress=False)
    assert quantization_settings(q)["calibration_images"] == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "kl"}, "method="),
        ({"activation_type": "int4"}, "activation_type="),
        ({"weight_type": "int16"}, "weight_type="),
        ({"percentile": 150}, "percentile"),
    ],
)
def test_bad_options(conv, images, kwargs, match):
    with pytest.raises(InputError, match=match):
        quantize_model(conv, images, CFG, progress=False, **kwargs)


def test_bad_inputs(conv, images, tmp_path):
    with pytest.raises(InputError, match="empty"):
        quantize_model(conv, [], CFG, progress=False)
    with pytest.raises(InputError, match="N >= 1"):
        quantize_model(conv, np.zeros((0, 8, 8, 3), np.uint8), CFG, progress=False)
    q = quantize_model(conv, np.stack(images[:1] * 2), CFG, progress=False)  # (N, H, W, 3)
    assert quantization_settings(q)["calibration_images"] == 2
    with pytest.raises(InputError, match="No images"):
        quantize_model(conv, tmp_path, CFG, progress=False)
    with pytest.raises(InputError, match="no image-like input"):
        quantize_model(onnx_builders.no_image_input(), images, CFG, progress=False)
    with pytest.raises(InputError, match="extra_feeds"):
        quantize_model(onnx_builders.two_input(size=SIZE), images, CFG, progress=False)
    with pytest.raises(InputError, match="uint8"):
        quantize_model(conv, [images[0].astype(np.float32)], CFG, progress=False)
    with pytest.raises(InputError, match="NV12-inserted"):
        quant_matrix(insert_nv12_preprocess(conv, CFG, input_names=NAMES), conv, images[0], CFG)


def test_side_inputs_via_extra_feeds(images):
    model = onnx_builders.two_input(size=SIZE)
    gain = {"gain": np.array([0.5], np.float32)}
    q = quantize_model(model, images, CFG, extra_feeds=gain, progress=False)
    qm = quant_matrix(model, q, images[0], CFG, extra_feeds=gain)
    assert qm.cosine("quantized", "featuremap") > 0.99


@pytest.mark.slow
def test_demo_detector_quantizes(detector):
    """The real detector, 3 bundled photos: per-channel minmax with int16 activations.

    Measured here: plain int8 (per-tensor or per-channel minmax, entropy) collapses the
    detector's output to 0 - its depthwise / re-parameterised backbone is not int8
    friendly; int16 activations + per-channel weights keep the output (cosine ~0.997 on
    coffee.png). astronaut.png and chelsea.png have no text at 320x320: the float
    output is ~1e-5 everywhere, so a cosine on them measures noise.
    """
    cfg = demo_config()
    paths = demo_image_paths()
    q = quantize_model(
        detector,
        paths,
        cfg,
        method="minmax",
        per_channel=True,
        activation_type="int16",
        progress=False,
    )
    qm = quant_matrix(detector, q, paths[1], cfg)  # coffee: has text
    cells = {
        f"{r}/{c}": round(qm.cosine(r, c), 5)
        for r in ("float", "quantized")
        for c in ("featuremap", "nv12")
    }
    print(f"detector minmax per-channel int16 on coffee.png: {cells}")
    assert qm.cosine("quantized", "featuremap") > 0.99
    assert qm.cosine("quantized", "nv12") > 0.98
    assert not math.isnan(qm.cosine("float", "nv12"))
    assert quantization_settings(q)["opset"] == {
        "original": 12,
        "quantized": quantization_settings(q)["opset"]["quantized"],
    }
    assert demo_model_path().name == "ch_PP-OCRv4_det_infer.onnx"
