"""Device profiles against their vendors' formulas, re-implemented plainly here.

Every oracle below is written from the cited source, pixel by pixel with Python numbers
(or, for OpenVINO, OpenVINO itself), and compared on the bundled photos and on synthetic
sweeps over the YUV cube. Agreement is exact unless a bound is stated and explained.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from nv12_widgets.core import NV12, PROFILES, InputError, nv12_to_rgb, rgb_to_nv12
from nv12_widgets.devices import ascend, horizon, openvino, rga, tidl

from .conftest import PHOTO_NAMES, images

DEVICE_PROFILES = [n for n, p in PROFILES.items() if p.source]


def f32(x: float) -> float:
    """Round a Python float to float32 (as C's float)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def yuv_sweep(step: int = 15) -> NV12:
    """Every (Y, U, V) of a grid over the cube, each as one 2x2 block (nearest = exact)."""
    levels = np.array(sorted(set(range(0, 256, step)) | {16, 128, 235, 240, 255}), np.uint8)
    y, u, v = np.meshgrid(levels, levels, levels, indexing="ij")
    n = y.size
    cols = 64
    rows = -(-n // cols)
    pad = rows * cols - n
    yb = np.concatenate([y.ravel(), np.zeros(pad, np.uint8)]).reshape(rows, cols)
    uvb = np.stack(
        [np.concatenate([c.ravel(), np.full(pad, 128, np.uint8)]) for c in (u, v)], -1
    ).reshape(rows, cols, 2)
    return NV12(np.repeat(np.repeat(yb, 2, 0), 2, 1), uvb)


def sample_pixels(frame: NV12, n: int, seed: int = 0):
    """n random (i, j, Y, U, V) of a frame, chroma from block (i // 2, j // 2)."""
    rng = np.random.default_rng(seed)
    for i, j in rng.integers(0, [frame.height, frame.width], (n, 2)).tolist():
        u, v = (int(c) for c in frame.uv[i // 2, j // 2])
        yield i, j, int(frame.y[i, j]), u, v


def photo_frames():
    for name in PHOTO_NAMES:
        rgb = images()[name]
        yield name, rgb_to_nv12(rgb, swing="studio"), rgb_to_nv12(rgb)


# -- registry -----------------------------------------------------------------------------
def test_every_device_profile_cites_a_source_and_decodes_to_uint8():
    assert set(DEVICE_PROFILES) >= {"horizon-bpu", "openvino", "openvino-f32", "tidl"}
    frame = yuv_sweep(51)
    for name in DEVICE_PROFILES:
        prof = PROFILES[name]
        assert len(prof.source) > 20
        out = nv12_to_rgb(frame, profile=name)
        assert out.dtype == np.uint8 and out.shape == (frame.height, frame.width, 3)
        bgr = nv12_to_rgb(frame, profile=name, order="bgr")
        np.testing.assert_array_equal(bgr, out[..., ::-1])
        if prof.decode_float is not None:
            x = prof.decode_float(frame)
            assert x.dtype == np.float32
            np.testing.assert_array_equal(np.clip(np.rint(x), 0, 255), out)


def test_camera_side_profiles_use_the_generic_encoder():
    rgb = images()["astronaut_238x322"]
    for name in DEVICE_PROFILES:
        prof = PROFILES[name]
        frame = rgb_to_nv12(rgb, profile=name)
        if prof.device_encodes:
            assert name == "horizon-bpu"
            assert frame == rgb_to_nv12(rgb, profile="horizon")
        else:
            assert frame == rgb_to_nv12(rgb, swing=prof.swing, matrix=prof.matrix)


# -- OpenVINO -------------------------------------------------------------------------------
def openvino_reference_pixel(y: int, u: int, v: int, rounding: str) -> list[int]:
    """yuv_pixel_to_rgb<uint8_t> of convert_color_nv12.hpp, float by float."""
    c, d, e = f32(y - 16.0), f32(u - 128.0), f32(v - 128.0)
    b = f32(f32(f32(1.164) * c) + f32(f32(2.018) * d))
    g = f32(f32(f32(f32(1.164) * c) - f32(f32(0.391) * d)) - f32(f32(0.813) * e))
    r = f32(f32(f32(1.164) * c) + f32(f32(1.596) * e))
    out = []
    for a in (r, g, b):
        if rounding == "half_away":  # std::round
            q = math.floor(abs(a) + 0.5) * (1 if a >= 0 else -1)
        else:  # nearbyint, the CPU plugin
            q = round(a)  # Python's round: half to even
        out.append(min(max(q, 0), 255))
    return out


@pytest.mark.parametrize("rounding", ["half_away", "half_even"])
def test_openvino_equals_reference_formula(rounding):
    for name, studio, full in photo_frames():
        for frame in (studio, full):
            got = openvino.openvino_nv12_to_rgb(frame, rounding=rounding)
            for i, j, y, u, v in sample_pixels(frame, 1500):
                assert got[i, j].tolist() == openvino_reference_pixel(y, u, v, rounding), name
    frame = yuv_sweep()
    got = openvino.openvino_nv12_to_rgb(frame, rounding=rounding)
    for i in range(0, frame.height, 2):
        for j in range(0, frame.width, 2):
            y, (u, v) = int(frame.y[i, j]), frame.uv[i // 2, j // 2].tolist()
            assert got[i, j].tolist() == openvino_reference_pixel(y, u, v, rounding)


def test_openvino_roundings_differ_only_on_float32_ties():
    frame = rgb_to_nv12(images()["astronaut"], swing="studio")
    x = openvino.openvino_nv12_to_rgb_float(frame)
    even = openvino.openvino_nv12_to_rgb(frame)
    away = openvino.openvino_nv12_to_rgb(frame, rounding="half_away")
    differ = even != away
    assert 0 < differ.mean() < 0.002
    assert np.all(x[differ] - np.floor(x[differ]) == 0.5)
    assert np.all(away[differ].astype(int) - even[differ] == 1)


def _openvino_ppp(h: int, w: int, order: str, float_first: bool):
    ov = pytest.importorskip(
        "openvino",
        reason="OpenVINO is the independent oracle for the 'openvino' profile: "
        "pip install nv12_widgets[openvino]",
    )
    from openvino import opset13 as ops
    from openvino.preprocess import ColorFormat, PrePostProcessor

    p = ops.parameter([1, h, w, 3], np.float32, name="x")
    ppp = PrePostProcessor(ov.Model([ops.result(p)], [p]))
    ppp.input().tensor().set_element_type(ov.Type.u8).set_color_format(
        ColorFormat.NV12_TWO_PLANES, ["y", "uv"]
    )
    target = ColorFormat.RGB if order == "rgb" else ColorFormat.BGR
    pre = ppp.input().preprocess()
    if float_first:
        pre.convert_element_type(ov.Type.f32).convert_color(target)
    else:
        pre.convert_color(target).convert_element_type(ov.Type.f32)
    ppp.input().model().set_layout(ov.Layout("NHWC"))
    compiled = ov.Core().compile_model(ppp.build(), "CPU")

    def run(frame: NV12) -> np.ndarray:
        y, uv = frame.as_model_inputs()
        res = compiled({compiled.inputs[0]: y, compiled.inputs[1]: uv})
        return res[compiled.outputs[0]][0]

    return run


@pytest.mark.parametrize("order", ["rgb", "bgr"])
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea_even"])
def test_openvino_profiles_equal_openvino_prepostprocessor(name, order):
    rgb = images()[name]
    h, w = rgb.shape[:2]
    u8_path = _openvino_ppp(h, w, order, float_first=False)
    f32_path = _openvino_ppp(h, w, order, float_first=True)
    for frame in (rgb_to_nv12(rgb, swing="studio"), rgb_to_nv12(rgb)):
        got = nv12_to_rgb(frame, profile="openvino", order=order)
        np.testing.assert_array_equal(u8_path(frame), got.astype(np.float32))
        x = PROFILES["openvino-f32"].decode_float(frame)
        x = x if order == "rgb" else x[..., ::-1]
        np.testing.assert_array_equal(f32_path(frame), x)


# -- TIDL -----------------------------------------------------------------------------------
def tidl_reference_pixel(y: int, u: int, v: int) -> list[float]:
    """The converter's 1x1 Conv in float32, summed Y, U, V then bias (one plausible order)."""
    w = [[1.164, 0.0, 1.596], [1.164, -0.391, -0.813], [1.164, 2.018, 0.0]]
    bias = [-222.912, 135.488, -276.928]
    out = []
    for row, b in zip(w, bias, strict=True):
        acc = 0.0
        for coef, x in zip(row, (y, u, v), strict=True):
            acc = f32(acc + f32(f32(coef) * x))
        out.append(f32(acc + f32(b)))
    return out


def test_tidl_equals_the_published_convolution():
    # Bound: TIDL's Conv is float32; its summation order is the kernel's. Ours is the
    # exact value rounded once to float32, so a float32 kernel differs by at most a few
    # ulp of values below 512 (ulp 2^-14): 1e-3 is a generous bound, 0 levels after
    # rounding except at exact .5 ties, which these coefficients never produce.
    for name, studio, full in photo_frames():
        for frame in (studio, full):
            got = tidl.tidl_nv12_to_rgb_float(frame)
            for i, j, y, u, v in sample_pixels(frame, 1500):
                ref = tidl_reference_pixel(y, u, v)
                assert np.abs(got[i, j] - ref).max() <= 1e-3, name
    frame = yuv_sweep()
    got = tidl.tidl_nv12_to_rgb_float(frame)
    worst = 0.0
    for i in range(0, frame.height, 2):
        for j in range(0, frame.width, 2):
            y, (u, v) = int(frame.y[i, j]), frame.uv[i // 2, j // 2].tolist()
            worst = max(worst, float(np.abs(got[i, j] - tidl_reference_pixel(y, u, v)).max()))
    assert worst <= 1e-3
    # Unrounded and unclipped: Y = 0 black goes below 0, as in the converted model.
    assert got.min() < -10 and got.max() > 265


def test_tidl_is_studio_bt601_with_three_decimals():
    # (Y=235, U=V=128) -> 1.164 * 219 = 254.916 for every channel.
    frame = NV12(np.full((2, 2), 235, np.uint8), np.full((1, 1, 2), 128, np.uint8))
    np.testing.assert_allclose(tidl.tidl_nv12_to_rgb_float(frame)[0, 0], [254.916] * 3, atol=1e-4)
    assert nv12_to_rgb(frame, profile="tidl")[0, 0].tolist() == [255, 255, 255]


# -- Horizon BPU ----------------------------------------------------------------------------
BPU_SOURCE = {  # centered_yuv2rgb, horizon_plugin_pytorch functional.py
    "full": ([[1.0, 0.0, 1.402], [1.0, -0.3441, -0.7141], [1.0, 1.772, 0.0]], [0.0110, 0.0078, 0.0139], 128.0),
    "studio": ([[1.164, 0.0, 1.596], [1.164, -0.392, -0.812], [1.164, 2.016, 0.0]], [0.0125, 0.0091, 0.0158], 112 * 1.164),
}  # fmt: skip


def round_away(x: float) -> int:
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def bpu_reference(y, u, v, swing="full", mean=(128.0,) * 3, std=(128.0,) * 3, q_scale=1 / 128):
    """_quantized_convert_color step by step: int8 weights, int bias, requantise."""
    w, ws, offset = BPU_SOURCE[swing]
    out = []
    for row, s, m, sd in zip(w, ws, mean, std, strict=True):
        s_std = f32(f32(s) / f32(sd))
        wq = [min(max(round_away(f32(f32(c) / f32(sd)) / s_std), -128), 127) for c in row]
        bq = round_away(f32(f32(f32(offset) - f32(m)) / f32(sd)) / s_std)
        acc = wq[0] * (y - 128) + wq[1] * (u - 128) + wq[2] * (v - 128) + bq
        out.append(min(max(round_away(acc * s_std / f32(q_scale)), -128), 127))
    return out


def test_horizon_bpu_equals_quantised_conv_on_photos_and_sweep():
    for name, _, frame in photo_frames():
        got = nv12_to_rgb(frame, profile="horizon-bpu")
        for i, j, y, u, v in sample_pixels(frame, 1500):
            assert got[i, j].tolist() == [q + 128 for q in bpu_reference(y, u, v)], name
    frame = yuv_sweep()
    got = nv12_to_rgb(frame, profile="horizon-bpu")
    for i in range(0, frame.height, 2):
        for j in range(0, frame.width, 2):
            y, (u, v) = int(frame.y[i, j]), frame.uv[i // 2, j // 2].tolist()
            assert got[i, j].tolist() == [q + 128 for q in bpu_reference(y, u, v)]


@pytest.mark.parametrize(
    ("swing", "mean", "std", "q_scale"),
    [
        ("full", (123.675, 116.28, 103.53), (58.395, 57.12, 57.375), 1 / 64),
        ("studio", (128.0,), (128.0,), 1 / 128),
        ("full", (0.0,), (255.0,), 1 / 127),
    ],
)
def test_horizon_bpu_operator_with_normalisation(swing, mean, std, q_scale):
    frame = yuv_sweep(35)
    yuv = np.concatenate([frame.y[..., None], np.repeat(np.repeat(frame.uv, 2, 0), 2, 1)], -1)
    got = horizon.horizon_bpu_centered_yuv2rgb(
        yuv, swing=swing, mean=mean, std=std, q_scale=q_scale
    )
    assert got.dtype == np.int8
    m3 = tuple(mean) * (3 // len(mean))
    s3 = tuple(std) * (3 // len(std))
    for i in range(0, frame.height, 2):
        for j in range(0, frame.width, 2):
            y, u, v = (int(c) for c in yuv[i, j])
            assert got[i, j].tolist() == bpu_reference(y, u, v, swing, m3, s3, q_scale)
    bgr = horizon.horizon_bpu_centered_yuv2rgb(
        yuv, swing=swing, mean=m3[::-1], std=s3[::-1], q_scale=q_scale, order="bgr"
    )
    np.testing.assert_array_equal(bgr, got[..., ::-1])


def test_horizon_bpu_effective_coefficients_and_difference_to_float_horizon():
    eff = horizon.horizon_bpu_effective_weights("full")
    # R from V 127 * 0.011 = 1.397; G from U -44 * 0.0078 = -0.3432; G's Y weight
    # 1 / 0.0078 = 128.2 saturates at 127: 0.9906.
    np.testing.assert_allclose(eff[0, 2], 1.397, atol=1e-6)
    np.testing.assert_allclose(eff[1, 1], -0.3432, atol=1e-6)
    np.testing.assert_allclose(eff[1, 0], 0.9906, atol=1e-6)
    frame = rgb_to_nv12(images()["astronaut"], profile="horizon")
    bpu = nv12_to_rgb(frame, profile="horizon-bpu").astype(int)
    flt = nv12_to_rgb(frame, profile="horizon").astype(int)
    diff = np.abs(bpu - flt)
    assert 1 <= diff.max() <= 3 and 0.05 < (diff > 0).mean() < 0.6


def test_horizon_bpu_rejects_bad_scales():
    with pytest.raises(InputError, match="positive"):
        horizon.horizon_bpu_centered_yuv2rgb(np.zeros((2, 2, 3), np.uint8), std=(0.0,))


# -- Ascend AIPP ----------------------------------------------------------------------------
AIPP_DOC = {  # CANN ATC Instructions, "CSC Configuration", YUV420SP_U8 -> RGB
    "jpeg": ([256, 0, 359, 256, -88, -183, 256, 454, 0], [0, 128, 128]),
    "bt601-narrow": ([298, 0, 409, 298, -100, -208, 298, 516, 0], [16, 128, 128]),
    "bt601-wide": ([256, 0, 359, 256, -88, -183, 256, 454, 0], [0, 128, 128]),
    "bt709-narrow": ([298, 0, 459, 298, -55, -136, 298, 541, 0], [16, 128, 128]),
    "bt709-wide": ([256, 0, 403, 256, -48, -120, 256, 475, 0], [0, 128, 128]),
}


def aipp_reference(y: int, u: int, v: int, preset: str) -> list[int]:
    m, bias = AIPP_DOC[preset]
    x = (y - bias[0], u - bias[1], v - bias[2])
    out = []
    for r in range(3):
        acc = m[3 * r] * x[0] + m[3 * r + 1] * x[1] + m[3 * r + 2] * x[2]
        out.append(min(max(acc >> 8, 0), 255))  # Python >> on ints: arithmetic shift
    return out


@pytest.mark.parametrize("preset", list(AIPP_DOC))
def test_ascend_aipp_equals_documented_csc(preset):
    name = f"ascend-aipp-{preset}"
    for photo, studio, full in photo_frames():
        for frame in (studio, full):
            got = nv12_to_rgb(frame, profile=name)
            for i, j, y, u, v in sample_pixels(frame, 800):
                assert got[i, j].tolist() == aipp_reference(y, u, v, preset), photo
    frame = yuv_sweep()
    got = nv12_to_rgb(frame, profile=name)
    for i in range(0, frame.height, 2):
        for j in range(0, frame.width, 2):
            y, (u, v) = int(frame.y[i, j]), frame.uv[i // 2, j // 2].tolist()
            assert got[i, j].tolist() == aipp_reference(y, u, v, preset)


def test_ascend_aipp_nv21_with_rbuv_swap():
    frame = rgb_to_nv12(images()["coffee_238x322"])
    nv21 = NV12(frame.y, np.ascontiguousarray(frame.uv[..., ::-1]))  # V, U byte order
    for preset in AIPP_DOC:
        np.testing.assert_array_equal(
            ascend.ascend_aipp_nv12_to_rgb(nv21, preset, rbuv_swap=True),
            ascend.ascend_aipp_nv12_to_rgb(frame, preset),
        )
    with pytest.raises(InputError, match="AIPP preset"):
        ascend.ascend_aipp_nv12_to_rgb(frame, "bt2020")


def test_device_profiles_round_trip_on_photos():
    # Camera (generic encoder of the profile's standard) -> device decode: the 4:2:0
    # loss plus the device's arithmetic; bounded on average on real photos.
    rgb = images()["astronaut"]
    for name in DEVICE_PROFILES:
        back = nv12_to_rgb(rgb_to_nv12(rgb, profile=name), profile=name)
        assert np.abs(back.astype(int) - rgb).mean() < 3.0, name


def test_rga_modes_map_to_standards():
    assert rga.RGA_MODES["IM_YUV_TO_RGB_BT601_LIMIT"] == ("studio", "bt601")
    assert rga.RGA_MODES["IM_YUV_TO_RGB_BT601_FULL"] == ("full", "bt601")
    assert rga.RGA_MODES["IM_YUV_TO_RGB_BT709_LIMIT"] == ("studio", "bt709")


# -- Rockchip RGA ---------------------------------------------------------------------------
def test_rga_profiles_are_their_modes_standards():
    """RGA's coefficients are not public: each rga-* profile is its mode's standard,
    exactly rounded, nearest chroma (the mode mix-up of librga #104 is reproducible as
    encoding with one profile and decoding with another)."""
    from nv12_widgets.core import nv12_to_rgb
    from nv12_widgets.devices.rga import RGA_MODES

    rgb = images()["astronaut_238x322"]
    cases = {
        "rga-bt601-limited": RGA_MODES["IM_YUV_TO_RGB_BT601_LIMIT"],
        "rga-bt601-full": RGA_MODES["IM_YUV_TO_RGB_BT601_FULL"],
        "rga-bt709-limited": RGA_MODES["IM_YUV_TO_RGB_BT709_LIMIT"],
    }
    assert cases["rga-bt601-limited"] == ("studio", "bt601")
    assert cases["rga-bt601-full"] == ("full", "bt601")
    for name, (swing, matrix) in cases.items():
        prof = PROFILES[name]
        assert (prof.swing, prof.matrix, prof.upsample) == (swing, matrix, "nearest")
        frame = rgb_to_nv12(rgb, profile=name)
        assert frame == rgb_to_nv12(rgb, swing=swing, matrix=matrix)
        assert np.array_equal(
            nv12_to_rgb(frame, profile=name),
            nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample="nearest"),
        )
    # a full-swing camera frame decoded in the limited mode: stretched contrast
    full = rgb_to_nv12(rgb, profile="rga-bt601-full")
    wrong = nv12_to_rgb(full, profile="rga-bt601-limited").astype(int)
    right = nv12_to_rgb(full, profile="rga-bt601-full").astype(int)
    assert wrong.std() > right.std() * 1.1
