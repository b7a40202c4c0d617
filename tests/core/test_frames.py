"""Raw frames as a source: NV12 / NV21 / I420 files, stride, sidecar, names, several
frames, wrong sizes; and the NV12-domain resize.

The padded buffers are built here by hand from the V4L2 layout descriptions (rows of
``stride`` bytes, chroma rows ``stride`` for NV12/NV21 and ``stride / 2`` for I420), and
the I420 / NV12 repacking is checked against OpenCV's own YUV -> RGB decoders.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from nv12_widgets.core import NV12, InputError, load_frame, load_source, resize_nv12
from nv12_widgets.core.frames import (
    fitting_sizes,
    frame_nbytes,
    frame_sidecar,
    frames_in,
    is_raw_frame_path,
    parse_size_from_name,
    sidecar_path,
)

PAD = 0xAB  # padding bytes: must never show up in a plane


def _frame(h=6, w=8, seed=0) -> NV12:
    rng = np.random.default_rng(seed)
    return NV12(
        rng.integers(0, 256, (h, w), dtype=np.uint8),
        rng.integers(0, 256, (h // 2, w // 2, 2), dtype=np.uint8),
    )


def _rows(plane: np.ndarray, stride: int) -> bytes:
    """Each row of a 2-D plane padded with PAD bytes to ``stride`` bytes."""
    h, w = plane.shape
    out = np.full((h, stride), PAD, np.uint8)
    out[:, :w] = plane
    return out.tobytes()


def _raw(frame: NV12, fmt: str, stride: int | None = None) -> bytes:
    """The file bytes of ``frame`` in ``fmt`` with rows padded to ``stride``."""
    s = stride or frame.width
    h2, w = frame.height // 2, frame.width
    if fmt == "nv12":
        return _rows(frame.y, s) + _rows(frame.uv.reshape(h2, w), s)
    if fmt == "nv21":
        return _rows(frame.y, s) + _rows(frame.uv[..., ::-1].reshape(h2, w), s)
    return _rows(frame.y, s) + _rows(frame.u, s // 2) + _rows(frame.v, s // 2)


@pytest.mark.parametrize("fmt", ["nv12", "nv21", "i420"])
@pytest.mark.parametrize("stride", [None, 8, 16, 64])
def test_reads_each_format_with_and_without_stride(tmp_path, fmt, stride):
    frame = _frame()
    path = tmp_path / f"cam.{fmt}"
    path.write_bytes(_raw(frame, fmt, stride))
    got = load_frame(path, width=8, height=6, stride=stride)
    assert got == frame
    # bytes (an upload) read the same, with the format from the name
    assert load_frame(path.read_bytes(), width=8, height=6, stride=stride, name=path.name) == frame


@pytest.mark.parametrize("fmt", ["nv12", "nv21", "i420"])
def test_unpadded_files_match_the_nv12_readers(tmp_path, fmt):
    frame = _frame(4, 6, seed=3)
    data = {"nv12": frame.tobytes, "nv21": frame.to_nv21_bytes, "i420": frame.to_i420_bytes}[fmt]()
    path = tmp_path / "frame.yuv"
    path.write_bytes(data)
    assert load_frame(path, fmt=fmt, width=6, height=4) == NV12.fromfile(path, 6, 4, fmt=fmt)


def test_i420_and_nv12_repacking_agree_with_opencv(tmp_path):
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)  # (H*3/2, W): OpenCV's layout
    path = tmp_path / "cv.i420"
    path.write_bytes(i420.tobytes())
    frame = load_frame(path, width=24, height=16)
    assert np.array_equal(frame.y, i420[:16])
    ref = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
    nv12_buf = np.frombuffer(frame.tobytes(), np.uint8).reshape(24, 24)
    nv21_buf = np.frombuffer(frame.to_nv21_bytes(), np.uint8).reshape(24, 24)
    assert np.array_equal(cv2.cvtColor(nv12_buf, cv2.COLOR_YUV2RGB_NV12), ref)
    assert np.array_equal(cv2.cvtColor(nv21_buf, cv2.COLOR_YUV2RGB_NV21), ref)
    # and a padded NV21 dump of the same frame decodes to the same pixels
    padded = tmp_path / "cv_pad.nv21"
    padded.write_bytes(_raw(frame, "nv21", 32))
    assert load_frame(padded, width=24, height=16, stride=32) == frame


def test_size_from_the_save_nv12_sidecar(tmp_path):
    from nv12_widgets.model.exchange.board import read_sidecar, save_nv12

    frame = _frame(8, 10, seed=1)
    paths = save_nv12(frame, tmp_path / "dump")
    assert load_frame(paths["nv12"]) == frame
    assert frame_sidecar(paths["nv12"])["width"] == 10
    assert read_sidecar(paths["nv12"]) == json.loads(paths["json"].read_text())  # board API kept


def test_sidecar_gives_format_and_stride(tmp_path):
    frame = _frame(4, 6, seed=2)
    path = tmp_path / "cam0.yuv"
    path.write_bytes(_raw(frame, "nv21", 16))
    (tmp_path / "cam0.json").write_text('{"width": 6, "height": 4, "stride": 16, "format": "nv21"}')
    assert load_frame(path) == frame
    # typed arguments win over the sidecar
    assert load_frame(path, fmt="nv21", width=6, height=4, stride=16) == frame
    (tmp_path / "cam0.json").write_text('{"width": "6", "height": 4}')
    with pytest.raises(InputError, match="width must be a positive integer"):
        load_frame(path)
    (tmp_path / "cam0.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_frame(path)


def test_size_from_the_file_name(tmp_path):
    frame = _frame(6, 8, seed=4)
    path = tmp_path / "front_cam_8x6_0001.nv12"
    path.write_bytes(frame.tobytes())
    assert load_frame(path) == frame
    assert parse_size_from_name("out/frame_1920x1080.nv12") == (1920, 1080)
    assert parse_size_from_name("1280X720.yuv") == (1280, 720)
    assert parse_size_from_name("a_640x480_b_320x240.nv12") == (320, 240)  # the last one
    assert parse_size_from_name("dir_640x480/frame.nv12") is None  # not the folders
    assert parse_size_from_name("frame.nv12") is None
    assert parse_size_from_name("x_0x480.nv12") is None


def test_several_frames_and_the_index(tmp_path):
    frames = [_frame(4, 4, seed=s) for s in range(3)]
    path = tmp_path / "seq_4x4.nv12"
    path.write_bytes(b"".join(f.tobytes() for f in frames))
    for i, f in enumerate(frames):
        assert load_frame(path, index=i) == f
    assert load_frame(path, index=-1) == frames[2]
    with pytest.raises(
        InputError, match=r"holds 3 frames of 4x4; index 3 is out of range \(use 0..2\)"
    ):
        load_frame(path, index=3)
    assert frames_in(3 * 24, 4, 4) == 3


def test_wrong_sizes_name_the_sizes_that_fit(tmp_path):
    path = tmp_path / "big.nv12"
    path.write_bytes(bytes(1920 * 1080 * 3 // 2))
    with pytest.raises(InputError) as err:
        load_frame(path, width=1280, height=720)
    text = str(err.value)
    assert "big.nv12" in text and "1382400 bytes, the buffer has 3110400" in text
    assert "a height of 1620" in text and "1920x1080 (1 frame)" in text
    # a padded dump read without the stride: the stride that fits is named
    frame = _frame(4, 6)
    padded = tmp_path / "pad.nv12"
    padded.write_bytes(_raw(frame, "nv12", 16))
    with pytest.raises(InputError, match="a row stride of 16 bytes at 6x4"):
        load_frame(padded, width=6, height=4)
    truncated = tmp_path / "cut.nv12"
    truncated.write_bytes(frame.tobytes()[:-1])
    with pytest.raises(InputError, match="frame is 36 bytes, the buffer has 35"):
        load_frame(truncated, width=6, height=4)
    assert fitting_sizes(24, width=4) == ["a height of 4"]
    assert fitting_sizes(7) == []


def test_bad_arguments(tmp_path):
    path = tmp_path / "frame.nv12"
    path.write_bytes(_frame(4, 4).tobytes())
    with pytest.raises(InputError, match="does not say its size.*WxH in the file name"):
        load_frame(path)
    with pytest.raises(InputError, match="contradicts the name"):
        load_frame(path, fmt="i420", width=4, height=4)
    with pytest.raises(InputError, match="stride 2 is smaller than the width 4"):
        load_frame(path, width=4, height=4, stride=2)
    with pytest.raises(InputError, match="even"):
        load_frame(path, width=3, height=4)
    with pytest.raises(InputError, match="fmt='rgb' is not supported"):
        load_frame(path.read_bytes(), fmt="rgb", width=4, height=4)
    with pytest.raises(InputError, match="no raw frame file"):
        load_frame(tmp_path / "missing.nv12", width=4, height=4)
    empty = tmp_path / "empty_4x4.nv12"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_frame(empty)
    with pytest.raises(InputError, match="I420 stride must be even"):
        frame_nbytes(4, 4, "i420", stride=5)
    # only the width given: the height that makes it one frame
    assert load_frame(path, width=4).shape == (4, 4)


def test_paths_and_sources(tmp_path):
    assert (
        is_raw_frame_path("a/b.YUV") and is_raw_frame_path("x.raw") and is_raw_frame_path("d.bin")
    )
    assert not is_raw_frame_path("a.png") and not is_raw_frame_path(None)
    assert sidecar_path("a/b.nv21").name == "b.json"
    frame = _frame(4, 4)
    raw = tmp_path / "f_4x4.nv12"
    raw.write_bytes(frame.tobytes())
    got, notes = load_source(raw)
    assert got == frame and "raw NV12 frame 4x4" in notes[0]
    got, _ = load_source(raw.read_bytes(), name="upload_4x4.nv12")
    assert got == frame
    got, _ = load_source(frame.to_i420_bytes(), fmt="i420", width=4, height=4)
    assert got == frame
    png = tmp_path / "img.png"
    rgb = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    cv2.imwrite(str(png), rgb[..., ::-1])
    img, notes = load_source(png)
    assert isinstance(img, np.ndarray) and np.array_equal(img, rgb) and notes == []
    assert load_source(rgb)[0] is rgb and load_source(frame)[0] is frame


# ---------------------------------------------------------------------- resize
def test_resize_bilinear_hand_computed():
    # Upscale 2x2 -> 4x4, half-pixel centres: source x = (dst + 0.5) / 2 - 0.5 =
    # -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1): values a, a + (b-a)/4,
    # a + 3(b-a)/4, b; with a = 0, b = 100: 0, 25, 75, 100. Chroma 1x1 stays constant.
    y = np.array([[0, 100], [0, 100]], np.uint8)
    frame = NV12(y, np.array([[[90, 160]]], np.uint8))
    up = resize_nv12(frame, (4, 4))
    assert up.y.tolist() == [[0, 25, 75, 100]] * 4
    assert up.uv.shape == (2, 2, 2) and np.all(up.u == 90) and np.all(up.v == 160)
    # Downscale 4x4 -> 2x2: each output pixel sits at the centre of a 2x2 block: its mean.
    y4 = np.array([[0, 4, 8, 12], [4, 8, 12, 16], [20, 24, 28, 32], [24, 28, 32, 36]], np.uint8)
    uv = np.array([[[10, 200], [30, 100]], [[50, 0], [70, 50]]], np.uint8)
    down = resize_nv12(NV12(y4, uv), (2, 2))
    assert down.y.tolist() == [[4, 12], [24, 32]]
    # U and V resized together (not mixed): the 2x2 chroma block's means per channel
    assert down.uv.tolist() == [[[40, 88]]]  # U (10+30+50+70)/4, V (200+100+0+50)/4 = 87.5


def test_resize_filters_and_errors():
    frame = NV12(np.arange(64, dtype=np.uint8).reshape(8, 8), np.full((4, 4, 2), 128, np.uint8))
    assert resize_nv12(frame, (8, 8)) is frame
    # nearest: pixel-centre sampling picks columns/rows 1, 3, 5, 7 when halving
    near = resize_nv12(frame, (4, 4), interpolation="nearest")
    assert np.array_equal(near.y, frame.y[1::2, 1::2])
    area = resize_nv12(frame, (4, 4), interpolation="area")
    block = frame.y.reshape(4, 2, 4, 2).astype(float).mean(axis=(1, 3))
    assert np.abs(area.y - block).max() <= 0.5
    with pytest.raises(InputError, match="even"):
        resize_nv12(frame, (5, 4))
    with pytest.raises(InputError, match="interpolation='cubic'"):
        resize_nv12(frame, (4, 4), interpolation="cubic")
    with pytest.raises(InputError, match="fit_image"):
        resize_nv12(np.zeros((4, 4, 3), np.uint8), (2, 2))
