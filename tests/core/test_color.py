"""Colour conversion RGB <-> YUV 4:4:4: unit cases, PIL agreement, properties, bounds."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from nv12_widgets.core import (
    MATRICES,
    SWINGS,
    InputError,
    from_centered,
    rgb_to_format,
    rgb_to_yuv444,
    to_centered,
    yuv444_to_rgb,
    yuv_matrix,
)

from .conftest import images

# Max |yuv444_to_rgb(rgb_to_yuv444(rgb)) - rgb| over ALL 2^24 RGB colours, measured once
# with a one-off script (a 4096 x 4096 image holding every colour, both functions with
# the same swing and matrix, max of the absolute difference):
#   full/bt601: 1, full/bt709: 1, studio/bt601: 2, studio/bt709: 2.
# Studio swing squeezes 256 levels into 220 (Y) / 225 (U, V) codes, hence 2.
# The same script fed every colour as a constant 2x2 block through
# rgb_to_nv12 -> nv12_to_rgb (chroma "mean" and "decimate", upsample "nearest") and
# measured the same four numbers: a flat block loses nothing to 4:2:0 subsampling.
ROUND_TRIP_BOUND = {
    ("full", "bt601"): 1,
    ("full", "bt709"): 1,
    ("studio", "bt601"): 2,
    ("studio", "bt709"): 2,
}

_KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


# -- float64 oracle straight from the definitions -----------------------------------------
def definition_rgb_to_yuv(rgb, swing="full", matrix="bt601"):
    """Unrounded Y, Cb, Cr (float64, last axis) from the BT.601 / BT.709 definition."""
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    rgb = np.asarray(rgb, np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = kr * r + kg * g + kb * b
    cb = (b - y) / (2 * (1 - kb))
    cr = (r - y) / (2 * (1 - kr))
    if swing == "studio":
        return np.stack([16 + 219 / 255 * y, 128 + 224 / 255 * cb, 128 + 224 / 255 * cr], -1)
    return np.stack([y, 128 + cb, 128 + cr], -1)


def definition_yuv_to_rgb(yuv, swing="full", matrix="bt601"):
    """Unrounded R, G, B (float64) inverting the definition."""
    kr, kb = _KR_KB[matrix]
    kg = 1.0 - kr - kb
    yuv = np.asarray(yuv, np.float64)
    y, u, v = yuv[..., 0], yuv[..., 1] - 128, yuv[..., 2] - 128
    if swing == "studio":
        y, u, v = (y - 16) * 255 / 219, u * 255 / 224, v * 255 / 224
    r = y + 2 * (1 - kr) * v
    b = y + 2 * (1 - kb) * u
    g = (y - kr * r - kb * b) / kg
    return np.stack([r, g, b], -1)


def round_u8(x):
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def assert_matches_oracle(got, exact, tie_tol=1e-3):
    """got == rint(exact) except where exact sits within tie_tol of a .5 tie (float32
    computation may round either way there); never off by more than one level."""
    want = round_u8(exact)
    diff = np.abs(got.astype(int) - want)
    assert diff.max() <= 1
    frac = exact - np.floor(exact)
    near_tie = np.abs(frac - 0.5) < tie_tol
    bad = (diff > 0) & ~near_tie
    assert not bad.any(), f"{int(bad.sum())} mismatches away from .5 ties"


# -- hand-computed unit cases -------------------------------------------------------------
# Each value worked out by hand from the definition (comments show the arithmetic):
# Y = kr R + kg G + kb B, Cb = 128 + (B - Y) / (2 (1 - kb)), Cr = 128 + (R - Y) / (2 (1 - kr));
# studio: Y = 16 + 219/255 Y, C = 128 + 224/255 (C - 128). Rounded, clipped to 0..255.
ENCODE_CASES = {
    ("full", "bt601"): {
        (0, 0, 0): (0, 128, 128),
        (255, 255, 255): (255, 128, 128),
        # Y = 0.299 * 255 = 76.245; Cb = 128 - 76.245 / 1.772 = 84.97; Cr = 128 + 127.5 -> 255
        (255, 0, 0): (76, 85, 255),
        # Y = 0.587 * 255 = 149.685; Cb = 128 - 84.47 = 43.53; Cr = 128 - 106.77 = 21.23
        (0, 255, 0): (150, 44, 21),
        # Y = 0.114 * 255 = 29.07; Cb = 255.5 -> 255; Cr = 128 - 29.07 / 1.402 = 107.27
        (0, 0, 255): (29, 255, 107),
        (128, 128, 128): (128, 128, 128),
    },
    ("studio", "bt601"): {
        (0, 0, 0): (16, 128, 128),
        (255, 255, 255): (235, 128, 128),
        # Y = 16 + 219 * 0.299 = 81.48; Cb = 128 - 224 * 0.168736 = 90.20; Cr = 128 + 112
        (255, 0, 0): (81, 90, 240),
        # Y = 16 + 219 * 0.587 = 144.55; Cb = 128 - 224 * 0.331264 = 53.80;
        # Cr = 128 - 224 * 0.418688 = 34.21
        (0, 255, 0): (145, 54, 34),
        # Y = 16 + 219 * 0.114 = 40.97; Cb = 240; Cr = 128 - 224 * 0.081312 = 109.79
        (0, 0, 255): (41, 240, 110),
        # Y = 16 + 219 * 128 / 255 = 125.93
        (128, 128, 128): (126, 128, 128),
    },
    ("full", "bt709"): {
        (0, 0, 0): (0, 128, 128),
        (255, 255, 255): (255, 128, 128),
        # Y = 0.2126 * 255 = 54.21; Cb = 128 - 54.21 / 1.8556 = 98.78; Cr = 255.5 -> 255
        (255, 0, 0): (54, 99, 255),
    },
    ("studio", "bt709"): {
        (0, 0, 0): (16, 128, 128),
        (255, 255, 255): (235, 128, 128),
        # Y = 16 + 219 * 0.2126 = 62.56; Cb = 128 - 224 * 0.114572 = 102.34; Cr = 240
        (255, 0, 0): (63, 102, 240),
    },
}

# Inverse: R = Y + 2 (1 - kr) V', B = Y + 2 (1 - kb) U', G = (Y - kr R - kb B) / kg
# (studio: Y' = (Y - 16) 255/219, U', V' = (U, V - 128) 255/224). BT.601 full:
# R = Y + 1.402 V', G = Y - 0.344136 U' - 0.714136 V', B = Y + 1.772 U'.
DECODE_CASES = {
    ("full", "bt601"): {
        (0, 128, 128): (0, 0, 0),
        (255, 128, 128): (255, 255, 255),
        (128, 128, 128): (128, 128, 128),
        # R = 76 + 1.402 * 127 = 254.05; G = 76 + 14.80 - 90.70 = 0.10; B = 76 - 76.20 -> 0
        (76, 85, 255): (254, 0, 0),
        # R = 150 - 150.01 -> 0; G = 150 + 28.91 + 76.41 = 255.32; B = 150 - 148.85 = 1.15
        (150, 44, 21): (0, 255, 1),
        # R = 29 - 29.44 -> 0; G = 29 - 43.71 + 15.00 = 0.29; B = 29 + 225.04 = 254.04
        (29, 255, 107): (0, 0, 254),
        # R = 100 + 140.2; G = 100 - 71.41 = 28.59; B = 100
        (100, 128, 228): (240, 29, 100),
    },
    ("studio", "bt601"): {
        (16, 128, 128): (0, 0, 0),
        (235, 128, 128): (255, 255, 255),
        # Y' = 110 * 255 / 219 = 128.08
        (126, 128, 128): (128, 128, 128),
        # Y' = 75.68, U' = -43.26, V' = 127.5: R = 254.44, G = -0.48, B = -0.97
        (81, 90, 240): (254, 0, 0),
        # R = 0.18, G = 255.61 -> 255, B = 0.93
        (145, 54, 34): (0, 255, 1),
        # R = 0.38, G = -0.13, B = 255.04
        (41, 240, 110): (0, 0, 255),
        # far outside the studio range: R, B clip low, G = 135.58
        (0, 0, 0): (0, 136, 0),
    },
    ("full", "bt709"): {
        (0, 128, 128): (0, 0, 0),
        (255, 128, 128): (255, 255, 255),
        # R = 54 + 1.5748 * 127 = 254.00; G = 54 + 5.43 - 59.45 = -0.02; B = 54 - 53.81 = 0.19
        (54, 99, 255): (254, 0, 0),
    },
    ("studio", "bt709"): {
        (16, 128, 128): (0, 0, 0),
        (235, 128, 128): (255, 255, 255),
        # R = 255.51 -> 255; G = 0.58 -> 1; B = -0.20 -> 0
        (63, 102, 240): (255, 1, 0),
    },
}


def _cases(table):
    return [
        pytest.param(sw, mx, a, b, id=f"{sw}-{mx}-{a}")
        for (sw, mx), cases in table.items()
        for a, b in cases.items()
    ]


@pytest.mark.parametrize(("swing", "matrix", "rgb", "yuv"), _cases(ENCODE_CASES))
def test_rgb_to_yuv444_unit(swing, matrix, rgb, yuv):
    img = np.full((1, 2, 3), rgb, np.uint8)
    out = rgb_to_yuv444(img, swing=swing, matrix=matrix)
    assert out.shape == (1, 2, 3) and out.dtype == np.uint8
    assert out.tolist() == [[list(yuv)] * 2]
    # BGR input with order="bgr" gives the same YUV.
    bgr = np.ascontiguousarray(img[..., ::-1])
    assert rgb_to_yuv444(bgr, swing=swing, matrix=matrix, order="bgr").tolist() == out.tolist()


@pytest.mark.parametrize(("swing", "matrix", "yuv", "rgb"), _cases(DECODE_CASES))
def test_yuv444_to_rgb_unit(swing, matrix, yuv, rgb):
    img = np.full((2, 1, 3), yuv, np.uint8)
    out = yuv444_to_rgb(img, swing=swing, matrix=matrix)
    assert out.shape == (2, 1, 3) and out.dtype == np.uint8
    assert out.tolist() == [[list(rgb)]] * 2
    bgr = yuv444_to_rgb(img, swing=swing, matrix=matrix, order="bgr")
    assert bgr.tolist() == [[list(rgb[::-1])]] * 2


def test_hand_tables_agree_with_the_definition():
    # Guards the hand arithmetic above (a typo there would make a wrong test pass).
    for (swing, matrix), cases in ENCODE_CASES.items():
        for rgb, yuv in cases.items():
            assert round_u8(definition_rgb_to_yuv(rgb, swing, matrix)).tolist() == list(yuv)
    for (swing, matrix), cases in DECODE_CASES.items():
        for yuv, rgb in cases.items():
            assert round_u8(definition_yuv_to_rgb(yuv, swing, matrix)).tolist() == list(rgb)


@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("swing", SWINGS)
def test_matches_float64_definition(swing, matrix):
    rgb = images()["noise_34x50"]
    assert_matches_oracle(
        rgb_to_yuv444(rgb, swing=swing, matrix=matrix), definition_rgb_to_yuv(rgb, swing, matrix)
    )
    yuv = np.random.default_rng(1).integers(0, 256, (40, 30, 3), dtype=np.uint8)
    assert_matches_oracle(
        yuv444_to_rgb(yuv, swing=swing, matrix=matrix), definition_yuv_to_rgb(yuv, swing, matrix)
    )


def test_yuv_matrix():
    m = yuv_matrix("full", "bt601")
    assert m.shape == (3, 4) and m.dtype == np.float64
    assert not m.flags.writeable
    np.testing.assert_allclose(m[0, :3], [0.299, 0.587, 0.114])
    np.testing.assert_allclose(m[:, 3], [0, 128, 128])
    s = yuv_matrix("studio", "bt709")
    np.testing.assert_allclose(s[0, :3], np.array([0.2126, 0.7152, 0.0722]) * 219 / 255)
    np.testing.assert_allclose(s[:, 3], [16, 128, 128])
    # Chroma rows sum to 0 (grey has no chroma); studio chroma peaks at +-112.
    np.testing.assert_allclose(s[1:, :3].sum(axis=1), 0, atol=1e-12)
    assert s[1, 2] * 255 == pytest.approx(112)
    assert s[2, 0] * 255 == pytest.approx(112)


# -- PIL agreement and exhaustive bounds --------------------------------------------------
@functools.cache
def all_colours() -> np.ndarray:
    """A read-only 4096 x 4096 RGB image holding each of the 2^24 colours once."""
    c = np.arange(1 << 24, dtype=np.uint32)
    out = np.empty((1 << 24, 3), np.uint8)
    out[:, 0] = c >> 16
    out[:, 1] = (c >> 8) & 255
    out[:, 2] = c & 255
    out = out.reshape(4096, 4096, 3)
    out.flags.writeable = False
    return out


def _max_abs_diff(a, b):
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


def test_full_swing_agrees_with_pil_on_every_colour():
    rgb = all_colours()
    ours = rgb_to_yuv444(rgb, swing="full")
    pil = np.asarray(Image.fromarray(rgb).convert("YCbCr"))
    assert _max_abs_diff(ours, pil) == 1  # PIL truncates: 1 level, and not always 0
    # The exhaustive round trip for the default (full, bt601) conversion.
    assert _max_abs_diff(yuv444_to_rgb(ours), rgb) == ROUND_TRIP_BOUND[("full", "bt601")]


def test_full_swing_agrees_with_pil_on_images(image):
    rgb = np.ascontiguousarray(image)
    pil = np.asarray(Image.fromarray(rgb).convert("YCbCr"))
    assert _max_abs_diff(rgb_to_yuv444(rgb), pil) <= 1


# -- properties ---------------------------------------------------------------------------
small_rgb = arrays(
    np.uint8,
    st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(3)),
    elements=st.integers(0, 255),
)
swings = st.sampled_from(SWINGS)
matrices = st.sampled_from(MATRICES)


@settings(max_examples=60, deadline=None)
@given(rgb=small_rgb, swing=swings, matrix=matrices)
def test_property_shapes_ranges_round_trip(rgb, swing, matrix):
    yuv = rgb_to_yuv444(rgb, swing=swing, matrix=matrix)
    assert yuv.shape == rgb.shape and yuv.dtype == np.uint8
    if swing == "studio":
        assert yuv[..., 0].min() >= 16 and yuv[..., 0].max() <= 235
        assert yuv[..., 1:].min() >= 16 and yuv[..., 1:].max() <= 240
    back = yuv444_to_rgb(yuv, swing=swing, matrix=matrix)
    assert back.shape == rgb.shape and back.dtype == np.uint8
    assert _max_abs_diff(back, rgb) <= ROUND_TRIP_BOUND[(swing, matrix)]
    # Both against the float64 definition (they may differ from each other at exact .5
    # ties, e.g. Cr of (0, 247, 247) is 4.5: float32 sums in another order round up).
    exact = definition_rgb_to_yuv(rgb, swing, matrix)
    assert_matches_oracle(yuv, exact)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    assert_matches_oracle(rgb_to_yuv444(bgr, swing=swing, matrix=matrix, order="bgr"), exact)
    np.testing.assert_array_equal(
        yuv444_to_rgb(yuv, swing=swing, matrix=matrix, order="bgr"), back[..., ::-1]
    )


@settings(max_examples=30, deadline=None)
@given(yuv=small_rgb, swing=swings, matrix=matrices)
def test_property_decode_any_codes(yuv, swing, matrix):
    # Every uint8 triple decodes (out-of-gamut codes clip), never raises.
    rgb = yuv444_to_rgb(yuv, swing=swing, matrix=matrix)
    assert rgb.shape == yuv.shape and rgb.dtype == np.uint8
    assert_matches_oracle(rgb, definition_yuv_to_rgb(yuv, swing, matrix))


@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("swing", SWINGS)
def test_round_trip_bound_is_tight_on_a_grid(swing, matrix):
    # Every 3rd level of each channel (86^3 colours): the stated bound holds and is
    # reached (a bound that is never reached would hide a regression toward lossless).
    levels = np.arange(0, 256, 3, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 86, 3)
    back = yuv444_to_rgb(
        rgb_to_yuv444(grid, swing=swing, matrix=matrix), swing=swing, matrix=matrix
    )
    assert _max_abs_diff(back, grid) == ROUND_TRIP_BOUND[(swing, matrix)]


# -- rgb_to_format, centred YUV -----------------------------------------------------------
def test_rgb_to_format(photo):
    assert rgb_to_format(photo, "rgb") is photo
    np.testing.assert_array_equal(rgb_to_format(photo, "bgr"), photo[..., ::-1])
    np.testing.assert_array_equal(
        rgb_to_format(photo, "yuv444", swing="studio"), rgb_to_yuv444(photo, swing="studio")
    )
    grey = rgb_to_format(photo, "gray")
    assert grey.shape == photo.shape[:2] + (1,) and grey.dtype == np.uint8
    assert_matches_oracle(grey[..., 0], definition_rgb_to_yuv(photo)[..., 0])
    with pytest.raises(InputError, match="train format.*not supported.*'yuv444'"):
        rgb_to_format(photo, "nv12")


def test_centered_unit_and_round_trip():
    x = np.array([0, 1, 127, 128, 129, 255], np.uint8)
    c = to_centered(x)
    assert c.dtype == np.int8
    assert c.tolist() == [-128, -127, -1, 0, 1, 127]
    assert from_centered(c).dtype == np.uint8
    assert from_centered(c).tolist() == x.tolist()
    allb = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(from_centered(to_centered(allb)), allb)
    np.testing.assert_array_equal(to_centered(allb).astype(int), allb.astype(int) - 128)


def test_centered_errors():
    with pytest.raises(InputError, match="uint8"):
        to_centered(np.zeros(3, np.int16))
    with pytest.raises(InputError, match="uint8"):
        to_centered([1, 2, 3])
    with pytest.raises(InputError, match="int8"):
        from_centered(np.zeros(3, np.uint8))


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("func", [rgb_to_yuv444, yuv444_to_rgb])
def test_bad_input(func):
    ok = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(InputError, match=r"swing='limited'.*not supported.*'full', 'studio'"):
        func(ok, swing="limited")
    with pytest.raises(InputError, match=r"matrix='bt2020'.*not supported.*'bt601'"):
        func(ok, matrix="bt2020")
    with pytest.raises(InputError, match=r"order='rbg'.*not supported.*'bgr'"):
        func(ok, order="rbg")
    with pytest.raises(InputError, match=r"must be uint8.*got float32.*\* 255"):
        func(ok.astype(np.float32))
    with pytest.raises(InputError, match=r"uint8, got uint16.*>> 8"):
        func(ok.astype(np.uint16))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\).*np\.repeat"):
        func(np.zeros((2, 2), np.uint8))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\).*np\.repeat"):
        func(np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\).*image\[0\]"):
        func(np.zeros((1, 2, 2, 3), np.uint8))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\).*np\.transpose"):
        func(np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(InputError, match="numpy array.*load_image"):
        func([[[0, 0, 0]]])
    with pytest.raises(InputError, match="empty"):
        func(np.zeros((0, 2, 3), np.uint8))
    assert issubclass(InputError, ValueError)


@pytest.mark.parametrize("shape", [(2, 3, 3), (224, 224, 3), (7, 5, 3)])
def test_rgb_to_format_bgr_is_the_channel_reversal(shape):
    """OpenCV's swap against numpy's reversed channel axis, on contiguous and strided
    (a crop's) inputs; the result is a new C-contiguous array."""
    rng = np.random.default_rng(sum(shape))
    rgb = rng.integers(0, 256, shape, dtype=np.uint8)
    for image in (rgb, rgb[:, ::2] if shape[1] > 1 else rgb):
        bgr = rgb_to_format(image, "bgr")
        assert bgr.flags.c_contiguous and bgr.dtype == np.uint8
        assert np.array_equal(bgr, image[..., ::-1]) and not np.shares_memory(bgr, image)
