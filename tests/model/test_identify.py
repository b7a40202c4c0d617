"""identify_pipeline: recover the pipeline behind a synthetic board dump.

Dumps are made here with the core conversions and a *plain* normalisation written in
the test (``(x / d - m) / s`` in float64, then the dtype), laid out by hand; the
identification must find the pipeline (byte-identical alternatives count, as the dump
cannot tell them apart) and solve the normalisation.

Stated tolerance of the solved normalisation: pixel-domain mean and std within 1e-3
relative (+ 1e-3 absolute on the mean) for float32 dumps of 64x64+ photos.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nv12_widgets.core as core
from nv12_widgets.cli import main
from nv12_widgets.core import NV12, InputError
from nv12_widgets.model import PreprocessConfig, demo_image_paths, identify_pipeline
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.exchange.board import save_nv12, save_tensor
from nv12_widgets.model.workflows.identify import Identification

PROFILE_NAMES = list(core.PROFILES)  # whatever the core registers, picked up at collection


def _photo(name: str, top: int, left: int, h: int, w: int) -> np.ndarray:
    from nv12_widgets.model import demo_image_paths

    path = next(p for p in demo_image_paths() if p.stem == name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.ascontiguousarray(core.load_image(path)[top : top + h, left : left + w])


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    """64x80 of coffee.png: text, edges, saturated colours."""
    return _photo("coffee", 120, 200, 64, 80)


@pytest.fixture(scope="module")
def big_crop() -> np.ndarray:
    """96x128 of chelsea.png, for the resize policies."""
    return _photo("chelsea", 60, 120, 96, 128)


def plain_tensor(pixels, divisor, mean, std, layout="NCHW", dtype=np.float32):
    """The dump a board would get: (x / d - m) / s per channel, in float64, laid out."""
    x = pixels.astype(np.float64)
    c = x.shape[-1]
    m = np.broadcast_to(np.asarray(mean, np.float64), (c,))
    s = np.broadcast_to(np.asarray(std, np.float64), (c,))
    t = ((x / divisor - m) / s).astype(dtype)
    if layout == "NCHW":
        return np.ascontiguousarray(t.transpose(2, 0, 1)[None])
    if layout == "NHWC":
        return t[None]
    if layout == "CHW":
        return np.ascontiguousarray(t.transpose(2, 0, 1))
    return t  # HWC


def device_pixels(rgb, cfg: PreprocessConfig):
    """The device path of ``cfg``: what the package's pipeline feeds (float32 pixels for
    a float-decode profile such as openvino-f32 or tidl)."""
    return Pipeline.for_size(cfg, rgb.shape[:2]).run(rgb).device_pixels


def _found(result: Identification, **fields) -> bool:
    """Some config of the best explanation (or its byte-identical equivalents) has ``fields``."""
    for c in result.best.configs:
        values = {
            k: (c.effective_decode_swing if k == "decode_swing" else getattr(c, k)) for k in fields
        }
        if values == fields:
            return True
    return False


def _assert_exact(result: Identification):
    assert result.identified, result.summary()
    assert result.best.max_abs < 1e-3, result.summary()
    assert result.message.startswith("identified")


# ---------------------------------------------------------------------- NV12 frames
@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_frame_from_every_profile(crop, profile):
    frame = core.rgb_to_nv12(crop, profile=profile)
    result = identify_pipeline(crop, frame)
    _assert_exact(result)
    assert result.kind == "nv12"
    assert result.best.max_abs == 0
    assert _found(result, profile=profile), result.summary()


@pytest.mark.parametrize("swing", core.SWINGS)
@pytest.mark.parametrize("matrix", core.MATRICES)
@pytest.mark.parametrize("chroma", core.CHROMA_DOWNSAMPLING)
def test_frame_from_every_keyword_combination(crop, swing, matrix, chroma):
    frame = core.rgb_to_nv12(crop, swing=swing, matrix=matrix, chroma=chroma)
    result = identify_pipeline(crop, frame)
    _assert_exact(result)
    assert result.best.planes["y"]["max_abs"] == 0 and result.best.planes["uv"]["max_abs"] == 0
    assert _found(result, profile=None, swing=swing, matrix=matrix, chroma=chroma)


def test_frame_read_as_nv21_is_reported(crop):
    frame = core.rgb_to_nv12(crop, swing="studio", chroma="decimate")
    swapped = NV12(frame.y, frame.uv[..., ::-1].copy())
    result = identify_pipeline(crop, swapped)
    _assert_exact(result)
    assert "NV21" in result.best.label and "NV21" in result.best.note


def test_frame_resized_from_a_larger_image(big_crop):
    fitted = core.fit_image(big_crop, (48, 64), policy="center-crop", interpolation="area")
    frame = core.rgb_to_nv12(fitted, profile=PROFILE_NAMES[0])
    result = identify_pipeline(big_crop, frame)
    _assert_exact(result)
    assert _found(result, resize_policy="center-crop", interpolation="area")


# ---------------------------------------------------------------------- tensors
@pytest.mark.parametrize(
    "profile,fmt",
    [
        (p, f)
        for p in PROFILE_NAMES
        for f in core.TRAIN_FORMATS
        # profiles that convert NV12 straight to RGB have no YUV444 decode
        if not (f == "yuv444" and core.PROFILES[p].upsample not in core.CHROMA_UPSAMPLING)
    ],
)
def test_tensor_from_every_profile(crop, profile, fmt):
    cfg = PreprocessConfig(train_format=fmt, profile=profile)
    pixels = device_pixels(crop, cfg)
    dump = plain_tensor(pixels, 255.0, 0.5, 0.25)
    result = identify_pipeline(crop, dump)
    _assert_exact(result)
    assert result.layout == "NCHW"
    assert _found(result, train_format=fmt), result.summary()
    if fmt != "gray":  # a grey model sees Y only: every encoder with the same Y ties
        assert any(c.profile == profile for c in result.best.configs) or result.best.path == "pc"
    channels = 1 if fmt == "gray" else 3
    np.testing.assert_allclose(result.config.pixel_mean, [127.5] * channels, rtol=1e-4)
    np.testing.assert_allclose(result.config.pixel_std, [63.75] * channels, rtol=1e-4)


_RGB_COMBOS = [
    (s, m, c, u, d)
    for s in core.SWINGS
    for m in core.MATRICES
    for c in core.CHROMA_DOWNSAMPLING
    for u in core.CHROMA_UPSAMPLING
    for d in core.SWINGS
]


@pytest.mark.parametrize("swing,matrix,chroma,upsample,decode_swing", _RGB_COMBOS)
def test_tensor_every_keyword_combination_rgb(crop, swing, matrix, chroma, upsample, decode_swing):
    cfg = PreprocessConfig(
        train_format="rgb",
        swing=swing,
        matrix=matrix,
        chroma=chroma,
        upsample=upsample,
        decode_swing=decode_swing,
    )
    result = identify_pipeline(crop, plain_tensor(device_pixels(crop, cfg), 1.0, 0.0, 1.0))
    _assert_exact(result)
    assert _found(
        result,
        profile=None,
        train_format="rgb",
        swing=swing,
        matrix=matrix,
        chroma=chroma,
        upsample=upsample,
        decode_swing=decode_swing,
    ), result.summary()


@pytest.mark.parametrize("swing", core.SWINGS)
@pytest.mark.parametrize("matrix", core.MATRICES)
@pytest.mark.parametrize("chroma", core.CHROMA_DOWNSAMPLING)
@pytest.mark.parametrize("upsample", core.CHROMA_UPSAMPLING)
def test_tensor_every_keyword_combination_yuv444(crop, swing, matrix, chroma, upsample):
    cfg = PreprocessConfig(
        train_format="yuv444", swing=swing, matrix=matrix, chroma=chroma, upsample=upsample
    )
    dump = plain_tensor(device_pixels(crop, cfg), 1.0, 128.0, 128.0, layout="NHWC")
    result = identify_pipeline(crop, dump)
    _assert_exact(result)
    assert result.layout == "NHWC"
    assert _found(
        result, train_format="yuv444", swing=swing, matrix=matrix, chroma=chroma, upsample=upsample
    )


@pytest.mark.parametrize("swing", core.SWINGS)
@pytest.mark.parametrize("matrix", core.MATRICES)
def test_tensor_every_keyword_combination_gray(crop, swing, matrix):
    cfg = PreprocessConfig(train_format="gray", swing=swing, matrix=matrix)
    result = identify_pipeline(crop, plain_tensor(device_pixels(crop, cfg), 255.0, 0.0, 1.0))
    _assert_exact(result)
    assert _found(result, train_format="gray", matrix=matrix)


def test_pc_tensor_is_told_from_the_nv12_path(crop):
    dump = plain_tensor(core.rgb_to_format(crop, "bgr"), 255.0, 0.5, 0.5)
    result = identify_pipeline(crop, dump)
    _assert_exact(result)
    assert result.best.path == "pc" and result.config.train_format == "bgr"
    assert result.runners_up and result.runners_up[0].max_abs >= 1  # NV12 costs levels


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    divisor=st.sampled_from([1.0, 255.0, 127.5, 256.0]),
    mean=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3),
    std=st.lists(st.floats(0.05, 2.0), min_size=3, max_size=3),
    layout=st.sampled_from(["NCHW", "NHWC", "CHW", "HWC"]),
    fmt=st.sampled_from(["rgb", "bgr"]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_drawn_normalisations_and_layouts_are_solved(crop, divisor, mean, std, layout, fmt, dtype):
    # mean in units of the divided pixels (as hbdk4 / this package), within the code
    # range, std > 0: every physical normalisation (issue 19: only physical answers)
    cfg = PreprocessConfig(train_format=fmt, chroma="decimate", upsample="bilinear")
    dump = plain_tensor(device_pixels(crop, cfg), divisor, mean, std, layout, dtype)
    result = identify_pipeline(crop, dump)
    _assert_exact(result)
    assert result.layout == layout
    assert result.config.layout == ("NCHW" if "CHW" in layout else "NHWC")
    assert _found(result, train_format=fmt, chroma="decimate", upsample="bilinear")
    assert result.config.divisor == 1.0
    np.testing.assert_allclose(
        result.config.pixel_mean, np.multiply(mean, divisor), rtol=1e-3, atol=1e-3
    )
    np.testing.assert_allclose(result.config.pixel_std, np.multiply(std, divisor), rtol=1e-3)


@pytest.mark.parametrize(
    "mean,std",
    [((0.5, 0.5, 0.5), (0.5, -0.5, 0.5)), ((-3.0, 0.4, 0.4), (0.2, 0.2, 0.2))],
)
def test_unphysical_normalisation_is_no_answer(crop, mean, std):
    """A negative std or a pixel mean far outside the code range is no pipeline: the dump
    is not explained and no configuration is printed as an answer."""
    cfg = PreprocessConfig(train_format="rgb")
    dump = plain_tensor(device_pixels(crop, cfg), 255.0, mean, std)
    result = identify_pipeline(crop, dump)
    assert not result.identified
    assert result.message.startswith("nothing known explains this")
    assert "physical" in result.message and "normalisation (divisor" not in result.summary()
    assert not result.best.physical
    # no explanation anywhere (JSON, the dashboard's table) carries the absurd values
    for e in (result.best, *result.runners_up):
        c = e.config
        assert all(s > 0 for s in c.pixel_std) and all(-1 <= m <= 256 for m in c.pixel_mean)


def test_a_dump_of_another_image_says_so(crop, big_crop):
    other = np.ascontiguousarray(big_crop[: crop.shape[0], : crop.shape[1]])
    dump = plain_tensor(device_pixels(other, PreprocessConfig()), 255.0, 0.5, 0.5)
    result = identify_pipeline(crop, dump)
    assert not result.identified and result.message.startswith("nothing known explains")
    for e in (result.best, *result.runners_up):
        c = e.config
        assert not e.physical or (
            all(s > 0 for s in c.pixel_std) and all(-1 <= m <= 256 for m in c.pixel_mean)
        )


@pytest.mark.parametrize("policy", core.RESIZE_POLICIES)
def test_resize_policy_is_found(big_crop, policy):
    fitted = core.fit_image(big_crop, (64, 64), policy=policy, interpolation="bilinear")
    dump = plain_tensor(core.rgb_to_format(fitted, "rgb"), 255.0, 0.0, 1.0)
    result = identify_pipeline(big_crop, dump)
    _assert_exact(result)
    assert _found(result, resize_policy=policy, interpolation="bilinear"), result.summary()
    assert result.config.size == (64, 64)


def test_quantised_int8_dump_within_its_step(crop):
    cfg = PreprocessConfig(train_format="rgb", profile=PROFILE_NAMES[-1])
    x = plain_tensor(device_pixels(crop, cfg), 255.0, 0.5, 0.5, dtype=np.float64)
    q = core.quantize(x, scale=1 / 64, zero_point=0)  # a step of 2 grey levels
    result = identify_pipeline(crop, q)
    assert result.identified, result.summary()
    assert 1.0 < result.effective_tolerance < 2.5  # tolerance + half a step (~1 level)


def test_aligned_dump_with_model_size(crop):
    dump = plain_tensor(core.rgb_to_format(crop, "rgb"), 255.0, 0.0, 1.0)
    padded = np.zeros(dump.shape[:3] + (96,), np.float32)  # width aligned to 96
    padded[..., : dump.shape[3]] = dump
    assert not identify_pipeline(crop, padded).identified  # 64x96 is not this image
    result = identify_pipeline(crop, padded, model_size=crop.shape[:2])
    _assert_exact(result)
    assert result.config.size == crop.shape[:2]


# ---------------------------------------------------------------------- nothing explains
def test_gamma_curve_is_not_explained(crop):
    pixels = core.rgb_to_format(crop, "rgb").astype(np.float64)
    dump = plain_tensor(255.0 * (pixels / 255.0) ** (1 / 2.2), 255.0, 0.5, 0.5)
    result = identify_pipeline(crop, dump)
    assert not result.identified
    assert result.message.startswith("nothing known explains this within 1 grey level")
    assert result.best.max_abs > 5


def test_permuted_pixels_are_not_explained(crop):
    pixels = core.rgb_to_format(crop, "rgb").reshape(-1, 3)
    perm = np.random.default_rng(1).permutation(len(pixels))
    dump = plain_tensor(pixels[perm].reshape(crop.shape), 255.0, 0.5, 0.5)
    assert not identify_pipeline(crop, dump).identified


def test_permuted_frame_is_not_explained(crop):
    frame = core.rgb_to_nv12(crop)
    y = frame.y.reshape(-1)[np.random.default_rng(2).permutation(frame.y.size)]
    result = identify_pipeline(crop, NV12(y.reshape(frame.y.shape), frame.uv))
    assert not result.identified and "nothing known" in result.message


def test_tolerance_decides(crop):
    # A one-level offset on one channel: exact with tolerance 1, not with 0.5.
    pixels = core.rgb_to_format(crop, "rgb").astype(np.float64)
    pixels[::7, ::5, 1] += 1.0
    dump = plain_tensor(pixels, 1.0, 0.0, 1.0)
    assert identify_pipeline(crop, dump).identified
    assert not identify_pipeline(crop, dump, tolerance=0.5).identified


# ---------------------------------------------------------------------- results and errors
def test_result_serialises_and_reads(crop):
    frame = core.rgb_to_nv12(crop, chroma="decimate")
    pixels = core.nv12_to_format(frame, "rgb")
    result = identify_pipeline(crop, plain_tensor(pixels, 255.0, 0.5, 0.5), top=3)
    assert len(result.runners_up) == 3
    data = json.loads(json.dumps(result.to_dict()))
    assert data["identified"] is True and data["best"]["config"]["divisor"] == 1.0
    assert PreprocessConfig.from_dict(data["best"]["config"]) == result.config
    text = result.summary()
    assert result.message in text and "runners-up" in text and "divisor 255" in text
    with pytest.raises(AttributeError):
        result.identified = False  # frozen


@pytest.mark.parametrize(
    "rgb,observed,kw,match",
    [
        (np.zeros((8, 8), np.uint8), np.zeros((1, 3, 8, 8)), {}, "rgb must be"),
        (np.zeros((8, 8, 3), np.float32), np.zeros((1, 3, 8, 8)), {}, "uint8"),
        (None, [1, 2, 3], {}, "numpy array"),
        (None, np.zeros((1, 5, 8, 8)), {}, "no axis of 1 or 3"),
        (None, np.full((1, 3, 8, 8), np.nan), {}, "NaN"),
        (None, np.zeros((1, 3, 8, 8)), {"top": -1}, "top"),
        (None, np.zeros((1, 3, 8, 8)), {"tolerance": -1}, "tolerance"),
        (None, np.zeros((1, 3, 8, 8)), {"model_size": (9, 8)}, "model_size"),
        (None, np.zeros((1, 3, 8, 8), bool), {}, "numbers"),
        (None, np.zeros((0, 3, 8, 8), np.float32), {}, "holds no values"),  # was IndexError
        (None, np.zeros((1, 3, 0, 8), np.float32), {}, "holds no values"),
    ],
)
def test_bad_input_raises_input_error(rgb, observed, kw, match):
    rgb = np.zeros((8, 8, 3), np.uint8) if rgb is None else rgb
    with pytest.raises(InputError, match=match):
        identify_pipeline(rgb, observed, **kw)


# ---------------------------------------------------------------------- CLI
def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_identify(capsys, tmp_path, crop):
    from PIL import Image

    image = tmp_path / "crop.png"
    Image.fromarray(crop).save(image)
    tensor = plain_tensor(core.rgb_to_format(crop, "bgr"), 255.0, 0.5, 0.5)
    np.save(tmp_path / "t.npy", tensor)
    save_tensor(tensor, tmp_path / "t2")
    frame = core.rgb_to_nv12(crop, profile=PROFILE_NAMES[0])
    save_nv12(frame, tmp_path / "f")
    (tmp_path / "raw.nv12").write_bytes(frame.tobytes())

    code, out, err = _run(capsys, "identify", image, tmp_path / "t.npy", "--json")
    assert code == 0 and not err
    data = json.loads(out)
    assert data["identified"] and data["best"]["config"]["train_format"] == "bgr"

    code, out, _ = _run(capsys, "identify", image, tmp_path / "t2.bin", "--top", "1")
    assert code == 0 and out.startswith("identified") and "mean [127.5, 127.5, 127.5]" in out

    code, out, _ = _run(capsys, "identify", image, tmp_path / "f.nv12")
    assert code == 0 and PROFILE_NAMES[0] in out
    h, w = crop.shape[:2]
    code, out, _ = _run(
        capsys, "identify", image, tmp_path / "raw.nv12", "--width", w, "--height", h
    )
    assert code == 0 and "residual per plane" in out

    code, out, err = _run(capsys, "identify", image, tmp_path / "raw.nv12")
    assert code == 2 and not out and err.count("\n") == 1 and "--width and --height" in err
    code, _, err = _run(capsys, "identify", image, tmp_path / "missing.npy")
    assert code == 2 and err.startswith("nv12-widgets: error:")
    code, _, err = _run(capsys, "identify", image, tmp_path / "t.npy", "--width", 4)
    assert code == 2 and "width" in err

    gamma = plain_tensor(255.0 * (crop / 255.0) ** 0.45, 255.0, 0.0, 1.0)
    np.save(tmp_path / "g.npy", gamma)
    code, out, _ = _run(capsys, "identify", image, tmp_path / "g.npy")
    assert code == 1 and out.startswith("nothing known explains")


def test_load_dump_paths_and_uploads(tmp_path, crop):
    from nv12_widgets.model.workflows.identify import load_dump

    tensor = plain_tensor(crop, 255.0, 0.5, 0.5)
    np.save(tmp_path / "t.npy", tensor)
    assert np.array_equal(load_dump(tmp_path / "t.npy"), tensor)
    assert np.array_equal(load_dump((tmp_path / "t.npy").read_bytes(), name="t.npy"), tensor)
    frame = core.rgb_to_nv12(crop)
    h, w = crop.shape[:2]
    assert load_dump(frame.tobytes(), width=w, height=h, name="up.nv12") == frame
    assert load_dump(frame.to_nv21_bytes(), width=w, height=h, name="up.nv21") == frame
    (tmp_path / "f.yuv").write_bytes(frame.tobytes())
    assert load_dump(tmp_path / "f.yuv", width=w, height=h) == frame
    with pytest.raises(InputError, match="width"):
        load_dump(frame.tobytes(), name="up.nv12")
    (tmp_path / "x.nv21").write_bytes(frame.to_nv21_bytes())
    with pytest.raises(InputError, match="contradicts"):
        load_dump(tmp_path / "x.nv21", width=w, height=h, fmt="nv12")


def test_frame_rounding_difference_shows_as_bias(crop):
    frame = core.rgb_to_nv12(crop, chroma="decimate")
    # Every other luma sample one level lower: what truncating instead of rounding does.
    low = (np.arange(frame.y.size).reshape(frame.y.shape) % 2).astype(np.uint8)
    y = np.where(frame.y > 0, frame.y - low, frame.y)
    result = identify_pipeline(crop, NV12(y, frame.uv))
    assert result.identified and result.best.max_abs == 1
    assert result.best.planes["y"]["bias"] < -0.4 and result.best.planes["uv"]["bias"] == 0
    assert "rounding difference" in result.summary()


def test_a_profile_registered_at_run_time_is_searched(monkeypatch, crop):
    """identify enumerates core.PROFILES when it runs: a new device profile needs no change."""
    from nv12_widgets.core.registry import Profile

    def encode(rgb):  # a made-up device: generic full-swing BT.601 with a +1 black level
        f = core.rgb_to_nv12(rgb)
        return NV12(np.minimum(f.y, 254) + 1, f.uv)

    def decode(frame):
        return core.nv12_to_rgb(NV12(np.maximum(frame.y, 1) - 1, frame.uv))

    prof = Profile(
        name="test-black-level",
        description="made up for this test",
        swing="full",
        matrix="bt601",
        chroma="mean",
        upsample="nearest",
        encode=encode,
        decode=decode,
    )
    monkeypatch.setitem(core.PROFILES, prof.name, prof)
    result = identify_pipeline(crop, core.rgb_to_nv12(crop, profile=prof.name))
    _assert_exact(result)
    assert result.config.profile == prof.name
    assert result.runners_up[0].max_abs == 1  # the generic encoder, one level off

    cfg = PreprocessConfig(train_format="bgr", profile=prof.name)
    dump = plain_tensor(device_pixels(crop, cfg), 255.0, 0.5, 0.5)
    result = identify_pipeline(crop, dump)
    _assert_exact(result)
    assert any(c.profile == prof.name for c in result.best.configs)


def test_float16_dump_within_its_rounding(crop):
    dump = plain_tensor(core.rgb_to_format(crop, "rgb"), 255.0, 0.5, 0.5, dtype=np.float16)
    result = identify_pipeline(crop, dump)
    assert result.identified, result.summary()
    assert result.effective_tolerance > result.tolerance  # half a float16 step added
    np.testing.assert_allclose(result.config.pixel_std, [127.5] * 3, rtol=1e-2)


def test_yolox_preprocessing_is_identified_as_a_top_left_letterbox():
    """ddddocr's YOLOX detector input (its own ``preproc``: BGR codes 0..255, the image
    at the top-left of a grey-114 416 x 416 canvas) used to be "not from this image"."""
    pytest.importorskip("ddddocr")
    from ddddocr.core.detection_engine import DetectionEngine

    rgb = core.load_image(next(p for p in demo_image_paths() if p.stem == "chelsea"))
    tensor, _ratio = DetectionEngine.preproc(None, rgb[..., ::-1], (416, 416))
    result = identify_pipeline(rgb, tensor[None])
    assert result.identified, result.summary()
    c = result.config
    assert (c.resize_policy, c.train_format, c.size) == ("letterbox-topleft", "bgr", (416, 416))
    assert c.pixel_mean == pytest.approx((0, 0, 0), abs=1e-3)
    assert c.pixel_std == pytest.approx((1, 1, 1), abs=1e-3)
