"""Every device record is complete, its known answers hold, and its tables are derived.

The known answers (``Device.examples``) were computed from each published formula with
plain Python numbers (fractions / float32 emulation), independently of the package's
numpy code; here they are checked against the records' decoders, and the references'
answers also against the reference library itself (Pillow, OpenCV, OpenVINO).
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import nv12_widgets
from nv12_widgets.core import (
    PROFILES,
    Device,
    InputError,
    device_names,
    get_device,
    register_device,
)
from nv12_widgets.devices import FAMILIES, devices_table
from nv12_widgets.devices.ascend import AIPP_PRESETS, AIPP_STANDARDS, AIPP_TABLE
from nv12_widgets.devices.common import yuv_frame
from nv12_widgets.devices.rga import RGA_MODES, rga_device_name

ROOT = Path(nv12_widgets.__file__).resolve().parents[1]
PACKAGE = ROOT / "nv12_widgets" / "devices"


def _decoded(device: Device, yuv) -> np.ndarray:
    frame = yuv_frame(yuv)
    fn = device.decode_float if device.decode_float is not None else device.decode
    return fn(frame)[0, 0].astype(np.float64)


@pytest.mark.parametrize("name", device_names())
def test_known_answers(name):
    device = get_device(name)
    assert len(device.examples) >= 2, f"{name} has no known answers"
    for yuv, rgb in device.examples:
        got = _decoded(device, yuv)
        tol = 1e-3 if device.decode_float is not None else 0
        assert np.abs(got - np.asarray(rgb, np.float64)).max() <= tol, (name, yuv, got, rgb)


@pytest.mark.parametrize("name", device_names())
def test_every_record_is_complete(name):
    d = get_device(name)
    assert d.name == name and d.description.endswith(".")
    assert d.sources and all(s.document and s.text() for s in d.sources)
    assert callable(d.encode) and callable(d.decode)
    # a device (not one of the three reference conversions) cites its decoder in one line
    assert bool(d.source) == (name not in ("vendor-pil", "horizon", "opencv"))
    assert d.emit is not None or name == "vendor-pil"
    rgb = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    assert d.decode(d.encode(rgb)).shape == (4, 6, 3)


def test_reference_answers_agree_with_the_reference_libraries():
    """vendor-pil's and opencv's known answers from Pillow and OpenCV themselves."""
    for yuv, rgb in get_device("vendor-pil").examples:
        px = Image.merge("YCbCr", [Image.new("L", (1, 1), c) for c in yuv]).convert("RGB")
        assert px.getpixel((0, 0)) == tuple(rgb)
    for yuv, rgb in get_device("opencv").examples:
        buf = yuv_frame(yuv).tobytes()
        out = cv2.cvtColor(np.frombuffer(buf, np.uint8).reshape(3, 2), cv2.COLOR_YUV2RGB_NV12)
        assert out[0, 0].tolist() == list(rgb)


def test_openvino_answers_agree_with_openvino():
    ov = pytest.importorskip("openvino")
    from openvino import Type
    from openvino.preprocess import ColorFormat, PrePostProcessor

    param = ov.opset8.parameter([1, 2, 2, 3], Type.f32, name="x")
    model = ov.Model([ov.opset8.relu(param)], [param])
    ppp = PrePostProcessor(model)
    ppp.input().tensor().set_element_type(Type.u8).set_color_format(
        ColorFormat.NV12_TWO_PLANES, ["y", "uv"]
    )
    ppp.input().preprocess().convert_color(ColorFormat.RGB)
    ppp.input().model().set_layout(ov.Layout("NHWC"))
    compiled = ov.Core().compile_model(ppp.build(), "CPU")
    for yuv, rgb in get_device("openvino").examples:
        y, uv = yuv_frame(yuv).as_model_inputs()
        out = compiled({"x/y": y, "x/uv": uv})[0]
        assert out[0, 0, 0].tolist() == list(rgb), yuv


def test_preset_families_are_derived_from_one_table_each():
    aipp = [n for n in device_names() if n.startswith("ascend-aipp-")]
    assert aipp == [f"ascend-aipp-{p}" for p in AIPP_TABLE]
    for preset, (m, bias, swing, matrix) in AIPP_TABLE.items():
        d = get_device(f"ascend-aipp-{preset}")
        assert (d.swing, d.matrix) == (swing, matrix)
        assert AIPP_PRESETS[preset] == (m, bias)
    assert AIPP_STANDARDS == {
        ("full", "bt601"): "bt601-wide",
        ("studio", "bt601"): "bt601-narrow",
        ("full", "bt709"): "bt709-wide",
        ("studio", "bt709"): "bt709-narrow",
    }
    rga = [n for n in device_names() if n.startswith("rga-")]
    assert rga == [rga_device_name(m) for m in RGA_MODES]
    for mode, (swing, matrix) in RGA_MODES.items():
        assert (
            get_device(rga_device_name(mode)).swing,
            get_device(rga_device_name(mode)).matrix,
        ) == (swing, matrix)


def test_no_device_table_is_restated_elsewhere():
    """The AIPP matrices and the RGA modes appear in exactly one module of the package."""
    hits = {"(298, 0, 409)": [], "IM_YUV_TO_RGB_BT709_LIMIT": [], '"bt709-narrow"': []}
    for path in (ROOT / "nv12_widgets").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for key in hits:
            if key in text:
                hits[key].append(path.name)
    assert hits == {
        "(298, 0, 409)": ["ascend.py"],
        "IM_YUV_TO_RGB_BT709_LIMIT": ["rga.py"],
        '"bt709-narrow"': ["ascend.py"],
    }


def test_snippet_hooks_name_real_snippets():
    from nv12_widgets.model import PreprocessConfig
    from nv12_widgets.model.exchange.snippets import snippets, toolchain_snippets

    every = snippets(PreprocessConfig())
    for name in device_names():
        hook = get_device(name).snippets
        assert set(hook) <= set(every), name
        config = PreprocessConfig(profile=name)
        mine, theirs = toolchain_snippets(config), snippets(config)
        assert list(mine) == list(hook) and all(mine[k] == theirs[k] for k in hook)
    assert toolchain_snippets(PreprocessConfig()) == every
    assert "rknn" in toolchain_snippets(PreprocessConfig(), "rga-bt709-limited")


def test_docs_table_is_the_registry():
    text = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
    assert devices_table() in text, (
        "regenerate the table of docs/devices.md from nv12_widgets.devices.devices_table()"
    )
    for name in device_names():
        assert f"`{name}`" in text


def test_registration_rules():
    horizon = get_device("horizon")
    with pytest.raises(InputError, match="already registered"):
        register_device(horizon)
    with pytest.raises(InputError, match="Device record"):
        register_device({"name": "x"})
    with pytest.raises(InputError, match="swing"):
        register_device(dataclasses.replace(horizon, name="odd-swing", swing="wide"))
    assert "odd-swing" not in PROFILES
    before = dict(PROFILES)
    try:
        replaced = dataclasses.replace(horizon, description="replaced.")
        assert register_device(replaced, replace=True) is replaced
        assert get_device("horizon") is replaced and device_names() == tuple(before)
    finally:
        PROFILES.clear()
        PROFILES.update(before)


def test_devices_import_core_only_and_no_onnx():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")
                if top[0] == "nv12_widgets":
                    assert top[1] in ("core", "devices"), f"{path.name}: {node.module}"
                assert top[0] not in ("onnx", "onnxruntime"), path.name
    assert {p.stem for p in PACKAGE.glob("*.py")} >= set(FAMILIES)
    code = "import sys, nv12_widgets.devices; print('onnx' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_device_graph_uses_the_onnx_type_codes():
    from onnx import TensorProto

    from nv12_widgets.model.devicepath.builder import GraphBuilder
    from nv12_widgets.model.devicepath.profile_graphs import DeviceGraph

    b = GraphBuilder("t_")
    g = DeviceGraph(b)
    g.cast("x", np.float64, "x64")
    g.cast("x", np.float32, "x32")
    assert [n.attribute[0].i for n in b.nodes] == [TensorProto.DOUBLE, TensorProto.FLOAT]
