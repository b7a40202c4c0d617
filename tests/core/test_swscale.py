"""core.swscale: the ffmpeg command's RGB -> NV12, checked against the ffmpeg command.

Stated tolerance: 1 level on every Y and UV byte (the model is float; FFmpeg's 14-bit
filter coefficients and 15-bit intermediates round differently) at the image's size and
for vertical scaling and 2x horizontal shrinks. Known limit: a non-integer horizontal
shrink (128 -> 96 columns) leaves one chroma column up to 4 levels off (FFmpeg's
integer filter positions). Skipped without an ``ffmpeg`` on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings

import numpy as np
import pytest

import nv12_widgets.core as core
from nv12_widgets.core import NV12
from nv12_widgets.core.swscale import swscale_filter, swscale_rgb_to_nv12

FFMPEG = shutil.which("ffmpeg")


def ffmpeg_nv12(tmp_path, rgb, vf: str, size) -> NV12:
    """What ``ffmpeg -i in.png [-vf ...] -pix_fmt nv12 -f rawvideo`` writes."""
    from PIL import Image

    src, out = tmp_path / "in.png", tmp_path / "out.nv12"
    Image.fromarray(rgb).save(src)
    cmd = [FFMPEG, "-loglevel", "error", "-y", "-i", str(src)]
    cmd += ["-vf", vf] if vf else []
    cmd += ["-pix_fmt", "nv12", "-f", "rawvideo", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return NV12.frombuffer(out.read_bytes(), size[1], size[0])


@pytest.fixture(scope="module")
def photo():
    """96 x 128: a photo crop on top, saturated random colour blocks (sharp chroma
    edges, where chroma filters differ most) at the bottom."""
    from nv12_widgets.model import demo_image_paths

    path = next(p for p in demo_image_paths() if p.stem == "coffee")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rgb = np.array(core.load_image(path)[100:196, 150:278])
    blocks = np.random.default_rng(0).integers(0, 2, (16, 43, 3), dtype=np.uint8) * 255
    rgb[48:] = np.repeat(np.repeat(blocks, 3, axis=0), 3, axis=1)[:48, :128]
    return rgb


CASES = [
    ("", "studio", "bt601", None),  # FFmpeg's defaults: tv range, BT.601
    ("scale=out_range=pc", "full", "bt601", None),
    ("scale=out_color_matrix=bt709:out_range=tv", "studio", "bt709", None),
    ("scale=out_color_matrix=bt709:out_range=pc", "full", "bt709", None),
    ("scale=64:48:out_color_matrix=bt709:out_range=tv", "studio", "bt709", (48, 64)),
    ("scale=128:64", "studio", "bt601", (64, 128)),  # rows 96 -> 64: a 1.5x shrink
]


@pytest.mark.skipif(FFMPEG is None, reason="no ffmpeg on PATH")
@pytest.mark.parametrize("vf,swing,matrix,size", CASES)
def test_the_model_is_within_one_level_of_ffmpeg(tmp_path, photo, vf, swing, matrix, size):
    want = ffmpeg_nv12(tmp_path, photo, vf, size or photo.shape[:2])
    got = swscale_rgb_to_nv12(photo, swing=swing, matrix=matrix, size=size)
    assert np.abs(got.y.astype(int) - want.y).max() <= 1
    assert np.abs(got.uv.astype(int) - want.uv).max() <= 1
    # and the generic encoders are not: the chroma filter is what differs
    if size is None:
        plain = core.rgb_to_nv12(photo, swing=swing, matrix=matrix)
        assert np.abs(plain.uv.astype(int) - want.uv).max() > 1


def test_the_filter_is_the_cubic_of_libswscale():
    # a 2x downscale: B = 0, C = 0.6 cubic at distances 0.25, 0.75, 1.25, 1.75 of the
    # widened kernel, normalised (the vertical chroma filter measured on ffmpeg: taps
    # 24, 7, -2, -1 of 56 for an impulse)
    w = swscale_filter(16, 8)[3]
    np.testing.assert_allclose(w[5:9], [0.1203, 0.4359, 0.4359, 0.1203], atol=1e-4)
    np.testing.assert_allclose(np.round(w[4:10] * 56), [-2, 7, 24, 24, 7, -2])
    assert np.allclose(swscale_filter(16, 8).sum(axis=1), 1)
    assert np.array_equal(swscale_filter(5, 5), np.eye(5))
