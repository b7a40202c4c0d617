"""``nv12-widgets report`` with raw frames (--width/--height/--stride/--frame-index/
--raw-format) and with dynamic-size models (default size per image)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.cli import main
from nv12_widgets.core import rgb_to_nv12
from nv12_widgets.model import PreprocessConfig, compare


def _conv(dims) -> onnx.ModelProto:
    w = np.random.default_rng(0).normal(0, 0.5, (2, 3, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("Tanh", ["c"], ["y"])],
        "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(w, "w")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


@pytest.fixture
def frame():
    yy, xx = np.mgrid[0:24, 0:32]
    rgb = np.stack([xx * 7 % 256, yy * 9 % 256, (xx + yy) * 4 % 256], -1).astype(np.uint8)
    return rgb_to_nv12(rgb)


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_reads_a_raw_frame_with_stride_and_index(capsys, tmp_path, frame):
    model = tmp_path / "m.onnx"
    onnx.save(_conv([1, 3, 16, 16]), str(model))
    pad = np.full((36, 40), 3, np.uint8)  # 24 Y rows + 12 UV rows, padded to 40 bytes
    pad[:24, :32] = frame.y
    pad[24:, :32] = frame.uv.reshape(12, 32)
    raw = tmp_path / "dump.yuv"
    raw.write_bytes(bytes(40 * 36) + pad.tobytes())  # frame 1 of 2
    report = tmp_path / "r.html"
    code, out, err = _run(
        capsys, "report", "--model", model, "--image", raw, "--width", 32, "--height", 24,
        "--stride", 40, "--frame-index", 1, "-o", report,
    )  # fmt: skip
    assert code == 0, err
    assert "raw NV12 frame 32x24, frame index 1" in out
    expected = compare(str(model), frame)  # compared as a raw frame
    assert f"cos NV12 {expected.metrics['y'].cosine_nv12:.6f}" in out
    assert report.is_file()


def test_report_raw_errors_are_one_line(capsys, tmp_path, frame):
    model = tmp_path / "m.onnx"
    onnx.save(_conv([1, 3, 16, 16]), str(model))
    raw = tmp_path / "f.nv12"
    raw.write_bytes(frame.tobytes())
    code, _, err = _run(
        capsys, "report", "--model", model, "--image", raw, "-o", tmp_path / "a.html"
    )
    assert code == 2 and "does not say its size" in err and len(err.splitlines()) == 1
    code, _, err = _run(
        capsys, "report", "--model", model, "--image", raw, "--width", 32, "--height", 20,
        "-o", tmp_path / "b.html",
    )  # fmt: skip
    assert code == 2 and "a height of 24" in err
    png = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(png)
    code, _, err = _run(
        capsys, "report", "--model", model, "--image", png, "--raw-format", "nv21",
        "-o", tmp_path / "c.html",
    )  # fmt: skip
    assert code == 2 and "--raw-format applies to raw --image files only" in err


def test_report_dynamic_model_gets_the_default_size(capsys, tmp_path, frame):
    model = tmp_path / "rec.onnx"
    onnx.save(_conv([-1, 3, 48, "W"]), str(model))
    raw = tmp_path / "line_32x24.nv12"
    raw.write_bytes(frame.tobytes())
    code, out, err = _run(
        capsys, "report", "--model", model, "--image", raw, "-o", tmp_path / "r.html"
    )
    assert code == 0, err
    assert "using --size 48 64 (height width)" in out  # 48 * 32 / 24 = 64
    expected = compare(str(model), frame, PreprocessConfig(size=(48, 64)))
    assert f"cos NV12 {expected.metrics['y'].cosine_nv12:.6f}" in out
