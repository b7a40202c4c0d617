"""Board exchange with hostile files: headers validated before allocation, typed sidecars,
opt-in atomic overwrites, no float64 guess."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from nv12_widgets.core import InputError, rgb_to_nv12
from nv12_widgets.core import io as cio
from nv12_widgets.model.exchange.board import (
    load_device_output,
    load_nv12,
    load_tensor,
    read_sidecar,
    save_nv12,
    save_tensor,
)


def _npy_with_header(path, header: dict, payload: bytes = b"") -> None:
    """A .npy file with a hand-written (version 1.0) header."""
    text = repr(header)
    total = 10 + len(text) + 1
    pad = (-total) % 64
    body = (text + " " * pad + "\n").encode("latin1")
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + payload)


def test_npy_header_claiming_1e11_elements_fails_before_allocating(tmp_path):
    path = tmp_path / "huge.npy"
    _npy_with_header(path, {"descr": "<f8", "fortran_order": False, "shape": (100000, 1000000)})
    start = time.monotonic()
    with pytest.raises(InputError, match=r"huge\.npy.*800000000000 bytes, over the limit"):
        load_tensor(path)
    assert time.monotonic() - start < 1


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ({"descr": "|O", "fortran_order": False, "shape": (2,)}, "dtype object"),
        ({"descr": "<U3", "fortran_order": False, "shape": (2,)}, "plain numeric"),
        (
            {"descr": [("a", "<i4"), ("b", "<f4")], "fortran_order": False, "shape": (2,)},
            "plain numeric",
        ),
        ({"descr": "<M8[s]", "fortran_order": False, "shape": (2,)}, "plain numeric"),
        ({"descr": "<f4", "fortran_order": False, "shape": (4,)}, "truncated or corrupt"),
        ({"descr": "<f4", "fortran_order": "yes", "shape": (1,)}, "corrupt .npy header"),
        ({"descr": "<f4", "fortran_order": False, "shape": (-1,)}, "corrupt .npy header|negative"),
    ],
)
def test_npy_non_numeric_or_inconsistent_headers_are_refused(tmp_path, header, match):
    path = tmp_path / "t.npy"
    _npy_with_header(path, header, payload=b"\0" * 8)
    with pytest.raises(InputError, match=match):
        load_tensor(path)


def test_npy_structured_string_and_npz_files_from_numpy_are_refused(tmp_path):
    np.save(tmp_path / "s.npy", np.array(["ab", "cd"]))
    with pytest.raises(InputError, match="plain numeric"):
        load_tensor(tmp_path / "s.npy")
    np.save(tmp_path / "r.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
    with pytest.raises(InputError, match="plain numeric"):
        load_tensor(tmp_path / "r.npy")
    np.savez(tmp_path / "z.npz", a=np.arange(3))
    os.replace(tmp_path / "z.npz", tmp_path / "z.npy")
    with pytest.raises(InputError, match=r"not a \.npy file.*npz renamed"):
        load_tensor(tmp_path / "z.npy")


def test_npy_fortran_big_endian_and_bool_still_load(tmp_path):
    a = np.asfortranarray(np.arange(12, dtype=">i2").reshape(3, 4))
    np.save(tmp_path / "f.npy", a)
    out = load_tensor(tmp_path / "f.npy")
    assert out.dtype == np.int16 and out.dtype.isnative and out.flags.c_contiguous
    assert np.array_equal(out, a)
    np.save(tmp_path / "b.npy", np.array([True, False]))
    assert load_tensor(tmp_path / "b.npy").tolist() == [True, False]
    np.save(tmp_path / "e.npy", np.zeros((0, 3), np.float32))
    assert load_tensor(tmp_path / "e.npy").shape == (0, 3)


def _sidecar(tmp_path, **changes):
    paths = save_tensor(np.arange(6, dtype=np.float32).reshape(2, 3), tmp_path / "t")
    meta = json.loads(paths["json"].read_text())
    meta.update(changes)
    paths["json"].write_text(json.dumps(meta))
    return paths


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"shape": "2,3"}, "list of integers"),
        ({"shape": [2.0, 3]}, "integers only"),
        ({"shape": [True, 6]}, "integers only"),
        ({"shape": {"a": 1}}, "list of integers"),
        ({"shape": [1] * 40}, "more than 32"),
        ({"shape": [10**6, 10**6]}, "over the limit"),
        ({"dtype": 5}, "must be a string"),
        ({"dtype": "object"}, "not a plain numeric"),
        ({"dtype": "U5"}, "not a plain numeric"),
        ({"dtype": "i4,f4"}, "not a plain numeric"),
        ({"dtype": "not-a-type"}, "not a numpy dtype"),
        ({"byte_order": ["big"]}, "byte_order"),
        ({"files": "t.bin"}, "object of file names"),
        ({"files": {"bin": 7}}, "plain file name"),
        ({"files": {"bin": "../t.bin"}}, "plain file name"),
        ({"files": {"bin": "/etc/passwd"}}, "plain file name"),
        ({"sha256": 12}, "hex string"),
    ],
)
def test_sidecar_fields_of_wrong_types_are_input_errors(tmp_path, changes, match):
    paths = _sidecar(tmp_path, **changes)
    with pytest.raises(InputError, match=match):
        load_tensor(paths["bin"])


@pytest.mark.parametrize(
    "text",
    [b"\xff\xfe{", b"[1, 2]", b'{"shape": ' + b"9" * 5000 + b"}", b"[" * 50000, b'{"a": NaN}'],
)
def test_corrupt_sidecars_are_input_errors_naming_the_file(tmp_path, text):
    (tmp_path / "t.bin").write_bytes(b"\0" * 4)
    (tmp_path / "t.json").write_bytes(text)
    with pytest.raises(InputError, match=r"t\.json"):
        read_sidecar(tmp_path / "t.bin")


def test_load_device_output_never_guesses_float64(tmp_path):
    raw = tmp_path / "out.bin"
    np.array([1, 2, 3, 4], np.int8).tofile(raw)
    with pytest.raises(InputError, match="dtype=None.*sidecar.*pass dtype="):
        load_device_output(raw, (4,), None, scale=0.5)
    # with a sidecar, its dtype is used
    (tmp_path / "out.json").write_text(json.dumps({"dtype": "int8", "shape": [4]}))
    out = load_device_output(raw, (4,), None, scale=0.5)
    assert out.tolist() == [0.5, 1.0, 1.5, 2.0]
    (tmp_path / "out.json").write_text(json.dumps({"shape": [4]}))
    with pytest.raises(InputError, match="no string 'dtype'"):
        load_device_output(raw, (4,), None, scale=0.5)
    with pytest.raises(InputError, match="not a plain numeric"):
        load_device_output(raw, (4,), "U1")
    with pytest.raises(InputError, match="list of integers"):
        load_device_output(raw, "4", "int8", scale=1.0)


def test_raw_dump_of_wrong_size_costs_no_read(tmp_path, monkeypatch):
    raw = tmp_path / "big.bin"
    with open(raw, "wb") as fh:
        fh.truncate(2 << 30)
    start = time.monotonic()
    with pytest.raises(InputError, match="has 2147483648 bytes but shape"):
        load_device_output(raw, (1, 3), "int8", scale=1.0)
    assert time.monotonic() - start < 1
    with pytest.raises(InputError, match="character device"):
        load_device_output("/dev/zero", (4,), "int8", scale=1.0)


def test_save_tensor_refuses_to_overwrite_unless_asked(tmp_path):
    a = np.arange(4, dtype=np.uint8)
    paths = save_tensor(a, tmp_path / "t")
    before = {k: p.read_bytes() for k, p in paths.items()}
    with pytest.raises(cio.OutputExistsError, match="overwrite=True"):
        save_tensor(a + 1, tmp_path / "t")
    assert {k: p.read_bytes() for k, p in paths.items()} == before
    # one of the three existing is enough to write none
    paths["npy"].unlink()
    with pytest.raises(cio.OutputExistsError):
        save_tensor(a + 1, tmp_path / "t")
    assert not paths["npy"].exists()
    save_tensor(a + 1, tmp_path / "t", overwrite=True)
    assert load_tensor(paths["bin"]).tolist() == [1, 2, 3, 4]
    assert load_tensor(paths["npy"]).tolist() == [1, 2, 3, 4]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_save_nv12_refuses_to_overwrite_unless_asked(tmp_path):
    frame = rgb_to_nv12(np.full((4, 6, 3), 100, np.uint8))
    other = rgb_to_nv12(np.full((4, 6, 3), 200, np.uint8))
    paths = save_nv12(frame, tmp_path / "f")
    with pytest.raises(cio.OutputExistsError, match="overwrite=True"):
        save_nv12(other, tmp_path / "f")
    assert load_nv12(paths["nv12"]) == frame
    save_nv12(other, tmp_path / "f", overwrite=True)
    assert load_nv12(paths["nv12"]) == other


def test_load_nv12_sidecar_types(tmp_path):
    frame = rgb_to_nv12(np.full((4, 6, 3), 100, np.uint8))
    paths = save_nv12(frame, tmp_path / "f")
    meta = json.loads(paths["json"].read_text())
    for change, match in (
        ({"width": "6"}, "integer width"),
        ({"width": 6.0}, "integer width"),
        ({"height": 10**30}, "larger than"),
        ({"files": {"nv12": "../f.nv12"}}, "plain file name"),
        ({"width": 8}, "frame is 48 bytes, the file"),
    ):
        paths["json"].write_text(json.dumps({**meta, **change}))
        with pytest.raises(InputError, match=match):
            load_nv12(paths["nv12"])
