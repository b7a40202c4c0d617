"""lint(): every code triggered and not triggered, on tiny configs and images.

Expected values are recomputed here in pixel units (pm = mean * divisor,
ps = std * divisor), independent of PreprocessConfig.pixel_mean / pixel_std.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.model import PreprocessConfig
from nv12_widgets.model.judge.lint import (
    LINT_CODES,
    MAX_ASPECT_DISTORTION,
    LintFinding,
    apply_fixes,
    checked_image,
    lint,
)
from nv12_widgets.model.judge.mistake_cost import mistake_cost

IMAGENET = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}
IMAGENET_PX = {"divisor": 1.0, "mean": (123.675, 116.28, 103.53), "std": (58.395, 57.12, 57.375)}


def codes(findings):
    return [f.code for f in findings]


def photo_like(h=48, w=48, seed=0):
    """Smooth colour ramps plus noise: pixel std ~ 60 grey levels."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (h + w)], axis=-1)
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------- clean configs
@pytest.mark.parametrize(
    "kw",
    [
        {},
        IMAGENET,
        IMAGENET_PX,
        {"divisor": 255.0, "mean": (0.5,), "std": (0.5,)},
        {"divisor": 127.5, "mean": (1.0,), "std": (1.0,)},
        {"divisor": 1.0, "mean": (0.0,), "std": (1.0,)},  # raw codes
        {"divisor": 255.0, "mean": (0.0,), "std": (1 / 255,)},  # x / 255 * 255
        {"profile": "opencv", "swing": "studio"},
        {"profile": "horizon"},
        {"train_format": "yuv444", "decode_swing": "full"},
    ],
)
def test_correct_configs_have_no_findings(kw):
    assert lint(PreprocessConfig(**kw)) == []
    assert lint(PreprocessConfig(size=(48, 48), **kw), image=photo_like()) == []


# ---------------------------------------------------------------------- decode-swing
def test_decode_swing():
    f = lint(PreprocessConfig(decode_swing="studio"))
    assert codes(f) == ["decode-swing"] and f[0].severity == "error"
    assert f[0].fields == ("swing", "decode_swing")
    assert "decode_swing='full'" in f[0].message
    assert lint(PreprocessConfig(swing="studio", decode_swing="studio")) == []
    # a profile encodes its own swing: the opencv profile is studio
    f = lint(PreprocessConfig(profile="opencv", swing="studio", decode_swing="full"))
    assert codes(f) == ["decode-swing"] and f[0].fields == ("profile", "decode_swing")
    f = lint(PreprocessConfig(train_format="yuv444", swing="full", decode_swing="studio"))
    assert codes(f) == ["decode-swing"] and "trained on studio-swing YUV" in f[0].message


# ---------------------------------------------------------------------- device vs training
def test_matrix_mismatch_needs_a_device_and_is_an_error_for_yuv_training():
    c = PreprocessConfig()
    assert lint(c, device=c) == []
    f = lint(c, device=c.replace(matrix="bt709"))
    assert codes(f) == ["matrix-mismatch"] and f[0].severity == "warning"
    assert f[0].fields == ("matrix", "device.matrix")
    y = PreprocessConfig(train_format="yuv444")
    f = lint(y, device=y.replace(matrix="bt709"))
    assert codes(f) == ["matrix-mismatch"] and f[0].severity == "error"


def test_channel_order():
    c = PreprocessConfig(train_format="bgr")
    f = lint(c, device=c.replace(train_format="rgb"))
    assert codes(f) == ["channel-order"] and f[0].severity == "error"
    assert "BGR" in f[0].message and f[0].fields == ("train_format", "device.train_format")
    assert lint(c, device=c.replace(chroma="decimate")) == []


def test_normalization_mismatch_compares_pixel_units():
    c = PreprocessConfig(**IMAGENET)
    # the same normalisation written in pixel units is not a mismatch
    assert lint(c, device=PreprocessConfig(**IMAGENET_PX)) == []
    f = lint(c, device=c.replace(mean=(0.5, 0.5, 0.5)))
    assert codes(f) == ["normalization-mismatch"]
    assert dict(f[0].numbers)["max_mean_diff"] == pytest.approx((0.5 - 0.406) * 255)


def test_device_config_is_linted_too():
    c = PreprocessConfig()
    f = lint(c, device=c.replace(decode_swing="studio"))
    assert codes(f) == ["decode-swing"] and f[0].fields == ("device.swing", "device.decode_swing")
    assert f[0].message.startswith("device: ")


# ---------------------------------------------------------------------- units
@pytest.mark.parametrize(
    ("divisor", "mean", "pixel_mean"),
    [(255.0, (123.675, 116.28, 103.53), 123.675 * 255), (1.0, (300.0,), 300.0)],
)
def test_mean_above_the_8bit_range(divisor, mean, pixel_mean):
    f = lint(PreprocessConfig(divisor=divisor, mean=mean))
    assert codes(f) == ["mean-units"] and f[0].severity == "error"
    assert dict(f[0].numbers)["pixel_mean_max"] == pytest.approx(pixel_mean)
    assert f[0].fields == ("mean", "divisor")


def test_mean_suggestion_divides_by_the_divisor():
    f = lint(PreprocessConfig(mean=(123.675, 116.28, 103.53)))
    assert "mean=(0.485, 0.456, 0.406)" in f[0].message


def test_mean_in_unit_range_with_divisor_one():
    f = lint(PreprocessConfig(divisor=1.0, mean=(0.485, 0.456, 0.406), std=(58.395,)))
    assert codes(f) == ["mean-units"] and "divisor=255" in f[0].message
    assert "(123.675, 116.28, 103.53)" in f[0].message


def test_negative_mean_is_a_warning():
    f = lint(PreprocessConfig(mean=(-0.5,)))
    assert codes(f) == ["mean-units"] and f[0].severity == "warning"


def test_std_in_unit_range_with_divisor_one():
    f = lint(
        PreprocessConfig(divisor=1.0, mean=(123.675, 116.28, 103.53), std=(0.229, 0.224, 0.225))
    )
    assert codes(f) == ["std-units"] and f[0].severity == "error"
    assert dict(f[0].numbers)["pixel_std_min"] == pytest.approx(0.224)
    assert "std=(58.395, 57.12, 57.375)" in f[0].message


def test_std_in_pixel_units_with_divisor_255():
    f = lint(PreprocessConfig(divisor=255.0, mean=IMAGENET["mean"], std=(58.395, 57.12, 57.375)))
    assert codes(f) == ["std-units"]
    assert dict(f[0].numbers)["pixel_std_max"] == pytest.approx(58.395 * 255)
    assert "std=(0.229, 0.224, 0.225)" in f[0].message


def test_std_bounds_are_inclusive_and_negative_std_warns():
    assert lint(PreprocessConfig(divisor=1.0, std=(1.0,))) == []
    assert lint(PreprocessConfig(divisor=1.0, std=(512.0,))) == []
    assert codes(lint(PreprocessConfig(divisor=1.0, std=(513.0,)))) == ["std-units"]
    f = lint(PreprocessConfig(std=(-0.5,)))
    assert codes(f) == ["std-units"] and f[0].severity == "warning"


# ---------------------------------------------------------------------- profile
def test_profile_contradiction():
    f = lint(PreprocessConfig(profile="opencv"))  # studio profile, swing left at "full"
    assert codes(f) == ["profile-contradiction"] and f[0].fields == ("profile", "swing")
    f = lint(PreprocessConfig(profile="horizon", matrix="bt709"))
    assert codes(f) == ["profile-contradiction"] and f[0].fields == ("profile", "matrix")
    assert lint(PreprocessConfig(profile="vendor-pil", swing="full", matrix="bt601")) == []


# ---------------------------------------------------------------------- image checks
def test_aspect_ratio_from_config_size():
    c = PreprocessConfig(size=(48, 48))
    f = lint(c, image=photo_like(48, 72))  # 1.5 vs 1.0
    assert codes(f) == ["aspect-ratio"] and f[0].severity == "warning"
    assert dict(f[0].numbers)["distortion"] == pytest.approx(0.5)
    assert lint(c.replace(resize_policy="letterbox"), image=photo_like(48, 72)) == []
    assert lint(c.replace(resize_policy="center-crop"), image=photo_like(48, 72)) == []
    # 10 % is allowed, a little more is not
    assert lint(c, image=photo_like(100, 110)) == []
    assert codes(lint(c, image=photo_like(100, 112))) == ["aspect-ratio"]
    assert MAX_ASPECT_DISTORTION == 0.10


def test_aspect_ratio_uses_the_model_size(conv_model):
    # conv_model is NCHW [1, 3, 8, 8]
    f = lint(PreprocessConfig(), conv_model, photo_like(40, 60))
    assert codes(f) == ["aspect-ratio"]
    assert dict(f[0].numbers)["model_aspect"] == 1.0


def test_size_unknown_without_size_or_model():
    f = lint(PreprocessConfig(), image=photo_like())
    assert codes(f) == ["size-unknown"] and f[0].severity == "info"
    assert lint(PreprocessConfig(), image=None) == []


def tensor_stats(config, image):
    """Per-channel mean / std / max|t| of (x / d - m) / s, written out plainly."""
    x = image.astype(np.float64)
    if config.train_format == "bgr":
        x = x[..., ::-1]
    d = config.divisor
    m = np.broadcast_to(np.array(config.mean), (3,))
    s = np.broadcast_to(np.array(config.std), (3,))
    t = (x / d - m) / s
    return t.reshape(-1, 3).mean(0), t.reshape(-1, 3).std(0), np.abs(t).max()


@pytest.mark.parametrize(
    ("kw", "what"),
    [
        ({"divisor": 255.0 * 255.0, "mean": (0.0,), "std": (1.0,)}, "nearly constant"),
        ({"divisor": 255.0, "mean": (0.0,), "std": (50.0,)}, "nearly constant"),
        ({"divisor": 1.0, "mean": (0.0,), "std": (0.5,)}, "amplified"),
        ({"divisor": 255.0, "mean": (10.0,), "std": (1.0,)}, "offset"),
    ],
)
def test_tensor_stats_triggered(kw, what):
    c = PreprocessConfig(size=(48, 48), **kw)
    img = photo_like()
    f = [x for x in lint(c, image=img) if x.code == "tensor-stats"]
    assert len(f) == 1 and what in f[0].message and f[0].severity == "warning"
    mean, std, peak = tensor_stats(c, img)
    nums = dict(f[0].numbers)
    assert nums["tensor_std_min"] == pytest.approx(std.min(), rel=1e-4)
    assert nums["tensor_mean_min"] == pytest.approx(mean.min(), rel=1e-4, abs=1e-6)
    assert nums["tensor_max_abs"] == pytest.approx(peak, rel=1e-5)


def test_tensor_stats_not_triggered_by_usual_normalisations():
    img = photo_like()
    for kw in ({}, IMAGENET, IMAGENET_PX, {"divisor": 1.0}, {"mean": (0.5,), "std": (0.5,)}):
        assert lint(PreprocessConfig(size=(48, 48), **kw), image=img) == []


def test_flat_image_is_not_judged():
    grey = np.full((48, 48, 3), 128, np.uint8)
    f = lint(PreprocessConfig(size=(48, 48), divisor=255.0 * 255.0, mean=(0.5,)), image=grey)
    assert "tensor-stats" not in codes(f)
    assert codes(f) == ["mean-units", "std-units", "flat-image"]  # errors first, info last


# ---------------------------------------------------------------------- the finding
def test_finding_is_frozen_and_serialisable():
    f = lint(PreprocessConfig(mean=(200.0,)))[0]
    assert isinstance(f, LintFinding)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.code = "x"  # type: ignore[misc]
    d = f.to_dict()
    assert d["code"] == "mean-units" and isinstance(d["numbers"], dict)
    assert str(f).startswith("[error] mean-units: ")


def test_every_code_is_documented_and_bad_arguments_raise():
    assert set(LINT_CODES) == {
        "decode-swing",
        "decode-matrix",
        "matrix-mismatch",
        "channel-order",
        "normalization-mismatch",
        "mean-units",
        "std-units",
        "tensor-stats",
        "profile-contradiction",
        "aspect-ratio",
        "flat-image",
        "size-unknown",
    }
    with pytest.raises(InputError):
        lint({"divisor": 255})  # type: ignore[arg-type]
    with pytest.raises(InputError):
        lint(PreprocessConfig(), device="rgb")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        lint(PreprocessConfig(size=(8, 8)), image=np.zeros((8, 8), np.uint8))


# ---------------------------------------------------------------------- fixes
@pytest.mark.parametrize(
    ("config", "device", "code"),
    [
        (PreprocessConfig(decode_swing="studio"), None, "decode-swing"),
        (
            PreprocessConfig(profile="opencv", swing="studio", decode_swing="full"),
            None,
            "decode-swing",
        ),
        (PreprocessConfig(profile="opencv"), None, "profile-contradiction"),
        (PreprocessConfig(profile="horizon", matrix="bt709"), None, "profile-contradiction"),
        (PreprocessConfig(mean=(123.675, 116.28, 103.53)), None, "mean-units"),
        (
            PreprocessConfig(divisor=1.0, mean=(0.485, 0.456, 0.406), std=(58.4,)),
            None,
            "mean-units",
        ),
        (PreprocessConfig(std=(58.395, 57.12, 57.375)), None, "std-units"),
        (PreprocessConfig(divisor=1.0, std=(0.229, 0.224, 0.225)), None, "std-units"),
        (
            PreprocessConfig(train_format="bgr"),
            PreprocessConfig(train_format="rgb"),
            "channel-order",
        ),
        (PreprocessConfig(), PreprocessConfig(matrix="bt709"), "matrix-mismatch"),
        (PreprocessConfig(**IMAGENET), PreprocessConfig(mean=(0.5,)), "normalization-mismatch"),
    ],
)
def test_every_fix_resolves_its_finding(config, device, code):
    findings = [f for f in lint(config, device=device) if f.code == code]
    assert findings and all(f.fix for f in findings)
    fixed, fixed_device = apply_fixes(findings, config, device)
    assert code not in codes(lint(fixed, device=fixed_device))


def test_mean_fix_is_the_imagenet_mean_and_pixel_mean_is_preserved():
    c = PreprocessConfig(mean=(123.675, 116.28, 103.53))
    fixed, _ = apply_fixes(lint(c), c)
    assert fixed.mean == pytest.approx((0.485, 0.456, 0.406), abs=1e-12)
    both = PreprocessConfig(divisor=1.0, mean=(0.5,), std=(0.5,))
    fixed, _ = apply_fixes(lint(both), both)
    # (x - 127.5) / 127.5 == (x / 255 - 0.5) / 0.5
    assert fixed.pixel_mean == pytest.approx((127.5,) * 3)
    assert fixed.pixel_std == pytest.approx((127.5,) * 3)


def test_apply_fixes_needs_the_device_for_device_fixes():
    c = PreprocessConfig(train_format="bgr")
    f = lint(c, device=c.replace(train_format="rgb"))
    with pytest.raises(InputError):
        apply_fixes(f, c)
    assert lint(PreprocessConfig(size=(48, 48)), image=photo_like(48, 72))[0].fix == ()


def test_size_unknown_says_why_when_the_model_cannot_take_the_config(conv_model):
    # conv_model takes 3 channels; a gray config cannot feed it
    f = lint(PreprocessConfig(train_format="gray"), conv_model, photo_like())
    assert codes(f) == ["size-unknown"] and "channel" in f[0].message


# ---------------------------------------------------------------------- measured cost
def test_mistake_cost_on_a_tiny_model(conv_model):
    from nv12_widgets.core import cosine_similarity
    from nv12_widgets.model import compare

    img = photo_like(8, 8)
    bad = PreprocessConfig(decode_swing="studio")
    findings = lint(bad, conv_model, img)
    assert codes(findings) == ["decode-swing"]
    costs = mistake_cost(conv_model, img, findings, bad)
    (name,) = conv_model.output_names
    cost = costs[name]
    # independent: the device outputs of the two configs through compare()
    want = compare(conv_model, img, PreprocessConfig()).outputs_nv12[name]
    got = compare(conv_model, img, bad).outputs_nv12[name]
    assert cost.cosine == pytest.approx(cosine_similarity(want, got), abs=1e-12)
    assert cost.cosine < 0.9999 and cost.assessment.status == "evidence"
    assert cost.fixes == (("decode_swing", None),)
    again = mistake_cost(conv_model, img, findings, bad, deployed_outputs={name: got})
    assert again[name].cosine == cost.cosine
    assert cost.to_dict()["status"] == "evidence"


def test_mistake_cost_is_empty_without_fixes(conv_model):
    img = photo_like(8, 12)
    findings = lint(PreprocessConfig(), conv_model, img)
    assert codes(findings) == ["aspect-ratio"]
    assert mistake_cost(conv_model, img, findings, PreprocessConfig()) == {}


@pytest.mark.slow
def test_mistake_cost_on_the_bundled_detector():
    from nv12_widgets.core import load_image
    from nv12_widgets.model import demo_config, demo_image_paths, demo_model

    model, cfg = demo_model(), demo_config()
    status = {}
    for path in demo_image_paths():
        img = load_image(path)
        for label, bad in (
            ("swing", cfg.replace(decode_swing="studio")),
            ("mean", cfg.replace(mean=(123.675, 116.28, 103.53))),
        ):
            errors = [f for f in lint(bad, model, img) if f.severity == "error"]
            (cost,) = mistake_cost(model, img, errors, bad).values()
            status[path.stem, label] = cost.assessment.status
            if label == "mean":  # the wrong mean hallucinates text everywhere
                assert cost.cosine < 0.1 and cost.task["iou"] < 0.1
    assert status == {
        ("astronaut", "swing"): "no-signal",
        ("coffee", "swing"): "evidence",
        ("chelsea", "swing"): "no-signal",
        ("astronaut", "mean"): "evidence",
        ("coffee", "mean"): "evidence",
        ("chelsea", "mean"): "evidence",
    }


def test_decode_matrix_mismatch_is_an_error_with_a_fix():
    c = PreprocessConfig(matrix="bt709", decode_matrix="bt601")
    (f,) = [x for x in lint(c) if x.code == "decode-matrix"]
    assert f.severity == "error" and "BT709" in f.message and "BT601" in f.message
    assert f.fields == ("matrix", "decode_matrix") and f.fix == (("decode_matrix", None),)
    fixed, _ = apply_fixes([f], c, None)
    assert fixed.effective_decode_matrix == "bt709" and not [
        x for x in lint(fixed) if x.code == "decode-matrix"
    ]
    # a profile's own matrix counts; a grey model sees Y only
    prof = PreprocessConfig(profile="rga-bt709-limited", decode_matrix="bt601")
    assert [x.code for x in lint(prof) if x.code == "decode-matrix"] == ["decode-matrix"]
    assert not [x for x in lint(c.replace(train_format="gray")) if x.code == "decode-matrix"]
    assert not [x for x in lint(c.replace(decode_matrix="bt709")) if x.code == "decode-matrix"]


def test_a_one_pixel_image_file_is_refused_for_its_size_not_its_shape(tmp_path, conv_model):
    """A 1x1 PNG read from a path used to be refused with "must be an (H, W, 3) uint8 RGB
    array ..., got (1, 1, 3)", which it is; the message now names the size."""
    from PIL import Image

    from nv12_widgets.model import compare

    path = tmp_path / "dot.png"
    Image.fromarray(np.full((1, 1, 3), 90, np.uint8)).save(path)
    with pytest.raises(InputError, match=r"1x1 pixels is too small: it needs at least 2x2"):
        compare(conv_model, path, PreprocessConfig())
    with pytest.raises(InputError, match=r"too small: it needs at least 2x2"):
        checked_image(np.full((1, 5, 3), 90, np.uint8))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\), got \(4, 4\)"):
        checked_image(np.zeros((4, 4), np.uint8))
