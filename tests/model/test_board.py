"""Board exchange: raw .bin + .npy + JSON sidecar, device dumps, NV12 frames."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnx_builders
import pytest

from nv12_widgets.core import NV12, InputError, quantize, rgb_to_nv12
from nv12_widgets.model import Model
from nv12_widgets.model.exchange.board import (
    compare_device_output,
    load_device_output,
    load_nv12,
    load_tensor,
    read_sidecar,
    save_nv12,
    save_tensor,
)


@pytest.fixture
def tensor() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(1, 3, 4, 5)).astype(np.float32)


# ---------------------------------------------------------------------- save / load
def test_save_tensor_writes_bin_npy_and_sidecar(tmp_path, tensor):
    paths = save_tensor(tensor, tmp_path / "sub" / "input0", layout="NCHW", extra={"scale": 0.5})
    assert set(paths) == {"bin", "npy", "json"}
    assert paths["bin"] == tmp_path / "sub" / "input0.bin"
    raw = paths["bin"].read_bytes()
    assert raw == tensor.astype("<f4").tobytes(order="C")  # what ndarray.tofile writes
    meta = json.loads(paths["json"].read_text())
    assert meta["shape"] == [1, 3, 4, 5]
    assert meta["dtype"] == "float32"
    assert meta["layout"] == "NCHW"
    assert meta["byte_order"] == "little"
    assert meta["nbytes"] == tensor.nbytes == len(raw)
    assert meta["sha256"] == hashlib.sha256(raw).hexdigest()
    assert meta["scale"] == 0.5
    assert np.array_equal(np.load(paths["npy"], allow_pickle=False), tensor)


@pytest.mark.parametrize("suffix", [".bin", ".npy", ".json", ""])
def test_load_tensor_round_trips_from_any_of_the_files(tmp_path, tensor, suffix):
    save_tensor(tensor, tmp_path / "t")
    back = load_tensor(tmp_path / f"t{suffix}")
    assert back.dtype == tensor.dtype and back.shape == tensor.shape
    assert np.array_equal(back, tensor)


def test_big_endian_and_non_contiguous_arrays_are_written_little_endian_c_order(tmp_path):
    base = np.arange(12, dtype=np.int16).reshape(3, 4)
    view = base.T.astype(">i2")  # transposed and big endian
    paths = save_tensor(view, tmp_path / "be")
    assert paths["bin"].read_bytes() == np.ascontiguousarray(base.T).astype("<i2").tobytes()
    assert read_sidecar(paths["json"])["dtype"] == "int16"
    assert np.array_equal(load_tensor(paths["bin"]), base.T)


def test_uint8_model_input_extra_numpy_values_become_json(tmp_path):
    y = np.zeros((1, 4, 6, 1), np.uint8)
    paths = save_tensor(y, tmp_path / "y", layout="NHWC", extra={"zero_point": np.int32(3)})
    meta = read_sidecar(paths["bin"])
    assert meta["zero_point"] == 3 and meta["dtype"] == "uint8" and meta["nbytes"] == 24


def test_save_tensor_rejects_bad_input(tmp_path, tensor):
    with pytest.raises(InputError, match="clash"):
        save_tensor(tensor, tmp_path / "a", extra={"shape": [1]})
    with pytest.raises(InputError, match="numpy array"):
        save_tensor([1, 2, 3], tmp_path / "a")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="numeric"):
        save_tensor(np.array(["a"], dtype=object), tmp_path / "a")
    with pytest.raises(InputError, match=r"JSON.*extra\['s'\] has type object"):
        save_tensor(tensor, tmp_path / "a", extra={"s": object()})


def test_sidecar_writes_non_finite_extras_as_strings_in_strict_json(tmp_path, tensor):
    """The package's one JSON policy (core.jsonsafe): NaN/inf -> "nan"/"inf"/"-inf"."""
    paths = save_tensor(
        tensor, tmp_path / "a", extra={"s": float("nan"), "r": np.float32(-np.inf), "t": (1, 2)}
    )
    text = paths["json"].read_text(encoding="utf-8")
    meta = json.loads(text, parse_constant=lambda token: pytest.fail(f"non-strict {token}"))
    assert (meta["s"], meta["r"], meta["t"]) == ("nan", "-inf", [1, 2])
    assert read_sidecar(paths["json"])["s"] == "nan"


def test_load_tensor_detects_truncated_and_changed_files(tmp_path, tensor):
    paths = save_tensor(tensor, tmp_path / "t")
    raw = paths["bin"].read_bytes()
    paths["bin"].write_bytes(raw[:-4])
    with pytest.raises(
        InputError, match=r"has 236 bytes but shape \(1, 3, 4, 5\) x float32 needs 240"
    ):
        load_tensor(paths["bin"])
    changed = bytearray(raw)
    changed[0] ^= 0xFF
    paths["bin"].write_bytes(bytes(changed))
    with pytest.raises(InputError, match="sha256"):
        load_tensor(paths["bin"])
    assert load_tensor(paths["bin"], verify=False).shape == tensor.shape


def test_load_tensor_without_sidecar_or_with_pickled_npy_fails_clearly(tmp_path):
    (tmp_path / "raw.bin").write_bytes(b"\0" * 16)
    with pytest.raises(InputError, match="No sidecar"):
        load_tensor(tmp_path / "raw.bin")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="pickl"):
        load_tensor(tmp_path / "obj.npy")
    with pytest.raises(InputError, match="no .npy file at .*missing"):
        load_tensor(tmp_path / "missing.npy")


# ---------------------------------------------------------------------- device output
def test_load_device_output_dequantises_the_rknn_example(tmp_path):
    # DOMAIN.md: zp=136, scale=4.625256 turns q=124 into -55.503072.
    np.array([124, 136, 255], np.uint8).tofile(tmp_path / "out.bin")
    x = load_device_output(tmp_path / "out.bin", (3,), "uint8", scale=4.625256, zero_point=136)
    assert x.dtype == np.float32
    assert x[0] == pytest.approx(-55.503072, abs=1e-5)
    assert x[1] == 0.0
    assert x[2] == pytest.approx((255 - 136) * 4.625256, rel=1e-6)


def test_load_device_output_per_channel_and_float_dumps(tmp_path):
    q = np.arange(12, dtype=np.int8).reshape(1, 3, 2, 2)
    q.tofile(tmp_path / "q.bin")
    x = load_device_output(
        tmp_path / "q.bin", q.shape, np.int8, scale=[1.0, 0.5, 0.25], zero_point=[0, 1, 2], axis=1
    )
    expected = (q.astype(np.float64) - np.array([0, 1, 2]).reshape(1, 3, 1, 1)) * np.array(
        [1.0, 0.5, 0.25]
    ).reshape(1, 3, 1, 1)
    assert np.array_equal(x, expected.astype(np.float32))
    f = np.linspace(-1, 1, 6, dtype=np.float32)
    f.tofile(tmp_path / "f.bin")
    assert np.array_equal(
        load_device_output(tmp_path / "f.bin", (2, 3), "float32"), f.reshape(2, 3)
    )


def test_load_device_output_errors_say_what_to_do(tmp_path):
    np.zeros(20, np.int8).tofile(tmp_path / "q.bin")
    with pytest.raises(InputError, match="aligned"):
        load_device_output(tmp_path / "q.bin", (2, 8), "int8", scale=0.1)
    with pytest.raises(InputError, match="scale="):
        load_device_output(tmp_path / "q.bin", (20,), "int8")
    with pytest.raises(InputError, match="already real"):
        load_device_output(tmp_path / "q.bin", (5,), "float32", scale=0.1)
    with pytest.raises(InputError, match="axis="):
        load_device_output(tmp_path / "q.bin", (4, 5), "int8", scale=[0.1] * 4)
    with pytest.raises(InputError, match="5 values"):
        load_device_output(tmp_path / "q.bin", (4, 5), "int8", scale=[0.1] * 5, axis=0)
    with pytest.raises(InputError, match="positive"):
        load_device_output(tmp_path / "q.bin", (20,), "int8", scale=0.0)


def test_compare_device_output_verdict_needs_explicit_tolerances():
    ref = np.linspace(-1, 1, 10, dtype=np.float32).reshape(2, 5)
    dev = ref.copy()
    dev[1, 2] += 0.1
    res = compare_device_output(dev, ref)
    assert res.passed is None and res.mismatches == 0
    assert res.max_abs == pytest.approx(0.1, rel=1e-5)
    d, r = dev.astype(np.float64).ravel(), ref.astype(np.float64).ravel()
    assert res.cosine == pytest.approx(d @ r / np.linalg.norm(d) / np.linalg.norm(r), abs=1e-12)
    fail = compare_device_output(dev, ref, atol=0.05)
    assert fail.passed is False and fail.mismatches == 1 and fail.first_mismatch == (1, 2)
    assert "FAIL" in str(fail)
    ok = compare_device_output(dev, ref, atol=0.05, rtol=1.0)  # |d - r| <= 0.05 + 1.0 * |r|
    assert ok.passed is True
    assert compare_device_output(ref, ref, atol=0).passed is True
    assert compare_device_output(dev.ravel(), ref, atol=1).shape == (2, 5)  # flat dump reshaped
    assert json.loads(json.dumps(fail.to_dict()))["first_mismatch"] == [1, 2]


def test_compare_device_output_nan_and_shape_errors():
    ref = np.ones((2, 3), np.float32)
    dev = ref.copy()
    dev[0, 0] = np.nan
    res = compare_device_output(dev, ref, atol=1.0)
    assert res.passed is False and res.nonfinite == 1 and np.isnan(res.cosine)
    with pytest.raises(InputError, match="does not match"):
        compare_device_output(np.ones((3, 2)), ref)
    with pytest.raises(InputError, match="atol"):
        compare_device_output(ref, ref, atol=-1)


def test_board_round_trip_of_a_quantised_ort_output(tmp_path):
    """ORT output -> int8 'device' dump -> load + dequantise -> compare within half a step."""
    model = Model(onnx_builders.conv_nchw())
    x = np.random.default_rng(1).normal(size=(1, 3, 8, 8)).astype(np.float32)
    save_tensor(x, tmp_path / "input", layout="NCHW")
    fed = load_tensor(tmp_path / "input.bin")  # the bytes the board tool would read
    out = model.run({"x": fed})["y"]
    scale = 1.0 / 127  # tanh output in [-1, 1]
    quantize(out, scale, 0, "int8").tofile(tmp_path / "device_out.bin")
    dev = load_device_output(tmp_path / "device_out.bin", out.shape, "int8", scale=scale)
    res = compare_device_output(dev, out, atol=scale / 2 + 1e-7)
    assert res.passed is True
    assert res.cosine > 0.9999
    assert res.max_abs <= scale / 2 + 1e-7


# ---------------------------------------------------------------------- NV12 frames
def test_save_nv12_writes_raw_bytes_and_sidecar(tmp_path, rgb_image):
    frame = rgb_to_nv12(rgb_image)
    paths = save_nv12(frame, tmp_path / "frame", extra={"swing": "full"})
    raw = paths["nv12"].read_bytes()
    h, w = rgb_image.shape[:2]
    assert len(raw) == w * h * 3 // 2
    assert raw[: w * h] == frame.y.tobytes()
    assert raw[w * h : w * h + 2] == bytes([frame.uv[0, 0, 0], frame.uv[0, 0, 1]])  # U then V
    meta = read_sidecar(paths["json"])
    assert (meta["width"], meta["height"], meta["format"], meta["swing"]) == (w, h, "nv12", "full")
    assert load_nv12(paths["nv12"]) == frame
    assert NV12.fromfile(paths["nv12"], w, h) == frame


def test_save_nv12_rejects_non_frames_and_load_checks_checksum(tmp_path, rgb_image):
    with pytest.raises(InputError, match="NV12 frame"):
        save_nv12(rgb_image, tmp_path / "f")  # type: ignore[arg-type]
    paths = save_nv12(rgb_to_nv12(rgb_image), tmp_path / "f.nv12")
    raw = bytearray(paths["nv12"].read_bytes())
    raw[5] ^= 1
    paths["nv12"].write_bytes(bytes(raw))
    with pytest.raises(InputError, match="sha256"):
        load_nv12(paths["nv12"])
    assert load_nv12(paths["nv12"], verify=False).y.shape == rgb_image.shape[:2]
