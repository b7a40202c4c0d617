"""PreprocessConfig: validation, (de)serialisation, toolchain conventions and snippets."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nv12_widgets.core import InputError, normalize
from nv12_widgets.model import PreprocessConfig, demo_config, demo_image_paths, demo_model_path
from nv12_widgets.model.exchange.snippets import snippets

IMAGENET = PreprocessConfig(
    divisor=255.0, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), train_format="rgb"
)
PIXELS = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3)).astype(np.uint8)


def _norm(config: PreprocessConfig, x: np.ndarray = PIXELS) -> np.ndarray:
    return normalize(x, layout="NHWC", **config.normalize_params())


# ---------------------------------------------------------------- fields and validation
def test_defaults_and_contract_fields():
    c = PreprocessConfig()
    for name in ("swing", "divisor", "mean", "std", "noise_amplitude", "noise_seed", "size"):
        assert hasattr(c, name)
    assert c.size is None and c.layout is None and c.profile is None
    assert c.channels == 3 and PreprocessConfig(train_format="gray").channels == 1


def test_scalars_and_lists_are_normalised():
    c = PreprocessConfig(mean=0.5, std=[0.25, 0.5, 1], size=[320, 640], divisor=1)
    assert c.mean == (0.5,) and c.std == (0.25, 0.5, 1.0)
    assert c.size == (320, 640) and isinstance(c.divisor, float)
    assert c.pixel_mean == (0.5, 0.5, 0.5)  # expanded to the channels, times divisor 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"std": 0}, "std must not contain 0"),
        ({"std": (1, 0, 1)}, "std must not contain 0"),
        ({"divisor": 0}, "divisor must not be 0"),
        ({"divisor": float("nan")}, "divisor must be finite"),
        ({"mean": (1, 2)}, "mean has 2 values but train_format='rgb' has 3"),
        ({"std": (1, 2, 3, 4)}, "std has 4 values"),
        ({"train_format": "gray", "mean": (1, 2, 3)}, "train_format='gray' has 1 channel"),
        ({"mean": (0, float("inf"), 0)}, "mean must be finite"),
        ({"mean": "128"}, "mean must be a number"),
        ({"train_format": "hsv"}, "train_format must be one of"),
        ({"swing": "video"}, "swing must be one of"),
        ({"decode_swing": "wide"}, "decode_swing must be one of"),
        ({"matrix": "bt2020"}, "matrix must be one of"),
        ({"profile": "pil"}, "profile must be one of"),
        ({"chroma": "median"}, "chroma must be one of"),
        ({"upsample": "cubic"}, "upsample must be one of"),
        ({"layout": "CHW"}, "layout must be one of"),
        ({"resize_policy": "pad"}, "resize_policy must be one of"),
        ({"noise_kind": "salt"}, "noise_kind must be one of"),
        ({"size": (320,)}, "size must be"),
        ({"size": (0, 320)}, "size must be"),
        ({"size": (32.5, 32)}, "size must be"),
        ({"noise_amplitude": -1}, "noise_amplitude must be >= 0"),
        ({"noise_seed": -3}, "noise_seed"),
        ({"noise_seed": 1.5}, "noise_seed"),
    ],
)
def test_invalid_values_raise_clear_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        PreprocessConfig(**kwargs)


def test_frozen_and_replace():
    c = PreprocessConfig()
    with pytest.raises(AttributeError):
        c.swing = "studio"  # type: ignore[misc]
    d = c.replace(swing="studio", noise_amplitude=1)
    assert (d.swing, d.noise_amplitude, c.swing) == ("studio", 1.0, "full")
    with pytest.raises(InputError, match="Unknown PreprocessConfig field.*'sweeng'"):
        c.replace(sweeng="studio")
    with pytest.raises(InputError, match="std must not contain 0"):
        c.replace(std=0)


# ---------------------------------------------------------------- serialisation
def test_dict_and_json_round_trip():
    for c in (
        PreprocessConfig(),
        IMAGENET,
        demo_config(),
        PreprocessConfig(
            train_format="yuv444",
            swing="studio",
            decode_swing="full",
            profile="horizon",
            size=(48, 192),
            layout="NHWC",
            resize_policy="letterbox",
            noise_kind="gaussian",
            noise_seed=None,
        ),
    ):
        d = c.to_dict()
        assert json.loads(json.dumps(d)) == d  # plain JSON types only
        assert PreprocessConfig.from_dict(d) == c
        assert PreprocessConfig.from_json(c.to_json()) == c
        assert PreprocessConfig.from_dict(json.loads(c.to_json())) == c


@settings(max_examples=40, deadline=None)
@given(
    fmt=st.sampled_from(["rgb", "bgr", "yuv444", "gray"]),
    divisor=st.floats(0.5, 300, allow_nan=False),
    mean=st.floats(-200, 200, allow_nan=False),
    std=st.floats(0.01, 300, allow_nan=False),
    size=st.none() | st.tuples(st.integers(2, 4096), st.integers(2, 4096)),
    amp=st.floats(0, 5, allow_nan=False),
    seed=st.none() | st.integers(0, 2**31),
)
def test_round_trip_property(fmt, divisor, mean, std, size, amp, seed):
    c = PreprocessConfig(
        train_format=fmt,
        divisor=divisor,
        mean=mean,
        std=std,
        size=size,
        noise_amplitude=amp,
        noise_seed=seed,
    )
    assert PreprocessConfig.from_json(c.to_json()) == c


def test_from_dict_rejects_unknown_keys_and_fills_defaults():
    with pytest.raises(InputError, match=r"Unknown PreprocessConfig key\(s\) \['nosie'\]"):
        PreprocessConfig.from_dict({"swing": "full", "nosie": 1})
    assert PreprocessConfig.from_dict({"swing": "studio"}) == PreprocessConfig(swing="studio")
    with pytest.raises(InputError, match="mapping"):
        PreprocessConfig.from_dict([("swing", "full")])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not valid JSON"):
        PreprocessConfig.from_json("{swing: full}")


# ---------------------------------------------------------------- conventions
def test_pixel_domain_equivalents():
    c = PreprocessConfig(divisor=255, mean=(0.5, 0.25, 0.0), std=(0.5, 1.0, 2.0))
    assert c.pixel_mean == pytest.approx((127.5, 63.75, 0.0))
    assert c.pixel_std == pytest.approx((127.5, 255.0, 510.0))


def test_hbdk4_vendor_example():
    # The vendor's NV12 example: divisor 1, mean 128, std 128 maps uint8 to about [-1, 1).
    c = PreprocessConfig.from_hbdk4(divisor=1, mean=[128, 128, 128], std=[128, 128, 128])
    x = np.array([[[0, 128, 255]]], np.uint8)
    np.testing.assert_allclose(_norm(c, x), [[[-1.0, 0.0, 127 / 128]]])
    assert c.to_hbdk4() == {"divisor": 1.0, "mean": [128.0] * 3, "std": [128.0] * 3}


def test_horizon_scale_multiplies():
    mean, scale = (123.675, 116.28, 103.53), (0.017125, 0.017507, 0.017429)
    c = PreprocessConfig.from_horizon("123.675 116.28 103.53", list(scale))
    assert c.divisor == 1.0 and c.mean == mean
    expected = (PIXELS.astype(np.float64) - np.array(mean)) * np.array(scale)
    np.testing.assert_allclose(_norm(c), expected, rtol=1e-5, atol=1e-5)
    back = c.to_horizon()
    np.testing.assert_allclose(back["mean_value"], mean)
    np.testing.assert_allclose(back["scale_value"], scale, rtol=1e-12)
    # ImageNet in our (divisor, mean, std) form, expressed for hb_mapper:
    hz = IMAGENET.to_horizon()
    np.testing.assert_allclose(hz["mean_value"], [123.675, 116.28, 103.53])
    np.testing.assert_allclose(hz["scale_value"], [1 / 58.395, 1 / 57.12, 1 / 57.375])
    with pytest.raises(InputError, match="scale_value must not contain 0"):
        PreprocessConfig.from_horizon(0, 0)


def test_rknn_and_openvino_divide():
    c = PreprocessConfig.from_rknn([[0, 0, 0]], [[255, 255, 255]])
    np.testing.assert_allclose(_norm(c), _norm(PreprocessConfig(divisor=255)), rtol=1e-6)
    assert IMAGENET.to_rknn()["mean_values"] == [pytest.approx([123.675, 116.28, 103.53])]
    assert IMAGENET.to_rknn()["std_values"] == [pytest.approx([58.395, 57.12, 57.375])]

    ov = PreprocessConfig.from_openvino("data[123.675,116.28,103.53]", "[58.395,57.12,57.375]")
    np.testing.assert_allclose(_norm(ov), _norm(IMAGENET), rtol=1e-5, atol=1e-5)
    assert ov.to_openvino()["scale_values"] == pytest.approx([58.395, 57.12, 57.375])
    flat = PreprocessConfig.from_rknn([127.5] * 3, [127.5] * 3)
    np.testing.assert_allclose(_norm(flat), _norm(demo_config()), rtol=1e-6)
    with pytest.raises(InputError, match="Several per-input lists"):
        PreprocessConfig.from_rknn([[0, 0, 0], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]])


def test_translators_agree_with_each_other():
    c = demo_config()
    via = [
        PreprocessConfig.from_hbdk4(**c.to_hbdk4(), train_format="bgr"),
        PreprocessConfig.from_horizon(**c.to_horizon(), train_format="bgr"),
        PreprocessConfig.from_rknn(**c.to_rknn(), train_format="bgr"),
        PreprocessConfig.from_openvino(**c.to_openvino(), train_format="bgr"),
    ]
    for other in via:
        np.testing.assert_allclose(_norm(other), _norm(c), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- snippets
def test_snippets_for_the_demo_detector():
    s = snippets(demo_config(), input_name="x")
    assert set(s) == {"hbdk4", "hb_mapper", "rknn", "openvino", "openvino_ppp"} | {
        "deepstream", "ascend_aipp", "hailo", "ti", "coreml", "vitis_ai", "snpe"
    }  # fmt: skip
    assert (
        'insert_image_preprocess(mode="yuvbt601full2bgr", divisor=255, '
        "mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5])"
    ) in s["hbdk4"]
    assert 'insert_image_convert("nv12")' in s["hbdk4"]
    assert "insert_transpose(permutes=[0, 3, 1, 2])" in s["hbdk4"]  # NCHW model
    hb = s["hb_mapper"]
    for line in (
        "input_type_rt: nv12",
        "input_type_train: bgr",
        "input_layout_train: NCHW",
        "norm_type: data_mean_and_scale",
        "mean_value: 127.5 127.5 127.5",
        "scale_value: 0.007843137255 0.007843137255 0.007843137255",
        "input_space_and_range: regular",
    ):
        assert line in hb
    assert (
        "rknn.config(mean_values=[[127.5, 127.5, 127.5]], std_values=[[127.5, 127.5, 127.5]], "
        "target_platform='rk3588')"
    ) in s["rknn"]
    assert "--mean_values x[127.5,127.5,127.5] --scale_values x[127.5,127.5,127.5]" in s["openvino"]


def test_snippet_numbers_round_trip_through_hb_mapper_text():
    s = snippets(IMAGENET)["hb_mapper"]
    mean = re.search(r"mean_value: (.*)", s).group(1)
    scale = re.search(r"scale_value: (.*)", s).group(1)
    back = PreprocessConfig.from_horizon(mean, scale)
    np.testing.assert_allclose(_norm(back), _norm(IMAGENET), rtol=1e-6, atol=1e-6)


def test_snippets_follow_swing_format_and_norm():
    studio = snippets(demo_config().replace(decode_swing="studio"))
    assert "input_space_and_range: bt601_video" in studio["hb_mapper"]
    assert 'mode="yuvbt601video2bgr"' in studio["hbdk4"]
    yuv = snippets(PreprocessConfig(train_format="yuv444", divisor=1, mean=128, std=128))
    assert "mode=None, divisor=1, mean=[128, 128, 128], std=[128, 128, 128]" in yuv["hbdk4"]
    plain = snippets(PreprocessConfig(divisor=1.0))
    assert "norm_type: no_preprocess" in plain["hb_mapper"]
    assert "mean_value" not in plain["hb_mapper"]
    mean_only = snippets(PreprocessConfig(divisor=1.0, mean=128))["hb_mapper"]
    assert "norm_type: data_mean" in mean_only and "scale_value" not in mean_only
    nhwc = snippets(PreprocessConfig(layout="NHWC"))["hbdk4"]
    assert "insert_transpose" not in nhwc


# ---------------------------------------------------------------- demo assets
def test_demo_assets():
    c = demo_config()
    assert (c.train_format, c.divisor, c.mean, c.std, c.size) == (
        "bgr",
        255.0,
        (0.5, 0.5, 0.5),
        (0.5, 0.5, 0.5),
        (320, 320),
    )
    assert demo_model_path().name == "ch_PP-OCRv4_det_infer.onnx" and demo_model_path().is_file()
    assert demo_model_path("classifier").is_file()
    assert demo_config("classifier").size == (48, 192)
    paths = demo_image_paths()
    assert [p.stem for p in paths] == ["astronaut", "coffee", "chelsea"]
    assert all(p.is_file() for p in paths)
    with pytest.raises(InputError, match="Unknown demo model"):
        demo_model_path("yolo")


# ---------------------------------------------------------------------- field spec
def test_field_spec_covers_every_field_with_its_default_and_core_choices():
    import dataclasses

    import nv12_widgets.core as core
    from nv12_widgets.model.devicepath.config import FIELDS, field_spec

    fields = dataclasses.fields(PreprocessConfig)
    assert [s.name for s in FIELDS] == [f.name for f in fields]
    assert [s.default for s in FIELDS] == [f.default for f in fields]
    assert field_spec("swing").choices == core.SWINGS
    assert field_spec("profile").choices == tuple(core.PROFILES)
    assert field_spec("divisor").choices is None
    optional = {s.name for s in FIELDS if s.optional}
    assert optional == {"decode_swing", "decode_matrix", "profile", "layout", "noise_seed"}
    assert all(s.help.endswith(".") and s.label for s in FIELDS)
    with pytest.raises(InputError, match="Unknown PreprocessConfig field"):
        field_spec("swingg")


def test_validation_reads_the_choices_at_call_time(monkeypatch):
    """A profile registered in core later is accepted without touching the model layer."""
    import dataclasses

    import nv12_widgets.core as core
    from nv12_widgets.model.devicepath.config import field_spec

    with pytest.raises(InputError, match="profile must be one of"):
        PreprocessConfig(profile="my-isp")
    extra = dataclasses.replace(core.PROFILES["horizon"], name="my-isp")
    monkeypatch.setitem(core.PROFILES, "my-isp", extra)
    assert PreprocessConfig(profile="my-isp").effective_swing == "full"
    assert "my-isp" in field_spec("profile").choices
    assert core.get_profile("my-isp") is extra


def test_decode_matrix_decodes_with_another_matrix_than_the_frames_are_encoded_with():
    import nv12_widgets.core as core
    from nv12_widgets.model.devicepath.pipeline import Pipeline

    c = PreprocessConfig(matrix="bt709", decode_matrix="bt601")
    assert c.effective_matrix == "bt709" and c.effective_decode_matrix == "bt601"
    assert c.decode_kwargs()["matrix"] == "bt601"
    assert PreprocessConfig(matrix="bt709").effective_decode_matrix == "bt709"
    assert PreprocessConfig.from_json(c.to_json()) == c
    # the device path: encoded with BT.709 by the core, decoded with BT.601 by the core
    rgb = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    run = Pipeline.for_size(c, (8, 8)).run(rgb)
    want = core.nv12_to_rgb(core.rgb_to_nv12(rgb, matrix="bt709"), matrix="bt601")
    np.testing.assert_array_equal(run.device_pixels, want)
    # a profile decoded with another matrix falls back to the plain conversion
    p = PreprocessConfig(profile="rga-bt709-limited", decode_matrix="bt601").decode_kwargs()
    assert p["profile"] is None and p["matrix"] == "bt601" and p["swing"] == "studio"
    with pytest.raises(InputError):
        PreprocessConfig(decode_matrix="bt2020")
