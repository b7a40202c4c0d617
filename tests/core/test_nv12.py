"""The NV12 frame: layout, raw buffers (NV12, NV21, I420), model inputs, immutability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nv12_widgets.core import NV12, InputError, rgb_to_nv12


def hand_frame() -> NV12:
    """4x2 frame: Y = 0..7 (rows 0 1 2 3 / 4 5 6 7), U = 10, 12 and V = 11, 13."""
    y = np.arange(8, dtype=np.uint8).reshape(2, 4)
    uv = np.array([[[10, 11], [12, 13]]], np.uint8)
    return NV12(y, uv)


# Byte layouts of hand_frame(), written out by hand.
NV12_BYTES = bytes([0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13])
NV21_BYTES = bytes([0, 1, 2, 3, 4, 5, 6, 7, 11, 10, 13, 12])
I420_BYTES = bytes([0, 1, 2, 3, 4, 5, 6, 7, 10, 12, 11, 13])


# -- smoke --------------------------------------------------------------------------------
def test_properties():
    f = hand_frame()
    assert (f.width, f.height, f.shape) == (4, 2, (2, 4))
    assert isinstance(f.width, int) and isinstance(f.height, int)
    assert f.u.tolist() == [[10, 12]]
    assert f.v.tolist() == [[11, 13]]
    assert repr(f) == "NV12(4x2)"
    assert f.y.dtype == np.uint8 and f.uv.dtype == np.uint8


def test_equality():
    assert hand_frame() == hand_frame()
    other = NV12(hand_frame().y, np.array([[[10, 11], [12, 14]]], np.uint8))
    assert hand_frame() != other
    assert hand_frame() != hand_frame().tobytes()
    with pytest.raises(TypeError):
        hash(hand_frame())


def test_uv_interleaved_image():
    f = hand_frame()
    img = f.uv_interleaved_image()
    assert img.shape == (1, 4) and img.dtype == np.uint8
    assert img.tolist() == [[10, 11, 12, 13]]
    big = rgb_to_nv12(np.random.default_rng(0).integers(0, 256, (6, 8, 3), dtype=np.uint8))
    img = big.uv_interleaved_image()
    assert img.shape == (3, 8)
    np.testing.assert_array_equal(img[:, 0::2], big.u)
    np.testing.assert_array_equal(img[:, 1::2], big.v)


# -- raw buffers --------------------------------------------------------------------------
def test_hand_layouts():
    f = hand_frame()
    assert f.tobytes() == NV12_BYTES
    assert f.to_nv21_bytes() == NV21_BYTES
    assert f.to_i420_bytes() == I420_BYTES


@pytest.mark.parametrize(
    ("reader", "data"),
    [("frombuffer", NV12_BYTES), ("from_nv21", NV21_BYTES), ("from_i420", I420_BYTES)],
)
def test_hand_readers(reader, data):
    for buf in (data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8)):
        f = getattr(NV12, reader)(buf, 4, 2)
        assert f == hand_frame()
        assert f.y.flags.c_contiguous and f.uv.flags.c_contiguous
    # A (H * 3/2, W) uint8 array (OpenCV's I420 shape) reads too.
    f = getattr(NV12, reader)(np.frombuffer(data, np.uint8).reshape(3, 4), 4, 2)
    assert f == hand_frame()


@pytest.mark.parametrize(
    ("fmt", "data"),
    [("nv12", NV12_BYTES), ("nv21", NV21_BYTES), ("i420", I420_BYTES), ("yuv420p", I420_BYTES)],
)
def test_fromfile(tmp_path, fmt, data):
    path = tmp_path / f"frame.{fmt}"
    path.write_bytes(data)
    assert NV12.fromfile(path, 4, 2, fmt=fmt) == hand_frame()
    assert NV12.fromfile(str(path), 4, 2, fmt=fmt) == hand_frame()


def test_fromfile_errors(tmp_path):
    path = tmp_path / "frame.nv12"
    path.write_bytes(NV12_BYTES)
    with pytest.raises(InputError, match=r"fmt='yv12' is not supported.*nv12, nv21, i420"):
        NV12.fromfile(path, 4, 2, fmt="yv12")
    with pytest.raises(InputError, match=r"4x4 NV12 frame is 24 bytes, the file .*frame\.nv12.* has 12"):
        NV12.fromfile(path, 4, 4)


@st.composite
def frames(draw):
    h = 2 * draw(st.integers(1, 5))
    w = 2 * draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return NV12(
        rng.integers(0, 256, (h, w), dtype=np.uint8),
        rng.integers(0, 256, (h // 2, w // 2, 2), dtype=np.uint8),
    )


@settings(max_examples=40, deadline=None)
@given(f=frames())
def test_property_buffers_round_trip_and_permute(f):
    w, h = f.width, f.height
    n, q = w * h, w * h // 4
    nv12 = f.tobytes()
    assert len(nv12) == w * h * 3 // 2
    assert NV12.frombuffer(nv12, w, h) == f
    assert NV12.from_nv21(f.to_nv21_bytes(), w, h) == f
    assert NV12.from_i420(f.to_i420_bytes(), w, h) == f
    # The byte permutations, index by index: NV21 swaps each UV pair, I420 gathers all Us
    # then all Vs. The Y part is shared.
    a = np.frombuffer(nv12, np.uint8)
    nv21 = np.frombuffer(f.to_nv21_bytes(), np.uint8)
    i420 = np.frombuffer(f.to_i420_bytes(), np.uint8)
    assert (a[:n] == nv21[:n]).all() and (a[:n] == i420[:n]).all()
    k = np.arange(q)
    assert (nv21[n + 2 * k] == a[n + 2 * k + 1]).all()
    assert (nv21[n + 2 * k + 1] == a[n + 2 * k]).all()
    assert (i420[n + k] == a[n + 2 * k]).all()
    assert (i420[n + q + k] == a[n + 2 * k + 1]).all()
    # Y rows first, row-major.
    assert a[:n].reshape(h, w).tolist() == f.y.tolist()


def test_buffer_round_trip_on_photo(photo):
    f = rgb_to_nv12(photo)
    h, w = photo.shape[:2]
    assert NV12.frombuffer(f.tobytes(), w, h) == f
    assert NV12.from_i420(f.to_i420_bytes(), w, h) == f
    assert NV12.from_nv21(f.to_nv21_bytes(), w, h) == f
    assert sorted(f.to_nv21_bytes()) == sorted(f.tobytes()) == sorted(f.to_i420_bytes())


# -- model inputs -------------------------------------------------------------------------
def test_as_model_inputs():
    y, uv = hand_frame().as_model_inputs()
    assert y.shape == (1, 2, 4, 1) and uv.shape == (1, 1, 2, 2)
    assert y.dtype == np.uint8 and uv.dtype == np.uint8
    assert y[0, :, :, 0].tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert uv[0].tolist() == [[[10, 11], [12, 13]]]
    assert not y.flags.writeable and not uv.flags.writeable
    # Byte-identical to the NV12 buffer's two halves.
    assert y.tobytes() + uv.tobytes() == NV12_BYTES
    assert NV12.from_model_inputs(y, uv) == hand_frame()


def test_from_model_inputs_errors():
    y, uv = hand_frame().as_model_inputs()
    with pytest.raises(InputError, match=r"y must have shape \(1, H, W, 1\)"):
        NV12.from_model_inputs(y[0], uv)
    with pytest.raises(InputError, match=r"y must have shape \(1, H, W, 1\)"):
        NV12.from_model_inputs(np.concatenate([y, y]), uv)
    with pytest.raises(InputError, match=r"uv must have shape \(1, H/2, W/2, 2\)"):
        NV12.from_model_inputs(y, uv[..., :1])
    with pytest.raises(InputError, match="uint8"):
        NV12.from_model_inputs(y.astype(np.float32), uv)
    with pytest.raises(InputError, match=r"NV12.uv must have shape \(1, 2, 2\)"):
        NV12.from_model_inputs(y, uv[:, :, :1])


# -- immutability -------------------------------------------------------------------------
def test_planes_are_read_only():
    f = hand_frame()
    for arr in (f.y, f.uv, f.u, f.v, f.uv_interleaved_image()):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0, 0] = 1
    frozen = rgb_to_nv12(np.zeros((4, 4, 3), np.uint8))
    assert not frozen.y.flags.writeable and not frozen.uv.flags.writeable
    with pytest.raises(AttributeError):
        f.y = np.zeros((2, 4), np.uint8)


def test_snapshot_semantics():
    y = np.arange(8, dtype=np.uint8).reshape(2, 4)
    uv = np.array([[[10, 11], [12, 13]]], np.uint8)
    f = NV12(y, uv)
    y[:] = 99
    uv[:] = 99
    assert f == hand_frame()
    assert y.flags.writeable  # the caller's arrays are not frozen behind their back
    # Buffers: a bytearray / writable array mutated after reading does not leak in.
    buf = bytearray(NV12_BYTES)
    f = NV12.frombuffer(buf, 4, 2)
    buf[0] = 200
    assert f == hand_frame()
    arr = np.frombuffer(NV12_BYTES, np.uint8).copy()
    for reader, data in ((NV12.frombuffer, arr), (NV12.from_i420, arr), (NV12.from_nv21, arr)):
        before = reader(data, 4, 2)
        expected = NV12(before.y.copy(), before.uv.copy())
        data[:] = 7
        assert before == expected
        data[:] = np.frombuffer(NV12_BYTES, np.uint8)
    # The source image of a conversion.
    rgb = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    f = rgb_to_nv12(rgb)
    expected = NV12(f.y.copy(), f.uv.copy())
    rgb[:] = 0
    assert f == expected
    # Non-contiguous inputs are stored contiguous.
    big_y = np.zeros((4, 8), np.uint8)
    big_uv = np.zeros((2, 4, 2), np.uint8)
    f = NV12(big_y[::2, ::2], big_uv[::2, ::2])
    assert f.y.flags.c_contiguous and f.uv.flags.c_contiguous


def test_snapshot_of_read_only_view_of_writable_array():
    y = np.arange(8, dtype=np.uint8).reshape(2, 4)
    view = y.view()
    view.flags.writeable = False
    f = NV12(view, np.array([[[10, 11], [12, 13]]], np.uint8))
    y[0, 0] = 99
    assert f == hand_frame()
    # A read-only memoryview of a bytearray (e.g. a camera buffer) is still writable memory.
    buf = bytearray(NV12_BYTES)
    f = NV12.frombuffer(memoryview(buf).toreadonly(), 4, 2)
    buf[0] = 99
    assert f == hand_frame()
    # Views of one frame's planes (already frozen, nobody can write) are shared, not copied.
    g = NV12.from_model_inputs(*f.as_model_inputs())
    assert g == f


# -- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(("w", "h"), [(3, 2), (4, 3), (5, 5)])
def test_odd_sizes(w, h):
    with pytest.raises(
        InputError, match=rf"even width and height, got {w}x{h}.*crop_even.*pad_even"
    ):
        NV12(np.zeros((h, w), np.uint8), np.zeros((h // 2, w // 2, 2), np.uint8))
    n = w * h * 3 // 2
    with pytest.raises(InputError, match="even width and height.*crop_even"):
        NV12.frombuffer(bytes(n), w, h)


def test_constructor_errors():
    y = np.zeros((2, 4), np.uint8)
    uv = np.zeros((1, 2, 2), np.uint8)
    with pytest.raises(InputError, match="NV12.y must be uint8, got int16"):
        NV12(y.astype(np.int16), uv)
    with pytest.raises(InputError, match="NV12.uv must be uint8, got float32"):
        NV12(y, uv.astype(np.float32))
    with pytest.raises(InputError, match=r"NV12.y must have 2 dimensions.*from_model_inputs"):
        NV12(y[None, :, :, None], uv)
    with pytest.raises(InputError, match=r"NV12.uv must have 3 dimensions"):
        NV12(y, uv[..., 0])
    with pytest.raises(InputError, match=r"NV12.uv must have shape \(1, 2, 2\) for a 4x2"):
        NV12(y, np.zeros((1, 2, 3), np.uint8))
    with pytest.raises(InputError, match=r"NV12.uv must have shape"):
        NV12(y, np.zeros((2, 4, 2), np.uint8))
    with pytest.raises(InputError, match="NV12.y must be a numpy array, got list"):
        NV12(y.tolist(), uv)


@pytest.mark.parametrize("reader", ["frombuffer", "from_nv21", "from_i420"])
def test_buffer_errors(reader):
    read = getattr(NV12, reader)
    fmt = {"frombuffer": "NV12", "from_nv21": "NV21", "from_i420": "I420"}[reader]
    with pytest.raises(InputError, match=rf"4x2 {fmt} frame is 12 bytes, the buffer has 11"):
        read(NV12_BYTES[:-1], 4, 2)
    with pytest.raises(InputError, match=r"buffer has 24 \(it would fit a height of 4[;)].*stride"):
        read(NV12_BYTES * 2, 4, 2)
    with pytest.raises(InputError, match="buffer has 0"):
        read(b"", 4, 2)
    with pytest.raises(InputError, match="must be uint8 bytes, got uint16"):
        read(np.zeros(12, np.uint16), 4, 2)
    with pytest.raises(InputError, match="expected bytes or a uint8 array, got str.*open"):
        read("frame.nv12", 4, 2)
    with pytest.raises(InputError, match="width and height must be integers"):
        read(NV12_BYTES, 4.0, 2)
    with pytest.raises(InputError, match="width and height must be positive, got 0x2"):
        read(b"", 0, 2)
    with pytest.raises(InputError, match="must be positive, got -4x-2"):
        read(NV12_BYTES, -4, -2)
    assert read(NV12_BYTES, np.int64(4), np.int32(2)).shape == (2, 4)


def test_from_planes_errors():
    y = np.zeros((2, 4), np.uint8)
    u = np.zeros((1, 2), np.uint8)
    assert NV12.from_planes(y, u, u + 1).uv.tolist() == [[[0, 1], [0, 1]]]
    with pytest.raises(InputError, match=r"u must be a 2-D \(H/2, W/2\) array"):
        NV12.from_planes(y, u[None], u)
    with pytest.raises(InputError, match="u and v must have the same shape"):
        NV12.from_planes(y, u, np.zeros((1, 3), np.uint8))
    with pytest.raises(InputError, match="u and v must be uint8"):
        NV12.from_planes(y, u, u.astype(np.int8))
    with pytest.raises(InputError, match=r"NV12.uv must have shape"):
        NV12.from_planes(y, np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))
