"""Bilinear chroma upsampling is exactly rounded: cv2.INTER_LINEAR_EXACT, a plain numpy
re-implementation of the half_pixel geometry, and (when installed) FFmpeg."""

from __future__ import annotations

import shutil
import subprocess

import cv2
import numpy as np
import pytest

from nv12_widgets.core import rgb_to_nv12, upsample_uv

from .conftest import PHOTO_NAMES, images


def plain_bilinear_x2(uv: np.ndarray) -> np.ndarray:
    """Centre-sited 2x bilinear by the definition, in exact integer arithmetic.

    Output x reads source position (x + 0.5) / 2 - 0.5, clamped to the plane; its two
    neighbours get weights 3/4 and 1/4 (or 1 at a clamped border). The value is
    S / 16 with an integer S, rounded half up: floor(S / 16 + 1 / 2).
    """
    h, w = uv.shape[:2]
    a = uv.astype(np.int64)
    out = np.empty((2 * h, 2 * w, uv.shape[2]), np.int64)
    for i in range(2 * h):
        yi = (i + 0.5) / 2 - 0.5
        i0 = int(np.floor(yi))
        wi1 = round((yi - i0) * 4)  # 1 or 3 quarters on the lower neighbour
        rows = [(min(max(i0, 0), h - 1), 4 - wi1), (min(max(i0 + 1, 0), h - 1), wi1)]
        for j in range(2 * w):
            xj = (j + 0.5) / 2 - 0.5
            j0 = int(np.floor(xj))
            wj1 = round((xj - j0) * 4)
            cols = [(min(max(j0, 0), w - 1), 4 - wj1), (min(max(j0 + 1, 0), w - 1), wj1)]
            s = sum(wr * wc * a[r, c] for r, wr in rows for c, wc in cols)
            out[i, j] = (s + 8) // 16
    return out.astype(np.uint8)


@pytest.mark.parametrize("name", PHOTO_NAMES)
def test_bilinear_equals_inter_linear_exact_on_photos(name):
    frame = rgb_to_nv12(images()[name])
    h, w = frame.height, frame.width
    got = upsample_uv(frame.uv, h, w, "bilinear")
    ref = cv2.resize(frame.uv, (w, h), interpolation=cv2.INTER_LINEAR_EXACT)
    assert got.dtype == np.uint8 and got.shape == (h, w, 2)
    np.testing.assert_array_equal(got, ref)


def test_bilinear_differs_from_inter_linear():
    # The old rule (cv2.INTER_LINEAR, truncating SIMD fixed point) is off on photos:
    # pin that the exact path is not it.
    frame = rgb_to_nv12(images()["astronaut"])
    h, w = frame.height, frame.width
    old = cv2.resize(frame.uv, (w, h), interpolation=cv2.INTER_LINEAR)
    assert (upsample_uv(frame.uv, h, w, "bilinear") != old).mean() > 0.01


@pytest.mark.parametrize("seed", range(4))
def test_bilinear_equals_plain_reimplementation(seed):
    rng = np.random.default_rng(seed)
    hc, wc = rng.integers(1, 12, 2)
    uv = rng.integers(0, 256, (hc, wc, 2), dtype=np.uint8)
    got = upsample_uv(uv, 2 * hc, 2 * wc, "bilinear")
    np.testing.assert_array_equal(got, plain_bilinear_x2(uv))


def test_bilinear_plain_on_a_photo_crop():
    uv = rgb_to_nv12(images()["chelsea_90x146"]).uv
    np.testing.assert_array_equal(upsample_uv(uv, 90, 146, "bilinear"), plain_bilinear_x2(uv))


def test_ties_round_half_up():
    # One chroma row (0, 2): output columns read 0, 3/4*0 + 1/4*2 = 0.5, 1/4*0 + 3/4*2
    # = 1.5, 2 -> exact ties round up: 0, 1, 2, 2 (round-half-even would give 0, 0, 2, 2).
    uv = np.array([[[0, 2], [2, 0]]], np.uint8)
    up = upsample_uv(uv, 2, 4, "bilinear")
    assert up[..., 0].tolist() == [[0, 1, 2, 2]] * 2
    assert up[..., 1].tolist() == [[2, 2, 1, 0]] * 2  # 1.5 -> 2, 0.5 -> 1
    # 2-D weights 9, 3, 3, 1 (/16): a lone 1 gives 9/16 -> 1, 3/16 -> 0, 1/16 -> 0.
    uv = np.zeros((2, 2, 2), np.uint8)
    uv[0, 0, 0] = 1
    up = upsample_uv(uv, 4, 4, "bilinear")[..., 0]
    assert (up[1, 1], up[1, 2], up[2, 2]) == (1, 0, 0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea_even"])
def test_bilinear_equals_ffmpeg(tmp_path, name):
    """FFmpeg's swscale, NV12 -> YUV444P, bilinear with accurate rounding, chroma sited
    at the block centre (src_h/v_chr_pos=128, in 1/256 of a chroma sample): identical
    (measured with FFmpeg 5.1). swscale's default (bicubic, left-sited chroma) is not."""
    frame = rgb_to_nv12(images()[name])
    h, w = frame.height, frame.width
    src = tmp_path / "in.nv12"
    dst = tmp_path / "out.yuv444p"
    src.write_bytes(frame.tobytes())
    cmd = [
        "ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "nv12",
        "-s", f"{w}x{h}", "-i", str(src),
        "-vf", "scale=flags=bilinear+accurate_rnd+full_chroma_int:src_h_chr_pos=128:"
        "src_v_chr_pos=128,format=yuv444p", "-f", "rawvideo", str(dst),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, timeout=60)
    planes = np.frombuffer(dst.read_bytes(), np.uint8).reshape(3, h, w)
    np.testing.assert_array_equal(planes[0], frame.y)
    np.testing.assert_array_equal(np.stack(planes[1:], -1), upsample_uv(frame.uv, h, w, "bilinear"))
    old = cv2.resize(frame.uv, (w, h), interpolation=cv2.INTER_LINEAR)
    assert (np.stack(planes[1:], -1) != old).any()  # the old rule disagreed with FFmpeg
