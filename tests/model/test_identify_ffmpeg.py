"""identify_pipeline on frames made by the real ``ffmpeg`` command (skipped without it).

FFmpeg's swscale filters chroma its own way (pair mean horizontally, bicubic rows:
``nv12_widgets.core.swscale``); these frames must be identified within 1 level with the
right range and matrix, also when ffmpeg scales, and a BT.709 frame decoded by a device
as BT.601 is told apart (``decode_matrix``).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings

import numpy as np
import pytest

import nv12_widgets.core as core
from nv12_widgets.cli import main
from nv12_widgets.core import NV12
from nv12_widgets.model import PreprocessConfig, identify_pipeline
from nv12_widgets.model.devicepath.pipeline import Pipeline

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="no ffmpeg on PATH")


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """64 x 96 of a photo with saturated colour blocks in its lower half, and its PNG."""
    from PIL import Image

    from nv12_widgets.model import demo_image_paths

    path = next(p for p in demo_image_paths() if p.stem == "coffee")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rgb = np.array(core.load_image(path)[110:174, 170:266])
    blocks = np.random.default_rng(1).integers(0, 2, (11, 32, 3), dtype=np.uint8) * 255
    rgb[32:] = np.repeat(np.repeat(blocks, 3, axis=0), 3, axis=1)[:32, :96]
    png = tmp_path_factory.mktemp("ffmpeg") / "in.png"
    Image.fromarray(rgb).save(png)
    return rgb, png


def ffmpeg_frame(png, vf, size, out) -> NV12:
    cmd = [FFMPEG, "-loglevel", "error", "-y", "-i", str(png)]
    cmd += ["-vf", vf] if vf else []
    cmd += ["-pix_fmt", "nv12", "-f", "rawvideo", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return NV12.frombuffer(out.read_bytes(), size[1], size[0])


CASES = [
    ("", "studio", "bt601", None),
    ("scale=out_range=pc", "full", "bt601", None),
    ("scale=out_color_matrix=bt709:out_range=tv", "studio", "bt709", None),
    ("scale=out_color_matrix=bt709:out_range=pc", "full", "bt709", None),
    ("scale=48:32:out_color_matrix=bt709:out_range=tv", "studio", "bt709", (32, 48)),
]


@pytest.mark.parametrize("vf,swing,matrix,size", CASES)
def test_ffmpeg_frames_are_identified_within_one_level(tmp_path, photo, vf, swing, matrix, size):
    rgb, png = photo
    frame = ffmpeg_frame(png, vf, size or rgb.shape[:2], tmp_path / "f.nv12")
    result = identify_pipeline(rgb, frame)
    assert result.identified and result.best.max_abs <= 1, result.summary()
    found = [
        c
        for c in result.best.configs
        if (c.chroma, c.swing, c.matrix) == ("swscale", swing, matrix) and c.profile is None
    ]
    assert found, result.summary()
    if size is not None:
        assert any(c.resize_policy == "resize" for c in found)
    # the generic 2x2 encoders do not explain it: the chroma filter is what was missing
    plain = [e for e in result.runners_up if "swscale" not in e.label]
    assert all(e.max_abs > 1 for e in plain)


def test_a_bt709_camera_decoded_as_bt601_is_identified(tmp_path, photo):
    rgb, png = photo
    frame = ffmpeg_frame(png, CASES[2][0], rgb.shape[:2], tmp_path / "f.nv12")
    # the device decodes the camera's BT.709 frame as BT.601, bilinear chroma
    pixels = core.nv12_to_rgb(frame, swing="studio", matrix="bt601", upsample="bilinear")
    dump = core.to_layout(core.normalize(pixels, divisor=255.0, mean=0.5, std=0.5), "NCHW")
    # the model's 1 level on a chroma byte is up to ~2 levels of R or B after the decode
    # (BT.601 studio: V -> R gain 1.596), hence 2.5 here
    result = identify_pipeline(rgb, dump, tolerance=2.5)
    assert result.identified, result.summary()
    assert any(
        (c.chroma, c.matrix, c.effective_decode_matrix) == ("swscale", "bt709", "bt601")
        for c in result.best.configs
    ), result.summary()
    # and the pipeline that names it replays the dump
    c = result.config.replace(divisor=255.0, mean=0.5, std=0.5)
    replay = Pipeline.for_size(c, rgb.shape[:2], layout="NCHW").run(rgb).device_tensor
    assert np.abs(replay - dump).max() * 127.5 <= 2.5


def test_cli_identify_exits_0_on_an_ffmpeg_frame(tmp_path, photo, capsys):
    rgb, png = photo
    out = tmp_path / "f.nv12"
    ffmpeg_frame(png, "", rgb.shape[:2], out)
    h, w = rgb.shape[:2]
    code = main(["identify", str(png), str(out), "--width", str(w), "--height", str(h)])
    text = capsys.readouterr().out
    assert code == 0 and text.startswith("identified") and "swscale" in text


def test_the_package_replays_an_ffmpeg_config(photo):
    """The identified config is a pipeline the package runs: its frame is ffmpeg's."""
    rgb, _ = photo
    cfg = PreprocessConfig(chroma="swscale", swing="studio", matrix="bt709", size=(32, 48))
    frame = Pipeline.for_size(cfg, (32, 48)).run(rgb).frame
    want = core.swscale.swscale_rgb_to_nv12(rgb, swing="studio", matrix="bt709", size=(32, 48))
    assert frame == want
