"""probe_read recovers a converter chosen by the test, bit for bit, from the probe frames.

The simulated boards below are written here, independently of model.probe_solve: an
integer matrix applied with numpy float64 division and numpy's own rounding, chroma
upsampled by OpenCV. Vendor / library converters: Ascend AIPP (documented Q8 CSC,
nv12_widgets.devices.ascend), OpenCV's cvtColor NV12 <-> RGB.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from nv12_widgets.cli import main
from nv12_widgets.core import NV12, InputError
from nv12_widgets.core.probe import probe_frames
from nv12_widgets.devices.ascend import AIPP_PRESETS, ascend_aipp_nv12_to_rgb
from nv12_widgets.model.workflows.probe import probe_make, probe_png, probe_read

NONSTANDARD_Q8 = np.array([[300, 3, 400], [297, -101, -210], [299, 520, -2]])
BT709_FULL_Q10 = np.array([[1023, 1, 1613], [1025, -192, -479], [1024, 1901, 1]])
ODD_Q12 = np.array([[4769, 1, 6537], [4767, -1605, -3331], [4771, 8263, -1]])


def cosited_left_bilinear(uv: np.ndarray) -> np.ndarray:
    """Chroma at full size, samples co-sited with even columns, centred between row pairs
    (H.264 chroma_sample_loc_type 0), bilinear in float64, clamped at the borders,
    rounded half up once: written out position by position."""
    hc, wc = uv.shape[:2]
    h, w = 2 * hc, 2 * wc
    src = uv.astype(np.float64)
    ys = np.clip((np.arange(h) + 0.5) / 2 - 0.5, 0, hc - 1)
    xs = np.arange(w) / 2.0
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    fy, fx = ys - y0, xs - x0
    y1, x1 = np.minimum(y0 + 1, hc - 1), np.minimum(x0 + 1, wc - 1)
    top = src[y0][:, x0] * (1 - fx)[None, :, None] + src[y0][:, x1] * fx[None, :, None]
    bot = src[y1][:, x0] * (1 - fx)[None, :, None] + src[y1][:, x1] * fx[None, :, None]
    v = top * (1 - fy)[:, None, None] + bot * fy[:, None, None]
    return np.floor(v + 0.5).astype(np.uint8)


def simulated_board(frame: NV12, mi, q, y0, rounding, upsample, order):
    """A fixed-point NV12 -> RGB converter: clip(R((mi @ (yuv - (y0, 128, 128))) / 2^q))."""
    h, w = frame.shape
    if upsample == "nearest":
        uv = np.repeat(np.repeat(frame.uv, 2, axis=0), 2, axis=1)
    elif upsample == "bilinear-left":
        uv = cosited_left_bilinear(frame.uv)
    else:
        uv = cv2.resize(frame.uv, (w, h), interpolation=cv2.INTER_LINEAR_EXACT)
    yuv = np.dstack([frame.y, uv]).astype(np.float64) - (y0, 128, 128)
    v = (yuv @ np.asarray(mi, np.float64).T) / 2.0**q  # exact: integers / a power of 2
    out = {"truncate": np.floor(v), "half_up": np.floor(v + 0.5), "half_even": np.round(v)}[
        rounding
    ]
    out = np.clip(out, 0, 255).astype(np.uint8)
    return out if order == "rgb" else np.ascontiguousarray(out[..., ::-1])


@pytest.mark.parametrize(
    "mi, q, y0, rounding, upsample, order",
    [
        (NONSTANDARD_Q8, 8, 16, "half_even", "nearest", "bgr"),
        (NONSTANDARD_Q8, 8, 16, "half_up", "bilinear", "rgb"),
        (BT709_FULL_Q10, 10, 0, "truncate", "bilinear", "bgr"),
        (ODD_Q12, 12, 16, "half_up", "nearest", "rgb"),
        (ODD_Q12, 12, 0, "half_even", "bilinear", "rgb"),
        (NONSTANDARD_Q8, 8, 16, "truncate", "bilinear-left", "bgr"),
    ],
)
def test_a_simulated_fixed_point_board_is_recovered_exactly(mi, q, y0, rounding, upsample, order):
    board = {
        p.design: simulated_board(p.frame, mi, q, y0, rounding, upsample, order)
        for p in probe_frames(320, 240)
    }
    r = probe_read(board)
    c = r.conversion
    assert r.exact and r.fit["mismatches"] == 0
    assert np.array_equal(c.matrix, np.asarray(mi) / 2.0**q), c.matrix_int
    assert c.rounding == rounding
    assert r.fit["ties_seen"] > 0  # the rounding was decided on exact ties, not guessed
    assert r.fit["range"] == ("studio" if y0 == 16 else "full")
    assert c.order == order and c.upsample == upsample
    assert r.upsampling[upsample] == 0 and min(v for k, v in r.upsampling.items() if k != upsample) > 0  # fmt: skip
    assert c.standard is None and not r.reproduces  # no named profile: the nearest one fixes it
    ns = r.fit["nearest_standard"]
    assert (ns["swing"] == "studio") == (mi[0, 0] / 2**q > 1.1)  # the luma gain says it
    # the numpy snippet reproduces the board on every sample
    scope: dict = {}
    exec(r.snippets["numpy"], scope)  # our own generated text
    p = probe_frames(320, 240)[3]
    got = scope["device_convert"](p.codes)
    want = board["ties"][p.points[:, 0], p.points[:, 1]]
    assert np.array_equal(got, want)


@pytest.mark.parametrize("preset", ["bt601-narrow", "bt709-wide", "bt709-narrow"])
def test_ascend_aipp_csc_is_recovered_as_its_documented_q8_matrix(preset):
    board = {p.design: ascend_aipp_nv12_to_rgb(p.frame, preset) for p in probe_frames(256, 192)}
    r = probe_read(board)
    m, bias = AIPP_PRESETS[preset]
    assert r.exact
    assert np.array_equal(r.conversion.matrix, np.asarray(m) / 256.0)
    assert r.conversion.rounding == "truncate"  # AIPP shifts right, no rounding term
    assert r.fit["range"] == ("studio" if bias[0] == 16 else "full")


def test_opencv_nv12_decode_reads_as_bt601_studio_nearest():
    board = {}
    for p in probe_frames(256, 192):
        raw = np.frombuffer(p.frame.tobytes(), np.uint8).reshape(-1, p.frame.width)
        board[p.design] = cv2.cvtColor(raw, cv2.COLOR_YUV2BGR_NV12)
    r = probe_read(board)
    assert r.conversion.order == "bgr" and r.conversion.upsample == "nearest"
    assert r.fit["nearest_standard"]["swing"] == "studio"
    assert r.fit["nearest_standard"]["matrix"] == "bt601"
    assert r.fit["range"] == "studio"
    # OpenCV clamps Y - 16 at 0 before its Q20 matrix: away from those codes the
    # solved matrix reproduces it within one level
    p = probe_frames(256, 192)[3]
    keep = p.codes[:, 0] >= 16
    got = r.conversion.apply(p.codes[keep])[:, ::-1]
    want = board["ties"][p.points[keep, 0], p.points[keep, 1]].astype(int)
    err = np.abs(got - want).max(axis=1)
    assert np.mean(err <= 1) > 0.99 and not r.exact  # the clamp is not modelled: not exact


def test_tensor_outputs_give_the_normalisation_and_the_conversion():
    from nv12_widgets.core import nv12_to_rgb

    mean, std = np.array([0.406, 0.456, 0.485]), np.array([0.225, 0.224, 0.229])
    board = {}
    for p in probe_frames(160, 128):
        bgr = nv12_to_rgb(p.frame, swing="studio", matrix="bt709", order="bgr")
        t = ((bgr / 255.0 - mean) / std).astype(np.float32)
        board[p.design] = t.transpose(2, 0, 1)[None]  # NCHW
    r = probe_read(board)
    assert r.kind == "tensor" and r.exact
    assert r.conversion.standard == ("studio", "bt709") and r.conversion.order == "bgr"
    n = r.normalisation
    np.testing.assert_allclose(n["mean"], mean, atol=2e-5)
    np.testing.assert_allclose(n["std"], std, atol=2e-5)
    assert r.reproduces and r.config.train_format == "bgr"
    np.testing.assert_allclose(r.config.std, std, atol=2e-5)
    assert "rknn" in r.snippets


def test_the_boards_own_rgb_to_nv12_is_solved_too():
    # The classic 8-bit BT.601 studio encoder (Microsoft Learn, "Recommended 8-Bit YUV
    # Formats for Video Rendering", "Converting RGB888 to YUV 4:4:4"):
    # Y = ((66R + 129G + 25B + 128) >> 8) + 16, U = ((-38R - 74G + 112B + 128) >> 8) + 128,
    # V = ((112R - 94G - 18B + 128) >> 8) + 128; chroma of a 2x2 block: its top-left pixel.
    m = np.array([[66, 129, 25], [-38, -74, 112], [112, -94, -18]])
    board = {}
    for p in probe_frames(160, 128):
        rgb = probe_png(p).astype(np.int64)
        yuv = ((rgb @ m.T + 128) >> 8) + (16, 128, 128)
        yuv = np.clip(yuv, 0, 255).astype(np.uint8)
        board[p.design] = NV12(yuv[..., 0], yuv[::2, ::2, 1:])
    r = probe_read(board)
    assert r.kind == "nv12" and r.conversion.direction == "encode" and r.exact
    assert np.array_equal(r.conversion.matrix, m / 256.0)
    assert r.conversion.rounding == "half_up" and r.fit["range"] == "studio"
    assert (r.fit["nearest_standard"]["swing"], r.fit["nearest_standard"]["matrix"]) == ("studio", "bt601")  # fmt: skip
    # OpenCV's own RGB -> I420 (Q20 fixed point) reads as BT.601 studio within a level
    for p in probe_frames(160, 128):
        i420 = cv2.cvtColor(probe_png(p), cv2.COLOR_RGB2YUV_I420)
        board[p.design] = NV12.from_i420(i420.tobytes(), p.frame.width, p.frame.height)
    r = probe_read(board)
    assert r.fit["max_error"] <= 1 and r.fit["range"] == "studio"
    assert (r.fit["nearest_standard"]["swing"], r.fit["nearest_standard"]["matrix"]) == ("studio", "bt601")  # fmt: skip


def test_unphysical_or_unrelated_outputs_are_refused():
    frames = probe_frames(64, 64)
    with pytest.raises(InputError, match="constant"):
        probe_read({p.design: np.zeros((1, 3, 64, 64), np.float32) for p in frames})
    with pytest.raises(InputError, match="must say which probe"):
        probe_read({"frame0": np.zeros((64, 64, 3), np.uint8)})
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="conversion"):
        probe_read({"patches": noise, "ties": noise})


def test_cli_probe_make_then_read(tmp_path, capsys):
    out = tmp_path / "probe"
    assert (
        main(["probe", "make", str(out), "--size", "96", "128", "--camera-size", "320", "240"]) == 0
    )
    made = sorted(f.name for f in out.glob("*_128x96.*"))
    assert len(made) == 12 and (out / "probe_manifest.json").is_file()
    assert len(list(out.glob("*_320x240.nv12"))) == 4
    board = tmp_path / "board"
    board.mkdir()
    for p in probe_frames(128, 96):  # the board: AIPP, written as .npy images
        np.save(board / f"{p.name}.npy", ascend_aipp_nv12_to_rgb(p.frame, "bt601-narrow"))
    capsys.readouterr()
    assert main(["probe", "read", str(board), "--snippet", "numpy"]) == 0
    text = capsys.readouterr().out
    assert "fixed point Q8: [[298, 0, 409]" in text and "rounding: truncate" in text
    assert main(["probe", "read", str(board), "--json"]) == 0
    assert '"exact": true' in capsys.readouterr().out
    assert main(["probe", "read", str(tmp_path / "missing")]) == 2
    assert "nv12-widgets: error:" in capsys.readouterr().err
    assert main(["probe", "make", str(out), "--size", "96", "128", "--no-camera"]) == 2
    assert "already exist" in capsys.readouterr().err


def test_probe_make_writes_readable_frames(tmp_path):
    from nv12_widgets.model.exchange.board import load_nv12

    rows = probe_make(tmp_path, model_size=(64, 80), sizes=())
    assert [r["design"] for r in rows] == ["patches", "ramps", "edges", "ties"]
    for r, p in zip(rows, probe_frames(80, 64), strict=True):
        assert load_nv12(r["nv12"]) == p.frame
        png = cv2.imread(str(r["png"]))[..., ::-1]
        assert np.array_equal(png, probe_png(p))


def test_ffmpeg_swscale_decode_reads_as_bt601_studio_within_a_level(tmp_path):
    """FFmpeg's own NV12 -> RGB (swscale defaults: a wider chroma filter than any NPU's):
    the dense 'ties' frame is left out, the rest gives BT.601 studio within one level."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not on PATH")
    rows = probe_make(tmp_path / "probe", model_size=(240, 320), sizes=())
    board = {}
    for r in rows:
        out = subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "nv12", "-s", "320x240",
             "-i", str(r["nv12"]), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        board[r["design"]] = np.frombuffer(out, np.uint8).reshape(240, 320, 3)
    r = probe_read(board)
    assert r.fit["max_error"] <= 1 and r.fit["range"] == "studio"
    ns = r.fit["nearest_standard"]
    assert (ns["swing"], ns["matrix"]) == ("studio", "bt601") and r.conversion.order == "rgb"
    assert any("'ties' frame is left out" in n for n in r.notes)
