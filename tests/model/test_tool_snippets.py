"""Other toolchains' conventions: each tool's formula applied plainly equals ours, round
trips ours -> tool -> ours, and warnings for what a tool cannot express."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from nv12_widgets.core import InputError, normalize
from nv12_widgets.model import PreprocessConfig, snippets
from nv12_widgets.model.exchange import tool_snippets as ts

IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), divisor=255.0)
EQUAL_STD = dict(mean=(0.5, 0.4, 0.3), std=(0.5,), divisor=255.0)
CONFIGS = [
    PreprocessConfig(**IMAGENET),
    PreprocessConfig(train_format="bgr", **IMAGENET),
    PreprocessConfig(train_format="rgb", **EQUAL_STD),
    PreprocessConfig(train_format="bgr", divisor=1.0, mean=(128.0,), std=(128.0,)),
    PreprocessConfig(train_format="gray", divisor=255.0, mean=(0.5,), std=(0.25,)),
]
PIXELS = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)


def ours(cfg: PreprocessConfig, x: np.ndarray) -> np.ndarray:
    return normalize(x[..., : cfg.channels], layout="NHWC", **cfg.normalize_params())


def same_normalisation(a: PreprocessConfig, b: PreprocessConfig) -> None:
    assert a.train_format == b.train_format
    np.testing.assert_allclose(a.pixel_mean, b.pixel_mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.pixel_std, b.pixel_std, rtol=1e-12)


# -- the tools' formulas, applied plainly ------------------------------------------------
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.train_format)
def test_each_tool_formula_reproduces_our_normalisation(cfg):
    x = PIXELS[..., : cfg.channels].astype(np.float64)
    want = ours(cfg, PIXELS)
    equal_std = ts._std_spread(cfg.pixel_std) < 1e-12
    # TI: (x - input_mean) * input_scale
    ti = ts.to_ti(cfg)
    np.testing.assert_allclose(
        (x - ti["input_mean"]) * ti["input_scale"], want, rtol=1e-5, atol=1e-5
    )
    # Vitis AI: (x - mean) * scale
    vt = ts.to_vitis(cfg)
    np.testing.assert_allclose((x - vt["mean"]) * vt["scale"], want, rtol=1e-5, atol=1e-5)
    # Hailo: (x - mean) / std
    hl = ts.to_hailo(cfg)
    np.testing.assert_allclose((x - hl["mean"]) / hl["std"], want, rtol=1e-5, atol=1e-5)
    # AIPP: (x - mean_chn - min_chn) * var_reci_chn
    a = ts.to_aipp(cfg)["aipp_op"]
    n = cfg.channels
    mean_chn = np.array([a[f"mean_chn_{i}"] for i in range(n)])
    min_chn = np.array([a[f"min_chn_{i}"] for i in range(n)])
    var_reci = np.array([a[f"var_reci_chn_{i}"] for i in range(n)])
    np.testing.assert_allclose((x - mean_chn - min_chn) * var_reci, want, rtol=1e-5, atol=1e-5)
    # DeepStream: y = net-scale-factor * (x - offsets[c]); CoreML: y = scale * x + bias[c]
    ds = ts.to_deepstream(cfg)
    cm = ts.to_coreml(cfg)
    got_ds = ds["net-scale-factor"] * (x - ds["offsets"])
    got_cm = cm["scale"] * x + np.array(cm["bias"])
    if equal_std:
        np.testing.assert_allclose(got_ds, want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got_cm, want, rtol=1e-5, atol=1e-5)
        assert not any("one" in w for w in ds["warnings"] + cm["warnings"])
    else:
        # what is lost: the per-channel std ratio, stated in the warning
        spread = ts._std_spread(cfg.pixel_std)
        rel = np.abs(got_ds - want) / np.maximum(np.abs(want), 1e-9)
        assert rel.max() <= spread + 1e-6 and rel.max() > 0
        np.testing.assert_allclose(got_cm, got_ds, rtol=1e-12, atol=1e-12)
        assert any("per-channel std" in w for w in ds["warnings"])
        assert any("one scale for all channels" in w and "lost" in w for w in cm["warnings"])


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c.train_format)
def test_round_trips_through_every_invertible_tool(cfg):
    ti = ts.to_ti(cfg)
    same_normalisation(
        cfg, ts.from_ti(ti["input_mean"], ti["input_scale"], ti["reverse_channels"], train_format=cfg.train_format)
    )  # fmt: skip
    hl = ts.to_hailo(cfg)
    same_normalisation(cfg, ts.from_hailo(hl["mean"], hl["std"], train_format=cfg.train_format))
    # ... and from the .alls text itself
    same_normalisation(cfg, ts.from_hailo(hl["commands"][0], None, train_format=cfg.train_format))
    same_normalisation(cfg, ts.from_aipp(ts.to_aipp(cfg)["aipp_op"]))
    if cfg.train_format in ("rgb", "bgr"):
        vt = ts.to_vitis(cfg)
        same_normalisation(cfg, ts.from_vitis(vt["mean"], vt["scale"], vt["is_rgb_input"]))
    if ts._std_spread(cfg.pixel_std) < 1e-12:
        ds = ts.to_deepstream(cfg)
        offsets = ";".join(repr(v) for v in ds["offsets"])
        same_normalisation(
            cfg, ts.from_deepstream(ds["net-scale-factor"], offsets, ds["model-color-format"])
        )
        cm = ts.to_coreml(cfg)
        same_normalisation(cfg, ts.from_coreml(cm["scale"], cm["bias"], cm["color_layout"]))
    else:  # lossy: the mean survives, the std becomes the channels' mean std
        back = ts.from_coreml(**{k: v for k, v in ts.to_coreml(cfg).items() if k != "warnings"})
        np.testing.assert_allclose(back.pixel_mean, cfg.pixel_mean, rtol=1e-12)
        np.testing.assert_allclose(back.pixel_std, [np.mean(cfg.pixel_std)] * 3, rtol=1e-12)


@pytest.mark.parametrize(
    ("swing", "matrix", "fmt"),
    list(
        itertools.product(["full", "studio"], ["bt601", "bt709"], ["rgb", "bgr", "gray", "yuv444"])
    ),
)
def test_aipp_round_trip_keeps_the_colour_standard(swing, matrix, fmt):
    cfg = PreprocessConfig(
        train_format=fmt, swing=swing, matrix=matrix, divisor=1.0, mean=(10.0,), std=(2.0,)
    )
    a = ts.to_aipp(cfg)
    back = ts.from_aipp(
        a["aipp_op"], **({} if fmt in ("rgb", "bgr") else {"swing": swing, "matrix": matrix})
    )
    assert (back.train_format, back.swing, back.matrix) == (fmt, swing, matrix)
    same_normalisation(cfg, back)
    if fmt == "rgb":  # the documented table, row for row
        preset = {("full", "bt601"): "bt601-wide", ("studio", "bt601"): "bt601-narrow",
                  ("full", "bt709"): "bt709-wide", ("studio", "bt709"): "bt709-narrow"}[(swing, matrix)]  # fmt: skip
        assert a["preset"] == preset
        assert a["aipp_op"]["matrix_r0c0"] == (298 if swing == "studio" else 256)


def test_aipp_rejects_an_undocumented_matrix():
    a = ts.to_aipp(CONFIGS[0])["aipp_op"] | {"matrix_r0c2": 400}
    with pytest.raises(InputError, match="none of the documented presets"):
        ts.from_aipp(a)


# -- Horizon modes round trip through our own snippets -------------------------------------
@pytest.mark.parametrize("fmt", ["rgb", "bgr", "yuv444"])
@pytest.mark.parametrize("swing", ["full", "studio"])
def test_hbdk4_mode_and_hb_mapper_space_round_trip(fmt, swing):
    cfg = PreprocessConfig(train_format=fmt, swing=swing, **IMAGENET)
    text = snippets(cfg)
    mode = re.search(r"mode=(None|\"[a-z0-9]+\")", text["hbdk4"]).group(1)
    parsed = ts.parse_hbdk4_mode(mode)
    assert parsed["train_format"] == fmt
    if fmt != "yuv444":
        assert parsed["decode_swing"] == swing
    space = re.search(r"input_space_and_range: (\w+)", text["hb_mapper"]).group(1)
    assert ts.parse_hb_mapper_space(space) == swing
    with pytest.raises(InputError, match="hbdk4 mode"):
        ts.parse_hbdk4_mode("yuvbt709full2rgb")
    with pytest.raises(InputError, match="regular"):
        ts.parse_hb_mapper_space("full")


# -- snippets text -------------------------------------------------------------------------
def test_snippets_has_every_tool_with_warnings_first():
    cfg = PreprocessConfig(train_format="bgr", **IMAGENET)
    text = snippets(cfg, input_name="images", model_path="m.onnx")
    for key in ("deepstream", "ascend_aipp", "hailo", "ti", "coreml", "vitis_ai", "snpe"):
        assert key in text and text[key].strip()
    assert "offsets=123.675;116.28;103.53" in text["deepstream"]
    assert "model-color-format=1" in text["deepstream"]
    assert text["deepstream"].startswith("# warning: net-scale-factor is one number")
    assert "normalization([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])" in text["hailo"]
    assert "color_layout=ct.colorlayout.BGR" in text["coreml"]
    assert text["coreml"].startswith("# warning: CoreML's ImageType has one scale")
    assert '"is_rgb_input", False' in text["vitis_ai"]
    assert "--input_encoding images nv21 bgr" in text["snpe"]
    assert "no mean/std" in text["snpe"]
    assert "matrix_r0c1 : 454" in text["ascend_aipp"]  # BGR: row B first
    equal = snippets(PreprocessConfig(**EQUAL_STD))
    assert "one number" not in equal["deepstream"] and "one scale" not in equal["coreml"]


def test_bad_tool_values_raise_input_error():
    with pytest.raises(InputError, match="net-scale-factor"):
        ts.from_deepstream(0.0)
    with pytest.raises(InputError, match="model-color-format"):
        ts.from_deepstream(1.0, "0;0;0", 5)
    with pytest.raises(InputError, match="color_layout"):
        ts.from_coreml(1.0, [0, 0, 0], "YUV")
    with pytest.raises(InputError, match="input_scale"):
        ts.from_ti([0, 0, 0], [1, 0, 1])
    with pytest.raises(InputError, match="numbers"):
        ts.from_vitis(["a"], [1.0])
