"""Fuzz: image files and raw NV12 / NV21 / I420 buffers and files."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nv12_widgets.core import NV12, InputError, load_image_with_notes

from .conftest import FUZZ, image_bytes, mutated

SEEDS = [
    image_bytes("PNG"),
    image_bytes("PNG", (5, 7, 4), "RGBA"),
    image_bytes("JPEG"),
    image_bytes("BMP"),
    image_bytes("GIF", mode="P"),
    image_bytes("TIFF"),
    image_bytes("WEBP"),
    image_bytes("PNG", (4, 4, 1), "L"),
]


def _load(data: bytes, reader: str) -> None:
    try:
        rgb, notes = load_image_with_notes(data, reader=reader)
    except InputError:
        return
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    assert all(isinstance(n, str) for n in notes)


@settings(FUZZ, max_examples=200)
@given(data=mutated(SEEDS), reader=st.sampled_from(["pil", "opencv"]))
def test_mutated_image_files(data, reader):
    _load(data, reader)


@settings(FUZZ, max_examples=100)
@given(data=st.binary(max_size=512), reader=st.sampled_from(["pil", "opencv"]))
def test_random_bytes_as_images(data, reader):
    _load(data, reader)


_sides = st.one_of(
    st.integers(-4, 40), st.sampled_from([2**31, 2**33, 10**30, 65536, 65538]), st.booleans()
)


@settings(FUZZ, max_examples=200)
@given(
    data=st.binary(max_size=600),
    width=_sides,
    height=_sides,
    fmt=st.sampled_from(["nv12", "nv21", "i420"]),
)
def test_raw_frame_buffers(data, width, height, fmt):
    reader = {"nv12": NV12.frombuffer, "nv21": NV12.from_nv21, "i420": NV12.from_i420}[fmt]
    try:
        frame = reader(data, width, height)
    except InputError:
        return
    assert frame.y.shape == (height, width) and len(data) == width * height * 3 // 2


@settings(FUZZ, max_examples=100)
@given(
    data=st.binary(max_size=200),
    width=_sides,
    height=_sides,
    fmt=st.sampled_from(["nv12", "nv21", "i420", "yuv420p", "yv12", ""]),
)
def test_raw_frame_files(tmp_path, data, width, height, fmt):
    path = tmp_path / "frame.raw"
    path.write_bytes(data)
    try:
        frame = NV12.fromfile(path, width, height, fmt=fmt)
    except InputError:
        return
    assert frame.tobytes() if fmt == "nv12" else frame.y.size == width * height
