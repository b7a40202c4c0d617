"""compare / Comparator / verdict on tiny graphs with hand-checkable answers, and the detector."""

from __future__ import annotations

import json
import math

import numpy as np
import onnx_builders
import pytest

from nv12_widgets.core import InputError, cosine_similarity, normalize, to_layout
from nv12_widgets.model import (
    Comparator,
    Comparison,
    Model,
    OutputMetrics,
    PreprocessConfig,
    compare,
    demo_config,
    verdict,
)
from nv12_widgets.model.workflows.compare import CONVERSION_RATIO, FRAGILE_RATIO, NO_LOSS

SIZE8 = {"size": None}  # the tiny models are 8x8 static


def _tensor(pixels: np.ndarray, config: PreprocessConfig, layout: str = "NCHW") -> np.ndarray:
    return to_layout(normalize(pixels, layout="NHWC", **config.normalize_params()), layout)


# ---------------------------------------------------------------- hand-checkable answers
def test_identity_model_cosine_is_the_input_cosine(identity_model, rgb_image, tiny_config):
    cmp = compare(identity_model, rgb_image, tiny_config)
    assert isinstance(cmp, Comparison) and cmp.size == (8, 8) and cmp.layout == "NCHW"
    ref_t = _tensor(cmp.reference_input, tiny_config)
    nv_t = _tensor(cmp.nv12_input, tiny_config)
    noisy_t = _tensor(cmp.noisy_input, tiny_config)
    np.testing.assert_array_equal(cmp.outputs_reference["y"], ref_t)
    m = cmp.metrics["y"]
    assert m.cosine_nv12 == pytest.approx(cosine_similarity(ref_t, nv_t), abs=1e-12)
    assert m.cosine_noise == pytest.approx(cosine_similarity(ref_t, noisy_t), abs=1e-12)
    assert m.cosine_nv12 < 1.0  # 4:2:0 changes a colourful image
    # The intermediate arrays: pixel domain, HWC, at model size.
    assert cmp.reference_input.shape == cmp.nv12_input.shape == (8, 8, 3)
    assert cmp.reference_input.dtype == np.uint8 and cmp.noisy_input.dtype == np.float32
    assert cmp.nv12_frame.y.shape == (8, 8) and cmp.nv12_frame.uv.shape == (4, 4, 2)
    # Uniform U(0, 2) noise: every pixel moves up by 0..2 grey levels.
    diff = cmp.noisy_input - cmp.reference_input
    assert 0.0 <= diff.min() and diff.max() <= 2.0 and 0.7 < diff.mean() < 1.3


def test_noise_zero_is_exactly_one_without_inference(conv_model, rgb_image, tiny_config):
    comparator = Comparator(conv_model)
    cmp = comparator.compare(rgb_image, tiny_config.replace(noise_amplitude=0))
    m = cmp.metrics["y"]
    assert m.cosine_noise == 1.0 and m.sqnr_noise_db == math.inf and m.max_abs_noise == 0.0
    assert cmp.outputs_noise is cmp.outputs_reference
    # reference + NV12 (the matched path is the NV12 path itself here): 2 runs, no noise run
    assert cmp.inferences == 2 and comparator.inferences == 2
    assert cmp.to_dict()["y"]["cosine_noise"] == 1.0


def test_changing_only_the_noise_costs_one_inference(conv_model, rgb_image, tiny_config):
    comparator = Comparator(conv_model)
    first = comparator.compare(rgb_image, tiny_config)
    assert first.inferences == 3  # reference, NV12, noise
    for amp in (0.5, 1.0, 1.7):
        before = comparator.inferences
        c = comparator.compare(rgb_image, tiny_config.replace(noise_amplitude=amp))
        assert comparator.inferences - before == 1 == c.inferences
        assert c.metrics["y"].cosine_nv12 == first.metrics["y"].cosine_nv12
    c = comparator.compare(rgb_image, tiny_config.replace(noise_seed=7))
    assert c.inferences == 1
    # Same noise again: cached; a copy of the image is the same image (content hash).
    assert comparator.compare(rgb_image.copy(), tiny_config.replace(noise_seed=7)).inferences == 0
    assert comparator.hits["reference"] >= 4 and comparator.hits["noise"] == 1
    # An NV12 setting: the reference stays cached, only the NV12 side runs.
    c = comparator.compare(rgb_image, tiny_config.replace(noise_seed=7, chroma="decimate"))
    assert c.inferences == 1
    # A profile: NV12 path + the matched float decode of its frame (PIL's bicubic
    # upsampling differs from the float bilinear one).
    c = comparator.compare(rgb_image, tiny_config.replace(noise_seed=7, profile="vendor-pil"))
    assert c.inferences == 2 and c.metrics["y"].cosine_conversion < 1.0
    # Different image content: everything again.
    other = rgb_image.copy()
    other[0, 0] ^= 255
    assert comparator.compare(other, tiny_config.replace(noise_seed=7)).inferences == 3


def test_noise_seed_none_is_fresh_noise(conv_model, rgb_image, tiny_config):
    comparator = Comparator(conv_model)
    cfg = tiny_config.replace(noise_seed=None)
    a = comparator.compare(rgb_image, cfg)
    b = comparator.compare(rgb_image, cfg)
    assert b.inferences == 1
    assert not np.array_equal(a.noisy_input, b.noisy_input)
    seeded = tiny_config.replace(noise_seed=3)
    np.testing.assert_array_equal(
        comparator.compare(rgb_image, seeded).noisy_input,
        Comparator(conv_model).compare(rgb_image, seeded).noisy_input,
    )


def test_compare_function_reuses_a_comparator_per_model(rgb_image, tiny_config):
    model = Model(onnx_builders.conv_nchw(seed=11))
    assert compare(model, rgb_image, tiny_config).inferences == 3
    assert compare(model, rgb_image, tiny_config).inferences == 0


def test_channel_order_matters_on_a_colour_sensitive_model(conv_model, rgb_image, tiny_config):
    rgb = compare(conv_model, rgb_image, tiny_config.replace(train_format="rgb"))
    bgr = compare(conv_model, rgb_image, tiny_config.replace(train_format="bgr"))
    np.testing.assert_array_equal(bgr.reference_input, rgb.reference_input[..., ::-1])
    assert rgb.metrics["y"].cosine_nv12 != bgr.metrics["y"].cosine_nv12
    # The device feeding RGB to a BGR-trained model is far worse than a matched path.
    swapped = compare(
        conv_model, rgb_image, tiny_config.replace(train_format="bgr"),
        device=tiny_config.replace(train_format="rgb"),
    )  # fmt: skip
    assert swapped.metrics["y"].cosine_nv12 < bgr.metrics["y"].cosine_nv12 - 0.05
    assert swapped.verdict().code == "preprocessing"


def test_nv12_happens_at_model_size(identity_model, tiny_config):
    # A 2-pixel-wide stripe pattern at 64x64 is averaged away by the resize to 8x8
    # before the NV12 conversion; converting at full size first would differ.
    img = np.zeros((64, 64, 3), np.uint8)
    img[:, ::2] = (255, 0, 0)
    img[:, 1::2] = (0, 0, 255)
    cmp = compare(identity_model, img, tiny_config)
    assert cmp.fitted_image.shape == (8, 8, 3)
    assert cmp.nv12_frame.shape == (8, 8)
    assert np.ptp(cmp.fitted_image.reshape(-1, 3), axis=0).max() <= 2  # uniform magenta


def test_caller_image_is_not_frozen_or_aliased(identity_model):
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    cmp = compare(identity_model, img, PreprocessConfig())
    assert img.flags.writeable
    img[:] = 0
    assert cmp.fitted_image.any()


# ---------------------------------------------------------------- model kinds
def test_nhwc_model(nhwc_model, rgb_image, tiny_config):
    cmp = compare(nhwc_model, rgb_image, tiny_config)
    assert cmp.layout == "NHWC" and cmp.outputs_reference["y"].shape == (1, 8, 8, 2)
    m = cmp.metrics["y"]
    # 4:2:0 on an 8x8 crop of a colourful image is brutal; noise is not
    assert 0.5 < m.cosine_nv12 < 1.0 and 0.999 < m.cosine_noise < 1.0


def test_two_input_model_needs_extra_feeds(two_input_model, rgb_image, tiny_config):
    with pytest.raises(InputError, match="gain"):
        compare(two_input_model, rgb_image, tiny_config)
    gain = {"gain": np.array([3.0], np.float32)}
    cmp = compare(two_input_model, rgb_image, tiny_config, extra_feeds=gain)
    assert 0.5 < cmp.metrics["y"].cosine_nv12 < 1.0
    with pytest.raises(InputError, match="must not contain the image input"):
        Comparator(two_input_model, extra_feeds={"x": np.zeros(1)})


def test_classifier_topk(classifier_model, rgb_image, tiny_config):
    cmp = compare(classifier_model, rgb_image, tiny_config.replace(noise_amplitude=0))
    prob, feat = cmp.metrics["prob"], cmp.metrics["feat"]
    assert prob.top1_nv12 in (0.0, 1.0) and prob.top5_nv12 in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    assert prob.top1_noise == 1.0 and prob.top5_noise == 1.0
    ref, nv = cmp.outputs_reference["prob"], cmp.outputs_nv12["prob"]
    assert prob.top1_nv12 == float(np.argmax(ref) == np.argmax(nv))
    assert feat.top1_nv12 is None and feat.top5_nv12 is None
    two = compare(Model(onnx_builders.classifier(num_classes=2)), rgb_image, tiny_config)
    assert two.metrics["prob"].top1_nv12 is not None and two.metrics["prob"].top5_nv12 is None


def test_gray_model_sees_the_y_plane(gray_model, rgb_image):
    cfg = PreprocessConfig(train_format="gray", divisor=255.0)
    comparator = Comparator(gray_model)
    cmp = comparator.compare(rgb_image, cfg)
    # Full swing: the NV12 Y plane is the training grey image, so no loss at all.
    np.testing.assert_array_equal(cmp.nv12_input[..., 0], cmp.nv12_frame.y)
    np.testing.assert_array_equal(cmp.nv12_input, cmp.reference_input)
    assert cmp.metrics["y"].cosine_nv12 == 1.0 and cmp.verdict().code == "no-loss"
    assert cmp.inferences == 2  # reference + noise; the NV12 path reused the reference
    # Studio-swing camera into a full-swing-trained grey model: a real mismatch.
    bad = comparator.compare(rgb_image, cfg.replace(swing="studio", decode_swing="full"))
    assert bad.metrics["y"].cosine_nv12 < 1.0


def test_yuv444_model(conv_model, rgb_image):
    cfg = PreprocessConfig(train_format="yuv444", divisor=1, mean=128, std=128)
    cmp = compare(conv_model, rgb_image, cfg)
    np.testing.assert_array_equal(cmp.nv12_input[..., 0], cmp.reference_input[..., 0])  # Y
    assert 0.8 < cmp.metrics["y"].cosine_nv12 < 1.0


def test_nan_and_integer_outputs_are_reported_not_crashing(rgb_image, tiny_config):
    cmp = compare(Model(onnx_builders.nan_output()), rgb_image, tiny_config)
    y, ok = cmp.metrics["y"], cmp.metrics["ok"]
    assert math.isnan(y.cosine_nv12) and any("NaN" in n for n in y.notes)
    assert verdict(y).code == "unmeasurable"
    assert 0.5 < ok.cosine_nv12 < 1.0
    assert cmp.verdict().output == "ok"  # the measurable output decides

    cmp = compare(Model(onnx_builders.int_output()), rgb_image, tiny_config)
    label = cmp.metrics["label"]
    assert label.dtype == "int64" and any("integer output" in n for n in label.notes)
    ref, nv = cmp.outputs_reference["label"], cmp.outputs_nv12["label"]
    assert label.agreement_nv12 == pytest.approx(float(np.mean(ref == nv)))
    assert cmp.metrics["scores"].agreement_nv12 is None
    json.dumps(cmp.to_record(), allow_nan=False)


# ---------------------------------------------------------------- bad inputs
def test_bad_images(conv_model, tiny_config):
    with pytest.raises(InputError, match=r"\(H, W, 3\) RGB.*np.stack"):
        compare(conv_model, np.zeros((8, 8), np.uint8), tiny_config)
    with pytest.raises(InputError, match="RGBA"):
        compare(conv_model, np.zeros((8, 8, 4), np.uint8), tiny_config)
    with pytest.raises(InputError, match="uint8"):
        compare(conv_model, np.zeros((8, 8, 3), np.float32), tiny_config)
    with pytest.raises(InputError, match="array or a file path"):
        compare(conv_model, [[0, 0, 0]], tiny_config)  # type: ignore[arg-type]


def test_configs_that_cannot_feed_the_model(conv_model, detector, rgb_image):
    with pytest.raises(InputError, match="takes 3 channel.*gives 1"):
        compare(conv_model, rgb_image, PreprocessConfig(train_format="gray"))
    with pytest.raises(InputError, match=r"fixed at \(8, 8\)"):
        compare(conv_model, rgb_image, PreprocessConfig(size=(16, 16)))
    with pytest.raises(InputError, match=r"dynamic size; set config.size"):
        compare(detector, rgb_image, demo_config().replace(size=None))
    with pytest.raises(InputError, match="odd"):
        compare(detector, rgb_image, demo_config().replace(size=(33, 32)))
    with pytest.raises(InputError, match="no image-like input"):
        compare(Model(onnx_builders.no_image_input()), rgb_image, PreprocessConfig())
    with pytest.raises(InputError, match="takes 8 channel.*set config.layout"):
        compare(conv_model, rgb_image, PreprocessConfig(layout="NHWC"))


def test_dynamic_model_follows_config_size(rgb_image, tiny_config):
    model = Model(onnx_builders.conv_nchw(size=None, batch=None))
    cmp = compare(model, rgb_image, tiny_config.replace(size=(12, 16), resize_policy="letterbox"))
    assert cmp.outputs_reference["y"].shape == (1, 4, 12, 16)
    assert cmp.fitted_image.shape == (12, 16, 3)


def test_to_dict_and_record(conv_model, rgb_image, tiny_config):
    cmp = compare(conv_model, rgb_image, tiny_config)
    d = cmp.to_dict()
    assert list(d) == ["y"]
    for key in ("cosine_nv12", "cosine_noise", "sqnr_nv12_db", "max_abs_nv12", "mean_abs_noise"):
        assert isinstance(d["y"][key], float)
    record = cmp.to_record()
    text = json.dumps(record, allow_nan=False)
    assert json.loads(text)["config"] == tiny_config.to_dict()
    assert record["verdict"]["code"] in ("no-loss", "fragile", "format", "preprocessing")
    assert "cos NV12" in cmp.summary() and str(cmp.verdict()) == cmp.verdict_text()


# ---------------------------------------------------------------- the verdict rules
def _metrics(nv12: float, noise: float, fmt: float, conv: float) -> OutputMetrics:
    return OutputMetrics(
        "out", (1, 4), "float32", 1 - nv12, 1 - noise, 1 - fmt, 1 - conv,
        *([0.0] * 6),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("losses", "code"),
    [
        ((NO_LOSS / 2, 1e-3, 1e-3, 1e-3), "no-loss"),
        # NV12 within FRAGILE_RATIO x the noise, conversion consistent: fix the model
        ((2.5e-3, 1e-3, 2.5e-3, 1e-4), "fragile"),
        # more than the noise, but the matched float path loses as much: the format
        ((1e-2, 1e-3, 1e-2, 1e-3), "format"),
        # the conversion dominates both the format and the noise: a mismatch
        ((3e-2, 1e-3, 3e-3, 2.5e-2), "preprocessing"),
        # even when the model is fragile, a dominating conversion is the first suspect
        ((2e-2, 1e-2, 5e-3, 1.5e-2), "preprocessing"),
        ((1e-2, 1e-3, math.nan, 1e-3), "unmeasurable"),
    ],
)
def test_verdict_rules(losses, code):
    v = verdict(_metrics(*losses), noise_amplitude=2)
    assert v.code == code
    assert v.loss_nv12 == pytest.approx(losses[0])
    assert v.title and v.text


def test_verdict_thresholds_are_the_named_constants():
    lz, lf = 1e-3, 1e-4
    assert verdict(_metrics(FRAGILE_RATIO * lz * 0.99, lz, lf, lf)).code == "fragile"
    assert verdict(_metrics(FRAGILE_RATIO * lz * 1.01, lz, lf, lf)).code == "format"
    lc_limit = CONVERSION_RATIO * max(lf, lz)
    assert verdict(_metrics(1e-2, lz, lf, lc_limit * 0.99)).code == "format"
    assert verdict(_metrics(1e-2, lz, lf, lc_limit * 1.01)).code == "preprocessing"


# ---------------------------------------------------------------- the real detector
def test_detector_on_coffee(detector, coffee):
    comparator = Comparator(detector)
    cfg = demo_config()
    matched = comparator.compare(coffee, cfg)
    out = "sigmoid_0.tmp_0"
    assert matched.outputs_reference[out].shape == (1, 1, 320, 320)
    m = matched.metrics[out]
    assert m.signal and m.ref_peak > 0.5 and m.kind == "dense"
    assert 0.9 < m.cosine_nv12 < 1.0
    assert m.cosine_conversion == 1.0  # float keyword path: the matched path is itself
    assert 0.8 < m.task_nv12["iou"] <= 1.0  # the text mask barely moves
    assert matched.verdict().code in ("fragile", "format")

    # The classic bug: full-swing frames decoded as studio swing.
    bad = comparator.compare(coffee, cfg.replace(decode_swing="studio"))
    assert bad.metrics[out].cosine_nv12 < m.cosine_nv12
    assert bad.verdict().code == "preprocessing"
    # R/B swapped on the device: much worse, same verdict.
    swapped = comparator.compare(coffee, cfg, device=cfg.replace(train_format="rgb"))
    assert swapped.metrics[out].cosine_nv12 < 0.9
    assert swapped.verdict().code == "preprocessing"
    # A real fixed-point pipeline is not a preprocessing bug.
    horizon = comparator.compare(coffee, cfg.replace(profile="horizon"))
    assert horizon.verdict().code in ("fragile", "format")
    assert horizon.metrics[out].cosine_conversion > 0.99


def test_detector_on_astronaut_has_no_signal(detector, astronaut):
    """The detector finds no text on astronaut: its cosines measure float32 rounding of a
    map that peaks at ~1e-5, so no verdict may blame the model or the format; a known
    configuration mistake is still named (rule R1)."""
    comparator = Comparator(detector)
    cfg = demo_config()
    ok = comparator.compare(astronaut, cfg)
    m = ok.metrics["sigmoid_0.tmp_0"]
    assert not m.signal and m.ref_peak < 1e-3 and m.status_nv12 == "no-signal"
    assert ok.verdict().code == "no-signal" and "try another image" in ok.verdict().text.lower()
    for bad in (cfg.replace(decode_swing="studio"), cfg.replace(profile="horizon")):
        v = comparator.compare(astronaut, bad).verdict()
        assert v.code not in ("fragile", "format")
    v = comparator.compare(astronaut, cfg.replace(decode_swing="studio")).verdict()
    assert v.code == "preprocessing" and v.rule == "R1" and "decode-swing" in v.lint
    assert "cannot show the cost" in v.text


# ---------------------------------------------------------------------- raw frames
def test_raw_frame_gives_the_same_device_path_as_the_frame_made_from_rgb(
    conv_model, rgb_image, tiny_config
):
    from nv12_widgets.core import fit_image, rgb_to_nv12
    from nv12_widgets.model.judge.measures import FORMAT_NOT_MEASURABLE

    comparator = Comparator(conv_model)
    from_rgb = comparator.compare(rgb_image, tiny_config)
    fitted = fit_image(rgb_image, (8, 8), policy="resize", interpolation="bilinear")
    assert np.array_equal(fitted, from_rgb.fitted_image)
    frame = rgb_to_nv12(fitted)  # the same bytes the camera side produced
    from_frame = comparator.compare(frame, tiny_config)
    assert from_frame.source == "frame" and from_rgb.source == "image"
    assert np.array_equal(from_frame.nv12_frame.tobytes(), from_rgb.nv12_frame.tobytes())
    assert np.array_equal(from_frame.nv12_input, from_rgb.nv12_input)
    for name in conv_model.output_names:
        assert np.array_equal(from_frame.outputs_nv12[name], from_rgb.outputs_nv12[name])
        m = from_frame.metrics[name]
        assert math.isnan(m.cosine_format) and FORMAT_NOT_MEASURABLE in m.notes
        assert math.isfinite(m.cosine_conversion) and math.isfinite(m.cosine_nv12)
    # the reference of a frame is its best PC decode (float, bilinear chroma)
    from nv12_widgets.core import nv12_to_rgb

    assert np.array_equal(from_frame.fitted_image, nv12_to_rgb(frame, upsample="bilinear"))
    # cached: the same frame again costs no inference
    assert comparator.compare(frame, tiny_config).inferences == 0


def test_output_kind_override_is_checked(classifier_model, rgb_image, tiny_config):
    cmp = compare(classifier_model, rgb_image, tiny_config, output_kinds={"prob": "classifier"})
    assert cmp.metrics["prob"].kind == "classifier"
    with pytest.raises(InputError, match="override"):
        compare(classifier_model, rgb_image, tiny_config, output_kinds={"prob": "clasifier"})
    with pytest.raises(InputError, match="cannot be read as"):
        compare(classifier_model, rgb_image, tiny_config, output_kinds={"prob": "dense"})


def test_a_decode_matrix_mismatch_is_compared_checked_and_costed(
    conv_model, rgb_image, tiny_config
):
    from nv12_widgets.core import nv12_to_rgb, rgb_to_nv12

    bad = tiny_config.replace(matrix="bt709", decode_matrix="bt601")
    cmp = Comparator(conv_model).compare(rgb_image, bad)
    # the NV12 path: the core's BT.709 frame decoded by the core as BT.601
    fitted = cmp.fitted_image
    want = nv12_to_rgb(rgb_to_nv12(fitted, matrix="bt709"), matrix="bt601")
    np.testing.assert_array_equal(cmp.nv12_input, want)
    fed = to_layout(normalize(want, **bad.normalize_params()), "NCHW")
    np.testing.assert_allclose(cmp.tensors["nv12"], fed, rtol=0, atol=1e-6)
    assert "decode-matrix" in [f.code for f in cmp.lint]
    assert cmp.mistake_costs and all(c.cosine < 1.0 for c in cmp.mistake_costs.values())


def test_the_comparison_holds_the_tensor_each_path_fed(conv_model, rgb_image, tiny_config):
    cmp = Comparator(conv_model).compare(rgb_image, tiny_config.replace(profile="tidl"))
    paths = {
        "reference": cmp.outputs_reference,
        "nv12": cmp.outputs_nv12,
        "noise": cmp.outputs_noise,
        "format": cmp.outputs_format,
    }
    for path, outputs in paths.items():
        again = conv_model.run({conv_model.image_input: cmp.tensors[path]})
        for name, value in outputs.items():
            np.testing.assert_array_equal(again[name], value, err_msg=path)
    assert cmp.nv12_input.dtype == np.float32  # tidl feeds unrounded values


def test_compare_without_a_config_starts_where_the_model_can_be_fed():
    """A one-channel model compared with no config starts grey (``starting_config``),
    as the dashboard and the CLI do, instead of refusing the default RGB."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 8, 8])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    gray = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    ramp = (np.arange(192, dtype=np.uint32).reshape(8, 8, 3) * 7 % 256).astype(np.uint8)
    c = compare(gray, ramp)
    assert c.config.train_format == "gray" and c.tensors["reference"].shape == (1, 1, 8, 8)
