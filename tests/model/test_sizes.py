"""model.sizes: the size finder for dynamic inputs and the metadata reader.

The reference for "runs at this size" is onnxruntime itself on graphs built here whose
constraint is known by construction (a broadcast against a constant of height 48 runs at
height 48 only); the metadata reader is checked against a real Ultralytics export
(nudenet's YOLOv8 ``320n.onnx``) when that wheel is installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nv12_widgets.core import InputError
from nv12_widgets.model import Model, PreprocessConfig, SizeFinder, compare, read_metadata
from nv12_widgets.model.devicepath.sizes import PROBE_MAX_TRIES, stated_area
from nv12_widgets.model.devicepath.tensors import TensorInfo


def _height_48_only(metadata: dict[str, str] | None = None) -> onnx.ModelProto:
    """x [1, 3, ?, ?] + c [1, 1, 48, 1]: onnxruntime broadcasts only when height is 48."""
    c = np.linspace(0, 1, 48, dtype=np.float32).reshape(1, 1, 48, 1)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["y"])],
        "h48",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(c, "c")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        model.metadata_props.add(key=key, value=value)
    return model


def test_finder_learns_the_only_height_that_runs():
    model = Model(_height_48_only())
    finder = model.size_finder
    assert finder is not None and not finder.probed
    assert model.default_size((100, 400)) == (48, 192)  # the rule's (96, 384) does not run
    assert finder.probed and finder.probe() == [48]
    options = model.size_options((100, 400))
    assert [s for _, s in options][0] == (48, 192)
    assert all(s[0] == 48 for _, s in options)
    assert all("runs" in label for label, _ in options)
    assert finder.tries <= 40  # a probe, not a search of every size


def test_compare_at_the_found_size_and_the_failure_hint():
    model = Model(_height_48_only())
    with pytest.raises(InputError) as info:
        model.run_image(np.zeros((1, 3, 96, 96), np.float32))
    assert "config.size=(48, 48) (a size it was seen to run at" in str(info.value)
    rgb = np.random.default_rng(0).integers(0, 256, (100, 400, 3), dtype=np.uint8)
    size = model.default_size(rgb.shape[:2])
    result = compare(model, rgb, PreprocessConfig(size=size))
    assert result.size == (48, 192)


def test_metadata_size_comes_first_and_is_parsed_safely():
    meta = {"task": "detect", "stride": "16", "imgsz": "[48, 96]", "names": "{0: 'a'}"}
    model = Model(_height_48_only(meta))
    assert model.metadata.imgsz == (48, 96) and model.metadata.task == "detect"
    assert model.metadata.names == {0: "a"} and model.metadata.stride == 16
    options = model.size_options((100, 400))
    assert options[0] == ("48 x 96 (the model's export size)", (48, 96))
    hostile = read_metadata({"imgsz": "[" * 100000, "names": "__import__('os').system('x')"})
    assert hostile.imgsz is None and hostile.names is None
    assert read_metadata({"imgsz": "640", "stride": "-3"}).imgsz == (640, 640)
    assert read_metadata({"stride": "-3"}).stride is None


def test_finder_with_a_fixed_height_checks_widths_only():
    info = TensorInfo("x", (1, 3, 32, None), np.dtype("float32"), "NCHW", 3, None)
    seen = []

    def run(size):
        seen.append(size)
        if size[1] % 64:
            raise ValueError("widths must be multiples of 64")

    finder = SizeFinder(info, run)
    size = finder.default((32, 100))  # the rule's 32 x 96 fails: 32 x 128 / 32 x 64 run
    assert size in ((32, 128), (32, 64)) and size[1] % 64 == 0
    assert all(s[0] == 32 for s in seen)


def test_nothing_runs_falls_back_to_the_rule():
    info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)

    def run(size):
        raise ValueError("never")

    finder = SizeFinder(info, run, max_tries=10)
    assert finder.sizes((100, 400)) == []
    assert finder.default((100, 400)) == (96, 384)
    assert finder.tries <= 10 + 5  # the probe's budget, then half of it for squares


def test_ultralytics_metadata_of_a_real_export():
    nudenet = pytest.importorskip("nudenet")
    path = Path(nudenet.__file__).parent / "320n.onnx"
    if not path.is_file():
        pytest.skip("nudenet ships no 320n.onnx here")
    model = Model(path)
    meta = model.metadata
    assert meta.task == "detect" and meta.imgsz == (320, 320) and meta.stride == 32
    assert meta.author == "Ultralytics" and meta.names[1] == "FACE_FEMALE"
    assert model.size_options((480, 640))[0][1] == (320, 320)


def _flatten_gemm_48() -> onnx.ModelProto:
    """x [1, 3, ?, ?] -> Flatten -> Gemm with a (6912, 2) weight: runs where height x
    width is 2304 pixels (48 x 48 the square one; 144 x 16 too)."""
    w = np.ones((3 * 48 * 48, 2), np.float32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "w"], ["y"])],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_a_flatten_gemm_head_is_read_from_the_graph():
    """The Gemm weight fixes 6912 = 3 x 2304 inputs: sizes of 2304 pixels, no probing."""
    model = Model(_flatten_gemm_48())
    assert stated_area(model.proto, model.image) == 2304
    assert model.default_size((300, 300)) == (48, 48)
    options = model.size_options((480, 640))
    assert all(h * w == 2304 and "graph fixes 2304 pixels" in label for label, (h, w) in options)
    # two rule sizes tried (one per image), then sizes of 2304 pixels checked
    assert model.size_finder.tries <= 2 + 8 and model.size_finder.probed


def test_without_the_graph_squares_are_the_last_resort():
    info = TensorInfo("x", (1, 3, None, None), np.dtype("float32"), "NCHW", 3, None)

    def run(size):
        if size[0] * size[1] != 2304:
            raise ValueError("Gemm: K mismatch")

    finder = SizeFinder(info, run)
    assert finder.default((480, 640)) == (48, 48)
    assert finder.tries <= PROBE_MAX_TRIES * 3 // 2 + 1


def test_graph_constants_that_do_not_follow_the_pixels_say_nothing(conv_model):
    """A per-pixel / per-column head (here a 1x1-conv model) states no pixel count."""
    assert stated_area(conv_model.proto, conv_model.image) is None


def _height_32_only() -> onnx.ModelProto:
    """x [1, 3, ?, ?] + c [1, 1, 32, 1]: runs at height 32 only - the size rule's 32 x 32
    for a tiny image runs, the square presets 224 / 320 / 640 do not."""
    c = np.linspace(0, 1, 32, dtype=np.float32).reshape(1, 1, 32, 1)
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["y"])],
        "h32",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, "h", "w"])],
        initializer=[numpy_helper.from_array(c, "c")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_every_size_offered_runs_when_the_rules_size_runs():
    """The size control offered 224 x 224, 320 x 320 and 640 x 640 next to the rule's
    32 x 32 without trying them: on PP-OCRv4's recogniser (a 2 x 3 image) they failed
    in onnxruntime. Now every size offered is one the model was seen to run at."""
    model = Model(_height_32_only())
    options = model.size_options((2, 3))
    assert options[0][1] == (32, 32)
    rgb = np.random.default_rng(0).integers(0, 256, (24, 36, 3), dtype=np.uint8)
    for _label, size in options:
        assert size[0] == 32
        compare(model, rgb, PreprocessConfig(size=size))  # raises when it does not run


def test_every_size_offered_for_the_rapidocr_recogniser_runs():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    path = Path(rapidocr.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    model = Model(path)
    rgb = np.random.default_rng(1).integers(0, 256, (24, 36, 3), dtype=np.uint8)
    for _label, size in model.size_options((2, 3)):
        compare(model, rgb, PreprocessConfig(size=size))
