"""Named profiles reproduce real pipelines exactly: vendor-pil, horizon, opencv."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from nv12_widgets.core import (
    NV12,
    PROFILES,
    InputError,
    Profile,
    get_profile,
    nv12_to_rgb,
    rgb_to_nv12,
)

from .conftest import IMAGE_NAMES, images


# -- oracles ------------------------------------------------------------------------------
def generate_nv12(img):  # img: PIL RGB image
    """The vendor's reference generator (seed 000), re-implemented verbatim as the oracle."""
    w, h = img.size
    yuv_img = img.convert("YCbCr")
    y_data, u_data, v_data = yuv_img.split()
    y_data_bytes = y_data.tobytes()
    u_data_bytes = u_data.resize((u_data.width // 2, u_data.height // 2)).tobytes()
    v_data_bytes = v_data.resize((v_data.width // 2, v_data.height // 2)).tobytes()
    uvuvuv_data = bytearray()
    for u_byte, v_byte in zip(u_data_bytes, v_data_bytes, strict=True):
        uvuvuv_data.extend([u_byte, v_byte])
    y = np.frombuffer(y_data_bytes, dtype=np.uint8).reshape(1, h, w, 1).astype(np.uint8)
    uv = np.frombuffer(uvuvuv_data, dtype=np.uint8).reshape(1, h // 2, w // 2, 2).astype(np.uint8)
    return y, uv


def opencv_i420_planes(rgb: np.ndarray):
    h, w = rgb.shape[:2]
    flat = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420).reshape(-1)
    n, q = w * h, w * h // 4
    return (
        flat[:n].reshape(h, w),
        flat[n : n + q].reshape(h // 2, w // 2),
        flat[n + q :].reshape(h // 2, w // 2),
    )


# -- registry -----------------------------------------------------------------------------
def test_profiles_registry():
    assert set(PROFILES) == {
        "vendor-pil",
        "horizon",
        "opencv",
        "horizon-bpu",
        "openvino",
        "openvino-f32",
        "tidl",
        "ascend-aipp-jpeg",
        "ascend-aipp-bt601-narrow",
        "ascend-aipp-bt601-wide",
        "ascend-aipp-bt709-narrow",
        "ascend-aipp-bt709-wide",
        "rga-bt601-limited",
        "rga-bt601-full",
        "rga-bt709-limited",
    }
    for name, prof in PROFILES.items():
        assert isinstance(prof, Profile)
        assert prof.name == name
        assert get_profile(name) is prof
        assert prof.description
    assert (PROFILES["horizon"].swing, PROFILES["horizon"].chroma) == ("full", "decimate")
    assert PROFILES["opencv"].swing == "studio"
    assert PROFILES["vendor-pil"].swing == "full"


@pytest.mark.parametrize("bad", ["pil", "Horizon", "", None, "vendor_pil"])
def test_unknown_profile(bad):
    with pytest.raises(InputError, match=r"profile=.*not supported.*use one of.*vendor-pil"):
        get_profile(bad)
    rgb = np.zeros((2, 2, 3), np.uint8)
    if bad is not None:
        with pytest.raises(ValueError, match="profile"):
            rgb_to_nv12(rgb, profile=bad)
        with pytest.raises(ValueError, match="profile"):
            nv12_to_rgb(rgb_to_nv12(rgb), profile=bad)


# -- vendor-pil ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_vendor_pil_equals_reference_generator(name):
    rgb = images()[name]
    y_ref, uv_ref = generate_nv12(Image.fromarray(np.ascontiguousarray(rgb), "RGB"))
    y, uv = rgb_to_nv12(rgb, profile="vendor-pil").as_model_inputs()
    assert y.shape == y_ref.shape and uv.shape == uv_ref.shape
    assert y.dtype == np.uint8 and uv.dtype == np.uint8
    assert y.tobytes() == y_ref.tobytes()
    assert uv.tobytes() == uv_ref.tobytes()


def test_vendor_pil_ignores_generic_keywords_and_honours_order(photo):
    ref = rgb_to_nv12(photo, profile="vendor-pil")
    assert rgb_to_nv12(photo, profile="vendor-pil", swing="studio", chroma="decimate") == ref
    bgr = np.ascontiguousarray(photo[..., ::-1])
    assert rgb_to_nv12(bgr, order="bgr", profile="vendor-pil") == ref


def test_vendor_pil_truncates_unlike_the_generic_path():
    # PIL's YCbCr is fixed point and truncates: grey 128 stays 128, but the generic
    # float path and PIL differ by one level on some colours. Pin one such colour so the
    # profile cannot silently fall back to the generic arithmetic.
    rgb = np.zeros((2, 2, 3), np.uint8)
    diffs = 0
    rng = np.random.default_rng(3)
    for colour in rng.integers(0, 256, (200, 3)):
        rgb[:] = colour
        pil = rgb_to_nv12(rgb, profile="vendor-pil")
        gen = rgb_to_nv12(rgb)
        assert np.abs(pil.y.astype(int) - gen.y).max() <= 1
        diffs += int(pil != gen)
    assert diffs > 0


@pytest.mark.parametrize("name", ["gradient_100x250", "astronaut_238x322", "noise_2x2"])
def test_vendor_pil_decode_equals_pil_upsampling(name):
    # The decoding side: U and V resized back with PIL's default filter, merged, PIL RGB.
    rgb = images()[name]
    frame = rgb_to_nv12(rgb, profile="vendor-pil")
    y_ref, uv_ref = generate_nv12(Image.fromarray(np.ascontiguousarray(rgb), "RGB"))
    h, w = rgb.shape[:2]
    planes = [Image.fromarray(y_ref[0, :, :, 0])]
    for c in range(2):
        planes.append(Image.fromarray(np.ascontiguousarray(uv_ref[0, :, :, c])).resize((w, h)))
    expected = np.asarray(Image.merge("YCbCr", planes).convert("RGB"))
    back = nv12_to_rgb(frame, profile="vendor-pil")
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, expected)
    if name.startswith("gradient"):
        # Truncation both ways plus bicubic chroma: a few levels on a smooth image.
        err = np.abs(back.astype(int) - rgb)
        assert err.max() <= 6 and err.mean() < 1.5


def test_vendor_pil_decode_flat_frame():
    # Y=100, U=128, V=228 everywhere: PIL YCbCr -> RGB gives R = 100 + 1.402 * 100 = 240.2,
    # G = 100 - 0.714136 * 100 = 28.6, B = 100 (fixed point, so allow one level).
    frame = NV12(np.full((4, 6), 100, np.uint8), np.full((2, 3, 2), (128, 228), np.uint8))
    out = nv12_to_rgb(frame, profile="vendor-pil")
    assert out.shape == (4, 6, 3)
    assert np.abs(out.astype(int) - [240, 29, 100]).max() <= 1


# -- opencv -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_opencv_profile_equals_cv2_i420(name):
    rgb = images()[name]
    y_ref, u_ref, v_ref = opencv_i420_planes(rgb)
    frame = rgb_to_nv12(rgb, profile="opencv")
    np.testing.assert_array_equal(frame.y, y_ref)
    np.testing.assert_array_equal(frame.u, u_ref)
    np.testing.assert_array_equal(frame.v, v_ref)
    # ... and the buffer is NV12: U and V interleaved after the Y rows.
    buf = np.frombuffer(frame.tobytes(), np.uint8)
    n = rgb.shape[0] * rgb.shape[1]
    np.testing.assert_array_equal(buf[n::2], u_ref.reshape(-1))
    np.testing.assert_array_equal(buf[n + 1 :: 2], v_ref.reshape(-1))


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_opencv_profile_decode_equals_cv2_nv12(name):
    rgb = images()[name]
    h, w = rgb.shape[:2]
    frame = rgb_to_nv12(rgb, profile="opencv")
    # Build the NV12 buffer by hand from OpenCV's own I420 planes.
    y_ref, u_ref, v_ref = opencv_i420_planes(rgb)
    uv = np.stack([u_ref, v_ref], axis=-1).reshape(h // 2, w)
    buf = np.concatenate([y_ref, uv], axis=0)
    expected = cv2.cvtColor(buf, cv2.COLOR_YUV2RGB_NV12)
    np.testing.assert_array_equal(nv12_to_rgb(frame, profile="opencv"), expected)
    np.testing.assert_array_equal(
        nv12_to_rgb(frame, profile="opencv", order="bgr"), expected[..., ::-1]
    )


def test_opencv_profile_studio_unit_cases():
    # OpenCV's studio swing BT.601: black (16,128,128), white (235,128,128).
    rgb = np.zeros((2, 4, 3), np.uint8)
    rgb[:, 2:] = 255
    f = rgb_to_nv12(rgb, profile="opencv")
    assert f.y.tolist() == [[16, 16, 235, 235]] * 2
    assert f.uv.tolist() == [[[128, 128], [128, 128]]]


# -- horizon ------------------------------------------------------------------------------
# Hand-computed from Y = (77R + 150G + 29B + 128) >> 8,
# U = ((-43R - 84G + 127B + 128) >> 8) + 128, V = ((127R - 106G - 21B + 128) >> 8) + 128
# (>> is an arithmetic shift: floor division by 256).
HORIZON_UNIT = {
    # black: everything is 128 >> 8 = 0
    (0, 0, 0): (0, 128, 128),
    # white: Y = (256 * 255 + 128) >> 8 = 65408 >> 8 = 255; U, V coefficients sum to 0
    (255, 255, 255): (255, 128, 128),
    # red: Y = 19763 >> 8 = 77; U = floor(-10837 / 256) = -43 -> 85; V = 32513 >> 8 = 127 -> 255
    (255, 0, 0): (77, 85, 255),
    # green: Y = 38378 >> 8 = 149; U = floor(-21292 / 256) = -84 -> 44;
    # V = floor(-26902 / 256) = -106 -> 22
    (0, 255, 0): (149, 44, 22),
    # blue: Y = 7523 >> 8 = 29; U = 32513 >> 8 = 127 -> 255; V = floor(-5227 / 256) = -21 -> 107
    (0, 0, 255): (29, 255, 107),
    # mid grey: Y = (256 * 128 + 128) >> 8 = 32896 >> 8 = 128; U, V = 128
    (128, 128, 128): (128, 128, 128),
}


@pytest.mark.parametrize(("rgb", "yuv"), list(HORIZON_UNIT.items()))
def test_horizon_unit_pixels(rgb, yuv):
    frame = rgb_to_nv12(np.full((2, 2, 3), rgb, np.uint8), profile="horizon")
    assert frame.y.tolist() == [[yuv[0]] * 2] * 2
    assert frame.uv.tolist() == [[[yuv[1], yuv[2]]]]


def test_horizon_decimates_top_left():
    # Four different colours in every 2x2 block: chroma must be the top-left pixel's.
    k, w, r, g, b, m = (0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (128,) * 3
    rgb = np.array(
        [
            [r, k, b, w],
            [g, m, k, g],
            [w, r, m, b],
            [k, b, r, g],
        ],
        np.uint8,
    )
    for bi in range(2):
        for bj in range(2):
            px = rgb[2 * bi : 2 * bi + 2, 2 * bj : 2 * bj + 2].reshape(4, 3)
            assert len({tuple(p) for p in px.tolist()}) == 4
    frame = rgb_to_nv12(rgb, profile="horizon")
    # Top-left pixels: red, blue / white, mid grey.
    assert frame.uv.tolist() == [[[85, 255], [255, 107]], [[128, 128], [128, 128]]]
    assert frame.y.tolist() == [
        [77, 0, 29, 255],
        [149, 128, 0, 149],
        [255, 77, 128, 29],
        [0, 29, 77, 149],
    ]


def test_horizon_matches_integer_formula_on_photos():
    # A straightforward per-pixel integer oracle (Python ints) on a random sample of pixels.
    rgb = images()["coffee_238x322"]
    frame = rgb_to_nv12(rgb, profile="horizon")
    rng = np.random.default_rng(0)
    for i, j in rng.integers(0, [238, 322], (300, 2)).tolist():
        r, g, b = (int(c) for c in rgb[i, j])
        assert frame.y[i, j] == (77 * r + 150 * g + 29 * b + 128) >> 8
        r, g, b = (int(c) for c in rgb[i - i % 2, j - j % 2])
        u = ((-43 * r - 84 * g + 127 * b + 128) >> 8) + 128
        v = ((127 * r - 106 * g - 21 * b + 128) >> 8) + 128
        assert frame.uv[i // 2, j // 2].tolist() == [u, v]


# Decoding: R = Y + 1.402 V', G = Y - 0.3441 U' - 0.7141 V', B = Y + 1.772 U' (U', V' = U, V
# minus 128), rounded and clipped.
HORIZON_DECODE = {
    # (Y, U, V): (R, G, B)
    (100, 128, 128): (100, 100, 100),
    # V' = 100: R = 240.2 -> 240, G = 100 - 71.41 = 28.59 -> 29, B = 100
    (100, 128, 228): (240, 29, 100),
    # U' = 100: R = 100, G = 100 - 34.41 = 65.59 -> 66, B = 277.2 -> 255 (clipped)
    (100, 228, 128): (100, 66, 255),
    # U' = V' = -128 at Y = 0: R = -179.5 -> 0, G = 44.04 + 91.40 = 135.45 -> 135, B -> 0
    (0, 0, 0): (0, 135, 0),
    (255, 128, 128): (255, 255, 255),
}


@pytest.mark.parametrize(("yuv", "rgb"), list(HORIZON_DECODE.items()))
def test_horizon_decode_unit_pixels(yuv, rgb):
    frame = NV12(np.full((2, 2), yuv[0], np.uint8), np.full((1, 1, 2), yuv[1:], np.uint8))
    out = nv12_to_rgb(frame, profile="horizon")
    assert out.tolist() == [[list(rgb)] * 2] * 2


def test_horizon_decode_upsamples_nearest():
    y = np.full((4, 4), 100, np.uint8)
    uv = np.array([[[128, 128], [128, 228]], [[228, 128], [128, 128]]], np.uint8)
    out = nv12_to_rgb(NV12(y, uv), profile="horizon")
    grey, reddish, bluish = [100, 100, 100], [240, 29, 100], [100, 66, 255]
    expected = [
        [grey, grey, reddish, reddish],
        [grey, grey, reddish, reddish],
        [bluish, bluish, grey, grey],
        [bluish, bluish, grey, grey],
    ]
    assert out.tolist() == expected
    assert nv12_to_rgb(NV12(y, uv), profile="horizon", order="bgr").tolist() == [
        [px[::-1] for px in row] for row in expected
    ]


# Measured once over all 16.7M colours, each as a constant 2x2 block (see
# test_color.py for the method): max |RGB -> NV12 -> RGB - RGB| per profile.
PROFILE_FLAT_BLOCK_BOUND = {"horizon": 3, "opencv": 2}


@pytest.mark.parametrize("name", sorted(PROFILE_FLAT_BLOCK_BOUND))
def test_profile_round_trip_on_flat_blocks(name):
    # A 6-level grid of all colours (43^3), each colour a constant 2x2 block.
    levels = np.arange(0, 256, 6, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 43, 3)
    blocks = np.repeat(np.repeat(grid, 2, axis=0), 2, axis=1)
    back = nv12_to_rgb(rgb_to_nv12(blocks, profile=name), profile=name)
    err = np.abs(back.astype(int) - blocks).max()
    assert err <= PROFILE_FLAT_BLOCK_BOUND[name]
    assert err >= 1  # fixed point is not lossless; a 0 here means the bound is stale


def test_profile_encode_bgr_order(photo):
    bgr = np.ascontiguousarray(photo[..., ::-1])
    for name in PROFILES:
        assert rgb_to_nv12(bgr, order="bgr", profile=name) == rgb_to_nv12(photo, profile=name)


def test_profile_rejects_odd_sizes():
    for name in PROFILES:
        with pytest.raises(InputError, match="crop_even.*pad_even"):
            rgb_to_nv12(np.zeros((3, 4, 3), np.uint8), profile=name)
