"""Fuzz: .npy files, raw .bin dumps with their JSON sidecars, NV12 frames with sidecars."""

from __future__ import annotations

import io
import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nv12_widgets.core import InputError
from nv12_widgets.model.exchange.board import (
    load_device_output,
    load_nv12,
    load_tensor,
    read_sidecar,
)

from .conftest import FUZZ, mutated


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


NPY_SEEDS = [
    _npy(np.arange(6, dtype=np.float32).reshape(2, 3)),
    _npy(np.asfortranarray(np.arange(12, dtype=">i2").reshape(3, 4))),
    _npy(np.array([True, False])),
    _npy(np.zeros((0, 2), np.uint8)),
    _npy(np.array(["ab"])),
    _npy(np.array([{"a": 1}], dtype=object)),
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

#: Sidecar-shaped dicts: the real keys with values of any JSON type (and sometimes right).
sidecars = st.fixed_dictionaries(
    {},
    optional={
        "shape": st.one_of(st.lists(st.integers(-2, 9), max_size=4), json_values),
        "dtype": st.one_of(
            st.sampled_from(["float32", "int8", "uint8", "<f8", "U3", "O", "i4,i4", "V8", "M8"]),
            json_values,
        ),
        "byte_order": st.one_of(st.sampled_from(["little", "big"]), json_values),
        "files": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "bin": st.sampled_from(["t.bin", "../t.bin", ""]),
                    "nv12": st.sampled_from(["t.nv12", "/t.nv12"]),
                },
            ),
            json_values,
        ),
        "sha256": st.one_of(st.text(max_size=64), json_values),
        "width": st.one_of(st.integers(-2, 10), json_values),
        "height": st.one_of(st.integers(-2, 10), json_values),
        "format": st.one_of(st.just("nv12"), json_values),
    },
)


@settings(FUZZ, max_examples=200)
@given(data=st.one_of(mutated(NPY_SEEDS), st.binary(max_size=300)))
def test_npy_files(tmp_path, data):
    path = tmp_path / "t.npy"
    path.write_bytes(data)
    try:
        arr = load_tensor(path)
    except InputError:
        return
    assert arr.dtype.kind in "biufc" and arr.dtype.isnative and arr.flags.c_contiguous


@settings(FUZZ, max_examples=200)
@given(meta=sidecars, payload=st.binary(max_size=64))
def test_bin_dumps_with_sidecars(tmp_path, meta, payload):
    (tmp_path / "t.bin").write_bytes(payload)
    (tmp_path / "t.nv12").write_bytes(payload)
    (tmp_path / "t.json").write_text(json.dumps(meta))
    for call in (
        lambda: load_tensor(tmp_path / "t.bin"),
        lambda: load_tensor(tmp_path / "t.bin", verify=False),
        lambda: load_nv12(tmp_path / "t.nv12"),
        lambda: load_device_output(tmp_path / "t.bin", (len(payload),), None, scale=1.0),
    ):
        try:
            call()
        except InputError:
            pass


@settings(FUZZ, max_examples=200)
@given(text=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_sidecar_bytes(tmp_path, text):
    (tmp_path / "t.json").write_bytes(text)
    try:
        meta = read_sidecar(tmp_path / "t.bin")
    except InputError:
        return
    assert isinstance(meta, dict)


@settings(FUZZ, max_examples=100)
@given(
    payload=st.binary(max_size=64),
    shape=st.one_of(st.lists(st.integers(-1, 70), max_size=3), json_values),
    dtype=st.one_of(
        st.none(), st.sampled_from(["int8", "float16", "U1", "object", "xx"]), json_values
    ),
    scale=st.one_of(st.none(), st.floats(), st.lists(st.floats(), max_size=3), json_values),
    zero_point=st.one_of(st.integers(-300, 300), st.floats(), json_values),
    axis=st.one_of(st.none(), st.integers(-4, 4), json_values),
)
def test_device_outputs(tmp_path, payload, shape, dtype, scale, zero_point, axis):
    path = tmp_path / "out.bin"
    path.write_bytes(payload)
    try:
        out = load_device_output(path, shape, dtype, scale=scale, zero_point=zero_point, axis=axis)
    except InputError:
        return
    assert out.dtype == np.float32


@settings(FUZZ, max_examples=200)
@given(
    payload=st.binary(min_size=1, max_size=12),
    dtype=st.sampled_from(["int8", "uint8", "float32"]),
    scale=st.one_of(st.none(), st.floats(), st.lists(st.floats(), max_size=3), json_values),
    zero_point=st.one_of(st.integers(-300, 300), st.floats(), json_values),
    axis=st.one_of(st.none(), st.integers(-2, 2), json_values),
)
def test_device_outputs_of_the_right_size(tmp_path, payload, dtype, scale, zero_point, axis):
    """Sizes that match, so the quantisation parameters themselves get fuzzed."""
    path = tmp_path / "out.bin"
    path.write_bytes(payload)
    shape = (len(payload) // np.dtype(dtype).itemsize,)
    if shape[0] * np.dtype(dtype).itemsize != len(payload):
        path.write_bytes(payload[: shape[0] * np.dtype(dtype).itemsize])
    try:
        out = load_device_output(path, shape, dtype, scale=scale, zero_point=zero_point, axis=axis)
    except InputError:
        return
    assert out.dtype == np.float32 and out.shape == shape
