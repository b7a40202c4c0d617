"""RGB <-> NV12 (generic float path): oracle agreement, upsampling, round trips, errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nv12_widgets.core import (
    CHROMA_DOWNSAMPLING,
    CHROMA_UPSAMPLING,
    MATRICES,
    NV12,
    SWINGS,
    InputError,
    nv12_to_format,
    nv12_to_rgb,
    nv12_to_yuv444,
    rgb_to_nv12,
    upsample_uv,
)

from .conftest import IMAGE_NAMES, PHOTO_NAMES, images
from .test_color import (
    ROUND_TRIP_BOUND,
    assert_matches_oracle,
    definition_rgb_to_yuv,
    definition_yuv_to_rgb,
)


def oracle_nv12(rgb, swing="full", matrix="bt601", chroma="mean"):
    """Unrounded float64 (Y (H, W), UV (H/2, W/2, 2)) of the generic path's definition."""
    yuv = definition_rgb_to_yuv(rgb, swing, matrix)
    h, w = rgb.shape[:2]
    c = yuv[..., 1:]
    if chroma == "mean":
        uv = c.reshape(h // 2, 2, w // 2, 2, 2).mean(axis=(1, 3))
    else:
        uv = c[::2, ::2]
    return yuv[..., 0], uv


# -- agreement with the float64 oracle ----------------------------------------------------
@pytest.mark.parametrize("chroma", CHROMA_DOWNSAMPLING)
@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_rgb_to_nv12_matches_float64_oracle(name, chroma):
    rgb = images()[name]
    frame = rgb_to_nv12(rgb, chroma=chroma)
    y_exact, uv_exact = oracle_nv12(rgb, chroma=chroma)
    assert_matches_oracle(frame.y, y_exact)
    assert_matches_oracle(frame.uv, uv_exact)


@pytest.mark.parametrize("chroma", CHROMA_DOWNSAMPLING)
@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("swing", SWINGS)
def test_rgb_to_nv12_matches_oracle_all_keywords(swing, matrix, chroma):
    rgb = images()["zoneplate_98x130"]
    frame = rgb_to_nv12(rgb, swing=swing, matrix=matrix, chroma=chroma)
    y_exact, uv_exact = oracle_nv12(rgb, swing, matrix, chroma)
    assert_matches_oracle(frame.y, y_exact)
    assert_matches_oracle(frame.uv, uv_exact)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    frame_bgr = rgb_to_nv12(bgr, swing=swing, matrix=matrix, chroma=chroma, order="bgr")
    assert_matches_oracle(frame_bgr.y, y_exact)
    assert_matches_oracle(frame_bgr.uv, uv_exact)


def test_mean_chroma_rounds_once():
    # One block: red, green, blue, white. Full-swing BT.601 chroma (unrounded):
    # Cb = 84.97, 43.53, 255.5, 128 -> mean 128.0000; Cr = 255.5, 21.23, 107.27, 128 -> 128.0
    # (each row of the matrix sums to 0, and R + G + B + W = 2 * white).
    rgb = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [255, 255, 255]]], np.uint8)
    frame = rgb_to_nv12(rgb, chroma="mean")
    assert frame.uv.tolist() == [[[128, 128]]]
    # Green, green / cyan, cyan: Cb = 43.53 and 171.03 -> mean 107.28 -> 107, while
    # rounding each sample first gives (44 + 44 + 171 + 171) / 4 = 107.5 -> 108;
    # Cr = 21.23 and 0.50 -> mean 10.87 -> 11 (rounded first: (21 + 21 + 0 + 0) / 4 = 10.5).
    rgb = np.array([[[0, 255, 0], [0, 255, 0]], [[0, 255, 255], [0, 255, 255]]], np.uint8)
    frame = rgb_to_nv12(rgb, chroma="mean")
    assert frame.uv.tolist() == [[[107, 11]]]
    # Y = 149.685 -> 150 and 0.701 * 255 = 178.755 -> 179.
    assert frame.y.tolist() == [[150, 150], [179, 179]]
    # Decimation keeps green's chroma.
    assert rgb_to_nv12(rgb, chroma="decimate").uv.tolist() == [[[44, 21]]]
    rgb = np.array([[[255, 0, 0], [255, 0, 0]], [[0, 0, 0], [0, 0, 0]]], np.uint8)
    assert rgb_to_nv12(rgb, chroma="decimate").uv.tolist() == [[[85, 255]]]


def test_decimate_takes_top_left():
    # 2x4 image: blocks (red, green / blue, white) and (black, red / red, red).
    rgb = np.array(
        [
            [[255, 0, 0], [0, 255, 0], [0, 0, 0], [255, 0, 0]],
            [[0, 0, 255], [255, 255, 255], [255, 0, 0], [255, 0, 0]],
        ],
        np.uint8,
    )
    frame = rgb_to_nv12(rgb, chroma="decimate")
    assert frame.uv.tolist() == [[[85, 255], [128, 128]]]
    assert frame.y.tolist() == [[76, 150, 0, 76], [29, 255, 76, 76]]
    studio = rgb_to_nv12(rgb, chroma="decimate", swing="studio")
    assert studio.uv.tolist() == [[[90, 240], [128, 128]]]
    assert studio.y.tolist() == [[81, 145, 16, 81], [41, 235, 81, 81]]


# -- upsampling and decoding --------------------------------------------------------------
def test_upsample_nearest_hand():
    uv = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], np.uint8)
    up = upsample_uv(uv, 4, 4, "nearest")
    assert up.shape == (4, 4, 2) and up.dtype == np.uint8
    assert up[..., 0].tolist() == [[1, 1, 3, 3], [1, 1, 3, 3], [5, 5, 7, 7], [5, 5, 7, 7]]
    assert up[..., 1].tolist() == [[2, 2, 4, 4], [2, 2, 4, 4], [6, 6, 8, 8], [6, 6, 8, 8]]


def test_upsample_bilinear_hand():
    # Chroma sited at block centres: output x maps to source x = (x + 0.5) / 2 - 0.5
    # = -0.25, 0.25, 0.75, 1.25 -> clamp, 1/4, 3/4, clamp: U 0, 100 -> 0, 25, 75, 100.
    uv = np.array([[[0, 200], [100, 0]]], np.uint8)
    up = upsample_uv(uv, 2, 4, "bilinear")
    assert up.shape == (2, 4, 2)
    assert up[..., 0].tolist() == [[0, 25, 75, 100]] * 2
    assert up[..., 1].tolist() == [[200, 150, 50, 0]] * 2


def test_nv12_to_yuv444_hand():
    y = np.arange(8, dtype=np.uint8).reshape(2, 4)
    uv = np.array([[[10, 20], [30, 40]]], np.uint8)
    yuv = nv12_to_yuv444(NV12(y, uv))
    assert yuv.shape == (2, 4, 3) and yuv.dtype == np.uint8
    assert yuv.tolist() == [
        [[0, 10, 20], [1, 10, 20], [2, 30, 40], [3, 30, 40]],
        [[4, 10, 20], [5, 10, 20], [6, 30, 40], [7, 30, 40]],
    ]
    bil = nv12_to_yuv444(NV12(y, uv), upsample="bilinear")
    assert bil[..., 0].tolist() == y.tolist()
    assert bil[0, :, 1].tolist() == [10, 15, 25, 30]


def test_nv12_to_rgb_hand():
    # Y = 100, U = 128, V = 228 (full BT.601): R = 240.2, G = 28.59, B = 100.
    frame = NV12(np.full((2, 4), 100, np.uint8), np.array([[[128, 228], [128, 128]]], np.uint8))
    rgb = nv12_to_rgb(frame)
    assert rgb.tolist() == [[[240, 29, 100]] * 2 + [[100, 100, 100]] * 2] * 2
    assert (
        nv12_to_rgb(frame, order="bgr").tolist()
        == [[[100, 29, 240]] * 2 + [[100, 100, 100]] * 2] * 2
    )
    # Studio: Y = 100 -> (100 - 16) * 255 / 219 = 97.81 on a grey block.
    assert nv12_to_rgb(frame, swing="studio")[0, 3].tolist() == [98, 98, 98]


@pytest.mark.parametrize("upsample", CHROMA_UPSAMPLING)
@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("swing", SWINGS)
def test_nv12_to_rgb_matches_definition(swing, matrix, upsample):
    frame = rgb_to_nv12(images()["gradient_100x250"], swing=swing, matrix=matrix)
    yuv = nv12_to_yuv444(frame, upsample=upsample)
    got = nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample=upsample)
    assert_matches_oracle(got, definition_yuv_to_rgb(yuv, swing, matrix))


@pytest.mark.parametrize("upsample", CHROMA_UPSAMPLING)
@pytest.mark.parametrize("name", PHOTO_NAMES)
def test_round_trip_on_photos_is_close(name, upsample):
    # Real 4:2:0 loss on photos: about 1-1.6 levels on average (measured), luma intact.
    rgb = images()[name]
    frame = rgb_to_nv12(rgb)
    back = nv12_to_rgb(frame, upsample=upsample)
    assert back.shape == rgb.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - rgb).mean() < 2.5
    assert np.abs(rgb_to_nv12(back).y.astype(int) - frame.y).mean() < 0.1


def test_zone_plate_loses_chroma_not_luma():
    # The chroma zone plate reaches chroma Nyquist: 4:2:0 wipes most of it out (mean RGB
    # error ~55 levels), but the luma, constant by construction, survives within 1 level.
    rgb = images()["zoneplate_128x192"]
    frame = rgb_to_nv12(rgb)
    back = nv12_to_rgb(frame)
    assert np.abs(back.astype(int) - rgb).mean() > 20
    assert np.abs(rgb_to_nv12(back).y.astype(int) - frame.y).max() <= 1


def test_nv12_to_format(photo):
    frame = rgb_to_nv12(photo)
    grey = nv12_to_format(frame, "gray")
    assert grey.shape == photo.shape[:2] + (1,)
    np.testing.assert_array_equal(grey[..., 0], frame.y)
    np.testing.assert_array_equal(nv12_to_format(frame, "yuv444"), nv12_to_yuv444(frame))
    rgb = nv12_to_format(frame, "rgb")
    np.testing.assert_array_equal(rgb, nv12_to_rgb(frame))
    np.testing.assert_array_equal(nv12_to_format(frame, "bgr"), rgb[..., ::-1])
    # With a profile, yuv444 uses the profile's upsampling (horizon: nearest).
    np.testing.assert_array_equal(
        nv12_to_format(frame, "yuv444", upsample="bilinear", profile="horizon"),
        nv12_to_yuv444(frame, upsample="nearest"),
    )
    np.testing.assert_array_equal(
        nv12_to_format(frame, "rgb", profile="opencv"), nv12_to_rgb(frame, profile="opencv")
    )
    with pytest.raises(InputError, match="train format.*not supported"):
        nv12_to_format(frame, "nv12")


# -- properties ---------------------------------------------------------------------------
@st.composite
def even_rgb(draw, max_half=4):
    h = 2 * draw(st.integers(1, max_half))
    w = 2 * draw(st.integers(1, max_half))
    return draw(arrays(np.uint8, (h, w, 3), elements=st.integers(0, 255)))


@settings(max_examples=50, deadline=None)
@given(
    rgb=even_rgb(),
    swing=st.sampled_from(SWINGS),
    matrix=st.sampled_from(MATRICES),
    chroma=st.sampled_from(CHROMA_DOWNSAMPLING),
)
def test_property_nv12_shapes_ranges(rgb, swing, matrix, chroma):
    h, w = rgb.shape[:2]
    frame = rgb_to_nv12(rgb, swing=swing, matrix=matrix, chroma=chroma)
    assert frame.y.shape == (h, w) and frame.uv.shape == (h // 2, w // 2, 2)
    assert frame.y.dtype == np.uint8 and frame.uv.dtype == np.uint8
    if swing == "studio":
        assert 16 <= frame.y.min() and frame.y.max() <= 235
        assert 16 <= frame.uv.min() and frame.uv.max() <= 240
    y_exact, uv_exact = oracle_nv12(rgb, swing, matrix, chroma)
    assert_matches_oracle(frame.y, y_exact)
    assert_matches_oracle(frame.uv, uv_exact)
    for up in CHROMA_UPSAMPLING:
        out = nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample=up)
        assert out.shape == (h, w, 3) and out.dtype == np.uint8


@settings(max_examples=50, deadline=None)
@given(
    colours=arrays(
        np.uint8,
        st.tuples(st.integers(1, 4), st.integers(1, 4), st.just(3)),
        elements=st.integers(0, 255),
    ),
    swing=st.sampled_from(SWINGS),
    matrix=st.sampled_from(MATRICES),
    chroma=st.sampled_from(CHROMA_DOWNSAMPLING),
)
def test_property_flat_blocks_round_trip(colours, swing, matrix, chroma):
    # Each colour fills one 2x2 block: 4:2:0 loses nothing, so the YUV444 bound holds.
    rgb = np.repeat(np.repeat(colours, 2, axis=0), 2, axis=1)
    frame = rgb_to_nv12(rgb, swing=swing, matrix=matrix, chroma=chroma)
    back = nv12_to_rgb(frame, swing=swing, matrix=matrix, upsample="nearest")
    assert np.abs(back.astype(int) - rgb).max() <= ROUND_TRIP_BOUND[(swing, matrix)]


@pytest.mark.parametrize("chroma", CHROMA_DOWNSAMPLING)
@pytest.mark.parametrize("swing", SWINGS)
def test_flat_blocks_round_trip_grid(swing, chroma):
    # Every 5th level (52^3 colours), each a constant 2x2 block; bound reached, not beaten.
    levels = np.arange(0, 256, 5, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 52, 3)
    blocks = np.repeat(np.repeat(grid, 2, axis=0), 2, axis=1)
    back = nv12_to_rgb(rgb_to_nv12(blocks, swing=swing, chroma=chroma), swing=swing)
    err = cv2.absdiff(back, blocks).max()
    assert err == ROUND_TRIP_BOUND[(swing, "bt601")]


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 4, 3), (4, 5, 3), (1, 1, 3), (5, 7, 3)])
def test_odd_sizes_name_the_helpers(shape):
    with pytest.raises(InputError, match=r"even width and height.*crop_even.*pad_even"):
        rgb_to_nv12(np.zeros(shape, np.uint8))


def test_rgb_to_nv12_bad_input():
    ok = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(InputError, match=r"chroma='average'.*not supported.*'mean', 'decimate'"):
        rgb_to_nv12(ok, chroma="average")
    with pytest.raises(InputError, match=r"swing='video'.*not supported"):
        rgb_to_nv12(ok, swing="video")
    with pytest.raises(InputError, match=r"matrix='601'.*not supported"):
        rgb_to_nv12(ok, matrix="601")
    with pytest.raises(InputError, match=r"order='yuv'.*not supported"):
        rgb_to_nv12(ok, order="yuv")
    with pytest.raises(InputError, match="must be uint8, got float64"):
        rgb_to_nv12(ok.astype(np.float64))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\)"):
        rgb_to_nv12(np.zeros((2, 2), np.uint8))
    with pytest.raises(InputError, match=r"shape \(H, W, 3\)"):
        rgb_to_nv12(np.zeros((2, 2, 4), np.uint8))


def test_decode_bad_input():
    frame = rgb_to_nv12(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(InputError, match=r"upsample='cubic'.*not supported.*'nearest'"):
        nv12_to_rgb(frame, upsample="cubic")
    with pytest.raises(InputError, match=r"upsample='cubic'.*not supported"):
        nv12_to_yuv444(frame, upsample="cubic")
    with pytest.raises(InputError, match=r"swing='x'.*not supported"):
        nv12_to_rgb(frame, swing="x")
    with pytest.raises(InputError, match=r"matrix='x'.*not supported"):
        nv12_to_rgb(frame, matrix="x")
    with pytest.raises(InputError, match=r"order='x'.*not supported"):
        nv12_to_rgb(frame, order="x")
    for func in (nv12_to_rgb, nv12_to_yuv444):
        with pytest.raises(InputError, match="expected an NV12 frame.*frombuffer"):
            func(np.zeros((3, 2), np.uint8))
    with pytest.raises(InputError, match="expected an NV12 frame"):
        nv12_to_format(frame.tobytes(), "rgb")
