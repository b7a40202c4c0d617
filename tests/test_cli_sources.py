"""The CLI reads raw frames through core.sources: ``WxH`` in file names for ``convert``
and ``identify``, ``convert --stride`` / ``--aligned-height`` / ``--frame-index``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nv12_widgets.cli import main
from nv12_widgets.core import nv12_to_rgb, rgb_to_nv12


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def rgb():
    yy, xx = np.mgrid[0:24, 0:32]
    return np.stack([xx * 7 % 256, yy * 9 % 256, (xx + yy) * 4 % 256], -1).astype(np.uint8)


def test_convert_reads_the_size_in_the_name(capsys, tmp_path, rgb):
    frame = rgb_to_nv12(rgb)
    raw = tmp_path / "cam_32x24.nv12"
    raw.write_bytes(frame.tobytes())
    png = tmp_path / "out.png"
    code, out, err = _run(capsys, "convert", raw, "-o", png)
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(png)), nv12_to_rgb(frame))
    assert "raw NV12 frame 32x24" in out


def test_convert_stride_aligned_height_and_index(capsys, tmp_path, rgb):
    frame = rgb_to_nv12(rgb)
    stride, rows = 40, 32
    y = np.full((rows, stride), 5, np.uint8)
    y[:24, :32] = frame.y
    uv = np.full((rows // 2, stride), 6, np.uint8)
    uv[:12, :32] = frame.uv.reshape(12, 32)
    one = y.tobytes() + uv.tobytes()
    raw = tmp_path / "enc_32x24.yuv"
    raw.write_bytes(bytes(len(one)) + one)
    png = tmp_path / "out.png"
    code, _, err = _run(
        capsys, "convert", raw, "--stride", stride, "--aligned-height", rows,
        "--frame-index", 1, "-o", png,
    )  # fmt: skip
    assert code == 0, err
    np.testing.assert_array_equal(np.asarray(Image.open(png)), nv12_to_rgb(frame))
    code, _, err = _run(capsys, "convert", raw, "--stride", stride, "-o", tmp_path / "x.png")
    assert code == 2 and "stride" in err and err.count("\n") == 1
    photo = tmp_path / "p.png"
    Image.fromarray(rgb).save(photo)
    code, _, err = _run(capsys, "convert", photo, "--stride", 40, "-o", tmp_path / "x.nv12")
    assert code == 2 and "--stride applies to raw inputs only" in err


def test_identify_reads_the_size_in_the_name(capsys, tmp_path, rgb):
    image = tmp_path / "crop.png"
    Image.fromarray(rgb).save(image)
    (tmp_path / "dump_32x24.raw").write_bytes(rgb_to_nv12(rgb).tobytes())
    code, out, err = _run(capsys, "identify", image, tmp_path / "dump_32x24.raw")
    assert code == 0, err
    assert "residual per plane" in out


def test_report_reads_an_aligned_height_frame(capsys, tmp_path, rgb):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "m.onnx"))
    frame = rgb_to_nv12(rgb)
    y = np.zeros((32, 32), np.uint8)
    y[:24] = frame.y
    uv = np.full((16, 32), 128, np.uint8)
    uv[:12] = frame.uv.reshape(12, 32)
    raw = tmp_path / "enc_32x24.nv12"
    raw.write_bytes(y.tobytes() + uv.tobytes())
    code, out, err = _run(
        capsys, "report", "--model", tmp_path / "m.onnx", "--image", raw,
        "--aligned-height", 32, "-o", tmp_path / "r.html",
    )  # fmt: skip
    assert code == 0, err
    assert "raw NV12 frame 32x24" in out
    code, _, err = _run(
        capsys, "report", "--model", tmp_path / "m.onnx", "--image", raw, "-o", tmp_path / "s.html"
    )
    assert code == 2 and "height of 32" in err  # without it: the size error names the fit
